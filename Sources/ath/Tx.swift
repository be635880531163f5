import ArgumentParser
import AthClient
import AthCrypto
import AthPrimitives
import AthTypes
import Foundation

struct Tx: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sign transactions offline and decode raw transactions.",
        subcommands: [Sign.self, Decode.self, Show.self]
    )

    struct Sign: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign a transaction offline with a keystore key; prints the raw transaction hex.",
            discussion: """
            Amounts take a unit: 1000 (wei), 20gwei, 1.5ath, or 0x-hex wei. The type follows from the fee \
            options: --max-fee/--max-priority-fee make an EIP-1559 transaction, --gas-price a legacy one, \
            --gas-price with --access-list an EIP-2930 one; --type forces a type.
            """)
        enum Kind: String, ExpressibleByArgument, CaseIterable { case legacy, eip2930, eip1559 }

        @OptionGroup var home: HomeOption
        @Option(help: "Signing account (an address in the keystore).") var from: String
        @Option(help: "Recipient; omit to create a contract.") var to: String?
        @Option(help: "Amount to send.") var value: String = "0"
        @Option(help: "Call data or init code, hex.") var data: String = "0x"
        @Option(help: "Sender nonce.") var nonce: UInt64
        @Option(help: "Gas limit.") var gas: UInt64
        @Option(help: "Gas price (legacy and EIP-2930).") var gasPrice: String?
        @Option(help: "Max fee per gas (EIP-1559).") var maxFee: String?
        @Option(help: "Max priority fee per gas (EIP-1559).") var maxPriorityFee: String?
        @Option(help: "Chain id.") var chainId: UInt64
        @Option(help: "Access list as JSON: [{\"address\":\"0x…\",\"storageKeys\":[\"0x…\"]}].") var accessList: String?
        @Option(help: "Transaction type: legacy, eip2930 or eip1559.") var type: Kind?
        @Option(help: "Read the key's password from the first line of this file.") var passwordFile: String?
        @Flag(help: "Print JSON (raw, hash, sender) instead of the bare raw hex.") var json = false

        func run() throws {
            try reporting {
                let sender = try parseAddress(from)
                let tx = try buildTransaction()
                try tx.validate(chainID: chainId)
                let password = try Password.read(file: passwordFile, prompt: "Password for \(sender.checksummed): ")
                let key = try home.keyStore.load(sender, password: password)
                let signed = tx.signed(with: key)
                if json {
                    printJSON(["raw": Hex.encode(signed.encoded), "hash": signed.hash.description,
                               "from": key.address.checksummed])
                } else {
                    print(Hex.encode(signed.encoded))
                }
            }
        }

        func buildTransaction() throws -> Transaction {
            let recipient = try to.map(parseAddress)
            let amount = try Amount.parse(value)
            let payload: [UInt8]
            do { payload = try Hex.decode(data) } catch { throw CLIError("--data: \(error)") }
            let list = try accessList.map(parseAccessList) ?? []
            let kind = type ?? (maxFee != nil || maxPriorityFee != nil ? .eip1559 : (accessList != nil ? .eip2930 : .legacy))
            switch kind {
            case .legacy, .eip2930:
                guard let gasPrice else { throw CLIError("a \(kind.rawValue) transaction needs --gas-price") }
                guard maxFee == nil, maxPriorityFee == nil else {
                    throw CLIError("--max-fee and --max-priority-fee apply to EIP-1559 transactions only")
                }
                let price = try Amount.parse(gasPrice)
                if kind == .legacy {
                    guard list.isEmpty else { throw CLIError("a legacy transaction cannot carry an access list") }
                    return .legacy(chainID: chainId, nonce: nonce, gasPrice: price, gasLimit: gas, to: recipient,
                                   value: amount, data: payload)
                }
                return .accessList(chainID: chainId, nonce: nonce, gasPrice: price, gasLimit: gas, to: recipient,
                                   value: amount, data: payload, accessList: list)
            case .eip1559:
                guard gasPrice == nil else { throw CLIError("EIP-1559 transactions take --max-fee and --max-priority-fee, not --gas-price") }
                guard let maxFee, let maxPriorityFee else {
                    throw CLIError("an EIP-1559 transaction needs both --max-fee and --max-priority-fee")
                }
                return .dynamicFee(chainID: chainId, nonce: nonce, maxPriorityFeePerGas: try Amount.parse(maxPriorityFee),
                                   maxFeePerGas: try Amount.parse(maxFee), gasLimit: gas, to: recipient,
                                   value: amount, data: payload, accessList: list)
            }
        }

        func parseAccessList(_ text: String) throws -> [AccessListEntry] {
            guard let array = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]] else {
                throw CLIError("--access-list must be a JSON array of {\"address\": …, \"storageKeys\": […]}")
            }
            return try array.map { item in
                guard let a = item["address"] as? String else { throw CLIError("an access-list entry lacks \"address\"") }
                let keys = (item["storageKeys"] as? [String]) ?? []
                let hashes = try keys.map { k in
                    do { return try Hash32(hex: k) } catch { throw CLIError("storage key \(k): \(error)") }
                }
                return AccessListEntry(address: try parseAddress(a), storageKeys: hashes)
            }
        }
    }

    struct Decode: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decode a raw transaction: fields, sender and hash.",
            discussion: "Pass '-' to read one hex transaction per line from standard input (one result per line).")
        @Argument(help: "Raw transaction hex, or '-' for standard input.") var raw: String
        @Option(help: "Also check the transaction's validity rules for this chain id.") var chainId: UInt64?
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            if raw != "-" {
                try reporting {
                    let view = try decode(raw)
                    if json { printJSON(view) } else { printHuman(view) }
                }
                return
            }
            var failed = false
            while let line = readLine(strippingNewline: true) {
                let text = line.trimmingCharacters(in: .whitespaces)
                if text.isEmpty { continue }
                do {
                    let view = try decode(text)
                    if json { printCompactJSON(view) } else { printHuman(view); print("") }
                } catch {
                    failed = true
                    if json { printCompactJSON(["error": String(describing: error)]) } else { print("error: \(error)") }
                }
            }
            if failed { throw ExitCode.failure }
        }

        func decode(_ text: String) throws -> [String: Any] {
            let bytes: [UInt8]
            do { bytes = try Hex.decode(text.trimmingCharacters(in: .whitespacesAndNewlines)) } catch {
                throw CLIError("input is not hex: \(error)")
            }
            let signed = try SignedTransaction.decode(bytes)
            if let chainId { try signed.transaction.validate(chainID: chainId) }
            let sender = try signed.recoverSender()
            return TransactionView.fields(signed, sender: sender)
        }

        func printHuman(_ view: [String: Any]) {
            for key in TransactionView.order { if let v = view[key] { print("\((key + ":").padding(toLength: 22, withPad: " ", startingAt: 0))\(v)") } }
        }

        func printCompactJSON(_ object: Any) {
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
            print(String(decoding: data, as: UTF8.self))
        }
    }
}

