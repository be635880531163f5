import AthCrypto
import AthP2P
import AthPrimitives
import NIOCore
import NIOPosix
import Testing

/// What one manager's callbacks received.
private final class Recorder: Sendable {
    struct Received: Equatable, Sendable {
        let from: NodeID
        let channel: P2PChannel
        let message: [UInt8]
    }
    let messages = Locked([Received]())
    let connected = Locked([NodeID]())
    let disconnected = Locked([NodeID]())

    func received(_ r: Received) -> Bool { messages.withLock { $0.contains(r) } }
}

/// A running manager on 127.0.0.1 with its callbacks recorded.
private struct TestPeer {
    let key: Ed25519PrivateKey
    let manager: PeerManager
    let recorder: Recorder
    var id: NodeID { manager.nodeID }
    var port: Int { manager.listenPort ?? 0 }
    var address: PeerAddress { PeerAddress(nodeID: id, host: "127.0.0.1", port: port) }
    var peerIDs: [NodeID] { manager.peers.map(\.nodeID) }

    static func start(key: Ed25519PrivateKey = .generate(), port: Int = 0, persistent: [PeerAddress] = [],
                      pex: Bool = false, configure: (inout PeerManagerConfig) -> Void = { _ in }) async throws -> TestPeer {
        var config = PeerManagerConfig(networkName: TestNode.network)
        config.listenHost = "127.0.0.1"
        config.listenPort = port
        config.externalHost = "127.0.0.1"
        config.persistentPeers = persistent
        config.pex = pex
        config.dialBackoffMax = .seconds(1)
        configure(&config)
        let recorder = Recorder()
        let manager = PeerManager(nodeKey: key, config: config,
                                  onMessage: { id, channel, message in
                                      recorder.messages.withLock { $0.append(.init(from: id, channel: channel, message: message)) }
                                  },
                                  onPeerConnected: { id in recorder.connected.withLock { $0.append(id) } },
                                  onPeerDisconnected: { id in recorder.disconnected.withLock { $0.append(id) } })
        try await manager.start()
        return TestPeer(key: key, manager: manager, recorder: recorder)
    }
}

/// Polls `condition` every 20 ms for up to `seconds`. The deadline is long
/// because `make test` runs every suite of the package at once on a small
/// machine, where a connection can wait seconds for a thread; a condition
/// that holds returns as soon as it does.
private func eventually(within seconds: Double = 30, _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return condition()
}

/// A port nothing listens on now (bound once by the system, then released).
private func freePort() async throws -> Int {
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .bind(host: "127.0.0.1", port: 0).get()
    let port = try #require(channel.localAddress?.port)
    try await channel.close()
    return port
}

/// A bare authenticated connection to `peer`, to play a misbehaving node.
private func rawConnection(to peer: TestPeer, key: Ed25519PrivateKey = .generate()) async throws -> PeerConnection {
    try await PeerConnection.connect(host: "127.0.0.1", port: peer.port, nodeKey: key,
                                     config: TestNode.config, expectedNodeID: peer.id)
}

private func closedWithin(_ connection: PeerConnection, seconds: Double = 30) async -> Bool {
    (try? await withTimeout(seconds: seconds) { _ = await connection.closed() }) != nil
}

