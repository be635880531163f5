import AthCrypto
import AthMempool
import AthPrimitives
import AthTypes
import Testing

/// Count, byte and per-sender limits, and eviction when full.
@Suite struct LimitsTests {
    let a = key(1), b = key(2), c = key(3), d = key(4)

    @Test func fullPoolEvictsTheCheapestTailOfAnotherSender() throws {
        let pool = Mempool(config: config(maxTransactions: 3))
        let a0 = transfer(a, nonce: 0, tip: 1, fee: 100), a1 = transfer(a, nonce: 1, tip: 9, fee: 100)
        let b0 = transfer(b, nonce: 0, tip: 5, fee: 100)
        for tx in [a0, a1, b0] { try pool.admit(tx) }

        // a0 pays least, but evicting it would strand a1: tails are a1 (9) and b0 (5).
        let c0 = transfer(c, nonce: 0, tip: 6, fee: 100)
        #expect(try pool.admit(c0) == .pending)
        #expect(!pool.contains(b0.hash) && pool.contains(a0.hash) && pool.contains(a1.hash))

        // Tails now a1 (9) and c0 (6): 10 evicts c0 first...
        let d0 = transfer(d, nonce: 0, tip: 10, fee: 100)
        try pool.admit(d0)
        #expect(!pool.contains(c0.hash))
        // ...and 11 evicts a1, leaving a0 pending without a gap.
        let b0again = transfer(b, nonce: 0, tip: 11, fee: 100)
        try pool.admit(b0again)
        #expect(!pool.contains(a1.hash) && pool.contains(a0.hash))
        #expect(pool.stats == MempoolStats(pending: 3, queued: 0, bytes: pool.stats.bytes))
    }

    @Test func evictionNeedsAStrictlyHigherPrice() throws {
        let pool = Mempool(config: config(maxTransactions: 2))
        try pool.admit(transfer(a, nonce: 0, tip: 5, fee: 100))
        try pool.admit(transfer(b, nonce: 0, tip: 5, fee: 100))
        #expect(pool.refusal(transfer(c, nonce: 0, tip: 5, fee: 100)) == .poolFull)
        #expect(try pool.admit(transfer(c, nonce: 0, tip: 6, fee: 100)) == .pending)
        #expect(pool.stats.count == 2)
    }

    @Test func priceIsTheEffectiveTipAtTheCurrentBaseFee() throws {
        let pool = Mempool(config: config(maxTransactions: 2))
        let lowCap = transfer(a, nonce: 0, tip: 50, fee: 60)   // at base fee 55: effective 5
        let highCap = transfer(b, nonce: 0, tip: 8, fee: 1_000)
        try pool.admit(lowCap)
        try pool.admit(highCap)
        try pool.admit(transfer(c, nonce: 0, tip: 6, fee: 1_000), baseFee: UInt256(55))
        #expect(!pool.contains(lowCap.hash) && pool.contains(highCap.hash))
    }

    @Test func aSenderCannotEvictItself() throws {
        let pool = Mempool(config: config(maxTransactions: 2))
        try pool.admit(transfer(a, nonce: 0, tip: 1, fee: 100))
        try pool.admit(transfer(a, nonce: 1, tip: 1, fee: 100))
        #expect(pool.refusal(transfer(a, nonce: 2, tip: 90, fee: 100)) == .poolFull)
    }

    @Test func aQueuedTransactionCannotEvictAPendingOne() throws {
        let pool = Mempool(config: config(maxTransactions: 2))
        let a0 = transfer(a, nonce: 0, tip: 1, fee: 100)
        let b5 = transfer(b, nonce: 5, tip: 1, fee: 100)
        try pool.admit(a0)
        try pool.admit(b5)
        // A future nonce may push out the queued b5, but never the pending a0.
        let c7 = transfer(c, nonce: 7, tip: 50, fee: 100)
        #expect(try pool.admit(c7) == .queued)
        #expect(!pool.contains(b5.hash) && pool.contains(a0.hash))
        #expect(pool.refusal(transfer(d, nonce: 3, tip: 60, fee: 100)) == nil)  // evicts c7 (queued)
        // Now only a0 belongs to another sender, and it is pending.
        #expect(pool.refusal(transfer(d, nonce: 4, tip: 99, fee: 100)) == .poolFull)
        #expect(pool.contains(a0.hash))
        // A pending newcomer may evict it.
        #expect(try pool.admit(transfer(c, nonce: 0, tip: 2, fee: 100)) == .pending)
        #expect(!pool.contains(a0.hash))
    }

