import AthPrimitives

extension PoolState {
    /// Which transactions to evict so that `tx` fits the count and byte
    /// limits; empty when it fits already. Only the tail (highest nonce) of
    /// another sender's queue is a candidate, so eviction never opens a
    /// nonce gap; the cheapest tail at `baseFee` goes first (the later
    /// arrival on a tie), and each must pay strictly less than `tx`. A
    /// transaction that would only be queued may evict only queued ones, so
    /// future-nonce spam cannot push out executable transactions.
    /// Throws "txpool is full" when no such set frees enough room.
    func evictionPlan(for tx: PooledTransaction, addedCount: Int, addedBytes: Int, pending: Bool,
                      baseFee: UInt256) throws(MempoolError) -> [PooledTransaction] {
        var needCount = byHash.count + addedCount - config.maxTransactions
        var needBytes = bytes + addedBytes - config.maxBytes
        guard needCount > 0 || needBytes > 0 else { return [] }

        let newPrice = tx.price(baseFee: baseFee)
        var tails: [Tail] = []
        tails.reserveCapacity(senders.count)
        for (sender, queue) in senders where sender != tx.sender {
            if let tail = Tail(queue.txs, pendingCount: queue.pendingCount, index: queue.txs.count - 1,
                               pendingAllowed: pending, baseFee: baseFee) {
                tails.append(tail)
            }
        }
        // Cheapest first; among equals the later arrival. A total order, so
        // the plan does not depend on dictionary iteration order.
        var heap = PriorityHeap(tails) { a, b in
            a.price != b.price ? a.price < b.price : a.arrival > b.arrival
        }
        var victims: [PooledTransaction] = []
        while needCount > 0 || needBytes > 0 {
            guard let tail = heap.pop(), tail.price < newPrice else { throw .poolFull }
            let victim = tail.txs[tail.index]
            victims.append(victim)
            needCount -= 1
            needBytes -= victim.size
            if let next = Tail(tail.txs, pendingCount: tail.pendingCount, index: tail.index - 1,
                               pendingAllowed: pending, baseFee: baseFee) {
                heap.push(next)
            }
        }
        return victims
    }
}

/// One sender's current eviction candidate during planning.
struct Tail {
    let txs: [PooledTransaction]
    let pendingCount: Int
    let index: Int
    let price: PriceKey
    let arrival: UInt64

    /// Nil when the sender has nothing left that may be evicted.
    init?(_ txs: [PooledTransaction], pendingCount: Int, index: Int, pendingAllowed: Bool, baseFee: UInt256) {
        guard index >= 0, pendingAllowed || index >= pendingCount else { return nil }
        self.txs = txs; self.pendingCount = pendingCount; self.index = index
        price = txs[index].price(baseFee: baseFee)
        arrival = txs[index].arrival
    }
}