@Suite(.serialized) struct PeerManagerTests {
    @Test func broadcastReachesConnectedPeersWithSenderAndChannel() async throws {
        let c = try await TestPeer.start()
        let b = try await TestPeer.start(persistent: [c.address])
        let a = try await TestPeer.start(persistent: [b.address])
        #expect(await eventually { a.manager.peerCount == 1 && b.manager.peerCount == 2 && c.manager.peerCount == 1 })
        #expect(b.peerIDs.sorted { $0.bytes.lexicographicallyPrecedes($1.bytes) } == b.peerIDs)

        a.manager.broadcast(.vote, [1, 2, 3])
        #expect(await eventually { b.recorder.received(.init(from: a.id, channel: .vote, message: [1, 2, 3])) })
        let fromB = Array("from b".utf8)
        b.manager.broadcast(.proposal, fromB)
        #expect(await eventually {
            a.recorder.received(.init(from: b.id, channel: .proposal, message: fromB))
                && c.recorder.received(.init(from: b.id, channel: .proposal, message: fromB))
        })
        b.manager.broadcast(.status, [7], except: a.id)
        #expect(await eventually { c.recorder.received(.init(from: b.id, channel: .status, message: [7])) })
        #expect(a.manager.send(to: b.id, .transactions, [9]))
        #expect(await eventually { b.recorder.received(.init(from: a.id, channel: .transactions, message: [9])) })
        #expect(!a.manager.send(to: c.id, .transactions, [9]))

        #expect(!a.recorder.received(.init(from: b.id, channel: .status, message: [7])))
        #expect(c.recorder.messages.withLock { $0.allSatisfy { $0.from == b.id } })
        #expect(b.recorder.connected.withLock { Set($0) } == [a.id, c.id])
        #expect(a.manager.peers == [PeerInfo(nodeID: b.id, address: "127.0.0.1:\(b.port)", outbound: true, persistent: true)])
        for peer in [a, b, c] { await peer.manager.stop() }
        #expect(a.recorder.disconnected.withLock { $0 } == [b.id])
    }

    @Test func persistentPeerIsDialledOnceItStarts() async throws {
        let keyB = Ed25519PrivateKey.generate()
        let portB = try await freePort()
        let addressB = PeerAddress(nodeID: NodeID(publicKey: keyB.publicKey), host: "127.0.0.1", port: portB)
        let a = try await TestPeer.start(persistent: [addressB])
        try await Task.sleep(for: .seconds(1))
        #expect(a.manager.peerCount == 0)
        let b = try await TestPeer.start(key: keyB, port: portB)
        #expect(await eventually(within: 6) { a.peerIDs == [b.id] && b.peerIDs == [a.id] })
        await a.manager.stop()
        await b.manager.stop()
    }

    @Test func persistentPeerIsRedialledAfterItRestarts() async throws {
        let keyB = Ed25519PrivateKey.generate()
        let b1 = try await TestPeer.start(key: keyB)
        let portB = b1.port
        let a = try await TestPeer.start(persistent: [b1.address])
        #expect(await eventually { a.manager.peerCount == 1 && b1.manager.peerCount == 1 })
        await b1.manager.stop()
        #expect(await eventually { a.manager.peerCount == 0 })
        try await Task.sleep(for: .seconds(1))
        let b2 = try await TestPeer.start(key: keyB, port: portB)
        #expect(await eventually(within: 6) { a.peerIDs == [b2.id] && b2.peerIDs == [a.id] })
        #expect(await eventually { a.recorder.connected.withLock { $0 } == [b2.id, b2.id] })
        #expect(a.recorder.disconnected.withLock { $0 } == [b2.id])
        await a.manager.stop()
        await b2.manager.stop()
    }

    @Test func impostorOnPersistentAddressIsRefused() async throws {
        let impostor = try await TestPeer.start()
        let expected = NodeID(publicKey: Ed25519PrivateKey.generate().publicKey)
        let a = try await TestPeer.start(persistent: [PeerAddress(nodeID: expected, host: "127.0.0.1", port: impostor.port)])
        try await Task.sleep(for: .seconds(1))
        #expect(a.manager.peerCount == 0)
        await a.manager.stop()
        await impostor.manager.stop()
    }

    @Test func simultaneousDialsKeepOneConnectionEachSide() async throws {
        let (keyA, keyB) = (Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate())
        let (portA, portB) = (try await freePort(), try await freePort())
        let idA = NodeID(publicKey: keyA.publicKey), idB = NodeID(publicKey: keyB.publicKey)
        async let startA = TestPeer.start(key: keyA, port: portA,
                                          persistent: [PeerAddress(nodeID: idB, host: "127.0.0.1", port: portB)])
        async let startB = TestPeer.start(key: keyB, port: portB,
                                          persistent: [PeerAddress(nodeID: idA, host: "127.0.0.1", port: portA)])
        let (a, b) = try await (startA, startB)
        #expect(await eventually { a.manager.peerCount == 1 && b.manager.peerCount == 1 })
        try await Task.sleep(for: .seconds(2))
        let (infoA, infoB) = (a.manager.peers, b.manager.peers)
        #expect(infoA.map(\.nodeID) == [idB])
        #expect(infoB.map(\.nodeID) == [idA])
        // Both sides kept the same connection (which one depends on who dialled first).
        #expect(infoA.first?.outbound == infoB.first.map { !$0.outbound })
        // Callbacks pair up: one more connect than disconnect on each side.
        for peer in [a, b] {
            let balance = peer.recorder.connected.withLock { $0.count } - peer.recorder.disconnected.withLock { $0.count }
            #expect(balance == 1)
        }
        #expect(a.manager.send(to: idB, .vote, [1]))
        #expect(await eventually { b.recorder.received(.init(from: idA, channel: .vote, message: [1])) })
        await a.manager.stop()
        await b.manager.stop()
    }

    /// A connected to B by dialling; then B's key dials A. A keeps the
    /// connection dialled by the lower node id, as B would.
    @Test(arguments: [true, false])
    func duplicateConnectionKeepsTheOneDialledByTheLowerNodeID(localIsLower: Bool) async throws {
        var (keyA, keyB) = (Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate())
        while NodeID(publicKey: keyA.publicKey).bytes.lexicographicallyPrecedes(NodeID(publicKey: keyB.publicKey).bytes)
            != localIsLower {
            keyA = .generate()
        }
        let b = try await TestPeer.start(key: keyB)
        let a = try await TestPeer.start(key: keyA, persistent: [b.address])
        #expect(await eventually { a.manager.peers.first?.outbound == true })
        let second = try await rawConnection(to: a, key: keyB)
        if localIsLower {
            #expect(await closedWithin(second))
            #expect(a.manager.peers.map(\.outbound) == [true])
        } else {
            #expect(await eventually { b.manager.peerCount == 0 })
            #expect(second.isOpen)
            #expect(a.manager.peers.map(\.outbound) == [false])
        }
        #expect(a.manager.send(to: b.id, .vote, [1]))
        try await Task.sleep(for: .milliseconds(500))
        #expect(a.manager.peerCount == 1)
        await a.manager.stop()
        await b.manager.stop()
    }

    @Test func selfConnectionIsRefused() async throws {
        let key = Ed25519PrivateKey.generate()
        let a = try await TestPeer.start(key: key)
        let raw = try await rawConnection(to: a, key: key)
        #expect(await closedWithin(raw))
        #expect(a.manager.peerCount == 0)
        await a.manager.stop()
    }

    @Test func unknownChannelGetsPeerBannedAndItsRedialRefused() async throws {
        let a = try await TestPeer.start()
        let evilKey = Ed25519PrivateKey.generate()
        let evilID = NodeID(publicKey: evilKey.publicKey)
        let raw = try await rawConnection(to: a, key: evilKey)
        #expect(await eventually { a.manager.peerCount == 1 })
        try raw.send(channel: 200, message: [1, 2, 3])
        #expect(await closedWithin(raw))
        #expect(a.manager.isBanned(evilID))
        #expect(await eventually { a.manager.peerCount == 0 })

        // The same node redialling, persistent on its side, is refused each time.
        let evil = try await TestPeer.start(key: evilKey, persistent: [a.address])
        try await Task.sleep(for: .seconds(1.5))
        #expect(a.manager.peerCount == 0)
        #expect(a.recorder.connected.withLock { $0 } == [evilID])
        #expect(a.recorder.messages.withLock { $0.isEmpty })
        #expect(!a.manager.isBanned(NodeID(publicKey: Ed25519PrivateKey.generate().publicKey)))
        await evil.manager.stop()
        await a.manager.stop()
    }

    @Test func bannedPersistentPeerIsNotRedialled() async throws {
        let b = try await TestPeer.start()
        let a = try await TestPeer.start(persistent: [b.address])
        #expect(await eventually { a.manager.peerCount == 1 })
        a.manager.ban(b.id, reason: "test")
        #expect(a.manager.isBanned(b.id))
        #expect(await eventually { a.manager.peerCount == 0 && b.manager.peerCount == 0 })
        try await Task.sleep(for: .seconds(1.5))
        #expect(a.manager.peerCount == 0 && b.manager.peerCount == 0)
        #expect(b.recorder.connected.withLock { $0.count } == 1)
        await a.manager.stop()
        await b.manager.stop()
    }

    @Test(arguments: [
        [0xff] as [UInt8],                                                   // not RLP
        PEXMessage(kind: .request, advertised: PEXEndpoint(host: "bad host", port: 1)).encode(),
        PEXMessage(kind: .request, advertised: nil).encode() + [0],          // trailing byte
    ])
    func malformedPEXMessageGetsPeerBanned(message: [UInt8]) async throws {
        let a = try await TestPeer.start(pex: true)
        let evilKey = Ed25519PrivateKey.generate()
        let raw = try await rawConnection(to: a, key: evilKey)
        try raw.send(channel: P2PChannel.pex.rawValue, message: message)
        #expect(await closedWithin(raw))
        #expect(a.manager.isBanned(NodeID(publicKey: evilKey.publicKey)))
        await a.manager.stop()
    }

    @Test func pexFloodGetsPeerBanned() async throws {
        let a = try await TestPeer.start(pex: true)
        let evilKey = Ed25519PrivateKey.generate()
        let raw = try await rawConnection(to: a, key: evilKey)
        let request = PEXMessage(kind: .request, advertised: nil).encode()
        for _ in 0..<25 { try? raw.send(channel: P2PChannel.pex.rawValue, message: request) }
        #expect(await closedWithin(raw))
        #expect(a.manager.isBanned(NodeID(publicKey: evilKey.publicKey)))
        await a.manager.stop()
    }

    @Test func inboundLimitRefusesExtraPeersButNotPersistentOnes() async throws {
        let persistentKey = Ed25519PrivateKey.generate()
        let unreachable = PeerAddress(nodeID: NodeID(publicKey: persistentKey.publicKey), host: "127.0.0.1",
                                      port: try await freePort())
        let a = try await TestPeer.start(persistent: [unreachable]) { $0.maxInbound = 1 }
        let firstKey = Ed25519PrivateKey.generate()
        let first = try await rawConnection(to: a, key: firstKey)
        #expect(await eventually { a.manager.peerCount == 1 })
        let second = try await rawConnection(to: a)
        #expect(await closedWithin(second))
        #expect(first.isOpen)
        #expect(a.peerIDs == [NodeID(publicKey: firstKey.publicKey)])
        let persistent = try await rawConnection(to: a, key: persistentKey)
        #expect(await eventually { a.manager.peerCount == 2 })
        #expect(persistent.isOpen)
        #expect(a.manager.peers.first { $0.nodeID == unreachable.nodeID }?.persistent == true)
        await a.manager.stop()
    }

    @Test func peerExchangeTeachesAddressesThatAreThenDialled() async throws {
        let b = try await TestPeer.start(pex: true)
        let a = try await TestPeer.start(persistent: [b.address], pex: true)
        let c = try await TestPeer.start(persistent: [a.address], pex: true)
        #expect(await eventually(within: 8) { c.peerIDs.contains(b.id) && b.peerIDs.contains(c.id) })
        let viaPEX = c.manager.peers.first { $0.nodeID == b.id }
        #expect(viaPEX == PeerInfo(nodeID: b.id, address: "127.0.0.1:\(b.port)", outbound: true, persistent: false))
        // B learned C's advertised listen address from C's own request.
        #expect(await eventually { b.manager.peers.first { $0.nodeID == c.id }?.address == "127.0.0.1:\(c.port)" })
        for peer in [c, a, b] { await peer.manager.stop() }
    }

    @Test func seedIsLeftOnceItHasAnsweredAndLearnedPeersFillTheOutboundSlot() async throws {
        let b = try await TestPeer.start(pex: true)
        let seed = try await TestPeer.start(persistent: [b.address], pex: true)
        let c = try await TestPeer.start(pex: true) { config in
            config.seeds = [PeerAddress(nodeID: seed.id, host: "127.0.0.1", port: seed.port)]
            config.maxOutbound = 1
        }
        // C's one outbound slot goes to the seed, then (after it answered) to B.
        // The seed learned C's advertised address and may dial C in turn: inbound for C.
        let outbound = { c.manager.peers.filter(\.outbound).map(\.nodeID) }
        #expect(await eventually(within: 8) { outbound() == [b.id] })
        #expect(await eventually { c.recorder.disconnected.withLock { $0.first } == seed.id })
        try await Task.sleep(for: .seconds(1))
        #expect(outbound() == [b.id])
        for peer in [c, seed, b] { await peer.manager.stop() }
    }
}

