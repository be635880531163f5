import AthPrimitives

/// The push side of one WebSocket connection: serialized JSON-RPC
/// notifications go out through it, in the order they are sent.
///
/// A new subscription is held until the response that carries its id has
/// been written, so a client never sees a notification for an id it has not
/// been told yet; notifications published meanwhile wait (boundedly) and go out
/// right after the response.
public final class RPCNotificationSink: Sendable {
    /// The connection this sink writes to.
    public let connectionID: UInt64
    private let deliver: @Sendable ([UInt8]) -> Bool
    private let closeConnection: @Sendable () -> Void
    private let state = Locked(State())

    private struct State {
        var open = true
        var held: [String: [[UInt8]]] = [:]
        var heldCount = 0
        var heldBytes = 0
    }

    /// Most notifications waiting for held subscriptions before the connection is dropped.
    static let maxHeldNotifications = 4096
    /// Most bytes of notifications waiting for held subscriptions before the connection is dropped.
    public let maxHeldBytes: Int

    /// - Parameters:
    ///   - deliver: queues one complete message on the connection; returns false
    ///     when the connection is gone or refuses more (then the sink closes).
    ///     Called with the sink's lock held, so it must only queue: it must not
    ///     write or close synchronously, or call anything that could reach the sink.
    ///   - close: drops the connection (used when held notifications overflow).
    ///   - maxHeldBytes: bound on the bytes held for subscriptions not yet announced.
    public init(connectionID: UInt64, maxHeldBytes: Int = 16 << 20, deliver: @escaping @Sendable ([UInt8]) -> Bool,
                close: @escaping @Sendable () -> Void = {}) {
        self.connectionID = connectionID
        self.maxHeldBytes = maxHeldBytes
        self.deliver = deliver
        self.closeConnection = close
    }

    /// False once the connection has closed or refused a message.
    public var isOpen: Bool { state.withLock { $0.open } }

    /// Sends `{"jsonrpc":"2.0","method":method,"params":params}`. Returns false when the connection is gone.
    @discardableResult
    public func send(method: String, params: JSON) -> Bool {
        var w = JSONWriter(capacity: 128)
        w.writeASCII(#"{"jsonrpc":"2.0","method":"#)
        w.writeString(method)
        w.writeASCII(#","params":"#)
        w.write(params)
        w.bytes.append(UInt8(ascii: "}"))
        return sendMessage(w.bytes, subscription: nil)
    }

    /// Sends an `eth_subscription` notification whose `result` is already serialized.
    @discardableResult
    func sendSubscription(id: String, result: [UInt8]) -> Bool {
        var w = JSONWriter(capacity: result.count + 96)
        w.writeASCII(#"{"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":"#)
        w.writeString(id)
        w.writeASCII(#","result":"#)
        w.bytes.append(contentsOf: result)
        w.writeASCII("}}")
        return sendMessage(w.bytes, subscription: id)
    }

    private func sendMessage(_ message: [UInt8], subscription: String?) -> Bool {
        let (ok, overflow) = state.withLock { s -> (Bool, Bool) in
            guard s.open else { return (false, false) }
            if let id = subscription, s.held[id] != nil {
                guard s.heldCount < Self.maxHeldNotifications, s.heldBytes + message.count <= maxHeldBytes else {
                    s.open = false
                    return (false, true)
                }
                s.held[id]!.append(message)
                s.heldCount += 1
                s.heldBytes += message.count
                return (true, false)
            }
            if !deliver(message) { s.open = false; return (false, false) }
            return (true, false)
        }
        if overflow { closeConnection() }
        return ok
    }

    /// Holds notifications for a subscription until `release` (called by the hub on subscribe).
    func hold(_ id: String) {
        state.withLock { s in if s.held[id] == nil { s.held[id] = [] } }
    }

    /// Releases held subscriptions, sending what they queued, in order. The
    /// server calls this right after writing the response that announced them.
    func release(_ ids: [String]) {
        guard !ids.isEmpty else { return }
        state.withLock { s in
            for id in ids {
                guard let queued = s.held.removeValue(forKey: id) else { continue }
                s.heldCount -= queued.count
                s.heldBytes -= queued.reduce(0) { $0 + $1.count }
                for message in queued where s.open {
                    if !deliver(message) { s.open = false }
                }
            }
        }
    }

    /// Marks the connection gone; later sends return false.
    func markClosed() {
        state.withLock { s in
            s.open = false
            s.held = [:]
            s.heldCount = 0
            s.heldBytes = 0
        }
    }
}
