/// Why an `HTTPGetClient` request got no answer. Each case reads as one
/// sentence a log line can carry.
public enum HTTPGetError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The endpoint is not `http://host:port`.
    case invalidURL(String, reason: String)
    /// No connection could be opened (refused, unreachable, unknown host, connect timeout).
    case cannotConnect(url: String, reason: String)
    /// The connection broke before the whole answer arrived.
    case connectionLost(url: String, reason: String)
    /// The whole answer did not arrive within the request's time limit.
    case timedOut(url: String, seconds: Double)
    /// The answer's body is larger than the request allows.
    case bodyTooLarge(url: String, limit: Int)

    public var description: String {
        switch self {
        case let .invalidURL(url, reason): return "invalid endpoint \(url): \(reason)"
        case let .cannotConnect(url, reason): return "cannot reach \(url): \(reason)"
        case let .connectionLost(url, reason): return "connection to \(url) failed: \(reason)"
        case let .timedOut(url, seconds): return "\(url) did not answer within \(seconds) seconds"
        case let .bodyTooLarge(url, limit): return "\(url) sent a body larger than the \(limit) bytes expected"
        }
    }
}
