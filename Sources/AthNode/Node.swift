import Foundation
import Synchronization
import Logging
import AthPrimitives
import AthCrypto
import AthTypes
import AthExecution
import AthMempool
import AthRPC
import AthConsensus
import AthP2P
import AthOracle

/// How a running node makes blocks.
public enum BlockProduction: Sendable, Equatable {
    /// One block every interval, with or without transactions.
    case interval(milliseconds: Int)
    /// A block as soon as transactions are waiting (dev chains).
    case instant
    /// Blocks agreed by the validator set through BFT consensus with peers.
    case consensus(ConsensusOptions)
}

/// Everything `Node` needs to start.
public struct NodeOptions: Sendable {
    public var home: NodeHome
    public var config: NodeConfig
    public var production: BlockProduction
    public var clientVersion: String
    /// The key oracle reports are sent from; without one the node pools and
    /// gossips attestations but sends no reports.
    public var transmitterKey: Secp256k1PrivateKey?

    public init(home: NodeHome, config: NodeConfig, production: BlockProduction, clientVersion: String,
                transmitterKey: Secp256k1PrivateKey? = nil) {
        self.home = home; self.config = config; self.production = production; self.clientVersion = clientVersion
        self.transmitterKey = transmitterKey
    }
}

/// A running single-validator node: the chain, block production, JSON-RPC
/// (HTTP and WebSocket) and Prometheus metrics. Consensus among several
/// validators arrives with the BFT milestone; until then the node's own
/// validator key proposes every block.
public final class Node: @unchecked Sendable {
    public let chain: Chain
    let options: NodeOptions
    let logger: Logger
    /// The validator key's own address (keccak of the public key): the
    /// proposer when the key is not registered with Staking.
    let keyAddress: Address
    let consensusKey: Hash32
    /// The Staking account registered with this consensus key, once found.
    private let stakingAccount = Mutex<Address?>(nil)
    private let lastEpoch = Mutex<UInt64?>(nil)
    let metrics = MetricsRegistry()
    /// The registry behind `/metrics` (services embedded in `athd dev` count into it).
    public var metricsRegistry: MetricsRegistry { metrics }
    let hub = SubscriptionHub()
    private(set) var api: EthAPI!
    private var server: RPCServer?
    private var metricsServer: MetricsServer?
    private let producerQueue = DispatchQueue(label: "ath.producer")
    private var timer: DispatchSourceTimer?
    private let kickPending = Atomic<Bool>(false)
    private let stopped = Atomic<Bool>(false)
    private let lastBlockTime = Mutex<Double?>(nil)
    /// Consensus and peers, in `.consensus` mode.
    public private(set) var consensus: ConsensusDriver?
    public private(set) var peers: PeerManager?
    /// The oracle module: attestation pool and report transmitter.
    public private(set) var oracle: OracleService!
    let validatorKey: Ed25519PrivateKey

    public init(options: NodeOptions, logger: Logger) throws(NodeError) {
        self.options = options
        self.logger = logger
        let genesis = try options.home.loadGenesis()
        let key = try options.home.loadValidatorKey()
        keyAddress = NodeHome.validatorAddress(key)
        validatorKey = key
        consensusKey = Hash32(key.publicKey.bytes)!
        try options.home.checkChainData()
        do {
            let c = options.config
            let limits = CallLimits(workers: c.rpcCallWorkers > 0 ? c.rpcCallWorkers : CallLimits.defaultWorkers,
                                    timeoutSeconds: Double(c.rpcCallTimeoutMs) / 1000, perClient: c.rpcCallsPerClient)
            chain = try Chain(dataDirectory: options.home.dataDirectory, genesis: genesis,
                              hooks: ProtocolHooks(report: { logger.error("\($0)") }), callLimits: limits,
                              history: c.stateHistory, progress: { logger.info("\($0)") })
        } catch {
            throw NodeError(error.description)
        }
        options.home.markChainData(genesisHash: chain.genesisHash)
    }

    /// The RPC port actually bound (useful when the config asks for port 0).
    public private(set) var rpcPort = 0
    public private(set) var metricsPort = 0

