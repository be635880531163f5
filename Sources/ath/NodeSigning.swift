import ArgumentParser
import AthClient
import AthCrypto
import AthPrimitives
import AthRPC
import AthTypes
import Foundation

/// Where the signing key comes from: the keystore (as `ath tx sign`) or a hex key file.
struct SigningOptions: ParsableArguments {
    @OptionGroup var home: HomeOption
    @Option(help: "Signing account: an address in the keystore (optional with --private-key-file).") var from: String?
    @Option(help: "Read the keystore key's password from the first line of this file.") var passwordFile: String?
    @Option(help: "Sign with the 0x-hex private key in this file instead of the keystore (dev keys).")
    var privateKeyFile: String?
    @Option(help: "Sign with athd dev's public dev account I (0-9); for development chains only.") var devAccount: Int?

    /// Whether a signing key was named (a read-only command can do without one).
    var givesKey: Bool { from != nil || privateKeyFile != nil || devAccount != nil }

    /// Unlocks the key: from `--dev-account`, `--private-key-file`, else `--from` in the keystore.
    func loadKey() throws -> Secp256k1PrivateKey {
        let sender = try from.map(parseAddress)
        if let devAccount {
            guard (0..<DevAccounts.funded).contains(devAccount) else { throw CLIError("--dev-account must lie in 0...9") }
            guard privateKeyFile == nil else { throw CLIError("give --dev-account or --private-key-file, not both") }
            let key = DevAccounts.key(devAccount)
            if let sender, sender != key.address {
                throw CLIError("dev account \(devAccount) is \(key.address.checksummed), not --from \(sender.checksummed)")
            }
            return key
        }
        if let privateKeyFile {
            let key = try Self.readKeyFile(privateKeyFile)
            if let sender, sender != key.address {
                throw CLIError("the key in \(privateKeyFile) belongs to \(key.address.checksummed), not to --from \(sender.checksummed)")
            }
            return key
        }
        guard let sender else {
            throw CLIError("name the signing account: --from ADDRESS (keystore), --private-key-file FILE, or --dev-account I (dev chains)")
        }
        let password = try Password.read(file: passwordFile, prompt: "Password for \(sender.checksummed): ")
        return try home.keyStore.load(sender, password: password)
    }

    static func readKeyFile(_ path: String) throws -> Secp256k1PrivateKey {
        do { return try ServiceProcess.readKeyFile(path) } catch { throw CLIError(error.description) }
    }
}

/// Gas, fee, nonce and waiting options for commands that send a transaction.
struct TransactionOptions: ParsableArguments {
    @Option(help: "Gas limit (default: the node's eth_estimateGas).") var gasLimit: UInt64?
    @Option(help: "Max fee per gas, e.g. 20gwei (default: latest base fee × 2 + priority fee).") var maxFee: String?
    @Option(help: "Max priority fee per gas (default: eth_maxPriorityFeePerGas).") var priorityFee: String?
    @Flag(help: "Send a legacy (type 0) transaction instead of EIP-1559.") var legacy = false
    @Option(help: "Gas price of a legacy transaction (implies --legacy; default: as --max-fee).") var gasPrice: String?
    @Option(help: "Sender nonce (default: the node's pending nonce).") var nonce: UInt64?
    @Flag(help: "Print the hash once the node accepts the transaction; do not wait for the receipt.") var noWait = false
    @Option(help: "Seconds to wait for the receipt.") var timeout: UInt32 = TransactionSubmitter.defaultTimeout

    var isLegacy: Bool { legacy || gasPrice != nil }
}

/// What a transaction does, before gas, fees and nonce are filled in.
struct TransactionIntent {
    var to: Address?
    var value: UInt256 = .zero
    var data: [UInt8] = []
}

/// Fills, signs and sends transactions and waits for their receipts: the one
/// place `ath send` and `ath deploy` share.
struct TransactionSubmitter {
    let client: NodeClient
    let key: Secp256k1PrivateKey
    let options: TransactionOptions

    /// Receipt polling: every 100 ms, by default for up to 60 s (`--timeout`).
    static let pollSeconds = 0.1
    static let defaultTimeout: UInt32 = 60

    /// The transaction with chain id, nonce, fees and gas filled from the node where not given.
    func build(_ intent: TransactionIntent) throws -> Transaction {
        let sender = key.address
        let chainID = try client.chainID()
        let nonce = try options.nonce ?? client.nonce(sender, "pending")
        let gas = try options.gasLimit ?? estimateGas(intent)
        if options.isLegacy {
            guard options.maxFee == nil, options.priorityFee == nil else {
                throw CLIError("--max-fee and --priority-fee apply to EIP-1559 transactions; a legacy one takes --gas-price")
            }
            let price = try options.gasPrice.map(parseAmount) ?? defaultMaxFee(tip: try suggestedTip())
            return .legacy(chainID: chainID, nonce: nonce, gasPrice: price, gasLimit: gas, to: intent.to,
                           value: intent.value, data: intent.data)
        }
        let givenTip = try options.priorityFee.map(parseAmount)
        let maxFee: UInt256, tip: UInt256
        if let given = try options.maxFee.map(parseAmount) {
            maxFee = given
            tip = try givenTip ?? min(suggestedTip(), given)
        } else {
            tip = try givenTip ?? suggestedTip()
            maxFee = try defaultMaxFee(tip: tip)
        }
        guard tip <= maxFee else { throw CLIError("the priority fee \(tip) is above the max fee \(maxFee)") }
        return .dynamicFee(chainID: chainID, nonce: nonce, maxPriorityFeePerGas: tip, maxFeePerGas: maxFee,
                           gasLimit: gas, to: intent.to, value: intent.value, data: intent.data)
    }

