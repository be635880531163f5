import AthPrimitives

/// WebSocket subscriptions (`eth_subscribe` / `eth_unsubscribe`) and their fan-out.
///
/// The RPC server intercepts the two methods and calls the hub (handlers never
/// see them); over HTTP they get -32601 "notifications not supported". The node
/// publishes events with `publishNewHead`, `publishLogs` and
/// `publishPendingTransaction`; each matching subscription receives
/// `{"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":ID,"result":...}}`.
/// Results are serialized once per event, whatever the number of subscribers.
/// Subscriptions die with their connection.
public final class SubscriptionHub: Sendable {
    /// Most live subscriptions one connection may hold.
    public let maxSubscriptionsPerConnection: Int
    private let state = Locked(State())

    enum Kind: Sendable {
        case newHeads
        case logs(LogFilter)
        case newPendingTransactions
    }

    struct Subscription: Sendable {
        var id: String
        var kind: Kind
        var sink: RPCNotificationSink
    }

    private struct State {
        var heads: [String: Subscription] = [:]
        var logs: [String: Subscription] = [:]
        var pending: [String: Subscription] = [:]
        /// Subscription ids by connection.
        var connections: [UInt64: Set<String>] = [:]

        mutating func remove(_ id: String) {
            heads[id] = nil
            logs[id] = nil
            pending[id] = nil
        }

        func contains(_ id: String) -> Bool { heads[id] != nil || logs[id] != nil || pending[id] != nil }
    }

    public init(maxSubscriptionsPerConnection: Int = 128) {
        self.maxSubscriptionsPerConnection = maxSubscriptionsPerConnection
    }

    /// Live subscriptions, all connections together.
    public var count: Int { state.withLock { $0.heads.count + $0.logs.count + $0.pending.count } }

    /// Handles `eth_subscribe` params (`["newHeads"]`, `["logs", filter]`,
    /// `["newPendingTransactions"]`) and returns the new subscription id
    /// ("0x" + 16 hex digits); notifications start at once. (The server's own
    /// path holds them until the answer carrying the id has been written.)
    public func subscribe(params: JSON, context: RPCRequestContext) throws(RPCError) -> String {
        try subscribe(params: params, context: context, hold: false)
    }

    /// `hold`: queue notifications until the transport calls `release` on the sink.
    func subscribe(params: JSON, context: RPCRequestContext, hold: Bool) throws(RPCError) -> String {
        guard let sink = context.notifications else { throw .notificationsNotSupported }
        let kind = try Self.kind(from: params)
        let connection = context.connectionID
        let id: String = try state.withLock { (s: inout State) throws(RPCError) -> String in
            let existing = s.connections[connection]?.count ?? 0
            guard existing < maxSubscriptionsPerConnection else {
                throw .server("too many subscriptions on this connection (limit \(maxSubscriptionsPerConnection))")
            }
            var id = Self.newID()
            while s.contains(id) { id = Self.newID() }
            if hold { sink.hold(id) }
            let sub = Subscription(id: id, kind: kind, sink: sink)
            switch kind {
            case .newHeads: s.heads[id] = sub
            case .logs: s.logs[id] = sub
            case .newPendingTransactions: s.pending[id] = sub
            }
            s.connections[connection, default: []].insert(id)
            return id
        }
        // The connection may have closed (and been cleaned up) while we registered.
        if !sink.isOpen { removeConnection(connection) }
        return id
    }

    /// Handles `eth_unsubscribe` params (`[id]`): true when the subscription
    /// existed on this connection and is now gone.
    public func unsubscribe(params: JSON, context: RPCRequestContext) throws(RPCError) -> Bool {
        guard context.notifications != nil else { throw .notificationsNotSupported }
        guard case .array(let list) = params, list.count == 1, case .string(let id) = list[0] else {
            throw .invalidParams("eth_unsubscribe expects one parameter, the subscription id")
        }
        let removed = state.withLock { s -> Bool in
            guard s.connections[context.connectionID]?.remove(id) != nil else { return false }
            s.remove(id)
            return true
        }
        guard removed else { throw .server("subscription not found") }
        return true
    }

