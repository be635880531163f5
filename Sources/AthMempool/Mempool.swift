import AthPrimitives
import AthTypes

/// The transaction pool: per-sender nonce queues split into pending (the
/// contiguous run from the state nonce, executable now) and queued (behind
/// a gap), bounded in count, bytes and slots per sender, reaped by
/// effective tip for block proposals.
///
/// Safe to use from several threads: admission decodes, checks and recovers
/// the sender before taking the lock, so RPC threads admit in parallel and
/// the block producer waits only for the short bookkeeping. Deterministic:
/// every order it produces is a total order on (price, arrival), senders or
/// nonces, never dictionary order.
public final class Mempool: Sendable {
    public let config: MempoolConfig
    private let state: Locked<PoolState>

    public init(config: MempoolConfig) {
        self.config = config
        state = Locked(PoolState(config: config))
    }

    /// Decodes and admits a transaction received as bytes (eth_sendRawTransaction,
    /// gossip). Returns its hash and where it went.
    @discardableResult
    public func admit(raw bytes: [UInt8], state view: MempoolStateView,
                      baseFee: UInt256) throws(MempoolError) -> (Hash32, AdmissionResult) {
        // Bound before decoding; the decoded envelope is exactly these bytes.
        guard bytes.count <= config.maxTransactionSize else {
            throw .oversized(size: bytes.count, limit: config.maxTransactionSize)
        }
        let signed: SignedTransaction
        do { signed = try SignedTransaction.decode(bytes) } catch { throw .invalidTransaction(error) }
        let cost = try config.checkStateless(signed, baseFee: baseFee)
        // Gossip brings the same transaction many times: skip the recovery.
        guard !contains(signed.hash) else { throw .alreadyKnown }
        let sender: Address
        do { sender = try signed.recoverSender() } catch {
            guard case .invalidSignature(let why) = error else { throw .invalidTransaction(error) }
            throw .invalidSender(why)
        }
        let result = try insert(signed, sender: sender, cost: cost, state: view, baseFee: baseFee)
        return (signed.hash, result)
    }

    /// Admits a transaction whose sender the caller has already recovered
    /// (for example in parallel when a block or batch arrives). Runs every
    /// check `admit` does except signature recovery; `sender` must be right.
    @discardableResult
    public func add(_ tx: SignedTransaction, sender: Address, state view: MempoolStateView,
                    baseFee: UInt256) throws(MempoolError) -> AdmissionResult {
        let cost = try config.checkStateless(tx, baseFee: baseFee)
        return try insert(tx, sender: sender, cost: cost, state: view, baseFee: baseFee)
    }

    private func insert(_ tx: SignedTransaction, sender: Address, cost: UInt256?, state view: MempoolStateView,
                        baseFee: UInt256) throws(MempoolError) -> AdmissionResult {
        // Read the head state outside the lock: the view may be a database.
        let nonce = view.nonce(of: sender)
        let balance = view.balance(of: sender)
        guard let cost else { throw .insufficientFunds(balance: balance, cost: nil) }
        let pooled = PooledTransaction(signed: tx, sender: sender, cost: cost)
        return try state.withLock { (s: inout PoolState) throws(MempoolError) in
            try s.insert(pooled, stateNonce: nonce, balance: balance, baseFee: baseFee)
        }
    }

    /// True when the pool holds a transaction with this hash.
    public func contains(_ hash: Hash32) -> Bool {
        state.withLock { $0.byHash[hash] != nil }
    }

    /// The pooled transaction with this hash, pending or queued.
    public func get(_ hash: Hash32) -> PooledTransaction? {
        state.withLock { $0.byHash[hash] }
    }

    /// The next nonce the sender should use: after its run of pooled
    /// transactions from the state nonce (eth_getTransactionCount "pending").
    public func pendingNonce(of sender: Address, state view: MempoolStateView) -> UInt64 {
        let stateNonce = view.nonce(of: sender)
        return state.withLock { $0.pendingNonce(of: sender, stateNonce: stateNonce) }
    }

    /// Executable transactions for the next block, best effective tip first
    /// across senders and in nonce order per sender, skipping senders whose
    /// next transaction cannot pay `baseFee` or no longer fits the remaining
    /// gas. Leaves the pool unchanged; `update` removes what was included.
    public func reap(maxGas: UInt64, baseFee: UInt256, maxCount: Int) -> [PooledTransaction] {
        state.withLock { $0.reap(maxGas: maxGas, baseFee: baseFee, maxCount: maxCount) }
    }

    /// Applies a committed block's state: drops every transaction whose nonce
    /// is below its sender's new nonce (included or replaced by another),
    /// drops what the new balance no longer covers (the first unaffordable
    /// transaction and every later nonce), and promotes queued transactions
    /// whose gap is now closed. Transactions whose fee cap is below `baseFee`
    /// stay pooled (the base fee can fall again); `reap` skips them.
    /// Returns the dropped hashes, senders in address order, nonces ascending.
    @discardableResult
    public func update(state view: MempoolStateView, baseFee: UInt256) -> [Hash32] {
        let senders = state.withLock { $0.senders.keys.sorted() }
        // Head state reads happen outside the lock; a sender admitted meanwhile
        // was checked against the same head at admission.
        let heads = senders.map { (sender: $0, nonce: view.nonce(of: $0), balance: view.balance(of: $0)) }
        return state.withLock { s in
            var dropped: [Hash32] = []
            for head in heads { dropped += s.rebase(head.sender, nonce: head.nonce, balance: head.balance) }
            return dropped
        }
    }

    /// Removes these transactions (unknown hashes are ignored); later nonces
    /// of their senders become queued behind the gap.
    public func remove(_ hashes: [Hash32]) {
        state.withLock { $0.remove(hashes) }
    }

    /// Pending, queued and byte totals.
    public var stats: MempoolStats { state.withLock { $0.stats } }

    /// Every pending transaction, senders in address order, nonces ascending.
    public func pendingTransactions() -> [PooledTransaction] {
        state.withLock { $0.transactions(pending: true) }
    }

    /// Every queued transaction, senders in address order, nonces ascending.
    public func queuedTransactions() -> [PooledTransaction] {
        state.withLock { $0.transactions(pending: false) }
    }
}
