import AthCrypto
import AthPrimitives
import AthRPC
import AthTypes
import Foundation

/// Why a call through `ChainClient` failed: one sentence, the node's own
/// message when it answered (a revert carries its reason).
public struct ChainClientError: Error, Sendable, CustomStringConvertible {
    public var description: String
    /// True when the node executed the call and it reverted.
    public var reverted: Bool

    public init(_ description: String, reverted: Bool = false) {
        self.description = description
        self.reverted = reverted
    }
}

/// One log as `eth_getLogs` returns it.
public struct ChainLog: Sendable, Equatable {
    public var address: Address
    public var topics: [Hash32]
    public var data: [UInt8]
    public var blockNumber: UInt64
    public var blockHash: Hash32
    public var transactionHash: Hash32
    public var logIndex: UInt64
}

/// The parts of a receipt a service acts on.
public struct ChainReceipt: Sendable {
    public var transactionHash: Hash32
    public var blockNumber: UInt64
    public var succeeded: Bool
    public var gasUsed: UInt64
    public var logs: [ChainLog]
}

/// Blocking JSON-RPC access to a node for long-running services (the worker,
/// the checker, tools): typed reads, protocol-contract views, logs, and
/// transactions signed with one key. Must not be called from a SwiftNIO event
/// loop thread.
public final class ChainClient: Sendable {
    public let rpc: RPCClient

    public init(url: String, timeout: Duration = .seconds(30)) throws(ChainClientError) {
        do { rpc = try RPCClient(url: url, timeout: timeout) } catch { throw ChainClientError(error.description) }
    }

    public var url: String { rpc.url }

    public func call(_ method: String, _ params: [JSON] = []) throws(ChainClientError) -> JSON {
        do { return try rpc.callSync(method, params) } catch {
            if case .rpc(let e) = error {
                if e.code == RPCError.executionRevertedCode {
                    let data = e.data?.stringValue.flatMap { try? Hex.decode($0) } ?? []
                    throw ChainClientError("reverted: \(Self.revertReason(data) ?? e.message)", reverted: true)
                }
                throw ChainClientError(e.message)
            }
            throw ChainClientError(error.description)
        }
    }

    /// The reason string of an `Error(string)` revert, if `data` is one.
    public static func revertReason(_ data: [UInt8]) -> String? {
        guard data.count >= 4, data.prefix(4).elementsEqual([0x08, 0xc3, 0x79, 0xa0]),
              let v = try? ABI.decode([.string], Array(data.dropFirst(4))).first else { return nil }
        return v.stringValue
    }

    // MARK: Reads

    public func chainID() throws(ChainClientError) -> UInt64 { try Self.uint64(call("eth_chainId"), "chain id") }

    public func blockNumber() throws(ChainClientError) -> UInt64 { try Self.uint64(call("eth_blockNumber"), "block number") }

    /// The hash of block `number`, nil when the node does not have it yet.
    public func blockHash(_ number: UInt64) throws(ChainClientError) -> Hash32? {
        let b = try call("eth_getBlockByNumber", [.string("0x" + String(number, radix: 16)), false])
        guard !b.isNull else { return nil }
        return try Self.hash(b["hash"], "block hash")
    }

    /// The latest block's base fee.
    public func baseFee() throws(ChainClientError) -> UInt256 {
        let b = try call("eth_getBlockByNumber", ["latest", false])
        return try Self.quantity(b["baseFeePerGas"], "base fee")
    }

    public func nonce(_ address: Address, _ tag: String = "pending") throws(ChainClientError) -> UInt64 {
        try Self.uint64(call("eth_getTransactionCount", [.string(address.description), .string(tag)]), "nonce")
    }

    public func balance(_ address: Address) throws(ChainClientError) -> UInt256 {
        try Self.quantity(call("eth_getBalance", [.string(address.description), "latest"]), "balance")
    }

