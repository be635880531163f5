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
///
/// Against hostile clients (see `RPCLimits`): connections past the global or
/// the per-address bound are closed on accept; half-sent requests are timed
/// out; a WebSocket client that stops reading is dropped once its send queue
/// passes its bound; closing a connection cancels the calls it started.
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
        /// Open connections by peer IP address.
        var perAddress: [String: Int] = [:]
        var nextConnectionID: UInt64 = 1
    }

    private static let httpHandlerName = "ath-rpc-http"
    private static let deadlineHandlerName = "ath-rpc-deadline"

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
    /// `limits.maxConnections`, or `limits.maxConnectionsPerAddress` from its
    /// address, it throws, and NIO closes the connection.
    private func configure(_ channel: any Channel) throws {
        let maxConnections = limits.maxConnections
        let maxPerAddress = limits.maxConnectionsPerAddress
        // The peer's IP without the port: the key for per-address bounds, here and in handlers.
        let remote = channel.remoteAddress?.ipAddress
        let key = remote ?? "unknown"
        let id = try state.withLock { (s: inout State) throws(RPCServerError) -> UInt64 in
            guard s.connections.count < maxConnections else { throw .tooManyConnections(limit: maxConnections) }
            let fromAddress = s.perAddress[key, default: 0]
            guard fromAddress < maxPerAddress else {
                throw .tooManyConnectionsFromAddress(address: key, limit: maxPerAddress)
            }
            let id = s.nextConnectionID
            s.nextConnectionID += 1
            s.connections[id] = channel
            s.perAddress[key] = fromAddress + 1
            return id
        }
        openConnections.increment()
        let hub = subscriptions
        let gauge = openConnections
        channel.closeFuture.whenComplete { [state] _ in
            state.withLock { s in
                _ = s.connections.removeValue(forKey: id)
                let left = s.perAddress[key, default: 1] - 1
                s.perAddress[key] = left > 0 ? left : nil
            }
            hub.removeConnection(id)
            gauge.decrement()
        }
        let upgrader = NIOWebSocketServerUpgrader(
            maxFrameSize: limits.maxFrameBytes,
            automaticErrorHandling: true,
            shouldUpgrade: { channel, _ in channel.eventLoop.makeSucceededFuture(HTTPHeaders()) },
            upgradePipelineHandler: { [self] channel, _ in
                channel.eventLoop.makeCompletedFuture { try self.configureWebSocket(channel, id: id, remote: remote) }
            })
        let sync = channel.pipeline.syncOperations
        let deadline = HTTPDeadlineHandler(limits: limits)
        try sync.addHandler(deadline, name: Self.deadlineHandlerName)
        try sync.configureHTTPServerPipeline(
            withPipeliningAssistance: true,
            withServerUpgrade: (upgraders: [upgrader], completionHandler: { context in
                context.pipeline.syncOperations.removeHandler(name: Self.httpHandlerName, promise: nil)
                context.pipeline.syncOperations.removeHandler(name: Self.deadlineHandlerName, promise: nil)
            }),
            withErrorHandling: true)
        try sync.addHandler(HTTPRPCHandler(dispatcher: dispatcher, limits: limits, connectionID: id, remoteAddress: remote,
                                           deadline: deadline),
                            name: Self.httpHandlerName)
    }

    /// Replaces the HTTP handlers after a WebSocket upgrade (runs on the channel's event loop).
    private func configureWebSocket(_ channel: any Channel, id: UInt64, remote: String?) throws {
        let budget = WebSocketSendBudget(maxMessages: limits.maxPendingNotifications,
                                         maxBytes: limits.maxPendingNotificationBytes)
        let writer = NIOLoopBound(WebSocketWriter(channel: channel, budget: budget), eventLoop: channel.eventLoop)
        let allocator = channel.allocator
        // `deliver` runs under the sink's lock, so it only queues work on the event loop: a
        // synchronous write or close could fail and re-enter the sink (channelInactive) on this thread.
        // Queued closures run in submission order, which is the sink's order.
        let loop = channel.eventLoop
        let sink = RPCNotificationSink(connectionID: id, maxHeldBytes: limits.maxPendingNotificationBytes, deliver: { bytes in
            if let refusal = budget.reserve(bytes.count) {
                loop.execute { writer.value.refuse(refusal) }
                return false
            }
            var buffer = allocator.buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            let message = buffer
            loop.execute { writer.value.enqueue(message) }
            return true
        }, close: { loop.execute { channel.close(promise: nil) } })
        webSocketConnections.increment()
        let gauge = webSocketConnections
        channel.closeFuture.whenComplete { _ in gauge.decrement() }
        try channel.pipeline.syncOperations.addHandlers([
            NIOWebSocketFrameAggregator(minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 8192,
                                        maxAccumulatedFrameSize: limits.maxFrameBytes),
            WebSocketRPCHandler(dispatcher: dispatcher, limits: limits, connectionID: id, remoteAddress: remote, sink: sink,
                                writer: writer.value),
        ])
    }
}
