import AthPrimitives
import NIOCore
import NIOPosix
import NIOHTTP1
import NIOWebSocket

/// The node's JSON-RPC endpoint: HTTP/1.1 POST and WebSocket (upgrade on the
/// same port and path), one dispatcher for both.
///
/// `eth_subscribe` / `eth_unsubscribe` are answered by `subscriptions` and
/// never reach `handler`. Per-method request counts and latencies are recorded
/// in `metrics` (`ath_rpc_requests_total`, `ath_rpc_errors_total`,
/// `ath_rpc_request_duration_seconds`, labelled by method), along with open
/// connection gauges. No Origin check is made on WebSocket upgrades: bind to
/// 127.0.0.1 (the default) unless the endpoint is meant to be public.
public final class RPCServer: Sendable {
    public let host: String
    /// The port asked for; 0 lets the system choose (see `port`).
    public let requestedPort: Int
    public let dispatcher: RPCDispatcher
    public let subscriptions: SubscriptionHub
    public let limits: RPCLimits
    public let metrics: MetricsRegistry
    private let group: any EventLoopGroup
    private let state = Locked(State())
    private let openConnections: MetricsGauge
    private let webSocketConnections: MetricsGauge

    private struct State {
        var started = false
        var channel: (any Channel)?
        var connections: [UInt64: any Channel] = [:]
        var nextConnectionID: UInt64 = 1
    }

    private static let httpHandlerName = "ath-rpc-http"
    private static let idleHandlerName = "ath-rpc-idle"

    public init(host: String = "127.0.0.1", port: Int = 8545, handler: any RPCHandler, subscriptions: SubscriptionHub,
                limits: RPCLimits = RPCLimits(), metrics: MetricsRegistry = MetricsRegistry(),
                group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.host = host
        self.requestedPort = port
        self.subscriptions = subscriptions
        self.limits = limits
        self.metrics = metrics
        self.group = group
        self.dispatcher = RPCDispatcher(handler: handler, subscriptions: subscriptions, limits: limits, metrics: metrics)
        openConnections = metrics.gauge("ath_rpc_open_connections", help: "Open JSON-RPC connections (HTTP and WebSocket).")
        webSocketConnections = metrics.gauge("ath_rpc_websocket_connections", help: "Open JSON-RPC WebSocket connections.")
    }

    /// The bound port once started (the system's choice when `requestedPort` is 0).
    public var port: Int? { state.withLock { $0.channel?.localAddress?.port } }

    /// Binds and starts accepting connections; returns once listening.
    public func start() async throws(RPCServerError) {
        try state.withLock { (s: inout State) throws(RPCServerError) in
            guard !s.started else { throw .alreadyStarted }
            s.started = true
        }
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture { try self.configure(channel) }
            }
        do {
            let channel = try await bootstrap.bind(host: host, port: requestedPort).get()
            state.withLock { $0.channel = channel }
        } catch {
            throw .bindFailed(host: host, port: requestedPort, reason: "\(error)")
        }
    }

    /// Stops listening and closes every connection (subscriptions die with them).
    public func stop() async {
        let (listener, connections) = state.withLock { s in
            let r = (s.channel, Array(s.connections.values))
            s.channel = nil
            return r
        }
        if let listener { try? await listener.close() }
        for connection in connections { try? await connection.close() }
    }

    /// Sets up one accepted connection (runs on its event loop); past
    /// `limits.maxConnections` it throws, and NIO closes the connection.
    private func configure(_ channel: any Channel) throws {
        let maxConnections = limits.maxConnections
        let id = try state.withLock { (s: inout State) throws(RPCServerError) -> UInt64 in
            guard s.connections.count < maxConnections else { throw .tooManyConnections(limit: maxConnections) }
            let id = s.nextConnectionID
            s.nextConnectionID += 1
            s.connections[id] = channel
            return id
        }
        openConnections.increment()
        let hub = subscriptions
        let gauge = openConnections
        channel.closeFuture.whenComplete { [state] _ in
            state.withLock { _ = $0.connections.removeValue(forKey: id) }
            hub.removeConnection(id)
            gauge.decrement()
        }
        let remote = channel.remoteAddress?.description
        let upgrader = NIOWebSocketServerUpgrader(
            maxFrameSize: limits.maxFrameBytes,
            automaticErrorHandling: true,
            shouldUpgrade: { channel, _ in channel.eventLoop.makeSucceededFuture(HTTPHeaders()) },
            upgradePipelineHandler: { [self] channel, _ in
                channel.eventLoop.makeCompletedFuture { try self.configureWebSocket(channel, id: id, remote: remote) }
            })
        let sync = channel.pipeline.syncOperations
        if limits.httpIdleTimeoutSeconds > 0 {
            try sync.addHandler(IdleStateHandler(readTimeout: .seconds(limits.httpIdleTimeoutSeconds)),
                                name: Self.idleHandlerName)
        }
        try sync.configureHTTPServerPipeline(
            withPipeliningAssistance: true,
            withServerUpgrade: (upgraders: [upgrader], completionHandler: { context in
                context.pipeline.syncOperations.removeHandler(name: Self.httpHandlerName, promise: nil)
                context.pipeline.syncOperations.removeHandler(name: Self.idleHandlerName, promise: nil)
            }),
            withErrorHandling: true)
        try sync.addHandler(HTTPRPCHandler(dispatcher: dispatcher, limits: limits, connectionID: id, remoteAddress: remote),
                            name: Self.httpHandlerName)
    }

    /// Replaces the HTTP handlers after a WebSocket upgrade (runs on the channel's event loop).
    private func configureWebSocket(_ channel: any Channel, id: UInt64, remote: String?) throws {
        let outbox = NotificationOutbox(limit: limits.maxPendingNotifications)
        let allocator = channel.allocator
        // `deliver` runs under the sink's lock, so it only queues work on the event loop: a
        // synchronous write or close could fail and re-enter the sink (channelInactive) on this thread.
        // Queued closures run in submission order, which is the sink's order.
        let loop = channel.eventLoop
        let sink = RPCNotificationSink(connectionID: id, deliver: { bytes in
            guard outbox.reserve() else {
                loop.execute { channel.close(promise: nil) }
                return false
            }
            var buffer = allocator.buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            let frame = WebSocketFrame(fin: true, opcode: .text, data: buffer)
            loop.execute { channel.writeAndFlush(frame).whenComplete { _ in outbox.release() } }
            return true
        }, close: { loop.execute { channel.close(promise: nil) } })
        webSocketConnections.increment()
        let gauge = webSocketConnections
        channel.closeFuture.whenComplete { _ in gauge.decrement() }
        try channel.pipeline.syncOperations.addHandlers([
            NIOWebSocketFrameAggregator(minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 8192,
                                        maxAccumulatedFrameSize: limits.maxFrameBytes),
            WebSocketRPCHandler(dispatcher: dispatcher, limits: limits, connectionID: id, remoteAddress: remote, sink: sink),
        ])
    }
}
