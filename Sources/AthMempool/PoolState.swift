import AthPrimitives

/// The pool's contents: a synchronous value type, guarded by `Mempool`'s
/// lock. Nothing here reads state or the clock; callers pass the sender's
/// state nonce and balance in.
struct PoolState {
    let config: MempoolConfig
    private(set) var senders: [Address: SenderQueue] = [:]
    private(set) var byHash: [Hash32: PooledTransaction] = [:]
    private(set) var pending = 0
    private(set) var queued = 0
    private(set) var bytes = 0
    private var nextArrival: UInt64 = 0

    init(config: MempoolConfig) { self.config = config }

    var stats: MempoolStats { MempoolStats(pending: pending, queued: queued, bytes: bytes) }

    /// Runs `body` on the sender's queue (a new one at `base` if absent),
    /// keeping the totals and the hash index in step, and drops the queue
    /// when it ends up empty.
    mutating func modify<R>(_ sender: Address, base: UInt64,
                            _ body: (inout SenderQueue) -> (result: R, removed: [PooledTransaction])) -> R {
        var queue = senders.removeValue(forKey: sender) ?? SenderQueue(base: base)
        pending -= queue.pendingCount; queued -= queue.queuedCount; bytes -= queue.bytes
        let (result, removed) = body(&queue)
        for tx in removed { byHash[tx.hash] = nil }
        pending += queue.pendingCount; queued += queue.queuedCount; bytes += queue.bytes
        if !queue.isEmpty { senders[sender] = queue }
        return result
    }

    /// Admits `tx` from its sender, whose head state is (`stateNonce`,
    /// `balance`): nonce, replacement, funds, per-sender slots, then
    /// room (evicting cheaper transactions of other senders if needed).
    /// Changes nothing when it throws.
    mutating func insert(_ tx: PooledTransaction, stateNonce: UInt64, balance: UInt256,
                         baseFee: UInt256) throws(MempoolError) -> AdmissionResult {
        guard byHash[tx.hash] == nil else { throw .alreadyKnown }
        let existing = senders[tx.sender]
        // A queue's base is never behind the state the pool was last updated with.
        let floor = Swift.max(stateNonce, existing?.base ?? stateNonce)
        guard tx.nonce >= floor else { throw .nonceTooLow(got: tx.nonce, expected: floor) }
        let queue = existing ?? SenderQueue(base: stateNonce)
        let (index, found) = queue.position(of: tx.nonce)
        let old: PooledTransaction? = found ? queue.txs[index] : nil
        if let old {
            guard canReplace(old, with: tx) else { throw .replacementUnderpriced }
        } else if queue.txs.count >= config.maxPerSender {
            throw .senderLimit(sender: tx.sender, limit: config.maxPerSender)
        }
        try checkFunds(tx, queue: queue, replacing: found ? index : nil, balance: balance)

        // Pending if it replaces a pending one or extends the contiguous run.
        let willBePending = found ? index < queue.pendingCount
                                  : index == queue.pendingCount && tx.nonce == queue.base &+ UInt64(index)
        let victims = try evictionPlan(for: tx, addedCount: found ? 0 : 1,
                                       addedBytes: tx.size - (old?.size ?? 0),
                                       pending: willBePending, baseFee: baseFee)
        for victim in victims {
            modify(victim.sender, base: 0) { q in let v = q.removeLast(); return ((), [v]) }
        }
        var entry = tx
        entry.arrival = nextArrival
        nextArrival &+= 1  // 2^64 admissions do not happen; wrapping would only reorder ties.
        byHash[entry.hash] = entry
        let isPending = modify(tx.sender, base: stateNonce) { q in
            let replaced = q.put(entry, at: index, replacing: found)
            return (index < q.pendingCount, replaced.map { [$0] } ?? [])
        }
        if let old { return .replaced(old.hash, pending: isPending) }
        return isPending ? .pending : .queued
    }

    /// geth's rule: both fee cap and tip must rise strictly and reach
    /// old × (100 + bump) / 100, so a zero-fee transaction cannot be
    /// replaced for free again and again.
    func canReplace(_ old: PooledTransaction, with new: PooledTransaction) -> Bool {
        guard new.maxFeePerGas > old.maxFeePerGas, new.maxPriorityFeePerGas > old.maxPriorityFeePerGas,
              let feeFloor = bumped(old.maxFeePerGas), let tipFloor = bumped(old.maxPriorityFeePerGas)
        else { return false }
        return new.maxFeePerGas >= feeFloor && new.maxPriorityFeePerGas >= tipFloor
    }

    /// floor(x × (100 + bump) / 100) without a 512-bit product:
    /// x + (x / 100) × bump + (x % 100) × bump / 100. Nil past 2^256.
    func bumped(_ x: UInt256) -> UInt256? {
        let bump = UInt256(config.priceBumpPercent)
        let (q, r) = x.quotientAndRemainder(dividingBy: UInt256(100))
        let whole = q.multipliedReportingOverflow(by: bump)
        if whole.overflow { return nil }
        let part = (r &* bump) / UInt256(100)  // r < 100 and bump < 2^64: no overflow.
        let (a, o1) = x.addingReportingOverflow(whole.partialValue)
        let (b, o2) = a.addingReportingOverflow(part)
        return o1 || o2 ? nil : b
    }

    /// The sender must afford this transaction together with every other one
    /// it has pooled (geth's overdraft rule), except the one being replaced.
    private func checkFunds(_ tx: PooledTransaction, queue: SenderQueue, replacing: Int?,
                            balance: UInt256) throws(MempoolError) {
        guard let others = queue.totalCost(skipping: replacing) else {
            throw .insufficientFunds(balance: balance, cost: nil)
        }
        let (total, overflow) = others.addingReportingOverflow(tx.cost)
        if overflow { throw .insufficientFunds(balance: balance, cost: nil) }
        guard total <= balance else { throw .insufficientFunds(balance: balance, cost: total) }
    }
}
