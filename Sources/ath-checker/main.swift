import ArgumentParser
import Foundation
import Logging
import AthPrimitives
import AthCrypto
import AthTypes
import AthClient
import AthChecker

/// The checker executable: verifies committed `gemm-i8` results and
/// operators' uptime, and submits signed attestations to a node.
struct AthCheckerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ath-checker",
        abstract: "Verify GPU job results and operator uptime, and attest them to an ATH node.",
        discussion: """
            Follows the node's Escrow for committed results, fetches each result from the operator, checks its \
            Merkle root and runs Freivalds' check, then submits a signed attestation (ath_submitAttestation). \
            Probes every active operator's /health and attests each epoch's uptime (ath_submitUptimeAttestation). \
            Runs until SIGINT or SIGTERM.
            """)

    @Option(help: "The node's JSON-RPC URL.") var node = "http://127.0.0.1:8545"
    @Option(help: "Sign with the 0x-hex 32-byte private key in this file.") var privateKeyFile: String?
    @Option(help: "Sign with this keystore account (the keystore of --home; needs --password-file).") var from: String?
    @Option(help: "Home whose keystore holds --from (default: $ATH_HOME or ~/.ath).") var home: String?
    @Option(help: "Read the keystore password of --from from the first line of this file.") var passwordFile: String?
    @Option(help: "Sign with devnet account I's well-known key (keccak256(\"ath devnet account I\")); never on a real network.")
    var devAccount: Int?
    @Option(help: "Seconds to keep trying to fetch a result before attesting it unavailable, plus the time --min-fetch-rate allows for its size.")
    var fetchTimeout: Double = 10
    @Option(help: "MiB/s: the slowest transfer an operator is allowed; a result of B MiB gets B / RATE more seconds.")
    var minFetchRate: Double = Double(CheckerConfig.defaultMinFetchBytesPerSecond >> 20)
    @Option(help: "Seconds between two uptime probes of every active operator.") var probeInterval: Double = 5
    @Option(name: .customLong("operator"), help: "Also probe this operator (repeatable): genesis operators have no registration log.")
    var operators: [String] = []
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel = "info"
    @Option(help: "Log format: text or json (as athd's).") var logFormat = "text"
    @Option(help: "Serve Prometheus metrics on 127.0.0.1:PORT (0 picks a free one); none unless given.") var metricsPort: Int?
    @Option(help: .hidden) var fault: String?

    func run() throws {
        let made: (config: CheckerConfig, level: Logger.Level)
        do { made = try makeConfig() } catch { Self.fail("\(error)") }
        var (config, level) = made
        var metricsLine = ""
        if let metricsPort {
            do {
                let (registry, port) = try ServiceProcess.serveMetrics(port: metricsPort)
                config.metrics = registry
                metricsLine = "  metrics:  http://127.0.0.1:\(port)/metrics\n"
            } catch { Self.fail("\(error)") }
        }
        // The same log lines as athd's (text or JSON, --log-format).
        NodeLogHandler.bootstrap(format: LogFormat(rawValue: logFormat) ?? .text, level: level)
        let logger = Logger(label: "ath-checker")

        let client: ChainClient
        let chainID: UInt64
        let active: Bool
        do {
            client = try ChainClient(url: config.nodeURL, timeout: .seconds(10))
            chainID = try client.chainID()
            active = try client.view(.staking, CheckerABI.isActiveChecker, [.address(config.key.address)]).first?.boolValue ?? false
        } catch {
            Self.fail("\(error)")
        }
        var banner = "ath-checker\n"
        banner += "  checker:  \(config.key.address.checksummed) (\(active ? "an active checker" : "NOT an active checker"))\n"
        banner += "  node:     \(config.nodeURL) (chain id \(chainID))\n"
        banner += "  fetch:    \(fetchTimeout) s + 1 s per \(minFetchRate) MiB of result; probes every \(probeInterval) s\n"
        if let fault = config.fault { banner += "  fault:    \(fault.rawValue) (test only)\n" }
        banner += metricsLine
        // Unbuffered, so the banner shows before the log even when stdout is a file.
        FileHandle.standardOutput.write(Data(banner.utf8))
        if !active {
            logger.warning("""
                Staking does not list \(config.key.address.checksummed) as an active checker: \
                the Oracle will not count its attestations
                """)
        }

        let service = CheckerService(config: config, logger: logger)
        do { try service.start() } catch { Self.fail("\(error)") }
        ServiceProcess.waitForTermination()
        logger.info("shutting down")
        service.stop()
    }

    /// The configuration from the options; a one-line error for bad input.
    func makeConfig() throws -> (CheckerConfig, Logger.Level) {
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw CheckerError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        guard LogFormat(rawValue: logFormat) != nil else { throw CheckerError("--log-format must be text or json") }
        let key: Secp256k1PrivateKey
        do { key = try ServiceProcess.key(from: from, home: home, passwordFile: passwordFile, privateKeyFile: privateKeyFile, devAccount: devAccount, role: "checker") } catch {
            throw CheckerError(error.description)
        }
        for (name, seconds) in [("--fetch-timeout", fetchTimeout), ("--probe-interval", probeInterval)]
        where !(seconds > 0 && seconds <= 3600) {
            throw CheckerError("\(name) must be a number of seconds in (0, 3600]")
        }
        guard minFetchRate >= 0.01 && minFetchRate <= 100_000 else {
            throw CheckerError("--min-fetch-rate must be a number of MiB/s in [0.01, 100000]")
        }
        var extraOperators: [Address] = []
        for text in operators {
            do { extraOperators.append(try Address(hex: text)) } catch {
                throw CheckerError("--operator \(text) is not an address: \(error)")
            }
        }
        var faultValue: CheckerFault?
        if let fault {
            guard let f = CheckerFault(rawValue: fault) else {
                throw CheckerError("--fault must be one of \(CheckerFault.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            faultValue = f
        }
        return (CheckerConfig(key: key, nodeURL: node, fetchTimeout: .seconds(fetchTimeout), probeInterval: .seconds(probeInterval),
                              operators: extraOperators, minFetchBytesPerSecond: Int(minFetchRate * 1_048_576), fault: faultValue),
                level)
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        Foundation.exit(1)
    }
}

AthCheckerCommand.main()
