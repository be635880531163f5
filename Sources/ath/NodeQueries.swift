import ArgumentParser
import AthClient
import AthPrimitives
import AthRPC
import AthTypes
import Foundation

/// `ath balance`: an account's balance and nonce.
struct Balance: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show an account's balance (ATH and wei) and nonce.")
    @OptionGroup var node: NodeOptions
    @Argument(help: "The account's address.") var address: String

    func run() throws {
        try reporting {
            let a = try parseAddress(address)
            let client = try node.client()
            let wei = try client.balance(a)
            let nonce = try client.nonce(a)
            if node.json {
                JSON.object([("address", .string(a.checksummed)), ("balance", .string(wei.description)),
                             ("balanceATH", .string(NodeFormat.athNumber(wei))), ("nonce", JSON(nonce))]).printPretty()
            } else {
                NodeFormat.printRows([("address", a.checksummed), ("balance", NodeFormat.amount(wei)), ("nonce", String(nonce))])
            }
        }
    }
}

/// `ath block`: a block's header fields and transactions.
struct BlockCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "block", abstract: "Show a block's header fields and transaction hashes.")
    @OptionGroup var node: NodeOptions
    @Argument(help: "A block number, a block hash, or latest/earliest/pending/safe/finalized.") var block: String = "latest"
    @Flag(help: "Include whole transactions (sender, recipient, value) instead of hashes.") var full = false

    func run() throws {
        try reporting {
            let selector = try BlockSelectorArgument.parse(block)
            guard let b = try node.client().block(selector, full: full) else { throw CLIError("block \(block) not found") }
            if node.json { b.printPretty(); return }
            NodeFormat.printRows([
                ("number", NodeFormat.decimal(b["number"])), ("hash", b["hash"]?.stringValue ?? ""),
                ("parent hash", b["parentHash"]?.stringValue ?? ""), ("timestamp", NodeFormat.timestamp(b["timestamp"])),
                ("proposer", NodeFormat.address(b["proposer"] ?? b["miner"])),
                ("gas used", NodeFormat.decimal(b["gasUsed"])), ("gas limit", NodeFormat.decimal(b["gasLimit"])),
                ("base fee (wei)", NodeFormat.decimal(b["baseFeePerGas"])),
                ("state root", b["stateRoot"]?.stringValue ?? ""),
                ("transactions root", b["transactionsRoot"]?.stringValue ?? ""),
                ("receipts root", b["receiptsRoot"]?.stringValue ?? ""),
                ("transactions", String(b["transactions"]?.arrayValue?.count ?? 0)),
            ])
            for tx in b["transactions"]?.arrayValue ?? [] {
                if let hash = tx.stringValue { print("  \(hash)"); continue }
                let to = tx["to"].map(NodeFormat.address) ?? "-"
                let value = (try? NodeValue.quantity(tx["value"], "value")).map(Amount.formatATH) ?? ""
                print("  \(tx["hash"]?.stringValue ?? "")  \(NodeFormat.address(tx["from"])) -> \(to == "-" ? "(create)" : to)  \(value)")
            }
        }
    }
}

/// `ath receipt`: a mined transaction's outcome.
struct ReceiptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receipt", abstract: "Show a transaction's receipt: status, gas, logs, contract address.")
    @OptionGroup var node: NodeOptions
    @Argument(help: "The transaction hash.") var hash: String

    func run() throws {
        try reporting {
            let h = try parseHash(hash, what: "transaction hash")
            guard let r = try node.client().receipt(h) else {
                throw CLIError("no receipt for \(h): the transaction is unknown or not yet in a block")
            }
            if node.json { r.printPretty(); return }
            let logs = r["logs"]?.arrayValue ?? []
            NodeFormat.printRows([
                ("transaction", h.description), ("status", NodeFormat.status(r["status"])),
                ("block", NodeFormat.decimal(r["blockNumber"])), ("block hash", r["blockHash"]?.stringValue ?? ""),
                ("from", NodeFormat.address(r["from"])), ("to", NodeFormat.address(r["to"])),
                ("contract", NodeFormat.address(r["contractAddress"])),
                ("gas used", NodeFormat.decimal(r["gasUsed"])),
                ("cumulative gas used", NodeFormat.decimal(r["cumulativeGasUsed"])),
                ("gas price (wei)", NodeFormat.decimal(r["effectiveGasPrice"])), ("logs", String(logs.count)),
            ])
            for log in logs { print("  " + NodeFormat.logLine(log)) }
        }
    }
}

