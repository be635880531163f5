import ArgumentParser
import AthClient
import AthCrypto
import AthPrimitives
import AthRPC
import AthTypes
import Foundation

/// `--rpc`/`--json`, the signing key (as `ath send`) and the transaction options:
/// everything a protocol command that sends a transaction takes.
struct ProtocolSender: ParsableArguments {
    @OptionGroup var node: NodeOptions
    @OptionGroup var signing: SigningOptions
    @OptionGroup var tx: TransactionOptions

    /// Unlocks the key and connects.
    func session() throws -> ProtocolSession {
        let key = try signing.loadKey()
        return ProtocolSession(client: try node.client(), key: key, options: tx)
    }

    /// Sends one call and prints what happened: the whole of most protocol commands.
    func run(_ call: ProtocolCall) throws {
        try session().send(call).print(json: node.json)
    }
}

extension ProtocolSender {
    /// A protocol parameter (Params.get), read without a key.
    func param(_ name: String) throws -> UInt256 {
        try ProtocolRPC.view(try node.client(), .params, ParamsABI.get, [.string(name)])[0].uintValue
    }

    /// Refuses, sending nothing, an amount below a minimum a contract
    /// enforces, saying what is needed and what was given: the contract's
    /// own revert reason alone names neither.
    func requireAtLeast(_ got: UInt256, _ needed: UInt256, _ reason: String, for what: String = "") throws {
        guard got >= needed else {
            throw CLIError("\(reason): needs \(ProtocolFormat.ath(needed))\(what), got \(ProtocolFormat.ath(got))")
        }
    }
}

/// A protocol function call to send as a transaction.
struct ProtocolCall {
    let contract: ProtocolContract
    let function: ABIFunction
    var args: [ABIValue] = []
    var value: UInt256 = .zero
}

/// A connected client with an unlocked key.
struct ProtocolSession {
    let client: NodeClient
    let key: Secp256k1PrivateKey
    var options: TransactionOptions

    /// Gas added to the node's estimate: the system calls at the start of each block
    /// (rewards) change the contracts' state after the estimate, and a storage slot
    /// that turns nonzero costs 20,000 more than the estimate saw.
    static func gasLimit(estimate: UInt64) -> UInt64 { estimate + max(estimate / 4, 40_000) }

    /// Estimates gas (a revert becomes the contract's reason as the error, nothing is
    /// sent), then signs, sends and waits for the receipt and decodes its events.
    /// With `--gas-limit` the estimate is skipped, as `ath send` does.
    func send(_ call: ProtocolCall) throws -> ProtocolOutcome {
        let data = try abi(call.function.encodeCall(call.args))
        var options = self.options
        if options.gasLimit == nil {
            let estimate = try ProtocolRPC.estimateGas(client, from: key.address, to: call.contract.address, value: call.value, data: data)
            options.gasLimit = Self.gasLimit(estimate: estimate)
        }
        let submitter = TransactionSubmitter(client: client, key: key, options: options)
        let submission = try submitter.submit(TransactionIntent(to: call.contract.address, value: call.value, data: data))
        if submission.failed {
            let block = NodeFormat.decimal(submission.receipt?["blockNumber"])
            var why = "status 0"
            do {
                _ = try ProtocolRPC.ethCall(client, from: key.address, to: call.contract.address, value: call.value, data: data)
            } catch let e as CLIError { why = e.description }
            throw CLIError("transaction \(submission.signed.hash) failed in block \(block): \(why)")
        }
        let events = try submission.receipt.map(DecodedEvent.fromReceipt) ?? []
        return ProtocolOutcome(submission: submission, events: events)
    }

    /// A read-only call of a protocol function at the latest block.
    func view(_ contract: ProtocolContract, _ function: ABIFunction, _ args: [ABIValue] = []) throws -> [ABIValue] {
        try ProtocolRPC.view(client, contract, function, args)
    }
}

/// A sent protocol transaction and the events its receipt holds.
struct ProtocolOutcome {
    let submission: Submission
    let events: [DecodedEvent]

    var json: JSON {
        var members: [(String, JSON)] = [("hash", .string(submission.signed.hash.description)),
                                         ("from", .string(submission.sender.checksummed))]
        if let r = submission.receipt {
            members += [
                ("blockNumber", .number(NodeFormat.decimal(r["blockNumber"]))), ("blockHash", r["blockHash"] ?? .null),
                ("gasUsed", .number(NodeFormat.decimal(r["gasUsed"]))),
                ("effectiveGasPrice", .string(NodeFormat.decimal(r["effectiveGasPrice"]))),
                ("status", .string(NodeFormat.status(r["status"]))),
                ("events", .array(events.map(\.json))),
            ]
        } else {
            members.append(("status", "pending"))
        }
        return .object(members)
    }

