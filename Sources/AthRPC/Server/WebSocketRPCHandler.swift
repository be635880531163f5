import AthPrimitives
import NIOCore
import NIOWebSocket

/// JSON-RPC over one WebSocket connection.
///
/// Each text (or binary) message is one JSON-RPC message (fragments are joined
/// by `NIOWebSocketFrameAggregator` in front, within `limits.maxFrameBytes`).
/// Messages are handled concurrently, up to
/// `limits.maxConcurrentRequestsPerConnection`, after which the handler stops
/// reading from the socket (as it does while the socket's write buffer is
/// full); responses go out as they complete (matched by id), through the
/// connection's `WebSocketWriter`, which bounds what waits for a client that
/// does not read. Each message runs in its own Task; all are cancelled when
/// the connection closes. Pings get pongs, a close frame is echoed and the
/// connection closed, an idle connection is pinged and dropped after two
/// silent intervals.
final class WebSocketRPCHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let dispatcher: RPCDispatcher
    private let limits: RPCLimits
    private let connectionID: UInt64
    private let remoteAddress: String?
    private let sink: RPCNotificationSink
    private let writer: WebSocketWriter
    private var inFlight = 0
    /// The Tasks running this connection's messages, by a per-connection number.
    private var calls: [UInt64: Task<Void, Never>] = [:]
    private var nextCall: UInt64 = 0
    private var readHeld = false
    private var closing = false
    private var lastInbound = NIODeadline.now()
    private var pingTask: RepeatedTask?

    init(dispatcher: RPCDispatcher, limits: RPCLimits, connectionID: UInt64, remoteAddress: String?,
         sink: RPCNotificationSink, writer: WebSocketWriter) {
        self.dispatcher = dispatcher
        self.limits = limits
        self.connectionID = connectionID
        self.remoteAddress = remoteAddress
        self.sink = sink
        self.writer = writer
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

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            writer.drain()
            resumeReadingIfHeld(context)
        }
        context.fireChannelWritabilityChanged()
    }

    private func shutDown() {
        pingTask?.cancel()
        pingTask = nil
        for call in calls.values { call.cancel() }
        calls = [:]
        sink.markClosed()
        dispatcher.subscriptions?.removeConnection(connectionID)
        writer.connectionClosed()
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
            writer.stop()
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
        let done = context.eventLoop.makePromise(of: RPCDispatcher.Outcome.self)
        let number = nextCall
        nextCall += 1
        // Our own Task (not makeFutureWithTask) so that closing the connection can cancel it.
        calls[number] = Task {
            done.succeed(await dispatcher.process(payload.parseJSON(), context: rpcContext))
        }
        done.futureResult.whenSuccess { outcome in
            let (handler, context) = bound.value
            handler.finished(context, number, outcome)
        }
    }

    private func finished(_ context: ChannelHandlerContext, _ number: UInt64, _ outcome: RPCDispatcher.Outcome) {
        inFlight -= 1
        calls[number] = nil
        if let response = outcome.response, !closing {
            var buffer = context.channel.allocator.buffer(capacity: response.count)
            buffer.writeBytes(response)
            writer.send(response: buffer)
        }
        // After the response that announced them, so notifications never precede their id.
        sink.release(outcome.released)
        resumeReadingIfHeld(context)
    }

    private func resumeReadingIfHeld(_ context: ChannelHandlerContext) {
        if readHeld && mayRead(context) {
            readHeld = false
            context.read()
        }
    }

    private func mayRead(_ context: ChannelHandlerContext) -> Bool {
        inFlight < limits.maxConcurrentRequestsPerConnection && context.channel.isWritable
    }

    func read(context: ChannelHandlerContext) {
        if mayRead(context) {
            context.read()
        } else {
            readHeld = true
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // WebSocketProtocolErrorHandler has already sent the close frame and is closing.
        if error is NIOWebSocketError { closing = true; writer.stop(); return }
        guard !closing else {
            context.close(promise: nil)
            return
        }
        closing = true
        writer.stop()
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
