/// Why a server could not start.
public enum RPCServerError: Error, Sendable, CustomStringConvertible {
    /// The listening socket could not be bound (address in use, no permission, bad host).
    case bindFailed(host: String, port: Int, reason: String)
    /// `start()` was called on a server that is already running or was stopped.
    case alreadyStarted

    public var description: String {
        switch self {
        case let .bindFailed(host, port, reason): return "cannot listen on \(host):\(port): \(reason)"
        case .alreadyStarted: return "the server was already started"
        }
    }
}
