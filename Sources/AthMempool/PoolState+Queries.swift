import AthPrimitives
import AthTypes

extension PoolState {
    /// Up to `maxCount` executable transactions whose gas limits fit in
    /// `maxGas` together, best effective tip first across senders and in
    /// nonce order within each. A heap holds each sender's next pending
    /// transaction; a sender whose next one cannot pay `baseFee` or does not
    /// fit the remaining gas is dropped for this block with everything after
    /// it, since later nonces cannot run without it.
    func reap(maxGas: UInt64, baseFee: UInt256, maxCount: Int) -> [PooledTransaction] {
        guard maxCount > 0 else { return [] }
        var heads: [Head] = []
        for queue in senders.values where queue.pendingCount > 0 {
            if let head = Head(queue.txs, pendingCount: queue.pendingCount, index: 0, baseFee: baseFee) {
                heads.append(head)
            }
        }
        // Highest tip first; ties go to the earlier arrival (a total order).
        var heap = PriorityHeap(heads) { a, b in a.tip != b.tip ? a.tip > b.tip : a.arrival < b.arrival }
        var picked: [PooledTransaction] = []
        var gasLeft = maxGas
        while gasLeft >= TransactionGas.base, let head = heap.pop() {
            let tx = head.txs[head.index]
            guard tx.gasLimit <= gasLeft else { continue }
            picked.append(tx)
            gasLeft -= tx.gasLimit
            if picked.count == maxCount { break }
            if let next = Head(head.txs, pendingCount: head.pendingCount, index: head.index + 1, baseFee: baseFee) {
                heap.push(next)
            }
        }
        return picked
    }

    /// Every sender's pending (or queued) transactions, senders in address
    /// order and nonces ascending.
    func transactions(pending wantPending: Bool) -> [PooledTransaction] {
        var out: [PooledTransaction] = []
        for sender in senders.keys.sorted() {
            guard let queue = senders[sender] else { continue }
            out += wantPending ? queue.txs[..<queue.pendingCount] : queue.txs[queue.pendingCount...]
        }
        return out
    }

    /// The nonce after the sender's run of pooled transactions that starts
    /// at `stateNonce`; `stateNonce` itself when there is none.
    func pendingNonce(of sender: Address, stateNonce: UInt64) -> UInt64 {
        guard let queue = senders[sender] else { return stateNonce }
        var next = stateNonce
        var i = queue.position(of: next).index
        // Pooled nonces are below UInt64.max (EIP-2681), so `next` cannot overflow.
        while i < queue.txs.count, queue.txs[i].nonce == next { next += 1; i += 1 }
        return next
    }

    /// Removes the given transactions; later nonces of their senders become
    /// queued behind the gap. Unknown hashes are ignored.
    mutating func remove(_ hashes: [Hash32]) {
        for hash in hashes {
            guard let tx = byHash[hash] else { continue }
            modify(tx.sender, base: 0) { q in
                let (index, found) = q.position(of: tx.nonce)
                return ((), found ? [q.remove(at: index)] : [])
            }
        }
    }

    /// Applies the new head state of `sender`: drops nonces below it and what
    /// the balance no longer covers. Returns the dropped hashes.
    mutating func rebase(_ sender: Address, nonce: UInt64, balance: UInt256) -> [Hash32] {
        guard senders[sender] != nil else { return [] }
        return modify(sender, base: nonce) { q in
            let dropped = q.rebase(to: nonce, balance: balance)
            return (dropped.map(\.hash), dropped)
        }
    }
}

/// One sender's next candidate during reaping.
struct Head {
    let txs: [PooledTransaction]
    let pendingCount: Int
    let index: Int
    let tip: UInt256
    let arrival: UInt64

    /// Nil when the sender has no further pending transaction or it cannot pay `baseFee`.
    init?(_ txs: [PooledTransaction], pendingCount: Int, index: Int, baseFee: UInt256) {
        guard index < pendingCount, let tip = txs[index].effectiveTip(baseFee: baseFee) else { return nil }
        self.txs = txs; self.pendingCount = pendingCount; self.index = index
        self.tip = tip; arrival = txs[index].arrival
    }
}