@Suite struct PeerAddressTests {
    static let hex = String(repeating: "ab", count: 20)
    static let id = try! NodeID(hex: hex)

    @Test func parsesHostNamesIPv4AndBracketedIPv6() throws {
        let plain = try PeerAddress(parsing: "\(Self.hex)@127.0.0.1:26656")
        #expect(plain == PeerAddress(nodeID: Self.id, host: "127.0.0.1", port: 26656))
        #expect(plain.description == "\(Self.hex)@127.0.0.1:26656")
        let named = try PeerAddress(parsing: "  0x\(Self.hex.uppercased())@node-1.example.com:1 ")
        #expect(named == PeerAddress(nodeID: Self.id, host: "node-1.example.com", port: 1))
        let v6 = try PeerAddress(parsing: "\(Self.hex)@[::1]:65535")
        #expect(v6 == PeerAddress(nodeID: Self.id, host: "::1", port: 65535))
        #expect(try PeerAddress(parsing: v6.description) == v6)
        let list = try PeerAddress.parseList(" \(Self.hex)@a:1, ,\(Self.hex)@b:2,")
        #expect(list.map(\.hostPort) == ["a:1", "b:2"])
        #expect(try PeerAddress.parseList("  ").isEmpty)
    }

    @Test(arguments: [
        ("127.0.0.1:26656", P2PError.peerAddressMissingNodeID(address: "127.0.0.1:26656")),
        ("abcd@h:1", .peerAddressInvalidNodeID(address: "abcd@h:1", reason: .wrongLength(got: 2, expected: 20))),
        ("\(hex)@127.0.0.1", .peerAddressMissingPort(address: "\(hex)@127.0.0.1")),
        ("\(hex)@[::1]26656", .peerAddressMissingPort(address: "\(hex)@[::1]26656")),
        ("\(hex)@h:0", .peerAddressInvalidPort(address: "\(hex)@h:0", port: "0")),
        ("\(hex)@h:65536", .peerAddressInvalidPort(address: "\(hex)@h:65536", port: "65536")),
        ("\(hex)@h:http", .peerAddressInvalidPort(address: "\(hex)@h:http", port: "http")),
        ("\(hex)@h:", .peerAddressInvalidPort(address: "\(hex)@h:", port: "")),
        ("\(hex)@:26656", .peerAddressInvalidHost(address: "\(hex)@:26656", host: "")),
        ("\(hex)@::1:26656", .peerAddressInvalidHost(address: "\(hex)@::1:26656", host: "::1")),
        ("\(hex)@bad host:1", .peerAddressInvalidHost(address: "\(hex)@bad host:1", host: "bad host")),
        ("\(hex)@\(String(repeating: "a", count: 254)):1",
         .peerAddressInvalidHost(address: "\(hex)@\(String(repeating: "a", count: 254)):1",
                                 host: String(repeating: "a", count: 254))),
    ])
    func malformedAddressesAreRefusedWithTheirPart(text: String, error: P2PError) {
        #expect(throws: error) { try PeerAddress(parsing: text) }
        #expect(throws: error) { try PeerAddress.parseList("\(Self.hex)@good:1, \(text)") }
        #expect(error.description.contains("peer address"))
    }
}