    public func start() async throws(NodeError) {
        let head = chain.head
        logger.info("chain opened", metadata: ["chain_id": "\(chain.rules.chainID)", "height": "\(head.number)",
                                               "head": "\(head.hash)", "genesis": "\(chain.genesisHash)"])
        api = EthAPI(chain: chain, clientVersion: options.clientVersion) { [weak self] hash in
            guard let self else { return }
            self.hub.publishPendingTransaction(Hex.encode(hash.bytes))
            if self.options.production == .instant { self.kick() }
            self.consensus?.gossipTransaction(hash)
        }
        registerMetrics()
        let oracle = OracleService(chain: chain, transmitter: options.transmitterKey, logger: logger)
        oracle.submitTransaction = { [api] raw in
            do { _ = try api!.sendRaw(raw) } catch { throw NodeError("\(error)") }
        }
        api.oracle = oracle
        oracle.metrics = metrics
        self.oracle = oracle
        if let t = oracle.transmitterAddress {
            logger.info("oracle reports are sent from the transmitter key", metadata: ["address": "\(t)"])
        } else {
            logger.info("no oracle transmitter key: attestations are pooled and gossiped, reports left to other nodes")
        }
        do {
            let journal = try TransactionJournal(path: options.home.dataDirectory + "/txpool.journal")
            let (kept, dropped) = journal.replay(into: chain)
            chain.journal = journal
            if kept + dropped > 0 {
                logger.info("transaction journal replayed", metadata: ["kept": "\(kept)", "dropped": "\(dropped)"])
            }
        } catch {
            logger.warning("transaction journal unusable; pooled transactions will not survive a restart",
                           metadata: ["error": "\(error)"])
        }
        chain.onCommit { [weak self] committed in
            if let self, let journal = self.chain.journal {
                let pool = self.chain.mempool
                // Off the chain's queue: a rotation writes the whole pool.
                DispatchQueue.global(qos: .utility).async { journal.rotateIfLarge(pool) }
            }
            self?.announce(committed)
            self?.oracle.blockCommitted(committed.block.number)
        }
        let c = options.config
        let server = RPCServer(host: c.rpcAddress, port: c.rpcPort, handler: api, subscriptions: hub,
                               limits: c.rpcLimits, metrics: metrics)
        do {
            try await server.start()
            rpcPort = server.port ?? c.rpcPort
        } catch {
            throw NodeError("cannot listen for JSON-RPC on \(c.rpcAddress):\(c.rpcPort): \(error)")
        }
        self.server = server
        let ms = MetricsServer(host: c.metricsAddress, port: c.metricsPort, registry: metrics)
        do {
            try await ms.start()
            metricsPort = ms.port ?? c.metricsPort
        } catch {
            throw NodeError("cannot listen for metrics on \(c.metricsAddress):\(c.metricsPort): \(error)")
        }
        metricsServer = ms
        logger.info("JSON-RPC listening", metadata: ["http": "http://\(c.rpcAddress):\(rpcPort)", "ws": "ws://\(c.rpcAddress):\(rpcPort)"])
        logger.info("metrics listening", metadata: ["url": "http://\(c.metricsAddress):\(metricsPort)/metrics"])
        switch options.production {
        case .consensus(let consensusOptions):
            try await startConsensus(consensusOptions)
        case .interval(let ms):
            let t = DispatchSource.makeTimerSource(queue: producerQueue)
            t.schedule(deadline: .now() + .milliseconds(ms), repeating: .milliseconds(ms), leeway: .milliseconds(5))
            t.setEventHandler { [weak self] in self?.produce() }
            t.resume()
            timer = t
            logger.info("producing a block every \(ms) ms")
        case .instant:
            logger.info("producing a block whenever transactions arrive (--instant)")
            if chain.mempool.stats.pending > 0 { kick() }
        }
    }

    /// Stops block production and the servers; committed data is already on disk.
    public func stop() async {
        guard !stopped.exchange(true, ordering: .sequentiallyConsistent) else { return }
        timer?.cancel()
        producerQueue.sync {}
        consensus?.stop()
        await peers?.stop()
        await server?.stop()
        await metricsServer?.stop()
        if let journal = chain.journal { journal.rotate(chain.mempool) }
        logger.info("stopped", metadata: ["height": "\(chain.head.number)"])
    }

    private func kick() {
        guard !kickPending.exchange(true, ordering: .sequentiallyConsistent) else { return }
        producerQueue.async { [weak self] in
            guard let self else { return }
            self.kickPending.store(false, ordering: .sequentiallyConsistent)
            while !self.stopped.load(ordering: .sequentiallyConsistent) && self.chain.mempool.stats.pending > 0 {
                let before = self.chain.head.number
                self.produce()
                // Nothing could be included (e.g. fee below the base fee): wait for the next arrival.
                if self.chain.head.number == before || self.chain.head.gasUsed == 0 { break }
            }
        }
    }

