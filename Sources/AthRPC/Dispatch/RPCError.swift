/// A JSON-RPC error object: code, message, optional data.
///
/// Handlers throw it to answer a call with an error. Codes and messages follow
/// JSON-RPC 2.0 and geth so existing tools recognise them.
public struct RPCError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: Int
    public var message: String
    public var data: JSON?

    public init(code: Int, message: String, data: JSON? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    public var description: String { "JSON-RPC error \(code): \(message)" }

    public static let parseErrorCode = -32700
    public static let invalidRequestCode = -32600
    public static let methodNotFoundCode = -32601
    public static let invalidParamsCode = -32602
    public static let internalErrorCode = -32603
    public static let serverErrorCode = -32000
    /// geth's code for a reverted `eth_call` / `eth_estimateGas`.
    public static let executionRevertedCode = 3

    /// -32700: the message is not valid JSON; `detail` says where and why.
    public static func parseError(_ detail: String) -> RPCError {
        RPCError(code: parseErrorCode, message: "parse error: \(detail)")
    }

    /// -32600: the message is JSON but not a valid request.
    public static func invalidRequest(_ reason: String) -> RPCError {
        RPCError(code: invalidRequestCode, message: "invalid request: \(reason)")
    }

    /// -32600 with geth's wording for `[]`.
    public static let emptyBatch = RPCError(code: invalidRequestCode, message: "empty batch")

    /// -32600 with geth's wording for a batch over the limit.
    public static let batchTooLarge = RPCError(code: invalidRequestCode, message: "batch too large")

    /// -32601 in geth's wording; a long name is cut (see `excerpt`).
    public static func methodNotFound(_ method: String) -> RPCError {
        RPCError(code: methodNotFoundCode, message: "the method \(excerpt(method)) does not exist/is not available")
    }

    /// Most characters of client input an error message repeats.
    public static let maxEchoedCharacters = 64

    /// Client input as an error message may repeat it: at most
    /// `maxEchoedCharacters` characters, then "…" when something was cut, so
    /// a hostile client cannot make the node send its megabytes back.
    public static func excerpt(_ text: some StringProtocol) -> String {
        let head = text.prefix(maxEchoedCharacters)
        return head.endIndex == text.endIndex ? String(head) : head + "…"
    }

    /// -32601: subscriptions asked for over a transport that cannot push (geth's wording).
    public static let notificationsNotSupported = RPCError(code: methodNotFoundCode, message: "notifications not supported")

    /// -32602: the params do not fit the method; `reason` is the whole message
    /// (geth style: "invalid argument 0: hex string without 0x prefix").
    public static func invalidParams(_ reason: String) -> RPCError {
        RPCError(code: invalidParamsCode, message: reason)
    }

    /// -32603: the node failed while handling a valid call.
    public static func internalError(_ message: String) -> RPCError {
        RPCError(code: internalErrorCode, message: message)
    }

    /// -32000 (or another server code): the call was refused by the node
    /// ("nonce too low", "already known", ...).
    public static func server(_ message: String, code: Int = serverErrorCode) -> RPCError {
        RPCError(code: code, message: message)
    }

    /// 3: execution reverted, with the revert data as 0x-hex, as geth answers
    /// `eth_call`. `reason` is the decoded `Error(string)` when there is one.
    public static func executionReverted(data: String, reason: String? = nil) -> RPCError {
        let message = reason.map { "execution reverted: \($0)" } ?? "execution reverted"
        return RPCError(code: executionRevertedCode, message: message, data: .string(data))
    }
}
