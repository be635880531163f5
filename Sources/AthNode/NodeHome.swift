import Foundation
import AthPrimitives
import AthCrypto
import AthStorage
import AthTypes

/// A node's home directory (ARCHITECTURE.md):
///
///     <home>/config/config.toml       settings (ports, block interval, logs)
///     <home>/config/genesis.json      the chain's genesis
///     <home>/config/node_key.json     ed25519 key naming the node to peers
///     <home>/config/validator_key.json  ed25519 consensus key
///     <home>/data/                    the LMDB environment
public struct NodeHome: Sendable {
    public let root: String
    public var configDirectory: String { root + "/config" }
    public var dataDirectory: String { root + "/data" }
    public var configPath: String { configDirectory + "/config.toml" }
    public var genesisPath: String { configDirectory + "/genesis.json" }
    public var nodeKeyPath: String { configDirectory + "/node_key.json" }
    public var validatorKeyPath: String { configDirectory + "/validator_key.json" }
    /// Written once the node has created its chain store: from then on a
    /// missing or empty data file is damage, never a fresh start.
    public var chainMarkerPath: String { configDirectory + "/chain_created" }
    public var dataFilePath: String { dataDirectory + "/data.mdb" }

    public init(root: String) { self.root = root }

    /// `--home`, else `$ATH_HOME`, else `~/.ath`.
    public static func resolve(_ flag: String?) -> NodeHome {
        if let flag, !flag.isEmpty { return NodeHome(root: flag) }
        if let env = ProcessInfo.processInfo.environment["ATH_HOME"], !env.isEmpty { return NodeHome(root: env) }
        return NodeHome(root: NSHomeDirectory() + "/.ath")
    }

    public var isInitialized: Bool { FileManager.default.fileExists(atPath: genesisPath) }

