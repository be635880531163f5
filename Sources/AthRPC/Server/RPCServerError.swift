/// Why a server could not start (or refused a connection).
public enum RPCServerError: Error, Sendable, CustomStringConvertible {
    /// The listening socket could not be bound (address in use, no permission, bad host).
    case bindFailed(host: String, port: Int, reason: String)
    /// `start()` was called on a server that is already running or was stopped.
    case alreadyStarted
    /// A connection was refused because `RPCLimits.maxConnections` are open.
    case tooManyConnections(limit: Int)
    /// A connection was refused because `RPCLimits.maxConnectionsPerAddress` are open from its address.
    case tooManyConnectionsFromAddress(address: String, limit: Int)

    public var description: String {
        switch self {
        case let .bindFailed(host, port, reason): return "cannot listen on \(host):\(port): \(reason)"
        case .alreadyStarted: return "the server was already started"
        case .tooManyConnections(let limit): return "connection refused: \(limit) connections are already open"
        case let .tooManyConnectionsFromAddress(address, limit):
            return "connection refused: \(limit) connections from \(address) are already open"
        }
    }
}
