import Dispatch
import AthPrimitives
import AthCrypto
import AthTypes
import AthEVM
import AthTrie

/// The chain's fixed execution rules (from genesis).
public struct ChainRules: Sendable {
    public var chainID: UInt64
    /// EIP-1559: the base fee never falls below this.
    public var minBaseFee: UInt256
    /// EIP-1559 elasticity multiplier (target = gas limit / elasticity).
    public var elasticity: UInt64 = 2
    /// EIP-1559 maximum change denominator (1/8 per block).
    public var baseFeeChangeDenominator: UInt64 = 8
    /// Whether this chain's own precompiles (0xa01 GEMM_I8_ENTRY, 0xa02
    /// ED25519_VERIFY) are active: on for every chain started from a
    /// `Genesis` (`Genesis.rules`), off for plain Cancun.
    public var chainPrecompiles: Bool

    public init(chainID: UInt64, minBaseFee: UInt256, chainPrecompiles: Bool = false) {
        self.chainID = chainID; self.minBaseFee = minBaseFee; self.chainPrecompiles = chainPrecompiles
    }

    /// The EVM's view of a block of this chain in `environment`.
    public func blockContext(_ environment: BlockEnvironment) -> BlockContext {
        BlockContext(coinbase: environment.coinbase, number: environment.number, timestamp: environment.timestamp,
                     gasLimit: environment.gasLimit, baseFee: environment.baseFee, prevRandao: environment.prevRandao,
                     chainID: UInt256(chainID), chainPrecompiles: chainPrecompiles)
    }

    /// EIP-1559: the base fee of the block after `parent`.
    public func nextBaseFee(after parent: Header) -> UInt256 {
        let target = parent.gasLimit / elasticity
        let parentFee = parent.baseFeePerGas
        var next = parentFee
        if target > 0, parent.gasUsed > target {
            let delta = parentFee &* UInt256(parent.gasUsed - target) / UInt256(target) / UInt256(baseFeeChangeDenominator)
            next = parentFee &+ max(delta, UInt256(1))
        } else if target > 0, parent.gasUsed < target {
            let delta = parentFee &* UInt256(target - parent.gasUsed) / UInt256(target) / UInt256(baseFeeChangeDenominator)
            next = parentFee &- delta
        }
        return max(next, minBaseFee)
    }
}

/// Where a block is being built or replayed: everything the header takes
/// that does not come from executing it.
public struct BlockEnvironment: Sendable {
    public var parentHash: Hash32
    public var number: UInt64
    public var timestamp: UInt64
    public var coinbase: Address
    public var proposer: Address
    public var gasLimit: UInt64
    public var baseFee: UInt256
    public var prevRandao: Hash32
    public var extraData: [UInt8]
    /// Consensus facts the block carries for the system calls: who signed
    /// the parent's commit, and the double-sign evidence it includes.
    public var signers: CommitSigners = .proposerOnly
    public var evidence: [DoubleSignEvidenceInput] = []
    /// Header commitments to the consensus data (zero on a dev chain).
    public var validatorsHash: Hash32 = .zero
    public var lastCommitHash: Hash32 = .zero
    public var evidenceHash: Hash32 = .zero

    public init(parentHash: Hash32, number: UInt64, timestamp: UInt64, coinbase: Address, proposer: Address,
                gasLimit: UInt64, baseFee: UInt256, prevRandao: Hash32, extraData: [UInt8] = []) {
        self.parentHash = parentHash; self.number = number; self.timestamp = timestamp; self.coinbase = coinbase
        self.proposer = proposer; self.gasLimit = gasLimit; self.baseFee = baseFee; self.prevRandao = prevRandao
        self.extraData = extraData
    }

    /// The environment of the block after `parent` under `rules`.
    public static func child(of parent: Header, rules: ChainRules, timestamp: UInt64, coinbase: Address,
                             proposer: Address) -> BlockEnvironment {
        var seed = parent.hash.bytes
        seed.append(contentsOf: parent.mixHash.bytes)
        return BlockEnvironment(parentHash: parent.hash, number: parent.number + 1,
                                timestamp: max(timestamp, parent.timestamp), coinbase: coinbase, proposer: proposer,
                                gasLimit: parent.gasLimit, baseFee: rules.nextBaseFee(after: parent),
                                prevRandao: Keccak256.hash(seed))
    }
}

