import NIOCore
import NIOHTTP1

/// JSON-RPC over HTTP/1.1 on one connection.
///
/// POST bodies (any or no Content-Type, like geth) go to the dispatcher; a
/// declared or streamed body over `limits.maxBodyBytes` gets 413 and the
/// connection is closed once the client stops sending. GET and HEAD get a short
/// text answer (health checks), OPTIONS gets 204 with `Allow`, other methods 405.
/// No CORS headers are sent: browsers on other origins are refused, as geth
/// does without `--http.corsdomain`. `HTTPServerPipelineHandler` sits in front,
/// so requests arrive one at a time and pipelined requests are answered in order.
///
/// A call runs in its own Task, cancelled when the connection closes, so
/// handlers can stop work nobody will read. A finished request is not
/// dispatched while earlier responses still fill the socket's write buffer:
/// a client that pipelines requests without reading gets no more work done
/// for it (and is dropped by the idle bound).
final class HTTPRPCHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private enum Reply {
        case info, options, methodNotAllowed
    }

    private enum State {
        case idle
        case receiving(HTTPRequestHead, ByteBuffer)
        /// A non-POST request: answered at its end; its body (if any) is discarded.
        case answering(HTTPRequestHead, Reply, discarded: Int)
        case processing
        /// Complete, held until the client has read what was already sent.
        case waitingForReader(HTTPRequestHead, ByteBuffer)
        /// 413 was sent; the rest of the body is discarded, then the connection closes.
        case rejected(discarded: Int)
    }

    private let dispatcher: RPCDispatcher
    private let limits: RPCLimits
    private let connectionID: UInt64
    private let remoteAddress: String?
    private let deadline: HTTPDeadlineHandler?
    private var state = State.idle
    /// The call in progress; cancelled when the connection closes.
    private var call: Task<Void, Never>?

    static let infoText = "ath JSON-RPC endpoint: POST JSON-RPC 2.0 requests here, or upgrade to WebSocket\n"

    init(dispatcher: RPCDispatcher, limits: RPCLimits, connectionID: UInt64, remoteAddress: String?,
         deadline: HTTPDeadlineHandler? = nil) {
        self.dispatcher = dispatcher
        self.limits = limits
        self.connectionID = connectionID
        self.remoteAddress = remoteAddress
        self.deadline = deadline
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            deadline?.headReceived()
            onHead(context, head)
        case .body(var part): onBody(context, &part)
        case .end:
            deadline?.requestEnded()
            onEnd(context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        call?.cancel()
        call = nil
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, case .waitingForReader(let head, let body) = state {
            deadline?.requestEnded()
            state = .processing
            dispatch(context, head, body)
        }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }

    private func onHead(_ context: ChannelHandlerContext, _ head: HTTPRequestHead) {
        guard case .idle = state else { return }
        switch head.method {
        case .POST:
            let declared = head.headers.first(name: "content-length").flatMap { Int($0) }
            if let declared, declared > limits.maxBodyBytes {
                reject(context, head)
                return
            }
            let capacity = max(0, min(declared ?? 1024, limits.maxBodyBytes))
            state = .receiving(head, context.channel.allocator.buffer(capacity: capacity))
            if head.headers.first(name: "expect")?.lowercased() == "100-continue" {
                // curl waits a second for this before sending bodies over 1 KiB.
                let interim = HTTPResponseHead(version: head.version, status: .continue)
                context.writeAndFlush(wrapOutboundOut(.head(interim)), promise: nil)
            }
        case .GET, .HEAD: state = .answering(head, .info, discarded: 0)
        case .OPTIONS: state = .answering(head, .options, discarded: 0)
        default: state = .answering(head, .methodNotAllowed, discarded: 0)
        }
    }

    private func onBody(_ context: ChannelHandlerContext, _ part: inout ByteBuffer) {
        switch state {
        case .receiving(let head, var body):
            guard body.readableBytes + part.readableBytes <= limits.maxBodyBytes else {
                reject(context, head)
                return
            }
            state = .processing  // drop our reference so the write below does not copy
            body.writeBuffer(&part)
            state = .receiving(head, body)
        case .answering(let head, let reply, let discarded):
            let total = discarded + part.readableBytes
            if total > limits.maxBodyBytes { context.close(promise: nil); return }
            state = .answering(head, reply, discarded: total)
        case .rejected(let discarded):
            let total = discarded + part.readableBytes
            if total > limits.maxBodyBytes { context.close(promise: nil); return }
            state = .rejected(discarded: total)
        case .idle, .processing, .waitingForReader:
            break
        }
    }

    private func onEnd(_ context: ChannelHandlerContext) {
        switch state {
        case .receiving(let head, let body):
            guard context.channel.isWritable else {
                state = .waitingForReader(head, body)
                deadline?.waitingForReader()
                return
            }
            state = .processing
            dispatch(context, head, body)
        case .answering(let head, let reply, _):
            state = .idle
            answer(context, head, reply)
        case .rejected:
            state = .idle
            context.close(promise: nil)
        case .idle, .processing, .waitingForReader:
            break
        }
    }

    /// 413, then close our side; the connection closes fully once the body is drained.
    private func reject(_ context: ChannelHandlerContext, _ head: HTTPRequestHead) {
        state = .rejected(discarded: 0)
        let text = "request body too large (limit \(limits.maxBodyBytes) bytes)\n"
        write(context, head, .payloadTooLarge, contentType: "text/plain; charset=utf-8",
              body: context.channel.allocator.buffer(string: text), keepAlive: false, closeAfter: false)
    }

    private func answer(_ context: ChannelHandlerContext, _ head: HTTPRequestHead, _ reply: Reply) {
        switch reply {
        case .info:
            write(context, head, .ok, contentType: "text/plain; charset=utf-8",
                  body: context.channel.allocator.buffer(string: Self.infoText), keepAlive: head.isKeepAlive,
                  omitBody: head.method == .HEAD)
        case .options:
            write(context, head, .noContent, extraHeaders: [("allow", "GET, HEAD, POST, OPTIONS")], body: nil,
                  keepAlive: head.isKeepAlive)
        case .methodNotAllowed:
            write(context, head, .methodNotAllowed, contentType: "text/plain; charset=utf-8",
                  extraHeaders: [("allow", "GET, HEAD, POST, OPTIONS")],
                  body: context.channel.allocator.buffer(string: "method not allowed\n"), keepAlive: head.isKeepAlive)
        }
    }

    private func dispatch(_ context: ChannelHandlerContext, _ head: HTTPRequestHead, _ body: ByteBuffer) {
        let dispatcher = self.dispatcher
        let rpcContext = RPCRequestContext(transport: .http, connectionID: connectionID, remoteAddress: remoteAddress)
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let done = context.eventLoop.makePromise(of: RPCDispatcher.Outcome.self)
        // Our own Task (not makeFutureWithTask) so that channelInactive can cancel it.
        call = Task {
            done.succeed(await dispatcher.process(body.parseJSON(), context: rpcContext))
        }
        done.futureResult.whenSuccess { outcome in
            let (handler, context) = bound.value
            handler.call = nil
            handler.state = .idle
            var buffer = context.channel.allocator.buffer(capacity: outcome.response?.count ?? 0)
            if let response = outcome.response { buffer.writeBytes(response) }
            handler.write(context, head, .ok, contentType: "application/json", body: buffer, keepAlive: head.isKeepAlive)
        }
    }

    private func write(_ context: ChannelHandlerContext, _ request: HTTPRequestHead, _ status: HTTPResponseStatus,
                       contentType: String? = nil, extraHeaders: [(String, String)] = [], body: ByteBuffer?,
                       keepAlive: Bool, closeAfter: Bool = true, omitBody: Bool = false) {
        var headers = HTTPHeaders()
        if let contentType { headers.add(name: "content-type", value: contentType) }
        if status != .noContent { headers.add(name: "content-length", value: String(body?.readableBytes ?? 0)) }
        for (name, value) in extraHeaders { headers.add(name: name, value: value) }
        if !keepAlive {
            headers.add(name: "connection", value: "close")
        } else if request.version.major == 1 && request.version.minor == 0 {
            headers.add(name: "connection", value: "keep-alive")
        }
        let version = request.version.major == 1 && request.version.minor == 0 ? HTTPVersion.http1_0 : .http1_1
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: status, headers: headers))), promise: nil)
        if let body, body.readableBytes > 0, !omitBody {
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        }
        // Before the end: writing it may deliver the next pipelined request at once. (After a 413 the
        // body deadline stays, bounding the drain.) A client that never reads gets the idle bound.
        if closeAfter { deadline?.responseStarted() }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        guard !keepAlive else { return }
        done.assumeIsolated().whenComplete { _ in
            if closeAfter {
                context.close(promise: nil)
            } else {
                context.close(mode: .output, promise: nil)
            }
        }
    }
}