    /// Writes a new home: config, genesis (checked first), node and
    /// validator keys (mode 0600), and an empty data directory.
    /// `validatorKey` nil draws a fresh key (dev chains pass their public one).
    public static func initialize(root: String, genesisJSON: [UInt8], config: NodeConfig = NodeConfig(),
                                  validatorKey: Ed25519PrivateKey? = nil) throws(NodeError) -> NodeHome {
        let home = NodeHome(root: root)
        if home.isInitialized { throw NodeError("\(root) is already initialized (\(home.genesisPath) exists)") }
        do { _ = try Genesis(json: genesisJSON) } catch { throw NodeError("invalid genesis: \(error.description)") }
        let fm = FileManager.default
        do {
            try fm.createDirectory(atPath: home.configDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try fm.createDirectory(atPath: home.dataDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw NodeError("cannot create \(root): \(error.localizedDescription)")
        }
        try write(Array(config.rendered.utf8), to: home.configPath, mode: 0o644)
        try write(genesisJSON, to: home.genesisPath, mode: 0o644)
        try write(keyFile(Ed25519PrivateKey.generate(), kind: "node"), to: home.nodeKeyPath, mode: 0o600)
        try write(keyFile(validatorKey ?? Ed25519PrivateKey.generate(), kind: "validator"), to: home.validatorKeyPath, mode: 0o600)
        return home
    }

    /// Refuses a home whose chain store is gone (data/data.mdb missing or
    /// empty) although it has held a chain: starting again at genesis would
    /// silently drop every block it had.
    public func checkChainData() throws(NodeError) {
        let fm = FileManager.default
        guard fm.fileExists(atPath: chainMarkerPath) else { return }
        let size = (try? fm.attributesOfItem(atPath: dataFilePath)[.size] as? NSNumber)?.intValue
        let what: String
        switch size {
        case nil: what = "is missing"
        case 0?: what = "is empty"
        default: return
        }
        throw NodeError("data/data.mdb \(what) but this home has held a chain (\(chainMarkerPath) exists): "
            + "restore data/ from a backup or `athd import` an export; to start again at genesis on purpose, "
            + "delete \(chainMarkerPath)")
    }

    /// Records that this home holds a chain (see `checkChainData`).
    public func markChainData(genesisHash: Hash32) {
        guard !FileManager.default.fileExists(atPath: chainMarkerPath) else { return }
        let text = "genesis \(genesisHash)\n"
        try? DurableFile.replace(chainMarkerPath, with: Array(text.utf8), mode: 0o644)
    }

    public func loadGenesis() throws(NodeError) -> Genesis {
        let bytes = try Self.read(genesisPath)
        do { return try Genesis(json: bytes) } catch { throw NodeError("\(genesisPath): \(error.description)") }
    }

    public func loadConfig() throws(NodeError) -> NodeConfig {
        guard FileManager.default.fileExists(atPath: configPath) else { return NodeConfig() }
        let bytes = try Self.read(configPath)
        guard let text = String(validating: bytes, as: UTF8.self) else { throw NodeError("\(configPath) is not UTF-8 text") }
        do { return try NodeConfig(toml: text) } catch { throw NodeError("\(configPath): \(error.description)") }
    }

    public func loadValidatorKey() throws(NodeError) -> Ed25519PrivateKey { try Self.loadKey(validatorKeyPath) }
    public func loadNodeKey() throws(NodeError) -> Ed25519PrivateKey { try Self.loadKey(nodeKeyPath) }

    /// The address a validator key stands for: the last 20 bytes of the
    /// Keccak-256 of its public key. Used as coinbase and proposer.
    public static func validatorAddress(_ key: Ed25519PrivateKey) -> Address {
        Address(Keccak256.hash(key.publicKey.bytes).bytes[12...])!
    }

    static func keyFile(_ key: Ed25519PrivateKey, kind: String) -> [UInt8] {
        Array("""
        {
          "type": "ed25519",
          "use": "\(kind)",
          "public_key": "\(Hex.encode(key.publicKey.bytes))",
          "seed": "\(Hex.encode(key.seed))"
        }

        """.utf8)
    }

    static func loadKey(_ path: String) throws(NodeError) -> Ed25519PrivateKey {
        let bytes = try read(path)
        guard let obj = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
              obj["type"] as? String == "ed25519", let seedHex = obj["seed"] as? String,
              let seed = try? Hex.decode(seedHex), let key = try? Ed25519PrivateKey(seed: seed) else {
            throw NodeError("\(path) is not an ed25519 key file")
        }
        return key
    }

    static func read(_ path: String) throws(NodeError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else { throw NodeError("cannot read \(path)") }
        guard data.count <= 64 << 20 else { throw NodeError("\(path) is larger than 64 MiB") }
        return Array(data)
    }

    /// Writes through a temporary file, fsync and rename, so a crash leaves
    /// either nothing or the whole file.
    static func write(_ bytes: [UInt8], to path: String, mode: mode_t) throws(NodeError) {
        do { try DurableFile.replace(path, with: bytes, mode: mode) } catch { throw NodeError("cannot write \(error)") }
    }
}

/// A problem starting or running the node, as one sentence.
public struct NodeError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Settings from config.toml (a small TOML subset: sections, `key = value`
/// with strings, integers and booleans, `#` comments).
public struct NodeConfig: Sendable, Equatable {
    public var rpcAddress = "127.0.0.1"
    public var rpcPort = 8545
    /// JSON-RPC connections open at once, all clients together.
    public var rpcMaxConnections = 4096
    /// JSON-RPC connections open at once from one IP address.
    public var rpcMaxConnectionsPerIP = 128
    /// Seconds a JSON-RPC client has to send a complete request head.
    public var rpcHeaderTimeoutSeconds = 10
    /// MiB queued for a WebSocket client that does not read before it is disconnected.
    public var rpcWebSocketQueueMiB = 16
    /// Wall-clock limit of one eth_call or eth_estimateGas, in milliseconds.
    public var rpcCallTimeoutMs = 5000
    /// Threads running read-only calls; 0 picks half the cores, at least 2.
    public var rpcCallWorkers = 0
    /// Read-only calls one client address may have in progress at once.
    public var rpcCallsPerClient = 8
    public var metricsAddress = "127.0.0.1"
    public var metricsPort = 9615
    public var p2pAddress = "0.0.0.0"
    public var p2pPort = 26656
    /// Peers always dialled and redialled: "nodeid@host:port", comma-separated.
    public var persistentPeers = ""
    /// Peers dialled for addresses only (peer exchange): "nodeid@host:port", comma-separated.
    public var seeds = ""
    public var maxInboundPeers = 40
    public var maxOutboundPeers = 10
    /// Peer exchange: ask peers for addresses and share ours.
    public var pex = true
    /// Milliseconds between blocks: the consensus commit timeout (the pause
    /// after a block is final before the next height starts).
    public var blockIntervalMs = 1000
    public var timeoutProposeMs = 3000
    public var timeoutPrevoteMs = 1000
    public var timeoutPrecommitMs = 1000
    /// Added to each round timeout per round.
    public var timeoutDeltaMs = 500
    public var logFormat = "text"
    public var logLevel = "info"
    /// Blocks of state history kept below the head for reads at past blocks
    /// (eth_call, eth_getBalance… at block N); nil keeps all of it. A
    /// validator keeps `defaultStateHistory` unless told otherwise; `athd dev`
    /// keeps all.
    public var stateHistory: UInt64? = NodeConfig.defaultStateHistory
    /// About 28 hours at one block a second.
    public static let defaultStateHistory: UInt64 = 100_000

    public init() {}

    /// "full", or a number of blocks (0 keeps the head's state only).
    public static func parseHistory(_ text: String) -> UInt64?? {
        if text == "full" { return .some(nil) }
        guard let n = UInt64(text), n <= 1_000_000_000_000 else { return nil }
        return .some(n)
    }

    public var rendered: String {
        """
        # athd configuration. Every setting may also be given on the command line.

        [rpc]
        # JSON-RPC over HTTP and WebSocket.
        address = "\(rpcAddress)"
        port = \(rpcPort)
        # Connections at once (all clients, and per IP address), seconds to send a
        # request head, MiB queued for a WebSocket client that does not read.
        max_connections = \(rpcMaxConnections)
        max_connections_per_ip = \(rpcMaxConnectionsPerIP)
        header_timeout_s = \(rpcHeaderTimeoutSeconds)
        ws_queue_mib = \(rpcWebSocketQueueMiB)
        # eth_call and eth_estimateGas: wall-clock limit (ms), worker threads
        # (0 = half the cores, at least 2), calls in progress per client address.
        call_timeout_ms = \(rpcCallTimeoutMs)
        call_workers = \(rpcCallWorkers)
        calls_per_client = \(rpcCallsPerClient)

        [metrics]
        # Prometheus metrics at http://address:port/metrics
        address = "\(metricsAddress)"
        port = \(metricsPort)

        [p2p]
        # Peer-to-peer TCP (authenticated, encrypted).
        address = "\(p2pAddress)"
        port = \(p2pPort)
        # Always-connected peers and address seeds: "nodeid@host:port", comma-separated.
        persistent_peers = "\(persistentPeers)"
        seeds = "\(seeds)"
        max_inbound = \(maxInboundPeers)
        max_outbound = \(maxOutboundPeers)
        pex = \(pex)

        [block]
        # Milliseconds between blocks (the consensus commit timeout).
        interval_ms = \(blockIntervalMs)

        [consensus]
        # Round timeouts in milliseconds; each grows by delta_ms per round.
        timeout_propose_ms = \(timeoutProposeMs)
        timeout_prevote_ms = \(timeoutPrevoteMs)
        timeout_precommit_ms = \(timeoutPrecommitMs)
        timeout_delta_ms = \(timeoutDeltaMs)

        [state]
        # State history for reads at past blocks: "full", or how many blocks
        # below the head to keep (older history is pruned).
        history = "\(stateHistory.map(String.init) ?? "full")"

        [log]
        # text or json
        format = "\(logFormat)"
        # trace, debug, info, notice, warning, error, critical
        level = "\(logLevel)"

        """
    }

    public init(toml: String) throws(NodeError) {
        var section = ""
        for (i, rawLine) in toml.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = Substring(rawLine)
            if let hash = line.firstIndex(of: "#"), !line[..<hash].contains("\"") { line = line[..<hash] }
            let t = line.trimmingCharacters(in: .whitespaces)
            if t.isEmpty { continue }
            if t.hasPrefix("[") {
                guard t.hasSuffix("]") else { throw NodeError("line \(i + 1): malformed section header") }
                section = String(t.dropFirst().dropLast())
                continue
            }
            guard let eq = t.firstIndex(of: "=") else { throw NodeError("line \(i + 1): expected key = value") }
            let key = t[..<eq].trimmingCharacters(in: .whitespaces)
            let value = t[t.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            func str() throws(NodeError) -> String {
                guard value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") else {
                    throw NodeError("line \(i + 1): \(section).\(key) must be a quoted string")
                }
                return String(value.dropFirst().dropLast())
            }
            func int(_ range: ClosedRange<Int>) throws(NodeError) -> Int {
                guard let n = Int(value), range.contains(n) else {
                    throw NodeError("line \(i + 1): \(section).\(key) must be an integer in \(range.lowerBound)...\(range.upperBound)")
                }
                return n
            }
            switch (section, key) {
            case ("rpc", "address"): rpcAddress = try str()
            case ("rpc", "port"): rpcPort = try int(0...65535)
            case ("rpc", "max_connections"): rpcMaxConnections = try int(1...1_000_000)
            case ("rpc", "max_connections_per_ip"): rpcMaxConnectionsPerIP = try int(1...1_000_000)
            case ("rpc", "header_timeout_s"): rpcHeaderTimeoutSeconds = try int(1...3600)
            case ("rpc", "ws_queue_mib"): rpcWebSocketQueueMiB = try int(1...4096)
            case ("rpc", "call_timeout_ms"): rpcCallTimeoutMs = try int(1...600_000)
            case ("rpc", "call_workers"): rpcCallWorkers = try int(0...256)
            case ("rpc", "calls_per_client"): rpcCallsPerClient = try int(1...100_000)
            case ("metrics", "address"): metricsAddress = try str()
            case ("metrics", "port"): metricsPort = try int(0...65535)
            case ("p2p", "address"): p2pAddress = try str()
            case ("p2p", "port"): p2pPort = try int(0...65535)
            case ("p2p", "persistent_peers"): persistentPeers = try str()
            case ("p2p", "seeds"): seeds = try str()
            case ("p2p", "max_inbound"): maxInboundPeers = try int(0...10_000)
            case ("p2p", "max_outbound"): maxOutboundPeers = try int(0...1_000)
            case ("p2p", "pex"):
                guard value == "true" || value == "false" else { throw NodeError("line \(i + 1): p2p.pex must be true or false") }
                pex = value == "true"
            case ("block", "interval_ms"): blockIntervalMs = try int(10...3_600_000)
            case ("consensus", "timeout_propose_ms"): timeoutProposeMs = try int(10...600_000)
            case ("consensus", "timeout_prevote_ms"): timeoutPrevoteMs = try int(10...600_000)
            case ("consensus", "timeout_precommit_ms"): timeoutPrecommitMs = try int(10...600_000)
            case ("consensus", "timeout_delta_ms"): timeoutDeltaMs = try int(0...600_000)
            case ("log", "format"):
                logFormat = try str()
                guard ["text", "json"].contains(logFormat) else { throw NodeError("line \(i + 1): log.format must be text or json") }
            case ("log", "level"): logLevel = try str()
            case ("state", "history"):
                guard let h = NodeConfig.parseHistory(try str()) else {
                    throw NodeError("line \(i + 1): state.history must be \"full\" or a number of blocks, like \"100000\"")
                }
                stateHistory = h
            default: throw NodeError("line \(i + 1): unknown setting \(section.isEmpty ? "" : section + ".")\(key)")
            }
        }
    }
}
