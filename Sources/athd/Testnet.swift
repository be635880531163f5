import ArgumentParser
import Foundation
import AthPrimitives
import AthCrypto
import AthStorage
import AthNode

/// `athd testnet`: writes the homes of a local multi-validator network
/// (like `cometbft testnet`), all sharing one genesis and dialling each other.
struct Testnet: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the homes of a multi-validator test network (DIR/node0, DIR/node1, …).",
        discussion: """
            Every node gets a full home (config, the shared genesis, node and validator keys) with its own \
            ports: node i listens for peers on P+10i, serves JSON-RPC on P+10i+1 and metrics on P+10i+2, \
            and lists every other node as a persistent peer. Each validator's Staking account key is in \
            config/account_key.json. The genesis is the devnet's (dev accounts, contracts, GPU operator, \
            checkers) with these validators, 1,000 ATH staked each.
            """)

    @Option(help: "Validators (1...64).") var validators = 4
    @Option(help: "Non-validator full nodes (0...16).") var nonValidators = 0
    @Option(help: "Directory to write the homes into.") var dir: String
    @Option(help: "Chain id.") var chainId: UInt64 = 7332
    @Option(help: "Node 0's P2P port; node i uses P+10i (P2P), P+10i+1 (RPC), P+10i+2 (metrics).") var startingPort = 26656
    @Option(help: "Host the nodes listen on and dial each other at.") var host = "127.0.0.1"
    @Option(help: "Milliseconds between blocks.") var blockTimeMs = 1000

    /// One node of the network as written.
    struct Member {
        var home: NodeHome
        var nodeID: String
        var config: NodeConfig
        var account: Address?
    }

    /// The options' bounds; a refusal exits 1 like every other refusal here.
    func check() throws(NodeError) {
        guard (1...64).contains(validators) else { throw NodeError("--validators must lie in 1...64, not \(validators)") }
        guard (0...16).contains(nonValidators) else { throw NodeError("--non-validators must lie in 0...16, not \(nonValidators)") }
        guard chainId > 0 else { throw NodeError("--chain-id must be positive") }
        guard (10...3_600_000).contains(blockTimeMs) else { throw NodeError("--block-time-ms must lie in 10...3600000, not \(blockTimeMs)") }
        guard startingPort >= 1, startingPort <= 65535 else { throw NodeError("--starting-port must lie in 1...65535, not \(startingPort)") }
        let last = startingPort + 10 * (validators + nonValidators - 1) + 2
        guard last <= 65535 else {
            throw NodeError("--starting-port \(startingPort) puts node\(validators + nonValidators - 1)'s metrics port at \(last), past 65535")
        }
        guard !host.isEmpty, !host.contains(where: { $0.isWhitespace || $0 == "@" || $0 == "," || $0 == "\"" }) else {
            throw NodeError("--host \"\(host)\" is not a host name or IP address")
        }
    }

    func run() throws {
        do {
            try check()
            try write()
        } catch {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode(1)
        }
    }

    func write() throws(NodeError) {
        let count = validators + nonValidators
        let dirs = (0..<count).map { "\(dir)/node\($0)" }
        if let taken = dirs.first(where: { FileManager.default.fileExists(atPath: $0) }) {
            throw NodeError("\(taken) already exists: choose another --dir or remove the old testnet first")
        }
        let consensusKeys = (0..<validators).map { _ in Ed25519PrivateKey.generate() }
        let accountKeys = (0..<validators).map { _ in Secp256k1PrivateKey.generate() }
        let genesis = try TestnetGenesis.make(
            chainID: chainId,
            validators: zip(accountKeys, consensusKeys).map { (account: $0.address, consensusKey: Hash32($1.publicKey.bytes)!) })

        // The homes first: node ids are known only once each node key exists.
        var members: [Member] = []
        for i in 0..<count {
            var config = NodeConfig()
            config.p2pAddress = host
            config.p2pPort = startingPort + 10 * i
            config.rpcPort = startingPort + 10 * i + 1
            config.metricsPort = startingPort + 10 * i + 2
            config.pex = true
            config.blockIntervalMs = blockTimeMs
            let home = try NodeHome.initialize(root: dirs[i], genesisJSON: Array(genesis.utf8), config: config,
                                               validatorKey: i < validators ? consensusKeys[i] : nil)
            var account: Address?
            if i < validators {
                try Self.saveAccountKey(accountKeys[i], home: home)
                account = accountKeys[i].address
            }
            members.append(Member(home: home, nodeID: Self.nodeID(try home.loadNodeKey()), config: config, account: account))
        }
        for i in members.indices {
            members[i].config.persistentPeers = members.indices.filter { $0 != i }
                .map { "\(members[$0].nodeID)@\(host):\(members[$0].config.p2pPort)" }
                .joined(separator: ",")
            try Self.save(Array(members[i].config.rendered.utf8), to: members[i].home.configPath, mode: 0o644)
        }
        printSummary(members)
    }

    /// The node id peers know a node by: the first 20 bytes of the
    /// Keccak-256 of its ed25519 public key, lower-case hex (AthP2P's `NodeID`).
    static func nodeID(_ key: Ed25519PrivateKey) -> String {
        Hex.encode(Keccak256.hash(key.publicKey.bytes).bytes.prefix(20), prefix: false)
    }

    /// `config/account_key.json`: the validator's Staking account, which
    /// signs its stake, unjail and reward transactions. Mode 0600.
    static func saveAccountKey(_ key: Secp256k1PrivateKey, home: NodeHome) throws(NodeError) {
        let text = """
            {
              "address": "\(key.address.checksummed)",
              "private_key": "\(Hex.encode(key.bytes))"
            }

            """
        try save(Array(text.utf8), to: home.configDirectory + "/account_key.json", mode: 0o600)
    }

    static func save(_ bytes: [UInt8], to path: String, mode: mode_t) throws(NodeError) {
        do { try DurableFile.replace(path, with: bytes, mode: mode) } catch { throw NodeError("cannot write \(path): \(error)") }
    }

    func printSummary(_ members: [Member]) {
        var out = "Wrote a testnet of \(validators) validator\(validators == 1 ? "" : "s")"
        if nonValidators > 0 { out += " and \(nonValidators) non-validator\(nonValidators == 1 ? "" : "s")" }
        out += " in \(dir) (chain id \(chainId), a block every \(blockTimeMs) ms).\n\n"
        let rows = [["home", "role", "node id", "p2p", "rpc", "metrics", "validator account"]] + members.map { m in
            [m.home.root, m.account == nil ? "full node" : "validator", m.nodeID, "\(host):\(m.config.p2pPort)",
             "\(m.config.rpcPort)", "\(m.config.metricsPort)", m.account?.checksummed ?? "-"]
        }
        let widths = (0..<rows[0].count).map { c in rows.map { $0[c].count }.max()! }
        for row in rows {
            out += zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces) + "\n"
        }
        out += """

            Each home holds config/config.toml, the shared config/genesis.json, node_key.json, \
            validator_key.json and (validators) account_key.json with the Staking account's key.
            The ten dev accounts of `athd dev` are funded here too (10,000 ATH each, well-known keys).

            Start each node (one terminal each, or in the background):


            """
        for m in members { out += "  athd start --home \(m.home.root)\n" }
        out += "\nThen ask any of them how the network is doing:\n\n"
        out += "  ath status --rpc http://\(members[0].config.rpcAddress):\(members[0].config.rpcPort)\n"
        FileHandle.standardOutput.write(Data(out.utf8))
    }
}
