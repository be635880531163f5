import AthPrimitives

/// One sender's pooled transactions in ascending nonce order, with the
/// split between pending (the contiguous run from `base`) and queued.
/// Invariant: every nonce is ≥ `base`, nonces are unique.
struct SenderQueue {
    /// The sender's state nonce as of the last update (or the first admission).
    private(set) var base: UInt64
    private(set) var txs: [PooledTransaction] = []
    /// How many of `txs` (a prefix) are executable in order.
    private(set) var pendingCount = 0
    private(set) var bytes = 0

    init(base: UInt64) { self.base = base }

    var isEmpty: Bool { txs.isEmpty }
    var queuedCount: Int { txs.count - pendingCount }

    /// Position of `nonce`: its index if present, else where it would go.
    func position(of nonce: UInt64) -> (index: Int, found: Bool) {
        var lo = 0, hi = txs.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if txs[mid].nonce < nonce { lo = mid + 1 } else { hi = mid }
        }
        return (lo, lo < txs.count && txs[lo].nonce == nonce)
    }

    /// Sum of the costs of every transaction except the one at `skipping`;
    /// nil when it overflows 256 bits.
    func totalCost(skipping: Int? = nil) -> UInt256? {
        var total = UInt256.zero
        for (i, tx) in txs.enumerated() where i != skipping {
            let (sum, overflow) = total.addingReportingOverflow(tx.cost)
            if overflow { return nil }
            total = sum
        }
        return total
    }

    /// Puts `tx` at `index` (from `position`), replacing when `found`.
    /// Returns the replaced transaction.
    mutating func put(_ tx: PooledTransaction, at index: Int, replacing found: Bool) -> PooledTransaction? {
        var old: PooledTransaction?
        if found {
            old = txs[index]
            bytes -= txs[index].size
            txs[index] = tx
        } else {
            txs.insert(tx, at: index)
        }
        bytes += tx.size
        recount()
        return old
    }

    /// Removes and returns the highest-nonce transaction.
    mutating func removeLast() -> PooledTransaction {
        let tx = txs.removeLast()
        bytes -= tx.size
        recount()
        return tx
    }

    /// Removes the transaction at `index` (later ones fall behind a gap).
    mutating func remove(at index: Int) -> PooledTransaction {
        let tx = txs.remove(at: index)
        bytes -= tx.size
        recount()
        return tx
    }

    /// Moves the base to a new state nonce, dropping every transaction below
    /// it (included or made stale), then drops the first transaction whose
    /// cumulative cost exceeds `balance` and everything after it. Returns the
    /// dropped transactions in nonce order.
    mutating func rebase(to nonce: UInt64, balance: UInt256) -> [PooledTransaction] {
        base = nonce
        let firstKept = position(of: nonce).index
        var dropped = Array(txs[..<firstKept])
        txs.removeFirst(firstKept)
        var total = UInt256.zero
        var affordable = txs.count
        for (i, tx) in txs.enumerated() {
            let (sum, overflow) = total.addingReportingOverflow(tx.cost)
            if overflow || sum > balance { affordable = i; break }
            total = sum
        }
        dropped += txs[affordable...]
        txs.removeSubrange(affordable...)
        bytes = txs.reduce(0) { $0 + $1.size }
        recount()
        return dropped
    }

    private mutating func recount() {
        var n = 0
        var expected = base
        while n < txs.count, txs[n].nonce == expected {
            n += 1
            // A pooled nonce is below UInt64.max (EIP-2681), so this cannot overflow.
            expected += 1
        }
        pendingCount = n
    }
}
