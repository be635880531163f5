import AthPrimitives
import NIOCore
import NIOWebSocket

/// JSON-RPC over one WebSocket connection.
///
/// Each text (or binary) message is one JSON-RPC message (fragments are joined
/// by `NIOWebSocketFrameAggregator` in front, within `limits.maxFrameBytes`).
/// Messages are handled concurrently, up to
/// `limits.maxConcurrentRequestsPerConnection`, after which the handler stops
/// reading from the socket; responses go out as they complete (matched by id).
/// Pings get pongs, a close frame is echoed and the connection closed, an idle
/// connection is pinged and dropped after two silent intervals.
final class WebSocketRPCHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let dispatcher: RPCDispatcher
    private let limits: RPCLimits
    private let connectionID: UInt64
    private let remoteAddress: String?
    private let sink: RPCNotificationSink
    private var inFlight = 0
    private var readHeld = false
    private var closing = false
    private var lastInbound = NIODeadline.now()
    private var pingTask: RepeatedTask?

    init(dispatcher: RPCDispatcher, limits: RPCLimits, connectionID: UInt64, remoteAddress: String?,
         sink: RPCNotificationSink) {
        self.dispatcher = dispatcher
        self.limits = limits
        self.connectionID = connectionID
        self.remoteAddress = remoteAddress
        self.sink = sink
    }

    func handlerAdded(context: ChannelHandlerContext) {
        lastInbound = .now()
        let interval = limits.webSocketPingIntervalSeconds
        guard interval > 0 else { return }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        pingTask = context.eventLoop.scheduleRepeatedTask(initialDelay: .seconds(interval), delay: .seconds(interval)) { _ in
            let (handler, context) = bound.value
            handler.keepAlive(context, interval: interval)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) { shutDown() }

    func channelInactive(context: ChannelHandlerContext) {
        shutDown()
        context.fireChannelInactive()
    }

    private func shutDown() {
        pingTask?.cancel()
        pingTask = nil
        sink.markClosed()
        dispatcher.subscriptions?.removeConnection(connectionID)
    }

    private func keepAlive(_ context: ChannelHandlerContext, interval: Int64) {
        if NIODeadline.now() - lastInbound > .seconds(2 * interval) {
            context.close(promise: nil)
            return
        }
        guard !closing else { return }
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .ping, data: context.channel.allocator.buffer(capacity: 0))),
                              promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        lastInbound = .now()
        switch frame.opcode {
        case .text, .binary:
            guard !closing else { return }
            handle(context, frame.unmaskedData)
        case .ping:
            guard !closing else { return }
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)), promise: nil)
        case .connectionClose:
            guard !closing else {
                context.close(promise: nil)
                return
            }
            closing = true
            var payload = frame.unmaskedData
            var echo = context.channel.allocator.buffer(capacity: 2)
            if let code = payload.readInteger(as: UInt16.self) { echo.writeInteger(code) }
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: echo)))
                .assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        default:
            break
        }
    }

    private func handle(_ context: ChannelHandlerContext, _ payload: ByteBuffer) {
        inFlight += 1
        let dispatcher = self.dispatcher
        let rpcContext = RPCRequestContext(transport: .webSocket, connectionID: connectionID,
                                           remoteAddress: remoteAddress, notifications: sink)
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.makeFutureWithTask {
            await dispatcher.process(payload.parseJSON(), context: rpcContext)
        }.whenComplete { result in
            let (handler, context) = bound.value
            handler.finished(context, result)
        }
    }

    private func finished(_ context: ChannelHandlerContext, _ result: Result<RPCDispatcher.Outcome, Error>) {
        inFlight -= 1
        if case .success(let outcome) = result {
            if let response = outcome.response, !closing {
                var buffer = context.channel.allocator.buffer(capacity: response.count)
                buffer.writeBytes(response)
                context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: buffer)), promise: nil)
            }
            // After the response that announced them, so notifications never precede their id.
            sink.release(outcome.released)
        }
        if readHeld && inFlight < limits.maxConcurrentRequestsPerConnection {
            readHeld = false
            context.read()
        }
    }

    func read(context: ChannelHandlerContext) {
        if inFlight >= limits.maxConcurrentRequestsPerConnection {
            readHeld = true
        } else {
            context.read()
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // WebSocketProtocolErrorHandler has already sent the close frame and is closing.
        if error is NIOWebSocketError { closing = true; return }
        guard !closing else {
            context.close(promise: nil)
            return
        }
        closing = true
        let code: WebSocketErrorCode
        if let aggregation = error as? NIOWebSocketFrameAggregator.Error, aggregation == .accumulatedFrameSizeIsTooLarge
            || aggregation == .tooManyFragments {
            code = .messageTooLarge
        } else {
            code = .protocolError
        }
        var data = context.channel.allocator.buffer(capacity: 2)
        data.write(webSocketErrorCode: code)
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: data)))
            .assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }
}

/// Counts notifications queued on a connection but not yet written to its
/// socket, so a client that stops reading is dropped instead of buffered for.
final class NotificationOutbox: Sendable {
    private let pending = Locked(0)
    let limit: Int

    init(limit: Int) { self.limit = limit }

    /// Takes a slot; false when the connection already has `limit` notifications in flight.
    func reserve() -> Bool {
        pending.withLock { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
    }

    func release() { pending.withLock { $0 -= 1 } }
}
