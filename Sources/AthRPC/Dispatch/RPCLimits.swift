/// Bounds the RPC server enforces on every connection.
public struct RPCLimits: Sendable {
    /// Most connections open at once (HTTP and WebSocket); more are closed on accept.
    public var maxConnections: Int
    /// Largest HTTP request body; larger ones get HTTP 413 (geth: 5 MiB).
    public var maxBodyBytes: Int
    /// Largest WebSocket message, fragments aggregated.
    public var maxFrameBytes: Int
    /// Most requests in one batch; more get a single -32600 "batch too large" (geth: 1000).
    public var maxBatchItems: Int
    /// Most WebSocket messages handled at once per connection; the server stops
    /// reading from the socket beyond this.
    public var maxConcurrentRequestsPerConnection: Int
    /// Most notifications queued for one connection but not yet written to its
    /// socket; past this the client is not reading and the connection is closed.
    public var maxPendingNotifications: Int
    /// How often an idle WebSocket is pinged; a connection silent for two
    /// intervals is closed. Zero disables pings.
    public var webSocketPingIntervalSeconds: Int64
    /// An HTTP connection that sends nothing for this long (and has no call in
    /// progress) is closed (geth: 120 s).
    public var httpIdleTimeoutSeconds: Int64

    public init(maxConnections: Int = 4096,
                maxBodyBytes: Int = 5 * 1024 * 1024,
                maxFrameBytes: Int = 5 * 1024 * 1024,
                maxBatchItems: Int = 1000,
                maxConcurrentRequestsPerConnection: Int = 64,
                maxPendingNotifications: Int = 10_000,
                webSocketPingIntervalSeconds: Int64 = 30,
                httpIdleTimeoutSeconds: Int64 = 120) {
        self.maxConnections = maxConnections
        self.maxBodyBytes = maxBodyBytes
        self.maxFrameBytes = maxFrameBytes
        self.maxBatchItems = maxBatchItems
        self.maxConcurrentRequestsPerConnection = maxConcurrentRequestsPerConnection
        self.maxPendingNotifications = maxPendingNotifications
        self.webSocketPingIntervalSeconds = webSocketPingIntervalSeconds
        self.httpIdleTimeoutSeconds = httpIdleTimeoutSeconds
    }
}
