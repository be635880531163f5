import AthCrypto
import AthPrimitives
import AthP2P
import NIOCore
import NIOPosix

/// A plain TCP client that sends and receives raw bytes, to play a hostile peer.
final class RawTCPPeer: Sendable {
    private let channel: any Channel
    private let received: Locked<[UInt8]>

    private init(channel: any Channel, received: Locked<[UInt8]>) {
        self.channel = channel
        self.received = received
    }

    static func connect(port: Int) async throws -> RawTCPPeer {
        let received = Locked([UInt8]())
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Collector(received: received))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return RawTCPPeer(channel: channel, received: received)
    }

    func write(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(channel.allocator.buffer(bytes: bytes)).get()
    }

    /// Stops reading from the socket (the kernel buffers fill, then the sender's queue).
    func stopReading() async throws {
        try await channel.setOption(.autoRead, value: false).get()
    }

    /// Takes exactly `count` received bytes, waiting up to `seconds`.
    func read(_ count: Int, seconds: Double = 60) async throws -> [UInt8] {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            let got = received.withLock { buffer -> [UInt8]? in
                guard buffer.count >= count else { return nil }
                let out = Array(buffer.prefix(count))
                buffer.removeFirst(count)
                return out
            }
            if let got { return got }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw TestTimeout()
    }

    /// Whether the other side closed the connection within `seconds`.
    func closedByPeer(within seconds: Double = 30) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if !channel.isActive { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return false
    }

    func close() async { try? await channel.close() }

    /// Runs the real handshake as `nodeKey`, optionally with a forged
    /// signature; returns the frame sealer and opener for the session.
    func handshake(nodeKey: Ed25519PrivateKey, networkName: String,
                   forgeSignature: Bool = false) async throws -> (FrameSealer, FrameOpener) {
        let ephemeral = EphemeralKeyPair.generate()
        try await write(Hello.encode(ephemeralPublicKey: ephemeral.publicKey))
        let remoteKey = try Hello.decode(try await read(Hello.byteCount))
        let session = try HandshakeSession.derive(local: ephemeral, remotePublicKey: remoteKey, networkName: networkName)
        var sealer = FrameSealer(key: session.sendKey)
        var opener = FrameOpener(key: session.receiveKey)
        var auth = AuthMessage.encode(nodeKey: nodeKey, transcript: session.transcript)
        if forgeSignature { auth[auth.count - 1] ^= 0x01 }
        try await write(try sealer.seal(auth))
        let header = try await read(Frame.headerCount)
        let length = header.reduce(0) { $0 << 8 | Int($1) }
        _ = try opener.open(try await read(length))
        return (sealer, opener)
    }
}

private final class Collector: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let received: Locked<[UInt8]>
    init(received: Locked<[UInt8]>) { self.received = received }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        received.withLock { $0.append(contentsOf: bytes) }
    }
}

struct TestTimeout: Error {}

/// A listener on an ephemeral 127.0.0.1 port that records refusals.
struct TestNode {
    static let network = "ath-test"
    /// `make test` starts every suite at once, and on two cores the test
    /// process can wait tens of seconds for a thread: a handshake timer that
    /// short could fire before bytes that already arrived are read.
    static let handshakeTimeout = TimeAmount.seconds(90)
    static let config = P2PConfig(networkName: network, handshakeTimeout: handshakeTimeout)
    let key: Ed25519PrivateKey
    let listener: P2PListener
    let refusals: Locked<[P2PError]>
    var port: Int { listener.port! }
    var nodeID: NodeID { NodeID(publicKey: key.publicKey) }

    static func start(config: P2PConfig = config) async throws -> TestNode {
        let key = Ed25519PrivateKey.generate()
        let refusals = Locked([P2PError]())
        let listener = P2PListener(port: 0, nodeKey: key, config: config) { error, _ in
            refusals.withLock { $0.append(error) }
        }
        try await listener.start()
        return TestNode(key: key, listener: listener, refusals: refusals)
    }

    /// The first refusal recorded within `seconds`.
    func firstRefusal(within seconds: Double = 30) async throws -> P2PError {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if let first = refusals.withLock({ $0.first }) { return first }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw TestTimeout()
    }

    /// The next authenticated inbound connection.
    func nextInbound() async throws -> PeerConnection {
        var iterator = listener.connections.makeAsyncIterator()
        guard let connection = await iterator.next() else { throw TestTimeout() }
        return connection
    }
}

/// Runs `body` with a time limit so a hung test fails instead of stalling the suite.
func withTimeout<T: Sendable>(seconds: Double = 60, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
            throw TestTimeout()
        }
        let result = try await group.next()!
        group.cancelAll()
        return result
    }
}