    /// Calls a view of a protocol contract at the latest block and decodes its outputs.
    public func view(_ contract: ProtocolContract, _ function: ABIFunction, _ args: [ABIValue] = [],
                     from: Address? = nil) throws(ChainClientError) -> [ABIValue] {
        let data: [UInt8]
        do { data = try function.encodeCall(args) } catch { throw ChainClientError(error.description) }
        var object: [(String, JSON)] = [("to", .string(contract.address.description)), ("input", .string(Hex.encode(data)))]
        if let from { object.append(("from", .string(from.description))) }
        let answer = try call("eth_call", [.object(object), "latest"])
        guard let text = answer.stringValue, let out = try? Hex.decode(text) else {
            throw ChainClientError("the node sent invalid eth_call output for \(contract.rawValue).\(function.name)")
        }
        do { return try function.decodeOutput(out) } catch {
            throw ChainClientError("\(contract.rawValue).\(function.name) returned malformed data: \(error)")
        }
    }

    /// `eth_getLogs` over `[from, to]` for `address`, with topic filters (nil matches any).
    public func logs(address: Address, topics: [Hash32?], from: UInt64, to: UInt64) throws(ChainClientError) -> [ChainLog] {
        let filter: JSON = .object([
            ("address", .string(address.description)),
            ("fromBlock", .string("0x" + String(from, radix: 16))),
            ("toBlock", .string("0x" + String(to, radix: 16))),
            ("topics", .array(topics.map { $0.map { .string($0.description) } ?? .null })),
        ])
        guard let items = try call("eth_getLogs", [filter]).arrayValue else {
            throw ChainClientError("the node sent an invalid eth_getLogs answer")
        }
        var out: [ChainLog] = []
        out.reserveCapacity(items.count)
        for item in items { out.append(try Self.log(item)) }
        return out
    }

    public func receipt(_ hash: Hash32) throws(ChainClientError) -> ChainReceipt? {
        let r = try call("eth_getTransactionReceipt", [.string(hash.description)])
        guard !r.isNull else { return nil }
        var logs: [ChainLog] = []
        for item in r["logs"]?.arrayValue ?? [] { logs.append(try Self.log(item)) }
        return ChainReceipt(transactionHash: hash, blockNumber: try Self.uint64(r["blockNumber"], "block number"),
                            succeeded: try Self.uint64(r["status"], "status") == 1,
                            gasUsed: try Self.uint64(r["gasUsed"], "gas used"), logs: logs)
    }

    // MARK: Decoding answers

    /// One `eth_getLogs` or receipt log object.
    public static func log(_ item: JSON) throws(ChainClientError) -> ChainLog {
        guard let address = item["address"]?.stringValue.flatMap({ try? Address(hex: $0) }),
              let topicItems = item["topics"]?.arrayValue,
              let dataText = item["data"]?.stringValue, let data = try? Hex.decode(dataText) else {
            throw ChainClientError("the node sent a malformed log: \(item.serializedString())")
        }
        var topics: [Hash32] = []
        for t in topicItems { topics.append(try hash(t, "log topic")) }
        return ChainLog(address: address, topics: topics, data: data,
                        blockNumber: try uint64(item["blockNumber"], "log block number"),
                        blockHash: try hash(item["blockHash"], "log block hash"),
                        transactionHash: try hash(item["transactionHash"], "log transaction hash"),
                        logIndex: try uint64(item["logIndex"], "log index"))
    }

    public static func quantity(_ value: JSON?, _ what: String) throws(ChainClientError) -> UInt256 {
        guard let text = value?.stringValue, text.hasPrefix("0x"), let n = UInt256(hex: text) else {
            throw ChainClientError("the node sent an invalid \(what): \(value.map { $0.serializedString() } ?? "nothing")")
        }
        return n
    }

    public static func uint64(_ value: JSON?, _ what: String) throws(ChainClientError) -> UInt64 {
        guard let text = value?.stringValue, text.hasPrefix("0x"), let n = UInt64(text.dropFirst(2), radix: 16) else {
            throw ChainClientError("the node sent an invalid \(what): \(value.map { $0.serializedString() } ?? "nothing")")
        }
        return n
    }