    /// One line per event, then the transaction's hash, block and gas; or JSON.
    func print(json: Bool) {
        if json { self.json.printPretty(); return }
        for e in events { Swift.print(e.summary) }
        var rows = [("transaction", submission.signed.hash.description)]
        if let r = submission.receipt {
            rows += [("block", NodeFormat.decimal(r["blockNumber"])), ("gas used", NodeFormat.decimal(r["gasUsed"]))]
        } else {
            rows.append(("status", "pending (sent with --no-wait; see `ath receipt`)"))
        }
        NodeFormat.printRows(rows)
    }
}

/// eth_call with the contract's revert reason as the error.
enum ProtocolRPC {
    static func ethCall(_ client: NodeClient, from: Address?, to: Address, value: UInt256 = .zero, data: [UInt8],
                        block: String = "latest") throws -> [UInt8] {
        let result = try call(client, "eth_call", [callObject(from: from, to: to, value: value, data: data), .string(block)])
        guard let hex = result.stringValue, let bytes = try? Hex.decode(hex) else { throw NodeValue.invalid("eth_call result", result) }
        return bytes
    }

    static func estimateGas(_ client: NodeClient, from: Address, to: Address, value: UInt256, data: [UInt8]) throws -> UInt64 {
        try NodeValue.uint64(call(client, "eth_estimateGas", [callObject(from: from, to: to, value: value, data: data)]), "gas estimate")
    }

    static func callObject(from: Address?, to: Address, value: UInt256, data: [UInt8]) -> JSON {
        var call: [(String, JSON)] = []
        if let from { call.append(("from", .string(from.description))) }
        call.append(("to", .string(to.description)))
        if !value.isZero { call.append(("value", .string(value.hexDescription))) }
        call.append(("input", .string(Hex.encode(data))))
        return .object(call)
    }

    /// A JSON-RPC call whose revert becomes the contract's reason as a `CLIError`.
    static func call(_ client: NodeClient, _ method: String, _ params: [JSON]) throws -> JSON {
        do { return try client.rpc.callSync(method, params) } catch {
            if case .rpc(let e) = error {
                if e.code == RPCError.executionRevertedCode { throw CLIError(revertReason(e)) }
                throw CLIError(e.message)
            }
            throw CLIError(error.description)
        }
    }

    /// The reason string of a revert (`Staking: stake below the validator minimum`), else the node's message.
    static func revertReason(_ e: RPCError) -> String {
        if let text = e.data?.stringValue, let data = try? Hex.decode(text), let reason = RevertData.reason(data) {
            return reason
        }
        let prefix = "execution reverted: "
        if e.message.hasPrefix(prefix) { return String(e.message.dropFirst(prefix.count)) }
        if let text = e.data?.stringValue, text.count > 2 { return "\(e.message) (revert data \(text))" }
        return e.message
    }

    static func view(_ client: NodeClient, _ contract: ProtocolContract, _ function: ABIFunction,
                     _ args: [ABIValue] = []) throws -> [ABIValue] {
        let data = try ethCall(client, from: nil, to: contract.address, data: try abi(function.encodeCall(args)))
        do { return try function.decodeOutput(data) } catch {
            if data.isEmpty {
                throw CLIError("\(contract.rawValue) at \(contract.address.checksummed) returned nothing for \(function.name): is this a chain with the protocol contracts (athd dev --genesis)?")
            }
            throw CLIError("the node sent an invalid answer to \(contract.rawValue).\(function.name): \(error.description)")
        }
    }
}

/// Runs an ABI step whose failure is a programming or input error, as a `CLIError`.
func abi<T>(_ body: @autoclosure () throws(ABIError) -> T) throws -> T {
    do { return try body() } catch { throw CLIError(error.description) }
}

// MARK: Argument parsing

/// A job, lease or proposal id: decimal or 0x hex.
func parseID(_ text: String, what: String) throws -> UInt256 {
    let t = text.trimmingCharacters(in: .whitespaces)
    let v = t.hasPrefix("0x") ? UInt256(hex: t) : UInt256(decimal: t)
    guard let v, !t.isEmpty else { throw CLIError("\(what) \"\(text)\" is not a number") }
    return v
}

/// 32 bytes of 0x hex.
func parseBytes32(_ text: String, option: String) throws -> [UInt8] {
    let bytes = try parseData(text, option: option)
    guard bytes.count == 32 else { throw CLIError("\(option) takes 32 bytes of hex (64 digits), not \(bytes.count) bytes") }
    return bytes
}

/// A non-negative integer option.
func parseCount(_ text: String, option: String) throws -> UInt256 {
    guard let v = UInt256(decimal: text.trimmingCharacters(in: .whitespaces)) else {
        throw CLIError("\(option) takes a whole number, not \"\(text)\"")
    }
    return v
}