/// Which validators signed the commit of a block's parent, as the block
/// carries it (downtime accounting).
public enum CommitSigners: Sendable, Equatable {
    /// No commit: a single-process dev chain, where the proposer alone signs.
    case proposerOnly
    /// The consensus keys whose signatures the block's last commit holds.
    case keys(Set<Hash32>)
    /// Nothing to record (the first block after genesis has no parent commit).
    case none
}

/// A piece of verified double-sign evidence included in a block: the
/// offending validator's Staking account, the height of the infraction and
/// the hash identifying the evidence (applied once).
public struct DoubleSignEvidenceInput: Sendable, Equatable {
    public var validator: Address
    public var height: UInt64
    public var evidenceHash: Hash32
    public init(validator: Address, height: UInt64, evidenceHash: Hash32) {
        self.validator = validator; self.height = height; self.evidenceHash = evidenceHash
    }
}

/// The address the node's per-block system calls come from (as in EIP-4788).
public let systemAddress = try! Address(hex: "0xfffffffffffffffffffffffffffffffffffffffe")

/// Per-block protocol work done by the node as calls from `systemAddress`:
/// later, minting rewards, applying slashing evidence, reading the
/// validator set. The calls charge no gas to anyone and leave no receipt.
public protocol SystemHooks: Sendable {
    func beginBlock(_ calls: SystemCaller)
    func endBlock(_ calls: SystemCaller)
}

/// No system calls.
public struct NoSystemHooks: SystemHooks {
    public init() {}
    public func beginBlock(_ calls: SystemCaller) {}
    public func endBlock(_ calls: SystemCaller) {}
}

/// The logs a block's system calls emitted (they belong to no transaction),
/// in order: the begin-block calls' first.
public final class SystemLogSink: @unchecked Sendable {
    public private(set) var logs: [LogRecord] = []
    public init() {}
    func append(_ new: [Log]) {
        logs += new.map { LogRecord(address: $0.address, topics: $0.topics, data: $0.data) }
    }
}

/// Runs system calls inside a block being built or replayed.
public struct SystemCaller {
    let state: JournaledState
    let block: BlockContext
    /// Where the calls' logs go (none when nothing keeps them).
    let sink: SystemLogSink?
    /// The block's proposer (from its header).
    public let proposer: Address
    /// Who signed the parent's commit.
    public let signers: CommitSigners
    /// Double-sign evidence the block includes.
    public let evidence: [DoubleSignEvidenceInput]

    init(state: JournaledState, block: BlockContext, environment: BlockEnvironment, sink: SystemLogSink? = nil) {
        self.state = state; self.block = block; self.sink = sink; self.proposer = environment.proposer
        self.signers = environment.signers; self.evidence = environment.evidence
    }
    /// Gas each system call may use (not paid by anyone).
    public static let gasLimit: UInt64 = 30_000_000

    /// Calls `to` with `input` from the system address; the changes stay
    /// unless the call reverts or halts.
    @discardableResult
    public func call(_ to: Address, input: [UInt8]) -> ExecutionResult {
        state.beginTransaction()
        let message = Message(kind: .call, target: to, codeAddress: to, caller: systemAddress, value: .zero,
                              input: input, gas: Self.gasLimit)
        let result = executeOnJournaledState(state, block: block,
                                             transaction: TransactionContext(origin: systemAddress, gasPrice: .zero),
                                             message: message, trace: nil)
        if result.status == .success { sink?.append(state.logs) }
        state.finalizeTransaction()
        return result
    }

    /// Adds `amount` to `account`'s balance: new supply (block rewards).
    public func mint(_ account: Address, _ amount: UInt256) {
        state.beginTransaction()
        state.addBalance(account, amount)
        state.finalizeTransaction()
    }

