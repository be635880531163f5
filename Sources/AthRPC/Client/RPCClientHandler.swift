import NIOCore
import NIOHTTP1

/// One HTTP call on the client's connection.
struct ClientRequest {
    var head: HTTPRequestHead
    var body: ByteBuffer
    var promise: EventLoopPromise<ClientReply>
}

/// The node's HTTP answer.
struct ClientReply: Sendable {
    var status: Int
    var body: ByteBuffer
}

/// Sends calls and matches answers in order (HTTP/1.1 keep-alive, pipelined
/// when calls overlap). Calls still waiting when the connection ends fail.
final class RPCClientHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = ClientRequest
    typealias OutboundOut = HTTPClientRequestPart

    private let url: String
    private let maxResponseBytes: Int
    private var pending = CircularBuffer<EventLoopPromise<ClientReply>>()
    private var current: ClientReply?

    init(url: String, maxResponseBytes: Int) {
        self.url = url
        self.maxResponseBytes = maxResponseBytes
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        pending.append(request.promise)
        context.write(wrapOutboundOut(.head(request.head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(request.body))), promise: nil)
        context.write(wrapOutboundOut(.end(nil)), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            guard head.status.code >= 200 else { return }  // 100 Continue and friends
            current = ClientReply(status: Int(head.status.code), body: context.channel.allocator.buffer(capacity: 0))
        case .body(var part):
            guard var reply = current else { return }
            guard reply.body.readableBytes + part.readableBytes <= maxResponseBytes else {
                fail(RPCClientError.invalidResponse("the answer is larger than \(maxResponseBytes) bytes"))
                context.close(promise: nil)
                return
            }
            current = nil
            reply.body.writeBuffer(&part)
            current = reply
        case .end:
            guard let reply = current else { return }
            current = nil
            pending.popFirst()?.succeed(reply)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(RPCClientError.connectionLost(url: url, reason: "the node closed the connection"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        fail(RPCClientError.connectionLost(url: url, reason: "\(error)"))
        context.close(promise: nil)
    }

    private func fail(_ error: RPCClientError) {
        while let promise = pending.popFirst() { promise.fail(error) }
        current = nil
    }
}