@Suite struct SeenCacheTests {
    private func hash(_ n: Int) -> Hash32 { Hash32(Array(repeating: 0, count: 24) + withUnsafeBytes(of: UInt64(n).bigEndian, Array.init))! }

    @Test func remembersUntilEvictedOldestFirst() {
        let cache = SeenCache(capacity: 3)
        #expect(cache.insert(hash(1)) && cache.insert(hash(2)) && cache.insert(hash(3)))
        #expect(!cache.insert(hash(1)))
        #expect(cache.insert(hash(4)))
        #expect(!cache.contains(hash(1)))
        #expect(cache.contains(hash(2)) && cache.contains(hash(3)) && cache.contains(hash(4)))
        #expect(cache.count == 3)
        #expect(cache.insert(hash(1)))
        #expect(!cache.contains(hash(2)))
    }

    @Test func staysBoundedUnderManyInserts() {
        let cache = SeenCache(capacity: 100)
        for n in 0..<10_000 { #expect(cache.insert(hash(n))) }
        #expect(cache.count == 100)
        #expect(cache.contains(hash(9_999)) && !cache.contains(hash(9_899)))
    }
}

@Suite struct PEXMessageTests {
    private func address(_ n: Int, host: String = "10.0.0.1") -> PeerAddress {
        PeerAddress(nodeID: NodeID(bytes: [UInt8](repeating: UInt8(n), count: 20))!, host: host, port: 26656 + n)
    }