    /// Whether `account` holds code (a protocol contract is deployed there).
    public func hasCode(_ account: Address) -> Bool { !state.loadCode(account).bytes.isEmpty }

    public var blockNumber: UInt64 { block.number }
}

/// A block that has been executed: what the store writes and RPC serves.
public struct ExecutedBlock: Sendable {
    public var block: Block
    public var receipts: [Receipt]
    public var diff: StateDiff
    /// Outputs of each transaction (return or revert data), for tracing and RPC.
    public var createdAddresses: [Address?]
    /// The logs of the block's system calls, begin-block ones first.
    public var systemLogs: [LogRecord] = []
    /// How many of `systemLogs` the begin-block calls emitted.
    public var systemLogsBeforeTransactions = 0
}

/// Why a transaction was left out of a block being built.
public enum SkipReason: Error, Sendable, Equatable {
    /// Its gas limit exceeds the gas left in the block.
    case blockFull
    case invalid(InvalidTransaction)
}

/// Builds a block on the world state: system calls at the start, then
/// transactions one by one (each either included or refused without a
/// trace), then the end-of-block system calls and the roots.
public final class BlockBuilder {
    public let environment: BlockEnvironment
    let world: WorldState
    let rules: ChainRules
    let hooks: any SystemHooks
    let context: BlockContext
    private(set) public var gasUsed: UInt64 = 0
    private(set) var transactions: [SignedTransaction] = []
    private(set) var senders: [Address] = []
    private(set) var receipts: [Receipt] = []
    private(set) var created: [Address?] = []
    let systemLogs = SystemLogSink()
    let systemLogsBeforeTransactions: Int

    public init(world: WorldState, environment: BlockEnvironment, rules: ChainRules, hooks: any SystemHooks) {
        self.world = world; self.environment = environment; self.rules = rules; self.hooks = hooks
        context = rules.blockContext(environment)
        hooks.beginBlock(SystemCaller(state: world.state, block: context, environment: environment, sink: systemLogs))
        systemLogsBeforeTransactions = systemLogs.logs.count
    }

    public var gasLeft: UInt64 { environment.gasLimit - gasUsed }
    public var transactionCount: Int { transactions.count }

    /// Executes and includes `tx`, or throws (changing nothing) if it cannot be included.
    @discardableResult
    public func add(_ tx: SignedTransaction, sender: Address) throws(SkipReason) -> Receipt {
        guard tx.transaction.gasLimit <= gasLeft else { throw .blockFull }
        let outcome: TransactionOutcome
        do {
            outcome = try TransactionExecutor.execute(ExecutableTransaction(tx, sender: sender), state: world.state,
                                                      block: context)
        } catch {
            throw .invalid(error)
        }
        gasUsed += outcome.gasUsed
        let logs = outcome.logs.map { LogRecord(address: $0.address, topics: $0.topics, data: $0.data) }
        let receipt = Receipt(type: tx.transaction.type, succeeded: outcome.status == .success,
                              cumulativeGasUsed: gasUsed, logs: logs)
        transactions.append(tx); senders.append(sender); receipts.append(receipt); created.append(outcome.createdAddress)
        return receipt
    }

