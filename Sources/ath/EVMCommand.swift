import ArgumentParser
import AthClient
import AthEVM
import AthPrimitives
import Foundation

struct EVMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evm",
        abstract: "Run EVM bytecode outside a chain.",
        subcommands: [Run.self]
    )

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run bytecode with calldata, gas and value; print the output, gas used and logs.",
            discussion: """
            The code runs as the account 0x2000…0002, called by 0x1000…0001 (funded with 10^30 wei), \
            on a Cancun block with this chain's precompiles (0xa01 GEMM_I8_ENTRY, 0xa02 ED25519_VERIFY). \
            With --deploy the code is init code: it is deployed first (untimed), \
            then the deployed contract is called. --bench N repeats the run N times on fresh state and \
            reports the best time per run.
            """)

        @Argument(help: "Bytecode as hex (or use --code-file).") var code: String?
        @Option(help: "Read the bytecode (hex text) from this file.") var codeFile: String?
        @Option(help: "Call data, hex.") var calldata: String = "0x"
        @Option(help: "Gas limit.") var gas: UInt64 = 30_000_000
        @Option(help: "Value to send, with its unit (1000wei, 1ath).") var value: String = "0"
        @Flag(help: "Treat the code as init code: deploy it, then call the result.") var deploy = false
        @Option(help: "Repeat the run this many times and report the best time per run.") var bench: Int?
        @Flag(help: "Print JSON.") var json = false

        static let caller = Address(low: 0x1000_0000_0000_0000)
        static let target = Address(low: 0x2000_0000_0000_0000)

        func run() throws {
            try reporting {
                let bytecode = try loadCode()
                let input: [UInt8]
                do { input = try Hex.decode(calldata) } catch { throw CLIError("--calldata: \(error)") }
                let amount = try parseAmount(value)
                let runs = max(bench ?? 1, 1)
                var best = Double.infinity
                var last: (ExecutionResult, [Log])? = nil
                for _ in 0..<runs {
                    let (state, target) = try prepare(bytecode)
                    let message = Message(kind: .call, target: target, codeAddress: target, caller: Self.caller,
                                          value: amount, input: input, gas: gas)
                    let clock = ContinuousClock()
                    let start = clock.now
                    let result = executeOnJournaledState(state, block: Self.block,
                                                         transaction: TransactionContext(origin: Self.caller, gasPrice: .zero),
                                                         message: message)
                    let elapsed = clock.now - start
                    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
                    best = min(best, seconds)
                    last = (result, state.logs)
                }
                guard let (result, logs) = last else { return }
                report(result, logs: logs, seconds: bench == nil ? nil : best)
                if case .halt = result.status { throw ExitCode.failure }
            }
        }

        static let block = BlockContext(coinbase: Address(low: 0xc0ffee), number: 1, timestamp: 1_700_000_000,
                                        gasLimit: UInt64.max, baseFee: .zero, prevRandao: .zero, chainID: UInt256(1),
                                        chainPrecompiles: true)

        func loadCode() throws -> [UInt8] {
            let text: String
            if let codeFile {
                guard let data = FileManager.default.contents(atPath: codeFile) else { throw CLIError("cannot read \(codeFile)") }
                text = String(decoding: data, as: UTF8.self)
            } else if let code {
                text = code
            } else {
                throw CLIError("give the bytecode as an argument or with --code-file")
            }
            do { return try Hex.decode(text.trimmingCharacters(in: .whitespacesAndNewlines)) } catch {
                throw CLIError("bytecode is not hex: \(error)")
            }
        }

        /// A fresh state with the caller funded and the code in place (deployed when --deploy).
        func prepare(_ bytecode: [UInt8]) throws -> (JournaledState, Address) {
            let state = JournaledState()
            state.setAccount(Self.caller, balance: UInt256(decimal: "1000000000000000000000000000000")!, nonce: 0,
                             code: [], storage: [])
            guard deploy else {
                state.setAccount(Self.target, balance: .zero, nonce: 0, code: bytecode, storage: [])
                return (state, Self.target)
            }
            state.beginTransaction()
            let created = executeOnJournaledState(
                state, block: Self.block, transaction: TransactionContext(origin: Self.caller, gasPrice: .zero),
                message: Message(kind: .create, target: .zero, codeAddress: .zero, caller: Self.caller,
                                 value: .zero, input: bytecode, gas: gas))
            state.finalizeTransaction()
            guard created.status == .success, let address = created.createdAddress else {
                throw CLIError("deployment failed: \(created.status)")
            }
            state.beginTransaction()
            return (state, address)
        }

        func report(_ result: ExecutionResult, logs: [Log], seconds: Double?) {
            let status: String
            switch result.status {
            case .success: status = "success"
            case .revert: status = "revert"
            case .halt(let reason): status = "halt: \(reason)"
            }
            let gasUsed = gas - result.gasLeft
            if json {
                var object: [String: Any] = [
                    "status": status, "output": Hex.encode(result.output), "gas_used": gasUsed,
                    "logs": logs.map { ["address": $0.address.description, "topics": $0.topics.map(\.description),
                                        "data": Hex.encode($0.data)] },
                ]
                if let seconds { object["seconds_per_run"] = seconds }
                printJSON(object)
            } else {
                print("status:   \(status)")
                print("output:   \(Hex.encode(result.output))")
                print("gas used: \(gasUsed)")
                for (i, log) in logs.enumerated() {
                    print("log \(i):    \(log.address) topics \(log.topics.map(\.description)) data \(Hex.encode(log.data))")
                }
                if let seconds { print(String(format: "time:     %.3f ms per run (best of %d)", seconds * 1e3, bench ?? 1)) }
            }
        }
    }
}
