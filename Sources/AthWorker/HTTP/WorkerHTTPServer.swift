import AthPrimitives
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// The worker's HTTP endpoint (see `WorkerRoutes` for what it answers):
/// results for checkers and customers, health and hardware for operators.
///
/// Bounded: at most `maxConnections` open connections, request heads of at
/// most 16 KiB, idle connections closed after a minute. `start` and `stop`
/// block and must not be called on a SwiftNIO event loop.
public final class WorkerHTTPServer: Sendable {
    public let host: String
    /// The port asked for; 0 lets the system choose (see `port`).
    public let requestedPort: Int
    let routes: WorkerRoutes
    private let group: any EventLoopGroup
    private let state = Locked(State())

    private struct State {
        var started: ContinuousClock.Instant?
        var channel: (any Channel)?
        var connections: [UInt64: any Channel] = [:]
        var nextConnectionID: UInt64 = 1
        var stopped = false
        var servingResults = true
    }

    private struct ConnectionRefused: Error {}

    static let maxConnections = 256
    static let idleTimeout = TimeAmount.seconds(60)
    static let decoderLimits: NIOHTTPDecoderLimitConfiguration = {
        var limits = NIOHTTPDecoderLimitConfiguration()
        limits.maxHeaderFieldSize = 8 << 10
        limits.maxHeaderListSize = 16 << 10
        limits.maxHeaderFieldCount = 64
        return limits
    }()

    /// An endpoint for `operatorAddress` on `hardware`, serving `store`.
    public init(host: String = "127.0.0.1", port: Int = 8600, operatorAddress: Address, hardware: HardwareReport,
                store: ResultStore, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.host = host
        self.requestedPort = port
        self.group = group
        routes = WorkerRoutes(identity: WorkerIdentity(operatorAddress: operatorAddress, hardware: hardware), store: store)
    }

    /// The bound port once started (the system's choice when `requestedPort` is 0).
    public var port: Int? { state.withLock { $0.channel?.localAddress?.port } }

    /// Whether `/jobs` requests are answered (false after `stopServingResults`).
    public var isServingResults: Bool { state.withLock { $0.servingResults } }

    /// Seconds since `start`.
    var uptimeSeconds: Int64 {
        guard let started = state.withLock({ $0.started }) else { return 0 }
        return (ContinuousClock.now - started).components.seconds
    }

    /// Binds and starts accepting connections; returns once listening.
    public func start() throws(WorkerError) {
        try state.withLock { (s: inout State) throws(WorkerError) in
            guard s.started == nil else { throw .alreadyStarted }
            s.started = .now
        }
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture { try self.configure(channel) }
            }
        do {
            let channel = try bootstrap.bind(host: host, port: requestedPort).wait()
            state.withLock { $0.channel = channel }
        } catch let error as IOError {
            throw .bindFailed(host: host, port: requestedPort, reason: String(cString: strerror(error.errnoCode)))
        } catch {
            throw .bindFailed(host: host, port: requestedPort, reason: "\(error)")
        }
    }

    /// Stops listening and closes every connection; idempotent.
    public func stop() {
        let (listener, connections) = state.withLock { s in
            let r = (s.channel, Array(s.connections.values))
            s.stopped = true
            s.channel = nil
            s.connections = [:]
            return r
        }
        try? listener?.close().wait()
        for connection in connections { try? connection.close().wait() }
    }

    /// From now on answers every `/jobs` request with 503 and closes the
    /// connection (the `stop-serving` fault, for tests).
    public func stopServingResults() { state.withLock { $0.servingResults = false } }

    /// Sets up one accepted connection on its event loop; past
    /// `maxConnections` or after `stop` it throws, and NIO closes the connection.
    private func configure(_ channel: any Channel) throws {
        let id = try state.withLock { (s: inout State) throws(ConnectionRefused) -> UInt64 in
            guard !s.stopped, s.connections.count < Self.maxConnections else { throw ConnectionRefused() }
            let id = s.nextConnectionID
            s.nextConnectionID += 1
            s.connections[id] = channel
            return id
        }
        channel.closeFuture.whenComplete { [state] _ in state.withLock { _ = $0.connections.removeValue(forKey: id) } }
        let sync = channel.pipeline.syncOperations
        try sync.addHandler(IdleStateHandler(readTimeout: Self.idleTimeout))
        try sync.configureHTTPServerPipeline(withPipeliningAssistance: true, withErrorHandling: true,
                                             withEncoderConfiguration: .init(), withDecoderLimitConfiguration: Self.decoderLimits)
        try sync.addHandler(WorkerHTTPHandler(routes: routes, server: self))
    }
}
