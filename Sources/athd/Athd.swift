import ArgumentParser
import AthCrypto
import AthChecker
import AthWorker
import AthClient
import Foundation
import Logging
import AthPrimitives
import AthNode
import AthConsensus
import AthExecution

/// The node executable: `athd init`, `athd start`, `athd dev`.
@main
struct Athd: AsyncParsableCommand {
    static let version = "0.1.0"
    static let configuration = CommandConfiguration(
        commandName: "athd",
        abstract: "The ATH compute chain node.",
        discussion: "Keys, signing, queries and conformance suites are in `ath`.",
        version: version,
        subcommands: [Dev.self, Init.self, Start.self, Testnet.self, Export.self, Import.self, Version.self]
    )

    /// Parses and runs the command; a usage error is one sentence with exit status 1.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
            FileHandle.standardError.write(Data("error: \(UsageSentence.make(fullMessage(for: error)))\n".utf8))
            Foundation.exit(1)
        }
    }

    static var clientVersion: String { "athd/v\(version)/linux-\(machine())/swift6" }

    static func machine() -> String {
        var u = utsname()
        uname(&u)
        return withUnsafeBytes(of: &u.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    struct Version: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the version and the chain rules this build implements.")
        func run() {
            print("athd \(Athd.version)")
            print("transactions: legacy (EIP-155), EIP-2930, EIP-1559; revision rules: Cancun")
            print("chain precompiles: 0xa01 GEMM_I8_ENTRY, 0xa02 ED25519_VERIFY")
        }
    }
}

/// Options shared by the commands that run a node.
struct RunOptions: ParsableArguments {
    @Option(help: "JSON-RPC (HTTP and WebSocket) port; 0 picks a free one.") var rpcPort: Int?
    @Option(help: "Address JSON-RPC listens on.") var rpcAddress: String?
    @Option(help: "JSON-RPC connections open at once, all clients together (default 4096).") var rpcMaxConnections: Int?
    @Option(help: "JSON-RPC connections open at once from one IP address; more are closed on accept (default 128).")
    var rpcMaxConnectionsPerIp: Int?
    @Option(help: "Seconds a JSON-RPC client has to send a complete request head, else 408 and close (default 10).")
    var rpcHeaderTimeoutSeconds: Int?
    @Option(help: "MiB queued for a WebSocket client that does not read before it is disconnected (default 16).")
    var rpcWsQueueMib: Int?
    @Option(help: "Wall-clock limit of one eth_call or eth_estimateGas: 5s, 500ms, or seconds (default 5s).")
    var rpcCallTimeout: String?
    @Option(help: "eth_call and eth_estimateGas calls one client address may have in progress (default 8).")
    var rpcCallsPerClient: Int?
    @Option(help: "Prometheus metrics port; 0 picks a free one.") var metricsPort: Int?
    @Option(help: "State history for reads at past blocks: full, or how many blocks below the head to keep (default: full on athd dev, \(NodeConfig.defaultStateHistory) otherwise).")
    var history: String?
    @Option(help: "Log format: text or json.") var logFormat: String?
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel: String?

    /// "5s", "500ms" or plain seconds ("2.5") as milliseconds.
    static func milliseconds(_ text: String) -> Int? {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.hasSuffix("ms") { return Int(t.dropLast(2)) }
        let number = t.hasSuffix("s") ? String(t.dropLast()) : t
        guard let seconds = Double(number), seconds.isFinite, seconds >= 0, seconds <= 600 else { return nil }
        return Int((seconds * 1000).rounded())
    }

