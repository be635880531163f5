/// Answers JSON-RPC calls. The node's `eth_*`, `net_*`, `web3_*` and `ath_*`
/// methods implement this; the transport validates envelopes, handles batches
/// and notifications, and serializes results.
///
/// `eth_subscribe` and `eth_unsubscribe` never reach the handler when the
/// server has a `SubscriptionHub`: the dispatcher answers them itself.
public protocol RPCHandler: Sendable {
    /// Handles one call. `params` is an array or an object (an absent or null
    /// `params` arrives as an empty array). Throw `RPCError.methodNotFound` for
    /// unknown methods so metrics count them under "unknown".
    func handle(method: String, params: JSON, context: RPCRequestContext) async throws(RPCError) -> JSON
}

/// Where a call came from.
public struct RPCRequestContext: Sendable {
    public enum Transport: String, Sendable {
        case http
        case webSocket
        /// Called in-process (tests, the node itself).
        case inProcess
    }

    public var transport: Transport
    /// Unique per connection for the server's lifetime.
    public var connectionID: UInt64
    /// The peer's IP address as text, without the port ("127.0.0.1", "::1"),
    /// when known: the same key the server's per-address connection bound uses.
    public var remoteAddress: String?
    /// The connection's push channel; nil unless the transport is WebSocket.
    public var notifications: RPCNotificationSink?

    public init(transport: Transport, connectionID: UInt64, remoteAddress: String? = nil,
                notifications: RPCNotificationSink? = nil) {
        self.transport = transport
        self.connectionID = connectionID
        self.remoteAddress = remoteAddress
        self.notifications = notifications
    }

    /// A context for in-process calls (no push channel).
    public static let inProcess = RPCRequestContext(transport: .inProcess, connectionID: 0)
}
