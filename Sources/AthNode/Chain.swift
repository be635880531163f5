import Foundation
import Synchronization
import AthPrimitives
import AthCrypto
import AthTypes
import AthEVM
import AthExecution
import AthStorage
import AthMempool

/// A block that has just been committed, as announced to RPC subscribers,
/// metrics and logs.
public struct CommittedBlock: Sendable {
    public var block: Block
    public var receipts: [Receipt]
    /// The logs of the block's system calls (see `SystemEvents`).
    public var systemEvents = SystemEvents()
    /// Wall-clock time the block took to build and commit.
    public var buildSeconds: Double
}

/// Why the node cannot open or extend its chain.
public struct ChainError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The chain of one node: the store on disk, the latest state in memory
/// (confined to `queue`), the mempool, and block production.
///
/// Reads of committed data (blocks, receipts, accounts at the head) go to
/// the store and may come from any thread; anything that executes code
/// (block building, eth_call, gas estimation) runs on `queue`.
public final class Chain: @unchecked Sendable {
    public let genesis: Genesis
    public let genesisHash: Hash32
    public let rules: ChainRules
    public let store: ChainStore
    public let mempool: Mempool
    /// Serializes everything that touches `world`.
    let queue = DispatchQueue(label: "ath.chain")
    /// Confined to `queue` (replaced wholesale if a commit fails).
    private(set) var world: WorldState
    let recent: RecentHashes
    /// A block executed on `world` but not yet committed (a proposal this
    /// node built or validated); confined to `queue`. While it is set,
    /// `world` is that block's post-state.
    var speculative: ExecutedBlock?
    let headState: Mutex<Header>
    let listeners = Mutex<[@Sendable (CommittedBlock) -> Void]>([])
    public let hooks: any SystemHooks
    /// Read-only executions (eth_call, gas estimates, protocol views for
    /// RPC) on store snapshots, off `queue`.
    public let calls: ReadOnlyCalls
    /// Where admitted transactions are journaled; set once at node start.
    nonisolated(unsafe) public var journal: TransactionJournal?

    /// Opens the chain in `dataDirectory`, writing the genesis block if the
    /// store is empty; otherwise loads the latest state and checks that it
    /// matches the head block's state root and that the store belongs to
    /// this genesis.
    public init(dataDirectory: String, genesis: Genesis, mempool config: MempoolConfig? = nil,
                hooks: any SystemHooks = ProtocolHooks(), callLimits: CallLimits = CallLimits(),
                history: UInt64? = nil, progress: (String) -> Void = { _ in }) throws(ChainError) {
        self.genesis = genesis
        rules = genesis.rules  // Cancun plus this chain's precompiles 0xa01, 0xa02 (chainPrecompiles)
        self.hooks = hooks
        do { store = try ChainStore(directory: dataDirectory) } catch {
            if case .corrupt(let what) = error { throw ChainError(what) }
            throw ChainError("cannot open the database in \(dataDirectory): \(error)")
        }
        store.historyRetention = history
        let recent = RecentHashes()
        self.recent = recent
        // The genesis block, built first so its hash is known before the
        // store is read; on a fresh home its state becomes the chain's.
        let built = WorldState(blockHashes: { recent.hash(of: $0) })
        let genesisHeader: Header, genesisDiff: StateDiff
        do { (genesisHeader, genesisDiff) = try genesis.build(into: built) } catch { throw ChainError(error.description) }
        genesisHash = genesisHeader.hash

        let head: Header
        if let stored = store.head {
            guard let g = store.meta(Self.genesisKey), g == Self.identity(genesisHash, genesis.chainID) else {
                throw ChainError("the database in \(dataDirectory) belongs to another chain: its genesis differs from this genesis file")
            }
            guard let raw = store.header(number: stored.number) else {
                throw ChainError("the database is damaged: the header of head block \(stored.number) is missing")
            }
            do { head = try Header(decoding: raw) } catch {
                throw ChainError("the database is damaged: head header \(stored.number) does not decode: \(error)")
            }
            progress("loading state at block \(stored.number)")
            world = WorldState(blockHashes: { recent.hash(of: $0) })
            try Self.loadState(from: store, into: world)
            let root = world.root
            guard root == head.stateRoot else {
                throw ChainError("the database is damaged: the state root \(root) does not match block \(head.number)'s \(head.stateRoot)")
            }
            let first = head.number > 255 ? head.number - 255 : 0
            for n in first...head.number {
                if let raw = store.header(number: n), let h = try? Header(decoding: raw) { recent.record(n, h.hash) }
            }
        } else {
            world = built
            let diff = genesisDiff
            head = genesisHeader
            let block = Block(header: genesisHeader, transactions: [], senders: [])
            do {
                try store.commit(block: Self.record(block, receipts: []), state: Self.changes(diff),
                                 meta: [(Self.genesisKey, Self.identity(genesisHash, genesis.chainID))])
            } catch {
                throw ChainError("cannot write the genesis block: \(error)")
            }
            recent.record(0, genesisHash)
        }
        headState = Mutex(head)
        var mc = config ?? MempoolConfig(chainID: genesis.chainID, blockGasLimit: genesis.gasLimit)
        // Over RPC, as in geth: only replay-protected transactions.
        if config == nil { mc.allowUnprotected = false }
        mc.chainID = genesis.chainID
        mc.blockGasLimit = genesis.gasLimit
        mempool = Mempool(config: mc)
        calls = ReadOnlyCalls(store: store, rules: rules, limits: callLimits, blockHashes: { recent.hash(of: $0) })
    }

