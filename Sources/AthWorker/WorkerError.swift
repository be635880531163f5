/// Why a worker could not start, register or go on.
public enum WorkerError: Error, CustomStringConvertible, Sendable {
    /// `start()` was called twice, or after `stop()`.
    case alreadyStarted
    /// An operation that needs a started worker was called before `start()`.
    case notStarted
    /// The chosen compute backend is not available.
    case backend(ComputeError)
    /// The node could not be reached or answered wrongly.
    case node(url: String, reason: String)
    /// The result endpoint could not listen.
    case bindFailed(host: String, port: Int, reason: String)
    /// Registering the operator failed.
    case registration(String)

    public var description: String {
        switch self {
        case .alreadyStarted: return "the worker was started before (a stopped worker cannot be restarted)"
        case .notStarted: return "the worker is not started"
        case .backend(let e): return "compute backend unavailable: \(e.description)"
        case .node(let url, let reason): return reason.contains(url) ? reason : "cannot use the node at \(url): \(reason)"
        case .bindFailed(let host, let port, let reason): return "cannot listen on \(host):\(port): \(reason)"
        case .registration(let reason): return "cannot register the operator: \(reason)"
        }
    }
}
