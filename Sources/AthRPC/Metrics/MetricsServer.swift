import AthPrimitives
import NIOCore
import NIOPosix
import NIOHTTP1

/// Serves `GET /metrics` (Prometheus text format 0.0.4) from a registry;
/// other paths get 404, other methods 405. Request bodies are discarded.
public final class MetricsServer: Sendable {
    public let host: String
    public let requestedPort: Int
    public let registry: MetricsRegistry
    private let group: any EventLoopGroup
    private let state = Locked<(started: Bool, channel: (any Channel)?)>((false, nil))

    public init(host: String = "127.0.0.1", port: Int = 9615, registry: MetricsRegistry,
                group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.host = host
        self.requestedPort = port
        self.registry = registry
        self.group = group
    }

    /// The bound port once started.
    public var port: Int? { state.withLock { $0.channel?.localAddress?.port } }

    public func start() async throws(RPCServerError) {
        try state.withLock { (s: inout (started: Bool, channel: (any Channel)?)) throws(RPCServerError) in
            guard !s.started else { throw .alreadyStarted }
            s.started = true
        }
        let registry = self.registry
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: .seconds(60)))
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(MetricsHTTPHandler(registry: registry))
                }
            }
        do {
            let channel = try await bootstrap.bind(host: host, port: requestedPort).get()
            state.withLock { $0.channel = channel }
        } catch {
            throw .bindFailed(host: host, port: requestedPort, reason: "\(error)")
        }
    }

    /// Stops listening. Open scrapes finish on their own.
    public func stop() async {
        let channel = state.withLock { s -> (any Channel)? in
            defer { s.channel = nil }
            return s.channel
        }
        try? await channel?.close()
    }
}

final class MetricsHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let registry: MetricsRegistry
    private var head: HTTPRequestHead?

    init(registry: MetricsRegistry) { self.registry = registry }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h): head = h
        case .body: break
        case .end:
            guard let head else { return }
            self.head = nil
            respond(context, head)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent { context.close(promise: nil) } else { context.fireUserInboundEventTriggered(event) }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) { context.close(promise: nil) }

    private func respond(_ context: ChannelHandlerContext, _ head: HTTPRequestHead) {
        let path = head.uri.prefix { $0 != "?" }
        let status: HTTPResponseStatus
        let body: String
        var contentType = "text/plain; charset=utf-8"
        if head.method != .GET && head.method != .HEAD {
            status = .methodNotAllowed
            body = "method not allowed\n"
        } else if path == "/metrics" {
            status = .ok
            body = registry.render()
            contentType = "text/plain; version=0.0.4; charset=utf-8"
        } else {
            status = .notFound
            body = "not found; metrics are at /metrics\n"
        }
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: contentType)
        headers.add(name: "content-length", value: String(body.utf8.count))
        if !head.isKeepAlive { headers.add(name: "connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        if head.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
        }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !head.isKeepAlive { done.assumeIsolated().whenComplete { _ in context.close(promise: nil) } }
    }
}
