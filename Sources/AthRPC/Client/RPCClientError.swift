/// Why an `RPCClient` call failed. Each case reads as one sentence a CLI can print.
public enum RPCClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The URL is not `http://host[:port][/path]`.
    case invalidURL(String, reason: String)
    /// No connection could be opened (refused, unreachable, unknown host, connect timeout).
    case cannotConnect(url: String, reason: String)
    /// The connection broke before the answer arrived.
    case connectionLost(url: String, reason: String)
    /// No answer within the client's timeout.
    case timedOut(url: String, seconds: Double)
    /// The node answered with an HTTP status other than 200.
    case httpStatus(code: Int, body: String)
    /// The answer is not a JSON-RPC response to this call.
    case invalidResponse(String)
    /// The node answered the call with a JSON-RPC error.
    case rpc(RPCError)

    public var description: String {
        switch self {
        case let .invalidURL(url, reason): return "invalid node URL \(url): \(reason)"
        case let .cannotConnect(url, reason): return "cannot reach node at \(url): \(reason)"
        case let .connectionLost(url, reason): return "connection to node at \(url) failed: \(reason)"
        case let .timedOut(url, seconds): return "node at \(url) did not answer within \(seconds) seconds"
        case let .httpStatus(code, body):
            return body.isEmpty ? "node answered with HTTP status \(code)" : "node answered with HTTP status \(code): \(body)"
        case let .invalidResponse(reason): return "node sent an invalid JSON-RPC response: \(reason)"
        case let .rpc(error): return "\(error.message) (JSON-RPC error \(error.code))"
        }
    }
}
