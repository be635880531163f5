import NIOCore
import NIOHTTP1

/// Collects the one answer on a GET connection into its promise, refusing a
/// body above the limit (by its Content-Length when it has one, else as the
/// bytes arrive). Any end of the connection before the answer is complete
/// fails the promise; completing it again later is a no-op in NIO.
final class HTTPGetHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let url: String
    private let maxBodyBytes: Int
    private let promise: EventLoopPromise<HTTPGetResponse>
    private var head: HTTPResponseHead?
    private var body: [UInt8] = []

    init(url: String, maxBodyBytes: Int, promise: EventLoopPromise<HTTPGetResponse>) {
        self.url = url
        self.maxBodyBytes = maxBodyBytes
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            guard h.status.code >= 200 else { return }  // 100 Continue and friends
            if let text = h.headers.first(name: "content-length") {
                guard let length = Int(text), length >= 0 else {
                    return fail(context, .connectionLost(url: url, reason: "the answer's Content-Length is not a number"))
                }
                guard length <= maxBodyBytes else { return fail(context, .bodyTooLarge(url: url, limit: maxBodyBytes)) }
                body.reserveCapacity(length)
            }
            head = h
        case .body(let part):
            guard head != nil else { return }
            guard part.readableBytes <= maxBodyBytes - body.count else {
                return fail(context, .bodyTooLarge(url: url, limit: maxBodyBytes))
            }
            body.append(contentsOf: part.readableBytesView)
        case .end:
            guard let h = head else { return }
            head = nil
            let response = HTTPGetResponse(status: Int(h.status.code), headers: h.headers.map { ($0.name, $0.value) }, body: body)
            body = []
            promise.succeed(response)
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(HTTPGetError.connectionLost(url: url, reason: "the server closed the connection before the answer was complete"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(context, .connectionLost(url: url, reason: "\(error)"))
    }

    private func fail(_ context: ChannelHandlerContext, _ error: HTTPGetError) {
        head = nil
        body = []
        promise.fail(error)
        context.close(promise: nil)
    }
}
