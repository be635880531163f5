import NIOCore

/// The time bounds of one HTTP connection, first in its pipeline (it sees raw bytes).
///
/// - A request head must be complete within `limits.headerTimeoutSeconds` of
///   the connection opening, or of the first byte of the next request on a
///   kept-alive connection (slowloris: a client that sends half a head and
///   holds the socket).
/// - A body must be complete within `limits.bodyTimeoutSeconds` of its head.
/// - Between requests a connection may stay silent for
///   `limits.httpIdleTimeoutSeconds` (keep-alive), then it is closed.
/// - While a call runs there is no bound: closing the connection cancels the call.
///
/// A head or body timeout is answered with a short 408 and the connection is
/// closed; an idle timeout just closes. `HTTPRPCHandler` reports the request's
/// progress (`headReceived`, `requestEnded`, `responseStarted`, `waitingForReader`).
final class HTTPDeadlineHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Phase {
        case awaitingHead, awaitingBody, processing, idle
    }

    private let limits: RPCLimits
    private var phase = Phase.awaitingHead
    /// Bytes of a later request arrived while a call ran (pipelining).
    private var bytesWhileProcessing = false
    private var timer: Scheduled<Void>?
    private var context: ChannelHandlerContext?

    init(limits: RPCLimits) { self.limits = limits }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        enter(.awaitingHead)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch phase {
        case .idle: enter(.awaitingHead)
        case .processing: bytesWhileProcessing = true
        case .awaitingHead, .awaitingBody: break
        }
        context.fireChannelRead(data)
    }

    /// The request line and headers were decoded.
    func headReceived() { enter(.awaitingBody) }

    /// The request is complete; its call runs without a deadline.
    func requestEnded() { enter(.processing) }

    /// The response is being written: the connection waits for the next request.
    func responseStarted() {
        let next: Phase = bytesWhileProcessing ? .awaitingHead : .idle
        bytesWhileProcessing = false
        enter(next)
    }

    /// A finished request waits for the client to read earlier responses: it
    /// gets the idle bound, so a client that never reads is dropped.
    func waitingForReader() { enter(.idle) }

    private func enter(_ next: Phase) {
        phase = next
        timer?.cancel()
        timer = nil
        guard let context else { return }
        let seconds: Int64
        let reply: String?
        switch next {
        case .awaitingHead:
            seconds = limits.headerTimeoutSeconds
            reply = "request head not complete within \(seconds) s\n"
        case .awaitingBody:
            seconds = limits.bodyTimeoutSeconds
            reply = "request body not complete within \(seconds) s\n"
        case .idle:
            seconds = limits.httpIdleTimeoutSeconds
            reply = nil
        case .processing:
            return
        }
        guard seconds > 0 else { return }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: .seconds(seconds)) {
            let (handler, context) = bound.value
            handler.expire(context, reply: reply)
        }
    }

    private func expire(_ context: ChannelHandlerContext, reply: String?) {
        timer = nil
        guard let reply else {
            context.close(promise: nil)
            return
        }
        // Nothing else is being written now: a response in progress would have moved us past these phases.
        // The flush hands the answer to the kernel at once; the close does not wait for a client that
        // may never read it.
        let text = "HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
            + "content-length: \(reply.utf8.count)\r\nconnection: close\r\n\r\n" + reply
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: text)), promise: nil)
        context.close(promise: nil)
    }
}