    private func produce() {
        guard !stopped.load(ordering: .sequentiallyConsistent) else { return }
        let now = UInt64(Date().timeIntervalSince1970)
        do {
            let proposer = proposerAddress()
            // The proposer's Staking account takes the priority fees: an
            // address a secp256k1 key controls, not the consensus key's.
            try chain.produceBlock(timestamp: now, coinbase: proposer, proposer: proposer)
        } catch {
            logger.critical("block production failed; stopping", metadata: ["error": "\(error)"])
            stopped.store(true, ordering: .sequentiallyConsistent)
            timer?.cancel()
        }
    }

    /// The network name bound into every P2P handshake: nodes of another
    /// chain id or genesis never authenticate each other.
    public static func networkName(chainID: UInt64, genesisHash: Hash32) -> String {
        "ath-\(chainID)-\(Hex.encode(genesisHash.bytes.prefix(8), prefix: false))"
    }

    /// Opens the P2P listener, dials the configured peers and starts the
    /// consensus driver at the height after the head.
    private func startConsensus(_ consensusOptions: ConsensusOptions) async throws(NodeError) {
        let c = options.config
        let driver = try ConsensusDriver(chain: chain, home: options.home, privateKey: validatorKey,
                                         options: consensusOptions, logger: logger)
        driver.metrics = ConsensusMetrics(metrics)
        let nodeKey = try options.home.loadNodeKey()
        var pc = PeerManagerConfig(networkName: Self.networkName(chainID: chain.rules.chainID, genesisHash: chain.genesisHash))
        pc.listenHost = c.p2pAddress
        pc.listenPort = c.p2pPort
        pc.maxInbound = c.maxInboundPeers
        pc.maxOutbound = c.maxOutboundPeers
        pc.pex = c.pex
        // Validators must find each other again within seconds of a network heal.
        pc.dialBackoffMax = .seconds(2)
        if c.p2pAddress != "0.0.0.0" && c.p2pAddress != "::" { pc.externalHost = c.p2pAddress }
        do {
            pc.persistentPeers = try PeerAddress.parseList(c.persistentPeers)
            pc.seeds = try PeerAddress.parseList(c.seeds)
        } catch {
            throw NodeError("config: p2p peers: \(error)")
        }
        let manager = PeerManager(nodeKey: nodeKey, config: pc, logger: logger,
                                  onMessage: { [driver] peer, channel, bytes in driver.receive(from: peer, channel: channel, bytes) },
                                  onPeerConnected: { [driver] peer in driver.peerConnected(peer) },
                                  onPeerDisconnected: { [driver] peer in driver.peerDisconnected(peer) })
        // The driver holds the manager before any peer can connect.
        driver.attach(peers: manager)
        do { try await manager.start() } catch {
            throw NodeError("cannot start P2P on \(c.p2pAddress):\(c.p2pPort): \(error)")
        }
        consensus = driver
        peers = manager
        api.network = driver
        driver.oracle = oracle
        oracle.gossip = { [manager] message, except in manager.broadcast(.attestation, message, except: except) }
        oracle.transmitDelay = { [chain, consensusKey] subject in Self.transmitDelay(subject, chain: chain, key: consensusKey) }
        logger.info("P2P listening", metadata: ["address": "\(c.p2pAddress):\(manager.listenPort ?? c.p2pPort)",
                                                "node_id": "\(manager.nodeID)", "persistent_peers": "\(pc.persistentPeers.count)"])
        driver.start()
    }