    /// Signs and sends `tx`; returns the signed transaction once the node accepted it.
    func send(_ tx: Transaction) throws -> SignedTransaction {
        try tx.validate(chainID: tx.chainID ?? 0)
        let signed = tx.signed(with: key)
        let answer = try client.call("eth_sendRawTransaction", [.string(Hex.encode(signed.encoded))])
        let hash = try NodeValue.hash(answer, "transaction hash")
        guard hash == signed.hash else {
            throw CLIError("the node answered with hash \(hash), but the transaction's hash is \(signed.hash)")
        }
        return signed
    }

    /// Polls for the receipt of `hash` until it arrives or `--timeout` seconds pass.
    func waitForReceipt(_ hash: Hash32) throws -> JSON {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(options.timeout))
        while true {
            if let r = try client.receipt(hash) { return r }
            guard clock.now < deadline else {
                throw CLIError("transaction \(hash) was sent but no receipt arrived within \(options.timeout) s; check later with `ath receipt \(hash)`")
            }
            Thread.sleep(forTimeInterval: Self.pollSeconds)
        }
    }

    /// Builds, signs, sends and (unless `--no-wait`) waits: the whole of `ath send` and `ath deploy`.
    func submit(_ intent: TransactionIntent) throws -> Submission {
        let tx = try build(intent)
        let signed = try send(tx)
        // Not a ternary: JSON is ExpressibleByNilLiteral, so `nil` there would become JSON.null.
        let receipt: JSON? = options.noWait ? JSON?.none : try waitForReceipt(signed.hash)
        return Submission(signed: signed, sender: key.address, receipt: receipt)
    }

    // MARK: Filling

    func estimateGas(_ intent: TransactionIntent) throws -> UInt64 {
        var call: [(String, JSON)] = [("from", .string(key.address.description))]
        if let to = intent.to { call.append(("to", .string(to.description))) }
        if !intent.value.isZero { call.append(("value", .string(intent.value.hexDescription))) }
        if !intent.data.isEmpty { call.append(("input", .string(Hex.encode(intent.data)))) }
        do {
            return try NodeValue.uint64(client.call("eth_estimateGas", [.object(call)]), "gas estimate")
        } catch let e as CLIError {
            throw CLIError("cannot estimate gas: \(e.description) (set --gas-limit to send anyway)")
        }
    }

    func suggestedTip() throws -> UInt256 {
        try NodeValue.quantity(client.call("eth_maxPriorityFeePerGas"), "priority fee")
    }

    /// The latest block's base fee × 2 + `tip`, leaving room for the base fee to rise.
    func defaultMaxFee(tip: UInt256) throws -> UInt256 {
        guard let latest = try client.block(.tag("latest")) else { throw CLIError("the node has no latest block") }
        let base = try NodeValue.quantity(latest["baseFeePerGas"], "base fee")
        let (doubled, o1) = base.addingReportingOverflow(base)
        let (sum, o2) = doubled.addingReportingOverflow(tip)
        guard !o1, !o2 else { throw CLIError("the node's base fee \(base) is too large to pay") }
        return sum
    }
}

/// A sent transaction and, when waited for, its receipt.
struct Submission {
    let signed: SignedTransaction
    let sender: Address
    let receipt: JSON?

    /// Whether the receipt says the transaction failed.
    var failed: Bool { receipt?["status"]?.stringValue == "0x0" }

    /// Human labels for the JSON member names.
    static let labels = ["blockNumber": "block", "blockHash": "block hash", "gasUsed": "gas used",
                         "effectiveGasPrice": "gas price (wei)", "contractAddress": "contract"]

    /// Prints the outcome (hash, block, gas used, status, and `extra`), as rows or JSON;
    /// throws after printing when the transaction failed.
    func report(json: Bool, extra: [(String, JSON)] = []) throws {
        var members: [(String, JSON)] = [("hash", .string(signed.hash.description)), ("from", .string(sender.checksummed))]
        if let r = receipt {
            members += [
                ("blockNumber", .number(String(try NodeValue.uint64(r["blockNumber"], "block number")))),
                ("blockHash", r["blockHash"] ?? .null),
                ("gasUsed", .number(String(try NodeValue.uint64(r["gasUsed"], "gas used")))),
                ("effectiveGasPrice", .string(NodeFormat.decimal(r["effectiveGasPrice"]))),
                ("status", .string(NodeFormat.status(r["status"]))),
            ]
        } else {
            members.append(("status", "pending"))
        }
        members += extra
        if json { JSON.object(members).printPretty() } else {
            NodeFormat.printRows(members.map { (Self.labels[$0.0] ?? $0.0, $0.1.stringValue ?? $0.1.serializedString()) })
        }
        if failed { throw CLIError("transaction \(signed.hash) failed (status 0)") }
    }
}
