import ArgumentParser
import AthClient
import AthCrypto
import AthPrimitives
import AthTypes
import AthWorker
import Foundation
import Logging

/// The bundled GPU worker: `ath-worker --dev-account 1` on a dev chain.
struct AthWorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ath-worker",
        abstract: "Run an ATH GPU worker: accept gemm-i8 jobs, compute them, commit results and serve them.",
        discussion: """
            The worker follows the node for jobs addressed to its operator (or open to any operator), \
            accepts them, computes C = A·B, commits the row Merkle root, and serves the result over HTTP: \
            GET /health, /hardware, /jobs/<id>/result and /jobs/<id>/rows?start=S&count=N.
            """,
        version: "0.1.0")

    @Option(help: "The node's JSON-RPC URL.") var node = "http://127.0.0.1:8545"
    @Option(help: "Sign with the 0x-hex private key in this file.") var privateKeyFile: String?
    @Option(help: "Sign with this keystore account (the keystore of --home; needs --password-file).") var from: String?
    @Option(help: "Home whose keystore holds --from (default: $ATH_HOME or ~/.ath).") var home: String?
    @Option(help: "Read the keystore password of --from from the first line of this file.") var passwordFile: String?
    @Option(help: "Sign with dev account I, key keccak256(\"ath devnet account I\"): public, for dev chains only.")
    var devAccount: Int?
    @Option(help: "Address and port to serve results on (port 0 picks a free one).") var listen = "127.0.0.1:8600"
    @Option(help: "Compute backend: auto (CUDA if present, else CPU), cpu or cuda.") var backend = "auto"
    @Flag(help: "Register the operator with Staking first unless it already is (needs --stake).") var register = false
    @Option(help: "Stake to register with, with its unit: 100ath, 5000gwei.") var stake: String?
    @Option(help: "Endpoint to register (default: http://<listen>).") var endpoint: String?
    @Flag(help: "Let --register register a machine without a GPU backend, as cpu:<model> (dev chains only).") var allowCpu = false
    @Option(help: "Set the operator's minimum price per gemm-i8 work unit on chain (e.g. 1gwei, 0.001ath; 0: any).")
    var minPricePerUnit: String?
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel = "info"
    @Option(help: "Log format: text or json (as athd's).") var logFormat = "text"
    @Option(help: "Serve Prometheus metrics on 127.0.0.1:PORT (0 picks a free one); none unless given.") var metricsPort: Int?
    @Option(help: .hidden) var fault: String?

    func run() throws {
        var config: WorkerConfig
        do { config = try makeConfig() } catch { fail(error.description) }
        var metricsLine: String?
        if let metricsPort {
            do {
                let (registry, port) = try ServiceProcess.serveMetrics(port: metricsPort)
                config.metrics = registry
                metricsLine = "  metrics:   http://127.0.0.1:\(port)/metrics"
            } catch { fail(error.description) }
        }
        // The same log lines as athd's (text or JSON, --log-format).
        NodeLogHandler.bootstrap(format: LogFormat(rawValue: logFormat) ?? .text, level: Logger.Level(rawValue: logLevel) ?? .info)
        let worker = WorkerService(config: config, logger: Logger(label: "ath-worker"))
        do { try worker.start() } catch { fail(error.description) }
        printBanner(worker)
        if let metricsLine { FileHandle.standardOutput.write(Data((metricsLine + "\n").utf8)) }
        ServiceProcess.waitForTermination()
        FileHandle.standardError.write(Data("ath-worker: stopping\n".utf8))
        worker.stop()
    }

    func makeConfig() throws(UsageError) -> WorkerConfig {
        guard LogFormat(rawValue: logFormat) != nil else { throw UsageError("--log-format must be text or json") }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw UsageError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        guard let choice = BackendChoice(rawValue: backend) else { throw UsageError("--backend must be auto, cpu or cuda") }
        let faultChoice: WorkerFault?
        if let fault {
            guard let f = WorkerFault(rawValue: fault) else {
                throw UsageError("--fault must be one of \(WorkerFault.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            faultChoice = f
        } else {
            faultChoice = nil
        }
        let (host, port) = try Self.parseListen(listen)
        var config = WorkerConfig(key: try loadKey(), nodeURL: node, listenHost: host, listenPort: port, backend: choice,
                                  fault: faultChoice)
        if register {
            guard let stake else { throw UsageError("--register needs --stake, e.g. --stake 2000ath") }
            config.registration = WorkerRegistration(stake: try Self.parseStake(stake), endpoint: endpoint, allowCPU: allowCpu)
        } else if stake != nil || endpoint != nil || allowCpu {
            throw UsageError("--stake, --endpoint and --allow-cpu only apply with --register")
        }
        if let minPricePerUnit {
            do { config.minPricePerUnit = try Amount.parseWithUnit(minPricePerUnit) } catch {
                throw UsageError("--min-price-per-unit: \(error)")
            }
        }
        return config
    }

    func loadKey() throws(UsageError) -> Secp256k1PrivateKey {
        do { return try ServiceProcess.key(from: from, home: home, passwordFile: passwordFile, privateKeyFile: privateKeyFile, devAccount: devAccount, role: "operator") } catch {
            throw UsageError(error.description)
        }
    }

    /// `HOST:PORT`, `[IPv6]:PORT`.
    static func parseListen(_ text: String) throws(UsageError) -> (String, Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (0...65535).contains(port) else {
            throw UsageError("--listen must be HOST:PORT with a port in 0...65535, not \"\(text)\"")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw UsageError("--listen needs a host, e.g. 127.0.0.1:8600") }
        return (host, port)
    }

    /// An amount with its unit (`2000ath`), as every amount option takes.
    static func parseStake(_ text: String) throws(UsageError) -> UInt256 {
        let wei: UInt256
        do { wei = try Amount.parseWithUnit(text) } catch { throw UsageError("--stake: \(error)") }
        guard !wei.isZero else { throw UsageError("--stake must be more than zero") }
        return wei
    }

    /// Who and where the worker is, on standard output (written at once, so it is not held in a buffer).
    func printBanner(_ worker: WorkerService) {
        let hardware = worker.hardware
        let gpus = hardware.map { h in
            h.gpus.isEmpty ? "none" : h.gpus.map { "\($0.model) (\($0.memoryMiB) MiB)" }.joined(separator: ", ")
        } ?? "?"
        var lines = [
            "ath-worker \(Self.configuration.version)",
            "  operator:  \(worker.operatorAddress.checksummed)",
            "  backend:   \(worker.backend.map { "\($0.name) (\($0.hardware))" } ?? "?")",
            "  cpu:       \(hardware.map { "\($0.cpu), \($0.cores) cores, \($0.memoryMiB) MiB RAM" } ?? "?")",
            "  gpus:      \(gpus)",
            "  listening: \(worker.config.endpoint(port: worker.servingPort ?? worker.config.listenPort))",
            "  node:      \(worker.config.nodeURL)",
        ]
        if let price = worker.config.minPricePerUnit { lines.append("  min price: \(Amount.formatATH(price)) per work unit") }
        if let fault = worker.config.fault { lines.append("  FAULT:     \(fault.rawValue) (test misbehaviour)") }
        FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
    }

    /// Prints `error: message` and exits with status 1.
    func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        Foundation.exit(1)
    }
}

/// A bad option value: one sentence for the user.
struct UsageError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

AthWorkerCommand.main()