    /// Runs the end-of-block calls, folds the state changes into the tries
    /// and seals the header.
    public func finish(knownTransactionsRoot: Hash32? = nil) -> ExecutedBlock {
        hooks.endBlock(SystemCaller(state: world.state, block: context, environment: environment, sink: systemLogs))
        // The state tries and the list roots are independent: fold them on two threads.
        nonisolated(unsafe) var committed: (root: Hash32, diff: StateDiff)?
        nonisolated(unsafe) var lists: (tx: Hash32, receipts: Hash32)?
        nonisolated(unsafe) let world = self.world
        let txs = self.transactions, receipts = self.receipts
        DispatchQueue.concurrentPerform(iterations: 2) { part in
            if part == 0 {
                committed = world.commit()
            } else {
                lists = (knownTransactionsRoot ?? MerklePatriciaTrie.orderedRoot(txs.map(\.encoded)),
                         MerklePatriciaTrie.orderedRoot(receipts.map(\.encoded)))
            }
        }
        let (stateRoot, diff) = committed!
        var bloom = Bloom()
        for r in receipts { bloom.formUnion(r.bloom) }
        var header = Header(parentHash: environment.parentHash, coinbase: environment.coinbase, stateRoot: stateRoot,
                            transactionsRoot: lists!.tx, receiptsRoot: lists!.receipts,
                            logsBloom: bloom, number: environment.number, gasLimit: environment.gasLimit,
                            gasUsed: gasUsed, timestamp: environment.timestamp, extraData: environment.extraData,
                            mixHash: environment.prevRandao, baseFeePerGas: environment.baseFee,
                            proposer: environment.proposer)
        header.validatorsHash = environment.validatorsHash
        header.lastCommitHash = environment.lastCommitHash
        header.evidenceHash = environment.evidenceHash
        return ExecutedBlock(block: Block(header: header, transactions: transactions, senders: senders),
                             receipts: receipts, diff: diff, createdAddresses: created, systemLogs: systemLogs.logs,
                             systemLogsBeforeTransactions: systemLogsBeforeTransactions)
    }
}

/// Why a received block was refused.
public enum BlockValidationError: Error, Equatable, Sendable, CustomStringConvertible {
    case header(String)
    case transaction(index: Int, String)
    case mismatch(field: String, header: Hash32, computed: Hash32)
    case gasUsed(header: UInt64, computed: UInt64)

    public var description: String {
        switch self {
        case .header(let why): return "invalid header: \(why)"
        case .transaction(let i, let why): return "invalid transaction \(i): \(why)"
        case .mismatch(let field, let h, let c): return "\(field) mismatch: header \(h), computed \(c)"
        case .gasUsed(let h, let c): return "gas used mismatch: header \(h), computed \(c)"
        }
    }
}

public enum BlockValidator {
    /// Checks `block` against `parent` and re-executes it on `world`. On
    /// success the world holds the block's post-state. On failure the world
    /// holds a partial state: the caller must reload it from the store.
    public static func apply(_ block: Block, parent: Header, world: WorldState, rules: ChainRules,
                             hooks: any SystemHooks, signers: CommitSigners = .proposerOnly,
                             evidence: [DoubleSignEvidenceInput] = []) throws(BlockValidationError) -> ExecutedBlock {
        let h = block.header
        guard h.number == parent.number + 1 else { throw .header("number \(h.number) does not follow \(parent.number)") }
        guard h.parentHash == parent.hash else { throw .header("parent hash does not match block \(parent.number)") }
        guard h.timestamp >= parent.timestamp else { throw .header("timestamp before the parent's") }
        guard h.gasLimit == parent.gasLimit else { throw .header("gas limit changed") }
        guard h.gasUsed <= h.gasLimit else { throw .header("gas used above the gas limit") }
        let fee = rules.nextBaseFee(after: parent)
        guard h.baseFeePerGas == fee else { throw .header("base fee \(h.baseFeePerGas), expected \(fee)") }
        guard h.ommersHash == Header.emptyOmmersHash, h.difficulty == 0, h.nonce == 0,
              h.withdrawalsRoot == Header.emptyTrieRoot, h.blobGasUsed == 0, h.excessBlobGas == 0 else {
            throw .header("fixed fields do not hold their fixed values")
        }
        let txRoot = MerklePatriciaTrie.orderedRoot(block.transactions.map(\.encoded))
        guard txRoot == h.transactionsRoot else { throw .mismatch(field: "transactions root", header: h.transactionsRoot, computed: txRoot) }
        var env = BlockEnvironment(parentHash: h.parentHash, number: h.number, timestamp: h.timestamp, coinbase: h.coinbase,
                                   proposer: h.proposer, gasLimit: h.gasLimit, baseFee: h.baseFeePerGas,
                                   prevRandao: h.mixHash, extraData: h.extraData)
        env.signers = signers
        env.evidence = evidence
        let builder = BlockBuilder(world: world, environment: env, rules: rules, hooks: hooks)
        for (i, tx) in block.transactions.enumerated() {
            do { try builder.add(tx, sender: block.senders[i]) } catch {
                switch error {
                case .blockFull: throw .transaction(index: i, "exceeds the gas left in the block")
                case .invalid(let e): throw .transaction(index: i, e.description)
                }
            }
        }
        let executed = builder.finish(knownTransactionsRoot: txRoot)
        let c = executed.block.header
        guard c.gasUsed == h.gasUsed else { throw .gasUsed(header: h.gasUsed, computed: c.gasUsed) }
        guard c.receiptsRoot == h.receiptsRoot else { throw .mismatch(field: "receipts root", header: h.receiptsRoot, computed: c.receiptsRoot) }
        guard c.logsBloom == h.logsBloom else { throw .header("logs bloom does not match the receipts") }
        guard c.stateRoot == h.stateRoot else { throw .mismatch(field: "state root", header: h.stateRoot, computed: c.stateRoot) }
        return ExecutedBlock(block: block, receipts: executed.receipts, diff: executed.diff,
                             createdAddresses: executed.createdAddresses, systemLogs: executed.systemLogs,
                             systemLogsBeforeTransactions: executed.systemLogsBeforeTransactions)
    }
}