    func apply(to config: inout NodeConfig) throws {
        if let rpcPort { guard (0...65535).contains(rpcPort) else { throw ValidationError("--rpc-port must lie in 0...65535") }; config.rpcPort = rpcPort }
        if let rpcAddress { config.rpcAddress = rpcAddress }
        if let rpcMaxConnections {
            guard (1...1_000_000).contains(rpcMaxConnections) else { throw ValidationError("--rpc-max-connections must lie in 1...1000000") }
            config.rpcMaxConnections = rpcMaxConnections
        }
        if let rpcMaxConnectionsPerIp {
            guard (1...1_000_000).contains(rpcMaxConnectionsPerIp) else { throw ValidationError("--rpc-max-connections-per-ip must lie in 1...1000000") }
            config.rpcMaxConnectionsPerIP = rpcMaxConnectionsPerIp
        }
        if let rpcHeaderTimeoutSeconds {
            guard (1...3600).contains(rpcHeaderTimeoutSeconds) else { throw ValidationError("--rpc-header-timeout-seconds must lie in 1...3600") }
            config.rpcHeaderTimeoutSeconds = rpcHeaderTimeoutSeconds
        }
        if let rpcWsQueueMib {
            guard (1...4096).contains(rpcWsQueueMib) else { throw ValidationError("--rpc-ws-queue-mib must lie in 1...4096") }
            config.rpcWebSocketQueueMiB = rpcWsQueueMib
        }
        if let rpcCallTimeout {
            guard let ms = Self.milliseconds(rpcCallTimeout), (1...600_000).contains(ms) else {
                throw ValidationError("--rpc-call-timeout must be a duration from 1ms to 600s, like 5s or 500ms")
            }
            config.rpcCallTimeoutMs = ms
        }
        if let rpcCallsPerClient {
            guard (1...100_000).contains(rpcCallsPerClient) else { throw ValidationError("--rpc-calls-per-client must lie in 1...100000") }
            config.rpcCallsPerClient = rpcCallsPerClient
        }
        if let metricsPort { guard (0...65535).contains(metricsPort) else { throw ValidationError("--metrics-port must lie in 0...65535") }; config.metricsPort = metricsPort }
        if let history {
            guard let h = NodeConfig.parseHistory(history) else {
                throw ValidationError("--history must be full or a number of blocks, like --history 100000")
            }
            config.stateHistory = h
        }
        if let logFormat {
            guard LogFormat(rawValue: logFormat) != nil else { throw ValidationError("--log-format must be text or json") }
            config.logFormat = logFormat
        }
        if let logLevel {
            guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical") }
            config.logLevel = logLevel
        }
    }
}

/// Exits 1 with one sentence when a port the node needs is taken.
func refusePortClashes(_ ports: [PortCheck.Wanted]) throws {
    if let clash = PortCheck.firstClash(ports) {
        FileHandle.standardError.write(Data("error: \(clash)\n".utf8))
        throw ExitCode(1)
    }
}

/// Bootstraps logging, runs the node until SIGINT or SIGTERM, then stops it cleanly.
/// `services` starts what runs beside the node once it listens (athd dev's
/// worker and checkers) and returns how to stop each.
func runNode(home: NodeHome, config: NodeConfig, production: BlockProduction, transmitterKey: Secp256k1PrivateKey? = nil,
             services: (Node, Logger) throws -> [@Sendable () -> Void] = { _, _ in [] },
             banner: (Node) -> Void = { _ in }) async throws {
    NodeLogHandler.bootstrap(format: LogFormat(rawValue: config.logFormat) ?? .text,
                             level: Logger.Level(rawValue: config.logLevel) ?? .info)
    let logger = Logger(label: "athd")
    let node: Node
    var stops: [@Sendable () -> Void] = []
    do {
        node = try Node(options: NodeOptions(home: home, config: config, production: production,
                                             clientVersion: Athd.clientVersion, transmitterKey: transmitterKey), logger: logger)
        try await node.start()
        stops = try services(node, logger)
    } catch {
        logger.critical("\(error)")
        throw ExitCode(1)
    }
    banner(node)
    await waitForTermination()
    logger.info("shutting down")
    for stop in stops.reversed() { stop() }
    await node.stop()
}

func waitForTermination() async {
    signal(SIGINT, SIG_IGN)
    signal(SIGTERM, SIG_IGN)
    let queue = DispatchQueue(label: "ath.signals")
    await withCheckedContinuation { (cont: CheckedContinuation<Void, Never>) in
        let once = OnceFlag()
        var sources: [DispatchSourceSignal] = []
        for sig in [SIGINT, SIGTERM] {
            let s = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            s.setEventHandler { if once.take() { cont.resume() } }
            s.resume()
            sources.append(s)
        }
        // Keep the sources alive for the life of the process.
        SignalSources.keep(sources)
    }
}

final class OnceFlag: @unchecked Sendable {
    private var done = false
    private let lock = NSLock()
    func take() -> Bool { lock.lock(); defer { lock.unlock() }; if done { return false }; done = true; return true }
}

enum SignalSources {
    nonisolated(unsafe) static var held: [DispatchSourceSignal] = []
    static func keep(_ s: [DispatchSourceSignal]) { held = s }
}

extension Athd {
    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a node home: config, genesis, node and validator keys, data directory.")
        @Option(help: "Genesis JSON file (see Genesis/README.md); the embedded devnet genesis if omitted.") var genesis: String?
        @Option(help: "Home directory (default $ATH_HOME or ~/.ath).") var home: String?

