import AthCrypto
import AthP2P
import AthPrimitives
import Testing

/// An honest pair of connections on `node`'s listener: (our dialled side, the listener's side).
private func honestPair(_ node: TestNode) async throws -> (PeerConnection, PeerConnection) {
    let key = Ed25519PrivateKey.generate()
    let client = try await PeerConnection.connect(host: "127.0.0.1", port: node.port, nodeKey: key,
                                                  config: TestNode.config,
                                                  expectedNodeID: node.nodeID)
    let inbound = try await withTimeout { try await node.nextInbound() }
    #expect(inbound.remoteNodeID == NodeID(publicKey: key.publicKey))
    return (client, inbound)
}

private func next(_ connection: PeerConnection) async throws -> PeerMessage? {
    try await withTimeout {
        var iterator = connection.messages.makeAsyncIterator()
        return await iterator.next()
    }
}

/// Messages still flow both ways on an honest pair.
private func expectStillWorks(_ pair: (PeerConnection, PeerConnection)) async throws {
    try pair.0.send(channel: 7, message: Array("ping".utf8))
    #expect(try await next(pair.1) == PeerMessage(channel: 7, message: Array("ping".utf8)))
    try pair.1.send(channel: 8, message: Array("pong".utf8))
    #expect(try await next(pair.0) == PeerMessage(channel: 8, message: Array("pong".utf8)))
}

@Suite struct SecretConnectionTests {
    @Test func nodesAuthenticateAndExchangeMessagesOnSeveralChannels() async throws {
        let node = try await TestNode.start()
        let (client, inbound) = try await honestPair(node)
        #expect(client.remoteNodeID == node.nodeID)
        #expect(client.remoteNodeID.description.count == 40)

        let limit = client.config.maxMessageBytes
        var big = [UInt8](repeating: 0, count: limit)
        for i in stride(from: 0, to: big.count, by: 4096) { big[i] = UInt8(truncatingIfNeeded: i >> 12) }
        let outgoing = [PeerMessage(channel: 0, message: []), PeerMessage(channel: 1, message: Array("tx".utf8)),
                        PeerMessage(channel: 2, message: [UInt8](repeating: 0xab, count: 70_000)),
                        PeerMessage(channel: 255, message: big)]
        for m in outgoing { try client.send(channel: m.channel, message: m.message) }
        for m in outgoing.reversed() { try inbound.send(channel: m.channel, message: m.message) }
        let (toServer, toClient) = try await withTimeout(seconds: 20) {
            var a = inbound.messages.makeAsyncIterator()
            var b = client.messages.makeAsyncIterator()
            var x = [PeerMessage](), y = [PeerMessage]()
            for _ in outgoing { x.append(await a.next()!); y.append(await b.next()!) }
            return (x, y)
        }
        #expect(toServer == outgoing)
        #expect(toClient == outgoing.reversed())
        #expect(throws: P2PError.messageTooLarge(got: limit + 1, limit: limit)) {
            try client.send(channel: 1, message: [UInt8](repeating: 0, count: limit + 1))
        }
        await client.close()
        await node.listener.stop()
    }

    @Test func garbageInsteadOfHelloIsRefused() async throws {
        let node = try await TestNode.start()
        let pair = try await honestPair(node)
        let raw = try await RawTCPPeer.connect(port: node.port)
        try await raw.write(Array("GET / HTTP/1.1\r\nHost: example\r\n\r\n......".utf8))
        #expect(await raw.closedByPeer())
        #expect(try await node.firstRefusal() == .wrongMagic(got: Array("GET ".utf8)))
        try await expectStillWorks(pair)
        await node.listener.stop()
    }

    @Test(arguments: [[UInt8](repeating: 0, count: 32), [1] + [UInt8](repeating: 0, count: 31)])
    func lowOrderEphemeralKeyIsRefused(key: [UInt8]) async throws {
        let node = try await TestNode.start()
        let pair = try await honestPair(node)
        let raw = try await RawTCPPeer.connect(port: node.port)
        try await raw.write(Hello.encode(ephemeralPublicKey: key))
        #expect(await raw.closedByPeer())
        #expect(try await node.firstRefusal() == .lowOrderEphemeralKey)
        try await expectStillWorks(pair)
        await node.listener.stop()
    }

    @Test func badTranscriptSignatureIsRefused() async throws {
        let node = try await TestNode.start()
        let pair = try await honestPair(node)
        let raw = try await RawTCPPeer.connect(port: node.port)
        let attacker = Ed25519PrivateKey.generate()
        _ = try await raw.handshake(nodeKey: attacker, networkName: TestNode.network, forgeSignature: true)
        #expect(await raw.closedByPeer())
        #expect(try await node.firstRefusal() == .invalidSignature(nodeID: NodeID(publicKey: attacker.publicKey)))
        try await expectStillWorks(pair)
        await node.listener.stop()
    }

    @Test func expectedNodeIDMismatchIsRefused() async throws {
        let node = try await TestNode.start()
        let pair = try await honestPair(node)
        let wrong = NodeID(publicKey: Ed25519PrivateKey.generate().publicKey)
        await #expect(throws: P2PError.nodeIDMismatch(got: node.nodeID, expected: wrong)) {
            _ = try await PeerConnection.connect(host: "127.0.0.1", port: node.port, nodeKey: .generate(),
                                                 config: TestNode.config, expectedNodeID: wrong)
        }
        try await expectStillWorks(pair)
        await node.listener.stop()
    }

    @Test func handshakeTimeoutClosesSilentPeer() async throws {
        let node = try await TestNode.start(config: P2PConfig(networkName: TestNode.network, handshakeTimeout: .milliseconds(300)))
        let pair = try await honestPair(node)
        let raw = try await RawTCPPeer.connect(port: node.port)
        #expect(await raw.closedByPeer(within: 5))
        #expect(try await node.firstRefusal() == .handshakeTimeout(milliseconds: 300))
        try await expectStillWorks(pair)
        await node.listener.stop()
    }
}