    static let genesisKey = "genesis"

    /// What names a chain in its database: the genesis hash and the chain id
    /// (the genesis header does not carry the chain id).
    static func identity(_ genesisHash: Hash32, _ chainID: UInt64) -> [UInt8] {
        genesisHash.bytes + withUnsafeBytes(of: chainID.bigEndian, Array.init)
    }

    /// The latest committed header.
    public var head: Header { headState.withLock { $0 } }

    /// Calls `listener` after each committed block (on the chain queue; keep it short).
    public func onCommit(_ listener: @escaping @Sendable (CommittedBlock) -> Void) {
        listeners.withLock { $0.append(listener) }
    }

    /// Admits a raw transaction (RPC, gossip) against the head and journals it.
    @discardableResult
    public func admit(raw: [UInt8]) throws(MempoolError) -> (Hash32, AdmissionResult) {
        let admitted = try mempool.admit(raw: raw, state: stateView, baseFee: nextBaseFee)
        journal?.record(raw)
        return admitted
    }

    /// The base fee the next block will charge.
    public var nextBaseFee: UInt256 { rules.nextBaseFee(after: head) }

    /// A view of the committed head state for the mempool.
    public var stateView: StoreStateView { StoreStateView(store: store) }

    // MARK: Block production

    /// Builds the next block from the mempool, commits it and announces it.
    /// Runs on the chain queue; blocks the caller until done.
    @discardableResult
    public func produceBlock(timestamp: UInt64, coinbase: Address, proposer: Address,
                             maxTransactions: Int = 20_000) throws(ChainError) -> CommittedBlock {
        let result: Result<CommittedBlock, ChainError> = queue.sync { self.produceOnQueue(timestamp: timestamp, coinbase: coinbase, proposer: proposer, maxTransactions: maxTransactions) }
        return try result.get()
    }

    private func produceOnQueue(timestamp: UInt64, coinbase: Address, proposer: Address,
                                maxTransactions: Int) -> Result<CommittedBlock, ChainError> {
        let started = DispatchTime.now().uptimeNanoseconds
        let env = BlockEnvironment.child(of: head, rules: rules, timestamp: timestamp, coinbase: coinbase, proposer: proposer)
        let executed = assemble(env, maxTransactions: maxTransactions, maxBytes: Int.max)
        return storeAndPublishOnQueue(executed, started: started)
    }

    /// Writes an executed block, with `meta` records, in one store
    /// transaction; then moves the head, updates the mempool and tells the
    /// listeners. If the store refuses, the in-memory state (now ahead of
    /// the store) is rebuilt from the last committed block before anything
    /// else runs.
    func storeAndPublishOnQueue(_ executed: ExecutedBlock, meta: [(String, [UInt8])] = [],
                                started: UInt64) -> Result<CommittedBlock, ChainError> {
        let header = executed.block.header
        do {
            try store.commit(block: Self.record(executed.block, receipts: executed.receipts, system: SystemEvents(executed)),
                             state: Self.changes(executed.diff), meta: meta)
        } catch {
            let reload = reloadState()
            return .failure(ChainError("cannot commit block \(header.number): \(error)\(reload.map { "; \($0)" } ?? "")"))
        }
        headState.withLock { $0 = header }
        recent.record(header.number, header.hash)
        _ = mempool.update(state: stateView, baseFee: rules.nextBaseFee(after: header))
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        var committed = CommittedBlock(block: executed.block, receipts: executed.receipts, buildSeconds: seconds)
        committed.systemEvents = SystemEvents(executed)
        for listener in listeners.withLock({ $0 }) { listener(committed) }
        return .success(committed)
    }