    /// Drops every subscription of a connection (the server calls this when it closes).
    public func removeConnection(_ connectionID: UInt64) {
        state.withLock { s in
            guard let ids = s.connections.removeValue(forKey: connectionID) else { return }
            for id in ids { s.remove(id) }
        }
    }

    /// Sends a new block header (already in its RPC JSON form) to every `newHeads` subscription.
    public func publishNewHead(_ header: JSON) {
        let targets = state.withLock { Array($0.heads.values) }
        guard !targets.isEmpty else { return }
        deliver(header.serialized(), to: targets)
    }

    /// Sends a pending transaction hash to every `newPendingTransactions` subscription.
    public func publishPendingTransaction(_ hash: String) {
        let targets = state.withLock { Array($0.pending.values) }
        guard !targets.isEmpty else { return }
        var w = JSONWriter(capacity: 72)
        w.writeString(hash)
        deliver(w.bytes, to: targets)
    }

    /// Sends each log (an RPC log object with lowercase 0x-hex `address` and
    /// `topics`) to every `logs` subscription whose filter matches it, one
    /// notification per log, in order. Matching ignores hex case.
    public func publishLogs(_ logs: [JSON]) {
        let targets = state.withLock { Array($0.logs.values) }
        guard !targets.isEmpty else { return }
        var dead: [Subscription] = []
        for log in logs {
            let (address, topics) = LogFilter.fields(of: log)
            var bytes: [UInt8]? = nil
            for sub in targets {
                guard case .logs(let filter) = sub.kind, filter.matches(address: address, topics: topics) else { continue }
                if bytes == nil { bytes = log.serialized() }
                if !sub.sink.sendSubscription(id: sub.id, result: bytes!) { dead.append(sub) }
            }
        }
        prune(dead)
    }

    private func deliver(_ result: [UInt8], to targets: [Subscription]) {
        var dead: [Subscription] = []
        for sub in targets where !sub.sink.sendSubscription(id: sub.id, result: result) {
            dead.append(sub)
        }
        prune(dead)
    }

    /// Forgets connections that refused a notification (closed, or not reading).
    private func prune(_ dead: [Subscription]) {
        guard !dead.isEmpty else { return }
        for connection in Set(dead.map(\.sink.connectionID)) { removeConnection(connection) }
    }

    static func kind(from params: JSON) throws(RPCError) -> Kind {
        guard case .array(let list) = params, let first = list.first else {
            throw .invalidParams("eth_subscribe expects the subscription kind as its first parameter")
        }
        guard case .string(let name) = first else { throw .invalidParams("subscription kind must be a string") }
        switch name {
        case "newHeads":
            guard list.count == 1 else { throw .invalidParams("newHeads subscription takes no further parameters") }
            return .newHeads
        case "newPendingTransactions":
            if list.count > 2 { throw .invalidParams("newPendingTransactions takes at most one further parameter") }
            if list.count == 2, list[1] != .bool(false), list[1] != .null {
                throw .invalidParams("newPendingTransactions with full transactions is not supported")
            }
            return .newPendingTransactions
        case "logs":
            guard list.count <= 2 else { throw .invalidParams("logs subscription takes one filter parameter") }
            return .logs(list.count == 2 && list[1] != .null ? try LogFilter(json: list[1]) : LogFilter())
        default:
            throw .invalidParams("unsupported subscription kind \"\(RPCError.excerpt(name))\" (expected newHeads, logs or newPendingTransactions)")
        }
    }

    static func newID() -> String {
        var rng = SystemRandomNumberGenerator()
        let v = rng.next() as UInt64
        let hex = String(v, radix: 16)
        return "0x" + String(repeating: "0", count: 16 - hex.count) + hex
    }
}