    @Test func roundTripsRequestsAndResponses() throws {
        let request = PEXMessage(kind: .request, advertised: PEXEndpoint(host: "127.0.0.1", port: 26656))
        #expect(try PEXMessage.decode(request.encode()) == request)
        let anonymous = PEXMessage(kind: .request, advertised: nil)
        #expect(try PEXMessage.decode(anonymous.encode()) == anonymous)
        let longHost = String(repeating: "h", count: PeerAddress.maxHostBytes)
        let full = PEXMessage(kind: .response, advertised: PEXEndpoint(host: longHost, port: 65535),
                              addresses: (0..<PEXMessage.maxAddresses).map { address($0, host: longHost) })
        let bytes = full.encode()
        #expect(bytes.count <= PEXMessage.maxEncodedSize)
        #expect(try PEXMessage.decode(bytes) == full)
        #expect(try PEXMessage.decode(bytes).encode() == bytes)
    }

    /// RLP [kind, host, port, [entries]] built by hand, to write what the encoder never would.
    private func raw(kind: UInt64 = 2, host: [UInt8] = [], port: [UInt8] = [],
                     entries: [(id: [UInt8], host: [UInt8], port: [UInt8])] = []) -> [UInt8] {
        var w = RLPWriter()
        w.appendList { l in
            l.append(kind)
            l.append(bytes: host)
            l.append(bytes: port)
            l.appendList { list in
                for e in entries { list.appendList { x in x.append(bytes: e.id); x.append(bytes: e.host); x.append(bytes: e.port) } }
            }
        }
        return w.bytes
    }