    /// Checks and applies a block made elsewhere (import, block sync): its
    /// senders are recovered from the signatures here, it is re-executed on
    /// the latest state, and committed only if every root matches its header.
    @discardableResult
    public func importBlock(header: Header, transactions: [SignedTransaction]) throws(ChainError) -> CommittedBlock {
        let senders = try Self.recoverSenders(transactions, block: header.number)
        let block = Block(header: header, transactions: transactions, senders: senders)
        let result: Result<CommittedBlock, ChainError> = queue.sync {
            let started = DispatchTime.now().uptimeNanoseconds
            let parent = head
            let executed: ExecutedBlock
            do {
                executed = try BlockValidator.apply(block, parent: parent, world: world, rules: rules, hooks: hooks)
            } catch {
                let reload = reloadState()
                return .failure(ChainError("block \(header.number) refused: \(error)\(reload.map { "; \($0)" } ?? "")"))
            }
            return storeAndPublishOnQueue(executed, started: started)
        }
        return try result.get()
    }

    /// Recovers every sender, in parallel; refuses the block on the first bad signature.
    /// `known` supplies senders already recovered (the mempool's, by
    /// transaction hash); only the others are recovered.
    static func recoverSenders(_ txs: [SignedTransaction], block: UInt64,
                               known: (@Sendable (Hash32) -> Address?)? = nil) throws(ChainError) -> [Address] {
        let results = UnsafeMutableBufferPointer<Address?>.allocate(capacity: txs.count)
        results.initialize(repeating: nil)
        defer { results.deallocate() }
        let workers = min(max(ProcessInfo.processInfo.activeProcessorCount, 1), 8)
        let chunk = (txs.count + workers - 1) / max(workers, 1)
        nonisolated(unsafe) let out = results
        if !txs.isEmpty {
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                let lo = w * chunk, hi = min(lo + chunk, txs.count)
                guard lo < hi else { return }
                for i in lo..<hi { out[i] = known?(txs[i].hash) ?? (try? txs[i].recoverSender()) }
            }
        }
        var senders: [Address] = []
        senders.reserveCapacity(txs.count)
        for i in 0..<txs.count {
            guard let s = results[i] else { throw ChainError("block \(block) refused: transaction \(i) has an invalid signature") }
            senders.append(s)
        }
        return senders
    }

    /// Executes the next block from the mempool on `world` (not committed):
    /// system calls, then pending transactions in fee order while gas and
    /// `maxBytes` of transaction envelopes allow. Transactions that turn out
    /// invalid leave the mempool.
    func assemble(_ env: BlockEnvironment, maxTransactions: Int, maxBytes: Int) -> ExecutedBlock {
        let candidates = mempool.reap(maxGas: env.gasLimit, baseFee: env.baseFee, maxCount: maxTransactions)
        let builder = BlockBuilder(world: world, environment: env, rules: rules, hooks: hooks)
        var refused: [Hash32] = []
        var bytes = 0
        for candidate in candidates {
            if builder.gasLeft < TransactionGas.base { break }
            let size = candidate.signed.encoded.count
            if size > maxBytes - bytes { continue }
            do {
                try builder.add(candidate.signed, sender: candidate.sender)
                bytes += size
            } catch {
                switch error {
                case .blockFull: continue
                case .invalid(.nonceTooHigh): continue  // waits for the missing nonce
                case .invalid: refused.append(candidate.signed.hash)
                }
            }
        }
        if !refused.isEmpty { mempool.remove(refused) }
        return builder.finish()
    }

    /// Throws away the in-memory state and loads it again from the store.
    /// Returns a problem description if that fails too.
    func reloadState() -> String? {
        let fresh = WorldState(blockHashes: { [recent] in recent.hash(of: $0) })
        do { try Self.loadState(from: store, into: fresh) } catch { return error.description }
        world = fresh
        return nil
    }

    // MARK: Simulation (eth_call, eth_estimateGas)

    /// Runs `tx` on the committed head as if in the next block, changing
    /// nothing: on a store snapshot in the calling thread, off `queue`.
    public func simulate(_ tx: ExecutableTransaction) -> Result<TransactionOutcome, InvalidTransaction> {
        calls.runHere { $0.execute(tx) } ?? queue.sync { simulateOnQueue(tx) }
    }

    /// `simulate` for callers already on `queue`.
    func simulateOnQueue(_ tx: ExecutableTransaction) -> Result<TransactionOutcome, InvalidTransaction> {
        let context = ReadContext.callBlock(after: head, rules: rules, for: tx)
        do {
            return .success(try TransactionExecutor.execute(tx, state: world.state, block: context, simulate: true))
        } catch {
            return .failure(error)
        }
    }

    /// Runs a read-only call to a protocol contract on the committed head
    /// (a store snapshot, off `queue`); its output, or nil when it fails.
    func protocolView(_ contract: Address, _ input: [UInt8]) -> [UInt8]? {
        guard case .success(let outcome) = simulate(Self.viewCall(contract, input)), outcome.status == .success else {
            return nil
        }
        return outcome.output
    }

    static func viewCall(_ contract: Address, _ input: [UInt8]) -> ExecutableTransaction {
        ExecutableTransaction(sender: .zero, to: contract, nonce: 0, gasLimit: 10_000_000, value: .zero, data: input,
                              accessList: [], maxFeePerGas: .zero, maxPriorityFeePerGas: .zero)
    }

    /// `protocolView` for callers already on `queue`.
    func protocolViewOnQueue(_ contract: Address, _ input: [UInt8]) -> [UInt8]? {
        guard case .success(let outcome) = simulateOnQueue(Self.viewCall(contract, input)), outcome.status == .success else { return nil }
        return outcome.output
    }

    /// The Staking account whose consensus key is `key` on the latest state;
    /// nil without a Staking contract or when no validator holds the key.
    public func stakingAccount(consensusKey key: Hash32) -> Address? {
        guard let out = protocolView(ProtocolContracts.staking, ProtocolABI.keyOwner(key)),
              let owner = ProtocolABI.decodeAddress(out), owner != .zero else { return nil }
        return owner
    }

    /// The current epoch and its validator set (`Staking.epoch()`,
    /// `Staking.epochValidatorSet()`); nil on a chain without Staking.
    public func epochValidators() -> (epoch: UInt64, validators: [ValidatorEntry])? {
        guard let e = protocolView(ProtocolContracts.staking, ProtocolABI.epoch), e.count == 32,
              let epoch = UInt256(bigEndianBytes: e), let epoch64 = epoch.uint64IfFits,
              let out = protocolView(ProtocolContracts.staking, ProtocolABI.epochValidatorSet),
              let set = ProtocolABI.decodeValidatorSet(out) else { return nil }
        return (epoch64, set)
    }

    // MARK: Store conversions

    static func record(_ block: Block, receipts: [Receipt], system: SystemEvents = SystemEvents()) -> BlockRecord {
        var logs: [(address: Address, topics: [Hash32])] = []
        for r in receipts { for l in r.logs { logs.append((l.address, l.topics)) } }
        for l in system.all { logs.append((l.address, l.topics)) }
        return BlockRecord(number: block.number, hash: block.hash, header: block.header.encoded, body: block.encodedBody,
                           receipts: Receipt.encodeList(receipts), transactionHashes: block.transactions.map(\.hash),
                           logs: logs, systemEvents: system.isEmpty ? [] : system.encoded)
    }

    static func changes(_ diff: StateDiff) -> StateChanges {
        StateChanges(
            accounts: diff.accounts.map { u in
                (u.address, u.account.map { AccountRecord(nonce: $0.nonce, balance: $0.balance, storageRoot: $0.storageRoot, codeHash: $0.codeHash) })
            },
            storage: diff.storage, code: diff.code)
    }

    static func loadState(from store: ChainStore, into world: WorldState) throws(ChainError) {
        var slots: [Address: [(UInt256, UInt256)]] = [:]
        var missing: Address?
        do {
        try store.forEachStorageSlot { address, key, value in slots[address, default: []].append((key, value)) }
        try store.forEachAccount { address, account in
            var code: [UInt8] = []
            if account.codeHash != Commitments.emptyCodeHash {
                guard let c = store.code(account.codeHash) else { missing = address; return }
                code = c
            }
            world.load(address, balance: account.balance, nonce: account.nonce, code: code, storage: slots[address] ?? [])
        }
        } catch {
            throw ChainError("the database is damaged: cannot read the state: \(error)")
        }
        if let missing { throw ChainError("the database is damaged: the code of \(missing) is missing") }
    }
}

/// The hashes of the last 256 blocks, for BLOCKHASH.
final class RecentHashes: @unchecked Sendable {
    private let hashes = Mutex<[UInt64: Hash32]>([:])

    func record(_ number: UInt64, _ hash: Hash32) {
        hashes.withLock { h in
            h[number] = hash
            if number >= 256 { h[number - 256] = nil }
        }
    }

    func hash(of number: UInt64) -> Hash32 { hashes.withLock { $0[number] ?? .zero } }
}

/// The committed head state as the mempool sees it.
public struct StoreStateView: MempoolStateView {
    let store: ChainStore
    public func nonce(of address: Address) -> UInt64 { store.account(address)?.nonce ?? 0 }
    public func balance(of address: Address) -> UInt256 { store.account(address)?.balance ?? .zero }
}
