import AthCrypto
import AthP2P
import AthPrimitives
import NIOCore
import Testing

/// Attacks after a completed handshake: the listener's side of the attacker's
/// connection must close with the right reason, the honest pair must not notice.
@Suite struct FrameTests {
    /// A node, an honest pair on it, and an attacker that completed the handshake.
    private func setUp(config: P2PConfig = TestNode.config)
        async throws -> (TestNode, (PeerConnection, PeerConnection), RawTCPPeer, FrameSealer, PeerConnection) {
        let node = try await TestNode.start(config: config)
        let key = Ed25519PrivateKey.generate()
        let client = try await PeerConnection.connect(host: "127.0.0.1", port: node.port, nodeKey: key,
                                                      config: TestNode.config)
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
        let config = P2PConfig(networkName: TestNode.network, handshakeTimeout: TestNode.handshakeTimeout, maxOutboundQueueBytes: limit)
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

    // MARK: Sealing into buffers, opening as bytes arrive

    @Test func sealingIntoABufferGivesTheSameFrameAsSealingAnArray() throws {
        let key = [UInt8](repeating: 0x5c, count: 32)
        var arraySealer = FrameSealer(key: key)
        var bufferSealer = FrameSealer(key: key)
        var buffer = ByteBuffer(bytes: [0xee])
        var expected: [UInt8] = [0xee]
        let messages: [[UInt8]] = [[], [1], Array("block".utf8), (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }]
        for message in messages {
            expected += try arraySealer.seal([9] + message)
            try bufferSealer.seal(channel: 9, message: message, into: &buffer)
        }
        #expect(Array(buffer.readableBytesView) == expected)
        #expect(bufferSealer.counter == UInt64(messages.count))
    }

    @Test func openingInPlaceMatchesOpenAndRefusesTampering() throws {
        let key = [UInt8](repeating: 0x5c, count: 32)
        var sealer = FrameSealer(key: key)
        var opener = FrameOpener(key: key)
        for message in [[7], [UInt8](repeating: 0x44, count: 5000)] as [[UInt8]] {
            var sealed = Array(try sealer.seal(message).dropFirst(Frame.headerCount))
            #expect(try sealed.withUnsafeMutableBytes { Array(try opener.openInPlace($0)) } == message)
        }
        var sealed = Array(try sealer.seal([1, 2, 3]).dropFirst(Frame.headerCount))
        sealed[1] ^= 1
        #expect(throws: P2PError.frameAuthenticationFailed(counter: 2)) {
            try sealed.withUnsafeMutableBytes { _ = try opener.openInPlace($0) }
        }
        #expect(opener.counter == 2)
    }

    @Test func frameArrivingInPiecesIsDeliveredWhole() async throws {
        let (node, pair, raw, initialSealer, attacker) = try await setUp()
        var sealer = initialSealer
        let big = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 1) }
        let first = try sealer.seal([4] + big)
        let second = try sealer.seal([5] + Array("after".utf8))
        let third = try sealer.seal([6])
        let stream = first + second + third
        // Cut inside the header, at the channel byte, inside the ciphertext and
        // the tag, and across frames.
        let cuts = [0, 2, 4, 5, 1000, 150_000, first.count - 9, first.count + 3, first.count + second.count + 1, stream.count]
        for (a, b) in zip(cuts, cuts.dropFirst()) { try await raw.write(Array(stream[a..<b])) }
        let got = try await withTimeout {
            var iterator = attacker.messages.makeAsyncIterator()
            return [await iterator.next(), await iterator.next(), await iterator.next()]
        }
        #expect(got == [PeerMessage(channel: 4, message: big), PeerMessage(channel: 5, message: Array("after".utf8)),
                        PeerMessage(channel: 6, message: [])])
        try await expectStillWorks(pair)
        await node.listener.stop()
    }

    @Test func tamperedTagOfAFrameArrivingInPiecesCloses() async throws {
        let (node, pair, raw, initialSealer, attacker) = try await setUp()
        var sealer = initialSealer
        var frame = try sealer.seal([4] + [UInt8](repeating: 0x61, count: 200_000))
        frame[frame.count - 1] ^= 0x01
        try await raw.write(Array(frame.prefix(100_000)))
        try await raw.write(Array(frame.dropFirst(100_000)))
        #expect(try await withTimeout { await attacker.closed() } == .frameAuthenticationFailed(counter: 1))
        #expect(await raw.closedByPeer())
        try await expectStillWorks(pair)
        await node.listener.stop()
    }

    @Test func framesSentBackToBackOpenInOrder() async throws {
        let node = try await TestNode.start()
        let raw = try await RawTCPPeer.connect(port: node.port)
        var (_, opener) = try await raw.handshake(nodeKey: .generate(), networkName: TestNode.network)
        let sender = try await withTimeout { try await node.nextInbound() }
        let messages: [[UInt8]] = [(0..<400_000).map { UInt8(truncatingIfNeeded: $0 &* 3) }, [], Array("vote".utf8),
                                   [UInt8](repeating: 0x7f, count: 70_000)]
        for message in messages { try sender.send(channel: 6, message: message) }
        for message in messages {
            let header = try await raw.read(Frame.headerCount)
            let length = header.reduce(0) { $0 << 8 | Int($1) }
            #expect(try opener.open(try await raw.read(length)) == [6] + message)
        }
        await raw.close()
        await node.listener.stop()
    }
}
