import ArgumentParser
import AthClient
import AthPrimitives
import AthRPC
import AthTypes

extension Tx {
    /// `ath tx show`: a transaction as the node knows it (mined or pending).
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a transaction the node knows (eth_getTransactionByHash), mined or pending.")
        @OptionGroup var node: NodeOptions
        @Argument(help: "The transaction hash.") var hash: String

        func run() throws {
            try reporting {
                let h = try parseHash(hash, what: "transaction hash")
                let tx = try node.client().call("eth_getTransactionByHash", [.string(h.description)])
                guard !tx.isNull else { throw CLIError("transaction \(h) not found") }
                if node.json { tx.printPretty(); return }
                let inclusion: String
                if let block = tx["blockNumber"], !block.isNull {
                    inclusion = "block \(NodeFormat.decimal(block)), index \(NodeFormat.decimal(tx["transactionIndex"]))"
                } else {
                    inclusion = "pending"
                }
                var rows: [(String, String)] = [
                    ("hash", tx["hash"]?.stringValue ?? h.description), ("type", NodeFormat.decimal(tx["type"])),
                    ("included", inclusion), ("from", NodeFormat.address(tx["from"])),
                    ("to", tx["to"].map(NodeFormat.address) ?? "-"),
                    ("value", (try? NodeValue.quantity(tx["value"], "value")).map(NodeFormat.amount) ?? NodeFormat.decimal(tx["value"])),
                    ("nonce", NodeFormat.decimal(tx["nonce"])), ("gas limit", NodeFormat.decimal(tx["gas"])),
                ]
                if let maxFee = tx["maxFeePerGas"] {
                    rows.append(("max fee (wei)", NodeFormat.decimal(maxFee)))
                    rows.append(("priority fee (wei)", NodeFormat.decimal(tx["maxPriorityFeePerGas"])))
                }
                rows.append(("gas price (wei)", NodeFormat.decimal(tx["gasPrice"])))
                rows.append(("input", tx["input"]?.stringValue ?? "0x"))
                NodeFormat.printRows(rows)
            }
        }
    }
}
