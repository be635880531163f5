import NIOCore
import NIOWebSocket

/// The outgoing side of one WebSocket connection, on its event loop: messages
/// (responses and notifications, in the order queued) wait here and go to the
/// channel only while it is writable, so what NIO buffers stays near its
/// write-buffer high-water mark and the rest can be dropped whole. When the
/// budget refuses a message the queue is dropped at once, a close frame (1008)
/// with the reason is sent behind what the socket already holds, and the
/// connection closes when that frame is written or after `closeGrace`.
final class WebSocketWriter {
    private let channel: any Channel
    let budget: WebSocketSendBudget
    private var queue = CircularBuffer<(frame: WebSocketFrame, bytes: Int)>()
    private(set) var stopped = false

    /// How long a refused client gets to read its close frame.
    static let closeGrace = TimeAmount.seconds(2)
    /// Peak queue above which the allocator is asked to return freed memory to the system.
    static let trimThreshold = 4 << 20

    init(channel: any Channel, budget: WebSocketSendBudget) {
        self.channel = channel
        self.budget = budget
    }

    /// Queues a text message whose room the caller has already reserved.
    func enqueue(_ data: ByteBuffer) {
        let bytes = data.readableBytes
        guard !stopped else {
            budget.release(bytes)
            return
        }
        queue.append((WebSocketFrame(fin: true, opcode: .text, data: data), bytes))
        drain()
    }

    /// Queues a response: it needs room like a notification, and a refusal drops the connection.
    func send(response data: ByteBuffer) {
        guard !stopped else { return }
        if let refusal = budget.reserve(data.readableBytes) {
            refuse(refusal)
            return
        }
        enqueue(data)
    }

    /// Hands queued frames to the channel while it is writable.
    func drain() {
        var wrote = false
        while !stopped, channel.isWritable, let (frame, bytes) = queue.popFirst() {
            let budget = self.budget
            channel.write(frame).whenComplete { _ in budget.release(bytes) }
            wrote = true
        }
        if wrote { channel.flush() }
    }

    /// The budget refused a message: drop everything queued, say why, close.
    func refuse(_ refusal: WebSocketSendBudget.Refusal) {
        guard !stopped else { return }
        dropQueue()
        var data = channel.allocator.buffer(capacity: 2 + refusal.reason.utf8.count)
        data.write(webSocketErrorCode: .policyViolation)
        data.writeString(refusal.reason)
        let channel = self.channel
        let forced = channel.eventLoop.scheduleTask(in: Self.closeGrace) { channel.close(promise: nil) }
        channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .connectionClose, data: data)).whenComplete { _ in
            forced.cancel()
            channel.close(promise: nil)
        }
    }

    /// Stops writing (a close frame was sent or received) and frees the queue.
    func stop() {
        guard !stopped else { return }
        dropQueue()
    }

    /// The connection is gone: frees the queue and, after a large one, memory.
    func connectionClosed() {
        dropQueue()
        if budget.peakBytes > Self.trimThreshold { MemoryTrim.request(on: channel.eventLoop) }
    }

    private func dropQueue() {
        stopped = true
        while let (_, bytes) = queue.popFirst() { budget.release(bytes) }
    }
}
