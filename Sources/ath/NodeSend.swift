import ArgumentParser
import AthClient
import AthCrypto
import AthEVM
import AthPrimitives
import AthRPC
import AthTypes
import Foundation

/// `ath send`: a value transfer or contract call, signed here and sent to the node.
struct Send: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send ATH (or call a contract) with a transaction signed here; waits for the receipt.",
        discussion: """
        Amounts take a unit: 1000 (wei), 20gwei, 1.5ath. Unless given, the nonce, gas limit \
        (eth_estimateGas) and fees (latest base fee × 2 + eth_maxPriorityFeePerGas) come from the node. \
        Waits up to 60 s for the receipt and exits 1 when the transaction failed.
        """)

    @OptionGroup var node: NodeOptions
    @OptionGroup var signing: SigningOptions
    @Option(help: "Recipient address.") var to: String
    @Option(help: "Amount to send.") var value: String = "0"
    @Option(help: "Call data, hex.") var data: String = "0x"
    @OptionGroup var tx: TransactionOptions

    func run() throws {
        try reporting {
            let intent = TransactionIntent(to: try parseAddress(to), value: try parseAmount(value),
                                           data: try parseData(data, option: "--data"))
            let key = try signing.loadKey()
            let submitter = TransactionSubmitter(client: try node.client(), key: key, options: tx)
            try submitter.submit(intent).report(json: node.json)
        }
    }
}

/// `ath deploy`: a contract-creation transaction.
struct Deploy: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Deploy a contract and print its address.",
        discussion: """
        The code is 0x-hex init code, a file holding it, or a JSON artifact with "bytecode" (a hex string, \
        or an object with "object" as solc and Foundry write) and optionally "abi". Constructor arguments \
        go ABI-encoded in --args-hex, appended to the init code.
        """)

    @OptionGroup var node: NodeOptions
    @OptionGroup var signing: SigningOptions
    @Argument(help: "Init code hex, or a file with hex or a JSON artifact.") var code: String
    @Option(help: "ABI-encoded constructor arguments, hex, appended to the init code.") var argsHex: String = "0x"
    @Option(help: "Amount to send to the new contract.") var value: String = "0"
    @OptionGroup var tx: TransactionOptions

    func run() throws {
        try reporting {
            let artifact = try ContractArtifact.load(code)
            let args = try parseData(argsHex, option: "--args-hex")
            if let n = artifact.constructorInputs, n > 0, args.isEmpty {
                throw CLIError("the contract's constructor takes \(n) argument(s): pass them ABI-encoded with --args-hex")
            }
            let intent = TransactionIntent(to: nil, value: try parseAmount(value), data: artifact.initCode + args)
            let key = try signing.loadKey()
            let submitter = TransactionSubmitter(client: try node.client(), key: key, options: tx)
            let submission = try submitter.submit(intent)
            let address: Address
            if let r = submission.receipt {
                guard let a = try NodeValue.address(r["contractAddress"], "contract address") else {
                    throw CLIError("the receipt of \(submission.signed.hash) names no contract address")
                }
                address = a
            } else {
                address = EVM<JournaledState, NoTracer>.createAddress(sender: key.address,
                                                                       nonce: submission.signed.transaction.nonce)
            }
            try submission.report(json: node.json, extra: [("contractAddress", .string(address.checksummed))])
        }
    }
}

/// Init code from the command line: hex, a hex file, or a JSON artifact.
struct ContractArtifact {
    var initCode: [UInt8]
    /// The constructor's input count when an ABI came with the code.
    var constructorInputs: Int?

    /// Largest file read (init code is at most 48 KiB; artifacts carry more).
    static let maxFileBytes = 16 << 20

    static func load(_ argument: String) throws -> ContractArtifact {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory), !isDirectory.boolValue else {
            do { return ContractArtifact(initCode: try Hex.decode(argument.trimmingCharacters(in: .whitespacesAndNewlines))) } catch {
                throw CLIError("\(argument) is neither hex init code nor a readable file")
            }
        }
        let text = String(decoding: try KeyStore.readFile(argument, limit: maxFileBytes), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("{") { return try fromJSON(text, path: argument) }
        do { return ContractArtifact(initCode: try Hex.decode(text)) } catch {
            throw CLIError("\(argument) holds neither hex init code nor a JSON artifact: \(error)")
        }
    }

    static func fromJSON(_ text: String, path: String) throws -> ContractArtifact {
        let doc: JSON
        do { doc = try JSON.parse(text) } catch { throw CLIError("\(path) is not valid JSON: \(error)") }
        guard let field = doc["bytecode"], let hex = field.stringValue ?? field["object"]?.stringValue else {
            throw CLIError("\(path) has no \"bytecode\" string (or \"bytecode\": {\"object\": …})")
        }
        let code: [UInt8]
        do { code = try Hex.decode(hex.hasPrefix("0x") || hex.hasPrefix("0X") ? hex : "0x" + hex) } catch {
            throw CLIError("the bytecode in \(path) is not hex: \(error)")
        }
        guard !code.isEmpty else { throw CLIError("the bytecode in \(path) is empty (an abstract contract or interface?)") }
        var inputs: Int?
        if let abi = doc["abi"]?.arrayValue {
            inputs = abi.first { $0["type"]?.stringValue == "constructor" }.map { $0["inputs"]?.arrayValue?.count ?? 0 } ?? 0
        }
        return ContractArtifact(initCode: code, constructorInputs: inputs)
    }
}

/// Parses an amount option (`1.5ath`, `20gwei`, `1000wei`): the unit is required.
func parseAmount(_ text: String) throws -> UInt256 {
    do { return try Amount.parseWithUnit(text) } catch { throw CLIError(error.description) }
}
