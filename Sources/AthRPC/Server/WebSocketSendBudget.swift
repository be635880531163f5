import AthPrimitives

/// Counts what is queued for one WebSocket connection but not yet written to
/// its socket (messages and bytes), so a client that stops reading is dropped
/// instead of buffered for. Thread-safe: notifications are admitted from the
/// publisher's thread.
final class WebSocketSendBudget: Sendable {
    /// Why a message was refused; the text goes into the close frame.
    enum Refusal: Sendable, Equatable {
        case tooManyMessages(limit: Int)
        case tooManyBytes(limit: Int)

        var reason: String {
            switch self {
            case .tooManyMessages(let limit): return "send queue over \(limit) messages: the client is not reading"
            case .tooManyBytes(let limit): return "send queue over \(Self.size(limit)): the client is not reading"
            }
        }

        static func size(_ bytes: Int) -> String {
            if bytes >= 1 << 20 && bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
            if bytes >= 1 << 10 && bytes % (1 << 10) == 0 { return "\(bytes >> 10) KiB" }
            return "\(bytes) bytes"
        }
    }

    private struct Totals {
        var messages = 0
        var bytes = 0
        var peakBytes = 0
        var refusal: Refusal?
    }

    private let totals = Locked(Totals())
    let maxMessages: Int
    let maxBytes: Int

    init(maxMessages: Int, maxBytes: Int) {
        self.maxMessages = maxMessages
        self.maxBytes = maxBytes
    }

    /// Takes room for one message of `bytes`; a refusal when the queue is full
    /// (and every later call refuses too). A message larger than the byte
    /// bound is admitted only into an empty queue.
    func reserve(_ bytes: Int) -> Refusal? {
        totals.withLock { t in
            if let refusal = t.refusal { return refusal }
            if t.messages >= maxMessages {
                t.refusal = .tooManyMessages(limit: maxMessages)
            } else if t.bytes > 0 && t.bytes + bytes > maxBytes {
                t.refusal = .tooManyBytes(limit: maxBytes)
            } else {
                t.messages += 1
                t.bytes += bytes
                t.peakBytes = max(t.peakBytes, t.bytes)
                return nil
            }
            return t.refusal
        }
    }

    /// Gives back a message's room once it is written (or dropped).
    func release(_ bytes: Int) {
        totals.withLock { t in
            t.messages -= 1
            t.bytes -= bytes
        }
    }

    /// The most bytes ever queued at once.
    var peakBytes: Int { totals.withLock { $0.peakBytes } }
}
