import AthCrypto
import AthPrimitives
import Logging
import NIOCore
import NIOPosix

/// Accepts inbound peers: each accepted TCP connection runs the handshake,
/// and those that authenticate appear in `connections`. A connection that
/// fails the handshake is closed and reported to `onRefused`; it never
/// affects the others.
public final class P2PListener: Sendable {
    public let host: String
    /// The port asked for; 0 lets the system choose (see `port`).
    public let requestedPort: Int
    public let config: P2PConfig
    /// Authenticated inbound connections, in the order their handshakes finished.
    public let connections: AsyncStream<PeerConnection>
    private let continuation: AsyncStream<PeerConnection>.Continuation
    private let nodeKey: Ed25519PrivateKey
    private let group: any EventLoopGroup
    private let onRefused: (@Sendable (P2PError, String?) -> Void)?
    private let state = Locked(State())
    private static let logger = Logger(label: "ath.p2p")

    private struct State {
        var started = false
        var listener: (any Channel)?
        var open: [ObjectIdentifier: any Channel] = [:]
    }

    /// `onRefused` receives the reason and the remote address of each
    /// connection that failed its handshake.
    public init(host: String = "127.0.0.1", port: Int = 26656, nodeKey: Ed25519PrivateKey, config: P2PConfig,
                group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                onRefused: (@Sendable (P2PError, String?) -> Void)? = nil) {
        self.host = host
        self.requestedPort = port
        self.nodeKey = nodeKey
        self.config = config
        self.group = group
        self.onRefused = onRefused
        (connections, continuation) = AsyncStream.makeStream(of: PeerConnection.self)
    }

    /// The bound port once started.
    public var port: Int? { state.withLock { $0.listener?.localAddress?.port } }

    /// Binds and starts accepting; returns once listening.
    public func start() async throws(P2PError) {
        try state.withLock { (s: inout State) throws(P2PError) in
            guard !s.started else { throw .alreadyStarted }
            s.started = true
        }
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture { try self.accept(channel) }
            }
        do {
            let channel = try await bootstrap.bind(host: host, port: requestedPort).get()
            state.withLock { $0.listener = channel }
        } catch {
            throw .bindFailed(host: host, port: requestedPort, reason: "\(error)")
        }
    }

    /// Stops listening and closes every connection.
    public func stop() async {
        let (listener, open) = state.withLock { s in
            let r = (s.listener, Array(s.open.values))
            s.listener = nil
            return r
        }
        if let listener { try? await listener.close() }
        for channel in open { try? await channel.close() }
        continuation.finish()
    }

    private func accept(_ channel: any Channel) throws {
        let parts = ConnectionParts(loop: channel.eventLoop, config: config)
        let key = ObjectIdentifier(channel)
        state.withLock { $0.open[key] = channel }
        channel.closeFuture.whenComplete { [state] _ in state.withLock { _ = $0.open.removeValue(forKey: key) } }
        try parts.install(on: channel, nodeKey: nodeKey, expectedNodeID: nil)
        let remote = channel.remoteAddress?.description
        parts.handshake.futureResult.whenComplete { [continuation, onRefused] result in
            switch result {
            case .success(let identity):
                continuation.yield(parts.connection(channel: channel, identity: identity))
            case .failure(let error):
                let reason = (error as? P2PError) ?? .ioError(reason: "\(error)")
                Self.logger.debug("refused inbound peer", metadata: ["remote": "\(remote ?? "?")", "reason": "\(reason)"])
                onRefused?(reason, remote)
            }
        }
    }
}
