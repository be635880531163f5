import AthRPC
import NIOCore
import NIOHTTP1

/// The worker's HTTP endpoint on one connection: GET only, no request
/// bodies, answers from `WorkerRoutes`, results streamed in 1 MiB chunks as
/// the connection drains (so a slow reader holds a bounded amount of memory).
///
/// `HTTPServerPipelineHandler` sits in front, so requests arrive one at a
/// time and the next is not read until this one's answer is written.
final class WorkerHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        case idle
        /// The head arrived; `bodyBytes` of body came with it (to refuse, never read).
        case reading(HTTPRequestHead, bodyBytes: Int)
        case streaming(Stream)
    }

    /// A result body being written: C from `offset` on.
    private struct Stream {
        let result: JobResult
        var offset: Int
        let close: Bool
    }

    /// Body bytes discarded before the connection is cut (bodies are refused anyway).
    static let maxDiscardedBody = 64 << 10
    /// Entries of C per written chunk: 1 MiB.
    static let chunkEntries = 1 << 18

    private let routes: WorkerRoutes
    private let server: WorkerHTTPServer
    private var state = State.idle

    init(routes: WorkerRoutes, server: WorkerHTTPServer) {
        self.routes = routes
        self.server = server
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch (unwrapInboundIn(data), state) {
        case (.head(let head), .idle):
            let declared = head.headers.first(name: "content-length").flatMap { Int($0) } ?? 0
            let chunked = head.headers.contains(name: "transfer-encoding")
            state = .reading(head, bodyBytes: chunked ? max(declared, 1) : declared)
        case (.body(let part), .reading(let head, let bodyBytes)):
            let total = bodyBytes + part.readableBytes
            guard total <= Self.maxDiscardedBody else { context.close(promise: nil); return }
            state = .reading(head, bodyBytes: total)
        case (.end, .reading(let head, let bodyBytes)):
            answer(context, head, hasBody: bodyBytes > 0)
        default:
            break
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { pump(context) }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is IdleStateHandler.IdleStateEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        // A client reading a long result sends nothing meanwhile; that is not idleness.
        if case .streaming = state { return }
        context.close(promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }

    private func answer(_ context: ChannelHandlerContext, _ head: HTTPRequestHead, hasBody: Bool) {
        var response = routes.respond(method: head.method, target: head.uri, serving: server.isServingResults,
                                      uptimeSeconds: server.uptimeSeconds)
        if hasBody, head.method == .GET {
            response = .error(.badRequest, "request bodies are not accepted")
        }
        // A refused body may still be arriving: close rather than parse it as the next request.
        let keepAlive = head.isKeepAlive && !hasBody
        switch response {
        case .json(let status, let body, let close):
            state = .idle
            var buffer = context.channel.allocator.buffer(capacity: 256)
            buffer.writeBytes(body.serialized())
            var headers = HTTPHeaders()
            headers.add(name: "content-type", value: "application/json")
            if status == .methodNotAllowed { headers.add(name: "allow", value: "GET") }
            writeHead(context, head, status, headers, length: buffer.readableBytes, keepAlive: keepAlive && !close)
            if head.method != .HEAD { context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil) }
            end(context, close: !keepAlive || close)
        case .result(let result):
            var headers = HTTPHeaders()
            headers.add(name: "content-type", value: "application/octet-stream")
            headers.add(name: "x-ath-rows", value: String(result.m))
            headers.add(name: "x-ath-cols", value: String(result.n))
            headers.add(name: "x-ath-result-root", value: result.root.description)
            writeHead(context, head, .ok, headers, length: result.byteCount, keepAlive: keepAlive)
            state = .streaming(Stream(result: result, offset: 0, close: !keepAlive))
            pump(context)
        }
    }

    /// Writes chunks of the result while the connection takes them; the rest
    /// follows from `channelWritabilityChanged`.
    private func pump(_ context: ChannelHandlerContext) {
        while case .streaming(var stream) = state, context.channel.isWritable {
            let total = stream.result.c.count
            guard stream.offset < total else {
                state = .idle
                end(context, close: stream.close)
                return
            }
            let upto = min(total, stream.offset + Self.chunkEntries)
            var buffer = context.channel.allocator.buffer(capacity: 4 * (upto - stream.offset))
            buffer.writeLittleEndian(stream.result.c[stream.offset..<upto])
            stream.offset = upto
            state = .streaming(stream)
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
    }

    private func writeHead(_ context: ChannelHandlerContext, _ request: HTTPRequestHead, _ status: HTTPResponseStatus,
                           _ headers: HTTPHeaders, length: Int, keepAlive: Bool) {
        var headers = headers
        headers.add(name: "content-length", value: String(length))
        if !keepAlive {
            headers.add(name: "connection", value: "close")
        } else if request.version == .http1_0 {
            headers.add(name: "connection", value: "keep-alive")
        }
        let version: HTTPVersion = request.version == .http1_0 ? .http1_0 : .http1_1
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: status, headers: headers))), promise: nil)
    }

    private func end(_ context: ChannelHandlerContext, close: Bool) {
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        guard close else { return }
        done.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }
}

extension ByteBuffer {
    /// Appends `values` as int32 little-endian.
    mutating func writeLittleEndian(_ values: ArraySlice<Int32>) {
        #if _endian(little)
        values.withUnsafeBytes { _ = writeBytes($0) }
        #else
        for v in values { writeInteger(v, endianness: .little) }
        #endif
    }
}
