/// Bounds the RPC server enforces on every connection.
///
/// Each bound is what a hostile client would otherwise use up: connections
/// (one address must not lock the others out), time (half-sent requests), and
/// the node's memory (a WebSocket client that stops reading).
public struct RPCLimits: Sendable {
    /// Most connections open at once (HTTP and WebSocket); more are closed on accept.
    public var maxConnections: Int
    /// Most connections open at once from one IP address; more are closed on
    /// accept, so one client cannot use up `maxConnections` for everyone.
    public var maxConnectionsPerAddress: Int
    /// Largest HTTP request body; larger ones get HTTP 413 (geth: 5 MiB).
    public var maxBodyBytes: Int
    /// Largest WebSocket message, fragments aggregated.
    public var maxFrameBytes: Int
    /// Most requests in one batch; more get a single -32600 "batch too large" (geth: 1000).
    public var maxBatchItems: Int
    /// Most WebSocket messages handled at once per connection; the server stops
    /// reading from the socket beyond this.
    public var maxConcurrentRequestsPerConnection: Int
    /// Most messages (notifications and responses) queued for one WebSocket
    /// connection but not yet written to its socket; past this the client is
    /// not reading and the connection is closed (code 1008).
    public var maxPendingNotifications: Int
    /// Most bytes queued for one WebSocket connection but not yet written to
    /// its socket; past this the client is not reading and the connection is
    /// closed (code 1008) and its queue freed. One message larger than this
    /// still goes out when nothing else is queued.
    public var maxPendingNotificationBytes: Int
    /// How often an idle WebSocket is pinged; a connection silent for two
    /// intervals is closed. Zero disables pings.
    public var webSocketPingIntervalSeconds: Int64
    /// An HTTP connection that sends nothing for this long between requests
    /// (and has no call in progress) is closed (geth: 120 s). Zero disables it.
    public var httpIdleTimeoutSeconds: Int64
    /// A request head (request line and headers) must be complete within this
    /// long of the connection opening, or of its first byte on a kept-alive
    /// connection; otherwise the server answers 408 and closes (slowloris).
    /// Zero disables it.
    public var headerTimeoutSeconds: Int64
    /// A request body must be complete within this long of its head;
    /// otherwise the server answers 408 and closes. Zero disables it.
    public var bodyTimeoutSeconds: Int64

    public init(maxConnections: Int = 4096,
                maxConnectionsPerAddress: Int = 128,
                maxBodyBytes: Int = 5 * 1024 * 1024,
                maxFrameBytes: Int = 5 * 1024 * 1024,
                maxBatchItems: Int = 1000,
                maxConcurrentRequestsPerConnection: Int = 64,
                maxPendingNotifications: Int = 10_000,
                maxPendingNotificationBytes: Int = 16 * 1024 * 1024,
                webSocketPingIntervalSeconds: Int64 = 30,
                httpIdleTimeoutSeconds: Int64 = 120,
                headerTimeoutSeconds: Int64 = 10,
                bodyTimeoutSeconds: Int64 = 30) {
        self.maxConnections = maxConnections
        self.maxConnectionsPerAddress = maxConnectionsPerAddress
        self.maxBodyBytes = maxBodyBytes
        self.maxFrameBytes = maxFrameBytes
        self.maxBatchItems = maxBatchItems
        self.maxConcurrentRequestsPerConnection = maxConcurrentRequestsPerConnection
        self.maxPendingNotifications = maxPendingNotifications
        self.maxPendingNotificationBytes = maxPendingNotificationBytes
        self.webSocketPingIntervalSeconds = webSocketPingIntervalSeconds
        self.httpIdleTimeoutSeconds = httpIdleTimeoutSeconds
        self.headerTimeoutSeconds = headerTimeoutSeconds
        self.bodyTimeoutSeconds = bodyTimeoutSeconds
    }
}