    @Test func refusesMalformedAndOutOfBoundsMessages() {
        let id = [UInt8](repeating: 1, count: 20), host = Array("h".utf8)
        let cases: [[UInt8]] = [
            [],                                                             // empty
            [0xc0],                                                         // too few fields
            raw(kind: 3),                                                   // unknown kind
            raw(kind: 1, entries: [(id, host, [1])]),                       // request with addresses
            raw(host: host),                                                // host without port
            raw(port: [1]),                                                 // port without host
            raw(host: host, port: [0x01, 0x00, 0x00]),                      // port 65536
            raw(entries: [(Array(id.prefix(19)), host, [1])]),              // short node id
            raw(entries: [(id, [], [1])]),                                  // empty host
            raw(entries: [(id, Array("a b".utf8), [1])]),                   // space in host
            raw(entries: [(id, host, [])]),                                 // port 0
            raw(entries: [(id, host, [0, 1])]),                             // non-canonical integer
            raw(entries: Array(repeating: (id, host, [1]), count: PEXMessage.maxAddresses + 1)),
            raw() + [0x80],                                                 // trailing bytes
            [UInt8](repeating: 0, count: PEXMessage.maxEncodedSize + 1),
        ]
        for bytes in cases {
            #expect(throws: P2PError.self) { try PEXMessage.decode(bytes) }
            do {
                _ = try PEXMessage.decode(bytes)
            } catch {
                guard case .malformedPEXMessage(let reason) = error else {
                    Issue.record("unexpected error \(error)")
                    continue
                }
                #expect(!reason.isEmpty)
            }
        }
    }
}
