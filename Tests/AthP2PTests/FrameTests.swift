import AthCrypto
import AthP2P
import AthPrimitives
import Testing

/// Attacks after a completed handshake: the listener's side of the attacker's
/// connection must close with the right reason, the honest pair must not notice.
@Suite struct FrameTests {
    /// A node, an honest pair on it, and an attacker that completed the handshake.
    private func setUp(config: P2PConfig = P2PConfig(networkName: TestNode.network))
        async throws -> (TestNode, (PeerConnection, PeerConnection), RawTCPPeer, FrameSealer, PeerConnection) {
        let node = try await TestNode.start(config: config)
        let key = Ed25519PrivateKey.generate()
        let client = try await PeerConnection.connect(host: "127.0.0.1", port: node.port, nodeKey: key,
                                                      config: P2PConfig(networkName: TestNode.network))
        let honestInbound = try await withTimeout { try await node.nextInbound() }
        let raw = try await RawTCPPeer.connect(port: node.port)
        let (sealer, _) = try await raw.handshake(nodeKey: .generate(), networkName: TestNode.network)
        let attackerInbound = try await withTimeout { try await node.nextInbound() }
        return (node, (client, honestInbound), raw, sealer, attackerInbound)
    }

    private func expectStillWorks(_ pair: (PeerConnection, PeerConnection)) async throws {
        try pair.0.send(channel: 3, message: [1, 2, 3])
        let got = try await withTimeout {
            var iterator = pair.1.messages.makeAsyncIterator()
            return await iterator.next()
        }
        #expect(got == PeerMessage(channel: 3, message: [1, 2, 3]))
    }

    @Test func oversizedFrameHeaderCloses() async throws {
        let (node, pair, raw, _, attacker) = try await setUp()
        try await raw.write([0xff, 0xff, 0xff, 0xff])
        let limit = attacker.config.maxFrameBytes + Frame.tagCount
        #expect(try await withTimeout { await attacker.closed() } == .frameTooLarge(sealedBytes: Int(UInt32.max), limit: limit))
        #expect(await raw.closedByPeer())
        try await expectStillWorks(pair)
        await node.listener.stop()
    }

    @Test func tamperedFrameCloses() async throws {
        let (node, pair, raw, initialSealer, attacker) = try await setUp()
        var sealer = initialSealer
        var frame = try sealer.seal([5] + Array("hello".utf8))
        frame[Frame.headerCount + 2] ^= 0x10
        try await raw.write(frame)
        #expect(try await withTimeout { await attacker.closed() } == .frameAuthenticationFailed(counter: 1))
        #expect(await raw.closedByPeer())
        try await expectStillWorks(pair)
        await node.listener.stop()
    }

    @Test func replayedFrameCloses() async throws {
        let (node, pair, raw, initialSealer, attacker) = try await setUp()
        var sealer = initialSealer
        let frame = try sealer.seal([5] + Array("hello".utf8))
        try await raw.write(frame)
        try await raw.write(frame)
        let first = try await withTimeout {
            var iterator = attacker.messages.makeAsyncIterator()
            return await iterator.next()
        }
        #expect(first == PeerMessage(channel: 5, message: Array("hello".utf8)))
        #expect(try await withTimeout { await attacker.closed() } == .frameAuthenticationFailed(counter: 2))
        try await expectStillWorks(pair)
        await node.listener.stop()
    }

    @Test func peerThatNeverReadsIsDisconnected() async throws {
        let limit = 1 << 20
        let config = P2PConfig(networkName: TestNode.network, maxOutboundQueueBytes: limit)
        let (node, pair, raw, _, attacker) = try await setUp(config: config)
        try await raw.stopReading()
        let chunk = [UInt8](repeating: 0x5a, count: 64 << 10)
        var refused: P2PError?
        for _ in 0..<4096 {
            do {
                try attacker.send(channel: 1, message: chunk)
            } catch {
                refused = error
                break
            }
            #expect(attacker.queuedOutboundBytes <= limit)
            await Task.yield()
        }
        #expect(refused == .outboundQueueFull(limitBytes: limit))
        #expect(try await withTimeout { await attacker.closed() } == .outboundQueueFull(limitBytes: limit))
        try await expectStillWorks(pair)
        await raw.close()
        await node.listener.stop()
    }
}