extension Genesis {
    /// Gas each genesis constructor may use (no one pays for it).
    public static let contractCreationGas: UInt64 = 1 << 32

    /// The genesis block and its state, loaded into `world`: the `alloc`
    /// accounts, then each of `contracts` created at its address by the
    /// system address. A constructor that fails makes the genesis unusable.
    public func build(into world: WorldState) throws(GenesisError) -> (header: Header, diff: StateDiff) {
        for (address, a) in alloc {
            world.state.setAccount(address, balance: a.balance, nonce: a.nonce, code: a.code,
                                   storage: a.storage.map { ($0.key, $0.value) })
        }
        // Register every account as changed so the diff carries the whole
        // genesis state for the store.
        world.state.beginTransaction()
        for (address, a) in alloc {
            world.state.setNonce(address, a.nonce)
            for (k, v) in a.storage { world.state.setStorage(address, k, v) }
        }
        let block = BlockContext(coinbase: .zero, number: 0, timestamp: timestamp, gasLimit: gasLimit,
                                 baseFee: baseFeePerGas, prevRandao: .zero, chainID: UInt256(chainID),
                                 chainPrecompiles: rules.chainPrecompiles)
        for c in contracts {
            let message = Message(kind: .create, target: c.address, codeAddress: c.address, caller: systemAddress,
                                  value: .zero, input: c.initCode, gas: Self.contractCreationGas)
            var evm = EVM(host: world.state, block: block, transaction: TransactionContext(origin: systemAddress, gasPrice: .zero))
            let result = evm.deployAt(c.address, message)
            guard result.status == .success else {
                world.state.finalizeTransaction()
                throw GenesisError("genesis: the constructor of \(c.name) at \(c.address.checksummed) failed: \(result.summary)")
            }
        }
        world.state.finalizeTransaction()
        let (root, diff) = world.commit()
        let header = Header(parentHash: .zero, coinbase: .zero, stateRoot: root, transactionsRoot: Header.emptyTrieRoot,
                            receiptsRoot: Header.emptyTrieRoot, logsBloom: Bloom(), number: 0, gasLimit: gasLimit,
                            gasUsed: 0, timestamp: timestamp, extraData: extraData, mixHash: .zero,
                            baseFeePerGas: baseFeePerGas, proposer: .zero)
        return (header, diff)
    }

    /// The execution rules of a chain started from this genesis: this
    /// chain's own precompiles are active from block 0 (the node, `athd dev`,
    /// testnets, read-only calls and block validation all take their rules
    /// from here).
    public var rules: ChainRules { ChainRules(chainID: chainID, minBaseFee: minBaseFeePerGas, chainPrecompiles: true) }
}
