import ArgumentParser
import AthClient
import AthPrimitives
import AthEVM
import AthRPC
import Foundation

/// `--rpc` and `--json`, shared by every command that talks to a node.
struct NodeOptions: ParsableArguments {
    /// Where `--rpc` points when neither it nor `ATH_RPC` is set.
    static let defaultURL = "http://127.0.0.1:8545"

    @Option(name: .long, help: "The node's JSON-RPC URL (default: $ATH_RPC or http://127.0.0.1:8545).")
    var rpc: String?
    @Flag(help: "Print JSON.") var json = false

    /// The URL to use: `--rpc`, else `$ATH_RPC`, else the local default.
    var url: String {
        if let rpc { return rpc }
        if let env = ProcessInfo.processInfo.environment["ATH_RPC"], !env.isEmpty { return env }
        return Self.defaultURL
    }

    /// A client for `url`.
    func client() throws -> NodeClient { try NodeClient(url: url) }
}

/// Blocking JSON-RPC calls for the CLI, with node failures turned into
/// one-sentence `CLIError`s ("cannot reach node at …", or the node's own message).
struct NodeClient {
    let rpc: RPCClient

    init(url: String) throws {
        do { rpc = try RPCClient(url: url, timeout: .seconds(30)) } catch { throw CLIError(error.description) }
    }

    var url: String { rpc.url }

    /// Calls `method`; any failure becomes a `CLIError` (reverts keep their data, see `NodeCallError`).
    func call(_ method: String, _ params: [JSON] = []) throws -> JSON {
        do { return try rpc.callSync(method, params) } catch {
            if case .rpc(let e) = error {
                if e.code == RPCError.executionRevertedCode { throw CLIError(Self.revertMessage(e)) }
                throw CLIError(e.message)
            }
            throw CLIError(error.description)
        }
    }

    // MARK: Typed calls

    func chainID() throws -> UInt64 { try NodeValue.uint64(call("eth_chainId"), "chain id") }

    func blockNumber() throws -> UInt64 { try NodeValue.uint64(call("eth_blockNumber"), "block number") }

    func balance(_ address: Address) throws -> UInt256 {
        try NodeValue.quantity(call("eth_getBalance", [.string(address.description), "latest"]), "balance")
    }

    /// The account's nonce at `tag` (`latest`, or `pending` to count pooled transactions).
    func nonce(_ address: Address, _ tag: String = "latest") throws -> UInt64 {
        try NodeValue.uint64(call("eth_getTransactionCount", [.string(address.description), .string(tag)]), "nonce")
    }

    /// The block for a selector (`latest`, a number, or a 32-byte hash); nil when the node has none.
    func block(_ selector: BlockSelectorArgument, full: Bool = false) throws -> JSON? {
        let result: JSON
        switch selector {
        case .hash(let h): result = try call("eth_getBlockByHash", [.string(h.description), .bool(full)])
        case .tag(let t): result = try call("eth_getBlockByNumber", [.string(t), .bool(full)])
        }
        if result.isNull { return nil }
        return result
    }

    /// The receipt of `hash`; nil while the transaction is unknown or pending.
    func receipt(_ hash: Hash32) throws -> JSON? {
        let r = try call("eth_getTransactionReceipt", [.string(hash.description)])
        if r.isNull { return nil }
        return r
    }

    // MARK: Reverts

    /// "execution reverted: reason" for a code-3 error, decoding `Error(string)`
    /// or `Panic(uint256)` from its data when the node's message does not carry a reason.
    static func revertMessage(_ e: RPCError) -> String {
        if e.message.hasPrefix("execution reverted:") { return e.message }
        guard let text = e.data?.stringValue, let data = try? Hex.decode(text), !data.isEmpty else { return e.message }
        if let reason = RevertData.reason(data) { return "execution reverted: \(reason)" }
        return "execution reverted with data \(Hex.encode(data))"
    }
}

/// Decodes the standard revert payloads.
enum RevertData {
    /// The reason in `Error(string)` or the code in `Panic(uint256)`; nil for anything else.
    static func reason(_ data: [UInt8]) -> String? { AthEVM.revertReason(data) }
}

/// A block as the user names it: a number, a tag, or a hash.
enum BlockSelectorArgument: Equatable {
    /// A tag (`latest`, `earliest`, `pending`, `safe`, `finalized`) or a 0x quantity.
    case tag(String)
    case hash(Hash32)

    static let tags: Set<String> = ["latest", "earliest", "pending", "safe", "finalized"]

    /// Parses `latest`/`earliest`/…, a decimal or 0x block number, or a 32-byte 0x hash.
    static func parse(_ text: String, what: String = "block") throws -> BlockSelectorArgument {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        if tags.contains(t) { return .tag(t) }
        if t.hasPrefix("0x"), t.count == 66 {
            do { return .hash(try Hash32(hex: t)) } catch { throw CLIError("\(what) \(text): \(error)") }
        }
        if t.hasPrefix("0x"), let n = UInt64(t.dropFirst(2), radix: 16) { return .tag("0x" + String(n, radix: 16)) }
        if let n = UInt64(t, radix: 10) { return .tag("0x" + String(n, radix: 16)) }
        throw CLIError("\(what) \"\(text)\" is not a block number, a block hash or one of latest, earliest, pending, safe, finalized")
    }

    /// The JSON-RPC block id: a tag or quantity, or a bare block hash.
    var json: JSON {
        switch self {
        case .tag(let t): return .string(t)
        case .hash(let h): return .string(Hex.encode(h.bytes))
        }
    }

    /// The value for a filter field such as `fromBlock` (hashes are refused).
    func filterValue(what: String) throws -> JSON {
        guard case .tag(let t) = self else { throw CLIError("\(what) takes a block number or tag, not a hash") }
        return .string(t)
    }
}

/// Parses 32-byte hashes given on the command line.
func parseHash(_ text: String, what: String = "hash") throws -> Hash32 {
    do { return try Hash32(hex: text.trimmingCharacters(in: .whitespaces)) } catch {
        throw CLIError("\(what) \(text) is not a 32-byte 0x-hex hash: \(error)")
    }
}

/// Parses hex data given on the command line (`0x` optional, empty allowed).
func parseData(_ text: String, option: String) throws -> [UInt8] {
    do { return try Hex.decode(text.trimmingCharacters(in: .whitespacesAndNewlines)) } catch {
        throw CLIError("\(option): \(error)")
    }
}