        func run() throws {
            let target = NodeHome.resolve(home)
            var bytes = Array(DevChain.genesisJSON.utf8)
            if let genesis {
                guard let data = FileManager.default.contents(atPath: genesis) else {
                    throw CleanExit.message("error: cannot read \(genesis)")
                }
                bytes = Array(data)
            }
            do {
                let h = try NodeHome.initialize(root: target.root, genesisJSON: bytes)
                print("initialized \(h.root)")
                print("  config:    \(h.configPath)")
                print("  genesis:   \(h.genesisPath)")
                print("  keys:      \(h.nodeKeyPath), \(h.validatorKeyPath)")
                print("  data:      \(h.dataDirectory)")
            } catch {
                FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
                throw ExitCode(1)
            }
        }
    }

    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a node from its home directory: BFT consensus with the validator set in Staking, peers over P2P.",
            discussion: "The node validates when its validator key is in the set, and follows the chain (block sync, gossip) otherwise.")
        @Option(help: "Home directory (default $ATH_HOME or ~/.ath).") var home: String?
        @Option(help: "Milliseconds between blocks, the consensus commit timeout (overrides config).") var blockTimeMs: Int?
        @Option(help: "P2P port; 0 picks a free one (overrides config).") var p2pPort: Int?
        @Option(help: "Peers to keep connected, nodeid@host:port comma-separated (overrides config).") var persistentPeers: String?
        @Option(help: "Send oracle reports from the 0x-hex secp256k1 key in this file (default: config/transmitter_key when present; without one the node pools and gossips attestations only).")
        var transmitterKeyFile: String?
        @Flag(help: .hidden) var doubleSignForTesting = false
        @Option(help: .hidden) var recordVotes: String?
        @Flag(help: "Cut the consensus log (data/consensus.wal) at its first damaged record instead of refusing to start.")
        var repairWal = false
        @Flag(help: "Sign although data/priv_validator_state is missing while this home has signed before (only if no newer signature exists anywhere).")
        var allowMissingSignState = false
        @OptionGroup var run: RunOptions

        func run() async throws {
            let h = NodeHome.resolve(home)
            guard h.isInitialized else {
                FileHandle.standardError.write(Data("error: \(h.root) is not initialized; run `athd init --home \(h.root)` first\n".utf8))
                throw ExitCode(1)
            }
            var config: NodeConfig
            do { config = try h.loadConfig() } catch {
                FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
                throw ExitCode(1)
            }
            try run.apply(to: &config)
            if let blockTimeMs {
                guard (10...3_600_000).contains(blockTimeMs) else { throw ValidationError("--block-time-ms must lie in 10...3600000") }
                config.blockIntervalMs = blockTimeMs
            }
            if let p2pPort {
                guard (0...65535).contains(p2pPort) else { throw ValidationError("--p2p-port must lie in 0...65535") }
                config.p2pPort = p2pPort
            }
            if let persistentPeers { config.persistentPeers = persistentPeers }
            var cc = ConsensusConfig()
            cc.timeoutPropose = UInt64(config.timeoutProposeMs)
            cc.timeoutPrevote = UInt64(config.timeoutPrevoteMs)
            cc.timeoutPrecommit = UInt64(config.timeoutPrecommitMs)
            cc.timeoutProposeDelta = UInt64(config.timeoutDeltaMs)
            cc.timeoutPrevoteDelta = UInt64(config.timeoutDeltaMs)
            cc.timeoutPrecommitDelta = UInt64(config.timeoutDeltaMs)
            cc.timeoutCommit = UInt64(config.blockIntervalMs)
            var options = ConsensusOptions(config: cc)
            options.doubleSignForTesting = doubleSignForTesting
            options.recordVotesPath = recordVotes
            options.repairWAL = repairWal
            options.allowMissingSignState = allowMissingSignState
            let keyPath = transmitterKeyFile ?? (h.root as NSString).appendingPathComponent("config/transmitter_key")
            var transmitter: Secp256k1PrivateKey?
            if transmitterKeyFile != nil || FileManager.default.fileExists(atPath: keyPath) {
                do { transmitter = try ServiceProcess.readKeyFile(keyPath) } catch {
                    FileHandle.standardError.write(Data("error: transmitter key: \(error.description)\n".utf8))
                    throw ExitCode(1)
                }
            }
            try refusePortClashes([PortCheck.Wanted(host: config.rpcAddress, port: config.rpcPort, option: "--rpc-port"),
                                   PortCheck.Wanted(host: config.metricsAddress, port: config.metricsPort, option: "--metrics-port"),
                                   PortCheck.Wanted(host: config.p2pAddress, port: config.p2pPort, option: "--p2p-port")])
            try await runNode(home: h, config: config, production: .consensus(options), transmitterKey: transmitter)
        }
    }

    struct Dev: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a one-process development chain with prefunded accounts (no configuration needed).",
            discussion: "Data lives in a fresh temporary directory, removed on a clean exit, unless --home is given; a --home that already holds a chain is reopened where it stopped.")
        @Option(help: "Home directory to keep the chain in (default: a new temporary directory).") var home: String?
        @Flag(help: "Make a block as soon as transactions arrive instead of on a timer.") var instant = false
        @Option(help: "Milliseconds between blocks.") var blockTimeMs: Int = 1000
        @Option(help: "How many dev accounts to print (at most 10 are funded).") var accounts: Int = 10
        @Option(help: "Genesis JSON file for a new home (default: the embedded devnet genesis).") var genesis: String?
        @Flag(help: "Run no embedded GPU worker and checkers (to run ath-worker and ath-checker yourself).") var noCompute = false
        @Option(help: "Port the embedded worker serves results on; a new home's genesis registers the dev operator at http://127.0.0.1:PORT.") var workerPort: Int = 8600
        @OptionGroup var run: RunOptions

        /// The endpoint Staking holds for `op`; nil when it is not an operator (or Staking is absent).
        static func registeredEndpoint(_ node: Node, _ op: Address) -> String? {
            guard let data = try? StakingABI.operators.encodeCall([.address(op)]) else { return nil }
            let call = ExecutableTransaction(sender: .zero, to: ProtocolContract.staking.address, nonce: 0, gasLimit: 1_000_000,
                                             value: .zero, data: data, accessList: [], maxFeePerGas: .zero,
                                             maxPriorityFeePerGas: .zero)
            guard case .success(let outcome) = node.chain.simulate(call), outcome.status == .success,
                  let fields = try? StakingABI.operators.decodeOutput(outcome.output).first?.items, fields.count == 6,
                  !fields[3].stringValue.isEmpty else { return nil }
            return fields[3].stringValue
        }

        /// Dev accounts: 1 operates the embedded worker, 2-4 are its checkers, 9 sends oracle reports.
        static let operatorAccount = 1, checkerAccounts = [2, 3, 4], transmitterAccount = 9

        func run() async throws {
            guard (10...3_600_000).contains(blockTimeMs) else { throw ValidationError("--block-time-ms must lie in 10...3600000") }
            guard (0...10).contains(accounts) else { throw ValidationError("--accounts must lie in 0...10") }
            var config = NodeConfig()
            config.stateHistory = nil  // a dev chain keeps all of its history
            try run.apply(to: &config)
            let compute = !noCompute, port = workerPort
            // Every port is checked before anything (the home included) is made.
            var ports = [PortCheck.Wanted(host: config.rpcAddress, port: config.rpcPort, option: "--rpc-port"),
                         PortCheck.Wanted(host: config.metricsAddress, port: config.metricsPort, option: "--metrics-port")]
            if compute { ports.append(PortCheck.Wanted(host: "127.0.0.1", port: port, option: "--worker-port")) }
            try refusePortClashes(ports)
            let root: String
            if let home { root = home } else {
                var tmp = NSTemporaryDirectory()
                while tmp.count > 1 && tmp.hasSuffix("/") { tmp.removeLast() }
                var template = Array((tmp + "/athd-dev-XXXXXX").utf8CString)
                guard let p = mkdtemp(&template) else { throw ValidationError("cannot create a temporary directory") }
                root = String(cString: p)
            }
            let temporary = home == nil
            defer { if temporary { try? FileManager.default.removeItem(atPath: root) } }
            var h = NodeHome(root: root)
            if h.isInitialized, let genesis,
               FileManager.default.contents(atPath: genesis) != FileManager.default.contents(atPath: h.genesisPath) {
                FileHandle.standardError.write(Data("error: \(root) already holds a chain from another genesis than \(genesis)\n".utf8))
                throw ExitCode(1)
            }
            if !h.isInitialized {
                let genesisJSON: [UInt8]
                if let genesis {
                    guard let data = FileManager.default.contents(atPath: genesis) else {
                        FileHandle.standardError.write(Data("error: cannot read the genesis file \(genesis)\n".utf8))
                        throw ExitCode(1)
                    }
                    genesisJSON = Array(data)
                } else {
                    do { genesisJSON = Array(try DevChain.genesisJSON(workerPort: workerPort).utf8) } catch {
                        FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
                        throw ExitCode(1)
                    }
                }
                do { h = try NodeHome.initialize(root: root, genesisJSON: genesisJSON, validatorKey: DevChain.validatorKey) } catch {
                    FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
                    throw ExitCode(1)
                }
            }
            let production: BlockProduction = instant ? .instant : .interval(milliseconds: blockTimeMs)
            let count = accounts
            let services: (Node, Logger) throws -> [@Sendable () -> Void] = { node, logger in
                guard compute else { return [] }
                let operatorAddress = DevAccounts.key(Self.operatorAccount).address
                let registered = Self.registeredEndpoint(node, operatorAddress)
                guard registered == nil || registered == "http://127.0.0.1:\(port)" else {
                    throw NodeError("this chain registered the dev operator's endpoint as \(registered!), not port \(port): "
                        + "start it with the --worker-port it was made with, or a new --home")
                }
                let url = "http://127.0.0.1:\(node.rpcPort)"
                // The embedded services count into the node's own /metrics.
                var workerConfig = WorkerConfig(key: DevAccounts.key(Self.operatorAccount), nodeURL: url, listenPort: port)
                workerConfig.metrics = node.metricsRegistry
                let worker = WorkerService(config: workerConfig, logger: Logger(label: "worker"))
                do { try worker.start() } catch { throw NodeError("embedded worker: \(error)") }
                var stops: [@Sendable () -> Void] = [{ worker.stop() }]
                for (i, account) in Self.checkerAccounts.enumerated() {
                    var checkerConfig = CheckerConfig(key: DevAccounts.key(account), nodeURL: url,
                                                      operators: [DevAccounts.key(Self.operatorAccount).address])
                    checkerConfig.metrics = node.metricsRegistry  // the three count together

                    let checker = CheckerService(config: checkerConfig, logger: Logger(label: "checker-\(i + 1)"))
                    do { try checker.start() } catch { throw NodeError("embedded checker \(i + 1): \(error)") }
                    stops.append({ checker.stop() })
                }
                logger.info("embedded GPU worker and checkers started", metadata: [
                    "operator": "\(DevAccounts.key(Self.operatorAccount).address)", "results": "http://127.0.0.1:\(port)",
                    "checkers": "\(Self.checkerAccounts.map { DevAccounts.key($0).address })",
                ])
                return stops
            }
            try await runNode(home: h, config: config, production: production,
                              transmitterKey: DevAccounts.key(Self.transmitterAccount), services: services) { node in
                var out = "\nathd dev — a development chain. Its keys are public: never use them on a real network.\n\n"
                out += "Available accounts\n==================\n"
                let dev = DevChain.accounts(count: count)
                for (i, a) in dev.enumerated() {
                    let bal = node.chain.store.account(a.address)?.balance ?? .zero
                    out += "(\(i)) \(a.address.checksummed) (\((bal / UInt256(1_000_000_000_000_000_000)).description) ATH)\n"
                }
                out += "\nPrivate keys\n==================\n"
                for (i, a) in dev.enumerated() { out += "(\(i)) \(Hex.encode(a.key.bytes))\n" }
                out += "\nChain ID:   \(node.chain.rules.chainID)\n"
                out += "Home:       \(root)\(temporary ? " (temporary: removed on exit; --home DIR keeps the chain)" : "")\n"
                out += "JSON-RPC:   http://\(config.rpcAddress):\(node.rpcPort)\n"
                out += "WebSocket:  ws://\(config.rpcAddress):\(node.rpcPort)\n"
                out += "Metrics:    http://\(config.metricsAddress):\(node.metricsPort)/metrics\n"
                out += "Blocks:     \(instant ? "on every transaction" : "every \(blockTimeMs) ms")\n"
                out += "Oracle:     reports sent from dev account \(Self.transmitterAccount)\n"
                if compute {
                    out += "GPU work:   worker (dev account \(Self.operatorAccount)) at http://127.0.0.1:\(port), "
                        + "checkers dev accounts \(Self.checkerAccounts.map(String.init).joined(separator: ", "))\n"
                    out += "Try:        ath escrow create --kind gemm-i8 --size 512 --dev-account 5 --rpc http://127.0.0.1:\(node.rpcPort)\n"
                }
                out += "\n"
                FileHandle.standardOutput.write(Data(out.utf8))
            }
        }
    }
}