    @Test func perSenderSlotsAreLimited() throws {
        let pool = Mempool(config: config(maxPerSender: 4))
        for n in [0, 1, 2, 9] as [UInt64] { try pool.admit(transfer(a, nonce: n, tip: 1, fee: 100)) }
        // Refused as the sender's limit, not as a full pool (the pool holds 4 of 8,192).
        let limit = MempoolError.senderLimit(sender: a.address, limit: 4)
        #expect(pool.refusal(transfer(a, nonce: 3, tip: 1, fee: 100)) == limit)
        #expect(pool.refusal(transfer(a, nonce: 4, tip: 1, fee: 100)) == limit)
        #expect(limit.description == "account limit exceeded: \(a.address) already has 4 transactions in the pool")
        // A replacement needs no new slot; other senders are unaffected.
        #expect(try pool.admit(transfer(a, nonce: 9, tip: 2, fee: 200)) == .replaced(transfer(a, nonce: 9, tip: 1, fee: 100).hash, pending: false))
        #expect(try pool.admit(transfer(b, nonce: 0, tip: 1, fee: 100)) == .pending)
    }

    @Test func byteLimitEvictsAsManyAsNeeded() throws {
        let small = transfer(a, nonce: 0, tip: 1, fee: 100).encoded.count
        let pool = Mempool(config: config(maxBytes: small * 3))
        let a0 = transfer(a, nonce: 0, tip: 1, fee: 100), a1 = transfer(a, nonce: 1, tip: 2, fee: 100)
        let b0 = transfer(b, nonce: 0, tip: 3, fee: 100)
        for tx in [a0, a1, b0] { try pool.admit(tx) }
        #expect(pool.stats.bytes == small * 3)

        // About two small ones' worth: evicts a1 then a0 (cheapest tails), keeps b0.
        let data = [UInt8](repeating: 0, count: small - 10)
        let bulky = transfer(c, nonce: 0, tip: 4, fee: 100, gas: 30_000, data: data)
        #expect(bulky.encoded.count > small && bulky.encoded.count <= small * 2)
        #expect(try pool.admit(bulky) == .pending)
        #expect(!pool.contains(a0.hash) && !pool.contains(a1.hash) && pool.contains(b0.hash))
        #expect(pool.stats.bytes == small + bulky.encoded.count)
        #expect(pool.stats.bytes <= small * 3)
    }

    @Test func refusedEvictionChangesNothing() throws {
        let small = transfer(a, nonce: 0, tip: 1, fee: 100).encoded.count
        let pool = Mempool(config: config(maxBytes: small * 2))
        let a0 = transfer(a, nonce: 0, tip: 1, fee: 100), b0 = transfer(b, nonce: 0, tip: 9, fee: 100)
        try pool.admit(a0)
        try pool.admit(b0)
        // Needs both gone, but b0 pays more than it: nothing is evicted.
        let bulky = transfer(c, nonce: 0, tip: 5, fee: 100, gas: 30_000, data: [UInt8](repeating: 0, count: small - 10))
        #expect(bulky.encoded.count > small && bulky.encoded.count <= small * 2)
        #expect(pool.refusal(bulky) == .poolFull)
        #expect(pool.contains(a0.hash) && pool.contains(b0.hash))
        // Larger than the whole pool can ever hold.
        let huge = transfer(c, nonce: 0, tip: 99, fee: 100, gas: 100_000, data: [UInt8](repeating: 0, count: small * 3))
        #expect(pool.refusal(huge) == .poolFull)
        #expect(pool.stats.count == 2)
    }
}