    public static func hash(_ value: JSON?, _ what: String) throws(ChainClientError) -> Hash32 {
        guard let text = value?.stringValue, let h = try? Hash32(hex: text) else {
            throw ChainClientError("the node sent an invalid \(what): \(value.map { $0.serializedString() } ?? "nothing")")
        }
        return h
    }
}

/// Sends transactions from one key through a `ChainClient`: EIP-1559 fees
/// (twice the base fee plus the node's suggested tip), gas estimated with a
/// margin, nonces counted locally after the first (so several transactions
/// can be in flight) and re-read from the node after a failure.
public final class TransactionSender: @unchecked Sendable {
    public let client: ChainClient
    public let key: Secp256k1PrivateKey
    public let address: Address
    private let lock = NSLock()
    private var nextNonce: UInt64?
    private var chainID: UInt64?

    public init(client: ChainClient, key: Secp256k1PrivateKey) {
        self.client = client
        self.key = key
        self.address = key.address
    }

    /// Signs and sends a call of `function` on a protocol contract; returns its hash.
    /// A call that would revert is refused before sending, with the reason.
    public func send(_ contract: ProtocolContract, _ function: ABIFunction, _ args: [ABIValue],
                     value: UInt256 = .zero, gasLimit: UInt64? = nil) throws(ChainClientError) -> Hash32 {
        let data: [UInt8]
        do { data = try function.encodeCall(args) } catch { throw ChainClientError(error.description) }
        return try send(to: contract.address, data: data, value: value, gasLimit: gasLimit)
    }

    public func send(to: Address, data: [UInt8], value: UInt256 = .zero, gasLimit: UInt64? = nil) throws(ChainClientError) -> Hash32 {
        lock.lock()
        defer { lock.unlock() }
        do {
            let id: UInt64
            if let known = chainID { id = known } else { id = try client.chainID(); chainID = id }
            let nonce: UInt64
            if let n = nextNonce { nonce = n } else { nonce = try client.nonce(address, "pending") }
            let gas: UInt64
            if let gasLimit { gas = gasLimit } else {
                var call: [(String, JSON)] = [("from", .string(address.description)), ("to", .string(to.description)),
                                              ("input", .string(Hex.encode(data)))]
                if !value.isZero { call.append(("value", .string(value.hexDescription))) }
                let estimate = try ChainClient.uint64(client.call("eth_estimateGas", [.object(call)]), "gas estimate")
                gas = estimate + max(estimate / 4, 40_000)
            }
            let tip = try ChainClient.quantity(client.call("eth_maxPriorityFeePerGas"), "priority fee")
            let base = try client.baseFee()
            let maxFee = base &+ base &+ tip
            let tx = Transaction.dynamicFee(chainID: id, nonce: nonce, maxPriorityFeePerGas: tip, maxFeePerGas: maxFee,
                                            gasLimit: gas, to: to, value: value, data: data)
            let signed = tx.signed(with: key)
            let answer = try client.call("eth_sendRawTransaction", [.string(Hex.encode(signed.encoded))])
            let hash = try ChainClient.hash(answer, "transaction hash")
            nextNonce = nonce + 1
            return hash
        } catch {
            nextNonce = nil
            throw error
        }
    }

    /// Polls for the receipt of `hash` every 50 ms for up to `timeout`.
    public func wait(for hash: Hash32, timeout: Duration = .seconds(60)) throws(ChainClientError) -> ChainReceipt {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while true {
            if let r = try client.receipt(hash) { return r }
            guard clock.now < deadline else {
                lock.withLock { nextNonce = nil }
                throw ChainClientError("transaction \(hash) got no receipt within \(timeout)")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// `send` then `wait`; a transaction that reverted on chain is an error.
    public func transact(_ contract: ProtocolContract, _ function: ABIFunction, _ args: [ABIValue],
                         value: UInt256 = .zero, timeout: Duration = .seconds(60)) throws(ChainClientError) -> ChainReceipt {
        let hash = try send(contract, function, args, value: value)
        let r = try wait(for: hash, timeout: timeout)
        guard r.succeeded else {
            throw ChainClientError("\(contract.rawValue).\(function.name) transaction \(hash) reverted in block \(r.blockNumber)", reverted: true)
        }
        return r
    }
}