    /// Blocks this node waits before sending a ready report: validators take
    /// turns from the subject's designated one (its hash modulo the epoch's
    /// set), each place two blocks behind; a node outside the set goes last.
    static func transmitDelay(_ subject: OracleSubject, chain: Chain, key: Hash32) -> UInt64 {
        guard let (_, set) = chain.epochValidators(), !set.isEmpty else { return 0 }
        let word: [UInt8]
        switch subject {
        case .job(let id): word = [0] + id.bigEndianBytes
        case .uptime(let op, let epoch): word = [1] + op.bytes + UInt256(epoch).bigEndianBytes
        }
        let n = UInt64(set.count)
        let designated = UInt64(truncatingIfNeeded: Keccak256.hash(word).bytes.suffix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }) % n
        guard let mine = set.firstIndex(where: { $0.consensusKey == key }) else { return n * OracleService.backoffBlocks }
        return ((UInt64(mine) + n - designated) % n) * OracleService.backoffBlocks
    }

    /// Logs the validator set when Staking starts a new epoch.
    private func noteEpoch() {
        guard let (epoch, set) = chain.epochValidators() else { return }
        let changed = lastEpoch.withLock { last -> Bool in
            defer { last = epoch }
            return last != epoch
        }
        guard changed else { return }
        let power = set.reduce(UInt256.zero) { $0 &+ $1.power }
        logger.info("epoch validator set", metadata: [
            "epoch": "\(epoch)", "height": "\(chain.head.number)", "validators": "\(set.count)",
            "total_power_ath": "\(power / UInt256(1_000_000_000_000_000_000))",
            "includes_this_node": "\(set.contains { $0.consensusKey == consensusKey })",
        ])
    }

    /// The account Staking registered with this node's consensus key
    /// (`Staking.keyOwner`), so block rewards reach the validator; the key's
    /// own address on a chain without Staking or before registration.
    func proposerAddress() -> Address {
        if let known = stakingAccount.withLock({ $0 }) { return known }
        guard let owner = chain.stakingAccount(consensusKey: consensusKey) else { return keyAddress }
        stakingAccount.withLock { $0 = owner }
        logger.info("validator key registered with Staking", metadata: ["account": "\(owner)"])
        return owner
    }

    private func announce(_ c: CommittedBlock) {
        let h = c.block.header
        let now = Date().timeIntervalSince1970
        let interval = lastBlockTime.withLock { last -> Double? in
            defer { last = now }
            return last.map { now - $0 }
        }
        metrics.gauge("ath_chain_height", help: "Height of the latest committed block").set(Double(h.number))
        metrics.counter("ath_chain_transactions_total", help: "Transactions included in committed blocks").increment(by: Double(c.block.transactions.count))
        metrics.histogram("ath_block_build_seconds", help: "Time to build, execute and commit a block").observe(c.buildSeconds)
        if let interval { metrics.histogram("ath_block_interval_seconds", help: "Seconds between consecutive blocks").observe(interval) }
        let stats = chain.mempool.stats
        metrics.gauge("ath_mempool_pending", help: "Executable transactions in the mempool").set(Double(stats.pending))
        metrics.gauge("ath_mempool_queued", help: "Future transactions in the mempool").set(Double(stats.queued))
        metrics.gauge("ath_mempool_bytes", help: "Bytes of transactions in the mempool").set(Double(stats.bytes))
        if let history = try? chain.store.historySize() {
            metrics.gauge("ath_state_history_entries", help: "Entries in the state history tables (account and slot values before each block)")
                .set(Double(history.entries))
            metrics.gauge("ath_state_history_bytes", help: "Bytes of the state history tables' pages").set(Double(history.bytes))
        }
        metrics.gauge("ath_state_history_from", help: "Lowest block whose state the node can read").set(Double(chain.store.historyFrom))
        if !c.block.transactions.isEmpty || h.number % 10 == 0 {
            logger.info("block committed", metadata: [
                "number": "\(h.number)", "txs": "\(c.block.transactions.count)", "gas_used": "\(h.gasUsed)",
                "base_fee": "\(h.baseFeePerGas)", "hash": "\(c.block.hash)",
                "ms": "\(Int(c.buildSeconds * 1000))",
            ])
        } else {
            logger.debug("block committed", metadata: ["number": "\(h.number)", "hash": "\(c.block.hash)"])
        }
        // Reading the set goes through the chain's queue, which runs this listener.
        producerQueue.async { [weak self] in self?.noteEpoch() }
        hub.publishNewHead(api.headJSON(h.number))
        let logs = api.logsJSON(of: c)
        if !logs.isEmpty { hub.publishLogs(logs) }
    }

    private func registerMetrics() {
        metrics.gauge("ath_chain_height", help: "Height of the latest committed block").set(Double(chain.head.number))
        _ = metrics.counter("ath_chain_transactions_total", help: "Transactions included in committed blocks")
        metrics.gauge("ath_mempool_pending", help: "Executable transactions in the mempool").set(0)
    }
}

extension NodeConfig {
    /// The JSON-RPC server's bounds: the configured ones, the rest at their defaults.
    var rpcLimits: RPCLimits {
        var limits = RPCLimits()
        limits.maxConnections = rpcMaxConnections
        limits.maxConnectionsPerAddress = rpcMaxConnectionsPerIP
        limits.headerTimeoutSeconds = Int64(rpcHeaderTimeoutSeconds)
        limits.maxPendingNotificationBytes = rpcWebSocketQueueMiB << 20
        return limits
    }
}
