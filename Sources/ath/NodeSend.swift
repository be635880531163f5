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
    @Argument(help: "Function signature to call, e.g. 'transfer(address,uint256)' (instead of --data).") var signature: String?
    @Argument(help: "The function's arguments (a negative number goes after `--`).") var args: [String] = []
    @Option(help: "Amount to send.") var value: String = "0"
    @Option(help: "Call data, hex.") var data: String?
    @OptionGroup var tx: TransactionOptions

    func run() throws {
        try reporting {
            let (input, _) = try CallData.make(signature: signature, args: args, data: data)
            let intent = TransactionIntent(to: try parseAddress(to), value: try parseAmount(value), data: input)
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
    @Argument(help: "Constructor arguments, typed by the artifact's ABI (a negative number goes after `--`).") var args: [String] = []
    @Option(help: "ABI-encoded constructor arguments, hex, appended to the init code.") var argsHex: String = "0x"
    @Option(help: "The contract to deploy when the artifact (e.g. vyper -f combined_json) holds several.") var contract: String?
    @Option(help: "Amount to send to the new contract.") var value: String = "0"
    @OptionGroup var tx: TransactionOptions

    func run() throws {
        try reporting {
            let artifact = try ContractArtifact.load(code, contract: contract)
            var encoded = try parseData(argsHex, option: "--args-hex")
            if !args.isEmpty {
                guard encoded.isEmpty else { throw CLIError("give constructor arguments or --args-hex, not both") }
                guard let types = artifact.constructorTypes else {
                    throw CLIError("the code comes without an ABI: pass constructor arguments ABI-encoded with --args-hex")
                }
                guard args.count == types.count else {
                    throw CLIError("the constructor takes \(types.count) argument(s) (\(types.map(\.canonical).joined(separator: ", "))), got \(args.count)")
                }
                var values: [ABIValue] = []
                for (i, (text, type)) in zip(args, types).enumerated() {
                    do { values.append(try ABISignature.value(text, type)) } catch {
                        throw CLIError("constructor argument \(i + 1): \(error)")
                    }
                }
                encoded = ABI.encode(values)
            }
            if let n = artifact.constructorInputs, n > 0, encoded.isEmpty {
                throw CLIError("the contract's constructor takes \(n) argument(s) (\((artifact.constructorTypes ?? []).map(\.canonical).joined(separator: ", "))): pass them after the artifact, or ABI-encoded with --args-hex")
            }
            let intent = TransactionIntent(to: nil, value: try parseAmount(value), data: artifact.initCode + encoded)
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
    /// The constructor's input types, when the ABI names them all.
    var constructorTypes: [ABIType]?

    /// Largest file read (init code is at most 48 KiB; artifacts carry more).
    static let maxFileBytes = 16 << 20

    static func load(_ argument: String, contract: String? = nil) throws -> ContractArtifact {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory), !isDirectory.boolValue else {
            do { return ContractArtifact(initCode: try Hex.decode(argument.trimmingCharacters(in: .whitespacesAndNewlines))) } catch {
                throw CLIError("\(argument) is neither hex init code nor a readable file")
            }
        }
        let text = String(decoding: try KeyStore.readFile(argument, limit: maxFileBytes), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("{") { return try fromJSON(text, path: argument, contract: contract) }
        do { return ContractArtifact(initCode: try Hex.decode(text)) } catch {
            throw CLIError("\(argument) holds neither hex init code nor a JSON artifact: \(error)")
        }
    }

    static func fromJSON(_ text: String, path: String, contract: String? = nil) throws -> ContractArtifact {
        var doc: JSON
        do { doc = try JSON.parse(text) } catch { throw CLIError("\(path) is not valid JSON: \(error)") }
        // vyper -f combined_json (and solc's) nest each contract under its name.
        if doc["bytecode"] == nil, case .object(let members) = doc {
            let contracts = members.filter { $0.1["bytecode"] != nil }
            if let contract {
                guard let found = contracts.first(where: { $0.0 == contract || $0.0.hasSuffix("/" + contract)
                    || $0.0.hasSuffix(":" + contract) }) else {
                    throw CLIError("\(path) holds no contract \(contract) (it holds \(contracts.map(\.0).joined(separator: ", ")))")
                }
                doc = found.1
            } else if contracts.count == 1 {
                doc = contracts[0].1
            } else if contracts.count > 1 {
                throw CLIError("\(path) holds \(contracts.count) contracts (\(contracts.map(\.0).joined(separator: ", "))): choose one with --contract")
            }
        }
        guard let field = doc["bytecode"], let hex = field.stringValue ?? field["object"]?.stringValue else {
            throw CLIError("\(path) has no \"bytecode\" string (or \"bytecode\": {\"object\": …})")
        }
        let code: [UInt8]
        do { code = try Hex.decode(hex.hasPrefix("0x") || hex.hasPrefix("0X") ? hex : "0x" + hex) } catch {
            throw CLIError("the bytecode in \(path) is not hex: \(error)")
        }
        guard !code.isEmpty else { throw CLIError("the bytecode in \(path) is empty (an abstract contract or interface?)") }
        var inputs: Int?
        var types: [ABIType]?
        if let abi = doc["abi"]?.arrayValue {
            let params = abi.first { $0["type"]?.stringValue == "constructor" }?["inputs"]?.arrayValue ?? []
            inputs = params.count
            types = try? params.map(abiType)
        }
        return ContractArtifact(initCode: code, constructorInputs: inputs, constructorTypes: types)
    }

    /// An ABI JSON parameter's type (`tuple` types from their `components`).
    static func abiType(_ param: JSON) throws -> ABIType {
        guard let name = param["type"]?.stringValue else { throw CLIError("an ABI parameter has no type") }
        guard name.hasPrefix("tuple") else { return try ABISignature.type(name) }
        let components = try (param["components"]?.arrayValue ?? []).map(abiType)
        return try ABISignature.type("(" + components.map(\.canonical).joined(separator: ",") + ")" + name.dropFirst(5))
    }
}

/// Parses an amount option (`1.5ath`, `20gwei`, `1000wei`): the unit is required.
func parseAmount(_ text: String) throws -> UInt256 {
    do { return try Amount.parseWithUnit(text) } catch { throw CLIError(error.description) }
}
