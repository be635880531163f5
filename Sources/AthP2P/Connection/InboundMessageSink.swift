import AthPrimitives
import NIOCore

/// The pipeline's last handler: hands decrypted messages to the
/// `PeerConnection.messages` stream and closes the connection when more than
/// `limit` bytes wait unconsumed there.
final class InboundMessageSink: ChannelInboundHandler {
    typealias InboundIn = PeerMessage

    private let continuation: AsyncStream<PeerMessage>.Continuation
    private let pendingBytes: Locked<Int>
    private let limit: Int
    private let closeReason: Locked<P2PError?>

    init(continuation: AsyncStream<PeerMessage>.Continuation, pendingBytes: Locked<Int>, limit: Int,
         closeReason: Locked<P2PError?>) {
        self.continuation = continuation
        self.pendingBytes = pendingBytes
        self.limit = limit
        self.closeReason = closeReason
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let message = unwrapInboundIn(data)
        let size = message.message.count
        let fits = pendingBytes.withLock { pending in
            guard pending <= limit - size else { return false }
            pending += size
            return true
        }
        guard fits else {
            let limit = self.limit
            closeReason.withLock { if $0 == nil { $0 = .inboundQueueFull(limitBytes: limit) } }
            context.close(promise: nil)
            return
        }
        continuation.yield(message)
    }

    func channelInactive(context: ChannelHandlerContext) {
        continuation.finish()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        continuation.finish()
    }
}

/// The messages received from a peer, in order; ends when the connection closes.
/// Single consumer.
public struct PeerMessages: AsyncSequence, Sendable {
    public typealias Element = PeerMessage
    let stream: AsyncStream<PeerMessage>
    let pendingBytes: Locked<Int>

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncStream<PeerMessage>.AsyncIterator
        let pendingBytes: Locked<Int>

        public mutating func next() async -> PeerMessage? {
            guard let message = await base.next() else { return nil }
            pendingBytes.withLock { $0 -= message.message.count }
            return message
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: stream.makeAsyncIterator(), pendingBytes: pendingBytes)
    }
}