/// `ath call`: eth_call against the latest state.
struct CallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "call", abstract: "Call a contract without a transaction (eth_call).",
        discussion: """
        Give the call as a function signature and its arguments, as Foundry's cast takes them:         ath call --to C 'balanceOf(address)(uint256)' 0x…; the return types in the second parentheses         decode the result, one value per line. Or give raw --data; then the return data is printed as hex.         A negative number goes after `--`. A revert prints "execution reverted: <reason>" and exits 1.
        """)
    @OptionGroup var node: NodeOptions
    @Option(help: "The contract address.") var to: String
    @Argument(help: "Function signature, e.g. 'transfer(address,uint256)(bool)'.") var signature: String?
    @Argument(help: "The function's arguments.") var args: [String] = []
    @Option(help: "Call data, hex (instead of a signature).") var data: String?
    @Option(help: "The caller's address (default: zero).") var from: String?
    @Option(help: "Amount to send with the call.") var value: String = "0"
    @Option(help: "The block whose state the call reads: a number, a tag or a block hash (default latest).") var block: String = "latest"

    func run() throws {
        try reporting {
            let (input, function) = try CallData.make(signature: signature, args: args, data: data)
            var call: [(String, JSON)] = []
            if let from { call.append(("from", .string(try parseAddress(from).description))) }
            call.append(("to", .string(try parseAddress(to).description)))
            let amount = try parseAmount(value)
            if !amount.isZero { call.append(("value", .string(amount.hexDescription))) }
            call.append(("input", .string(Hex.encode(input))))
            let at = try BlockSelectorArgument.parse(block, what: "--block")
            let result = try node.client().call("eth_call", [.object(call), at.json])
            guard let hex = result.stringValue, let output = try? Hex.decode(hex) else { throw NodeValue.invalid("return value", result) }
            guard let function, !function.outputs.isEmpty else {
                if node.json { JSON.object([("result", .string(hex))]).printPretty() } else { print(hex) }
                return
            }
            let values: [ABIValue]
            do { values = try function.decodeOutput(output) } catch {
                throw CLIError("the return data (\(output.count) bytes) does not decode as \(function.outputs.map(\.canonical).joined(separator: ",")): \(error)")
            }
            if node.json {
                JSON.object([("result", .string(hex)),
                             ("decoded", .array(zip(values, function.outputs).map { ProtocolFormat.json($0, $1) }))]).printPretty()
            } else {
                for (v, t) in zip(values, function.outputs) { print(ABISignature.text(v, t)) }
            }
        }
    }
}

/// Call data from a signature and arguments, or from raw hex.
enum CallData {
    static func make(signature: String?, args: [String], data: String?) throws -> ([UInt8], ABIFunction?) {
        guard let signature else {
            return (try parseData(data ?? "0x", option: "--data"), nil)
        }
        guard data == nil else { throw CLIError("give a function signature or --data, not both") }
        let function: ABIFunction
        do { function = try ABISignature.function(signature) } catch { throw CLIError(error.description) }
        guard args.count == function.inputs.count else {
            throw CLIError("\(function.signature) takes \(function.inputs.count) argument(s), got \(args.count)")
        }
        var values: [ABIValue] = []
        for (i, (text, type)) in zip(args, function.inputs).enumerated() {
            do { values.append(try ABISignature.value(text, type)) } catch {
                throw CLIError("argument \(i + 1) of \(function.signature): \(error)")
            }
        }
        do { return (try function.encodeCall(values), function) } catch { throw CLIError(error.description) }
    }
}

/// `ath logs`: eth_getLogs.
struct LogsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs", abstract: "List event logs (eth_getLogs), one line per log.",
        discussion: """
        Each --topic matches one position in order (the first is topic 0); write "_" for any topic at \
        that position and separate alternatives with commas. Without --from-block the search covers the \
        last 10000 blocks.
        """)
    @OptionGroup var node: NodeOptions
    @Option(help: "First block: number or tag (default: 9999 blocks before --to-block).") var fromBlock: String?
    @Option(help: "Last block: number or tag.") var toBlock: String = "latest"
    @Option(help: "Only logs from this contract (repeatable).") var address: [String] = []
    @Option(help: "Topic filter for the next position (repeatable).") var topic: [String] = []

    /// Blocks searched when no --from-block is given (the node's eth_getLogs range limit).
    static let defaultRange: UInt64 = 10_000

    func run() throws {
        try reporting {
            let client = try node.client()
            let to = try BlockSelectorArgument.parse(toBlock, what: "--to-block")
            var filter: [(String, JSON)] = []
            if let fromBlock {
                filter.append(("fromBlock", try BlockSelectorArgument.parse(fromBlock, what: "--from-block").filterValue(what: "--from-block")))
            } else {
                let last: UInt64
                if case .tag(let t) = to, t.hasPrefix("0x"), let n = UInt64(t.dropFirst(2), radix: 16) { last = n } else {
                    last = try client.blockNumber()
                }
                let first = last >= Self.defaultRange ? last - (Self.defaultRange - 1) : 0
                filter.append(("fromBlock", .string("0x" + String(first, radix: 16))))
            }
            filter.append(("toBlock", try to.filterValue(what: "--to-block")))
            if !address.isEmpty {
                filter.append(("address", .array(try address.map { .string(try parseAddress($0).description) })))
            }
            if !topic.isEmpty { filter.append(("topics", .array(try topic.map(Self.topicFilter)))) }
            let logs = try client.call("eth_getLogs", [.object(filter)])
            guard let list = logs.arrayValue else { throw NodeValue.invalid("log list", logs) }
            if node.json { logs.printPretty(); return }
            for log in list { print(NodeFormat.logLine(log)) }
        }
    }

    /// `_` (any), one hash, or comma-separated alternatives.
    static func topicFilter(_ text: String) throws -> JSON {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t == "_" || t.isEmpty { return .null }
        let hashes = try t.split(separator: ",").map { JSON.string(try parseHash(String($0), what: "topic").description) }
        return hashes.count == 1 ? hashes[0] : .array(hashes)
    }
}

extension NodeFormat {
    /// One line for a log: `block=… tx=… index=… address=… topics=[…] data=…`.
    static func logLine(_ log: JSON) -> String {
        let topics = (log["topics"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ",")
        return "block=\(decimal(log["blockNumber"])) tx=\(log["transactionHash"]?.stringValue ?? "-") "
            + "index=\(decimal(log["logIndex"])) address=\(address(log["address"])) topics=[\(topics)] "
            + "data=\(log["data"]?.stringValue ?? "0x")"
    }
}