/// The fields `ath tx decode` shows, with their names as in JSON-RPC.
enum TransactionView {
    static let order = ["type", "hash", "from", "chainId", "nonce", "to", "value", "gas", "gasPrice",
                        "maxFeePerGas", "maxPriorityFeePerGas", "input", "accessList", "v", "yParity", "r", "s", "intrinsicGas"]

    static func fields(_ signed: SignedTransaction, sender: Address) -> [String: Any] {
        let tx = signed.transaction
        var out: [String: Any] = [
            "type": "0x\(String(tx.type.rawValue, radix: 16))",
            "hash": signed.hash.description,
            "from": sender.checksummed,
            "nonce": String(tx.nonce),
            "to": tx.to?.checksummed ?? NSNull(),
            "value": tx.value.description,
            "gas": String(tx.gasLimit),
            "input": Hex.encode(tx.data),
            "v": signed.v.description,
            "r": signed.signature.r.hexDescription,
            "s": signed.signature.s.hexDescription,
            "intrinsicGas": String(tx.intrinsicGas),
        ]
        if let c = tx.chainID { out["chainId"] = String(c) }
        if tx.type == .dynamicFee {
            out["maxFeePerGas"] = tx.maxFeePerGas.description
            out["maxPriorityFeePerGas"] = tx.maxPriorityFeePerGas.description
        } else {
            out["gasPrice"] = tx.gasPrice.description
        }
        if tx.type != .legacy {
            out["yParity"] = String(signed.signature.yParity)
            out["accessList"] = tx.accessList.map { e -> [String: Any] in
                ["address": e.address.checksummed, "storageKeys": e.storageKeys.map(\.description)]
            }
        }
        return out
    }
}
