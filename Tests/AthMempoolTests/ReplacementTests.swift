import AthCrypto
import AthMempool
import AthPrimitives
import AthTypes
import Testing

/// Same sender and nonce: the new one must raise both fees by the bump.
@Suite struct ReplacementTests {
    let alice = key(1)

    func poolWithOriginal(nonce: UInt64 = 0) throws -> (Mempool, SignedTransaction) {
        let pool = Mempool(config: config())
        let old = transfer(alice, nonce: nonce, tip: 100, fee: 1_000)
        try pool.admit(old)
        return (pool, old)
    }

    @Test func exactlyTenPercentOnBothFeesReplaces() throws {
        let (pool, old) = try poolWithOriginal()
        let new = transfer(alice, nonce: 0, tip: 110, fee: 1_100)
        #expect(try pool.admit(new) == .replaced(old.hash, pending: true))
        #expect(!pool.contains(old.hash) && pool.contains(new.hash))
        #expect(pool.stats == MempoolStats(pending: 1, queued: 0, bytes: new.encoded.count))
    }

    @Test func ninePercentOnEitherFeeIsRefused() throws {
        let (pool, old) = try poolWithOriginal()
        #expect(pool.refusal(transfer(alice, nonce: 0, tip: 109, fee: 1_100)) == .replacementUnderpriced)
        #expect(pool.refusal(transfer(alice, nonce: 0, tip: 110, fee: 1_099)) == .replacementUnderpriced)
        #expect(pool.refusal(transfer(alice, nonce: 0, tip: 109, fee: 1_099)) == .replacementUnderpriced)
        #expect(pool.contains(old.hash) && pool.stats.count == 1)
    }

    @Test func queuedTransactionIsReplacedInPlace() throws {
        let (pool, old) = try poolWithOriginal(nonce: 3)
        #expect(try pool.admit(transfer(alice, nonce: 3, tip: 200, fee: 2_000)) == .replaced(old.hash, pending: false))
        #expect(pool.stats.queued == 1 && pool.stats.pending == 0)
    }

    @Test func roundingFollowsGeth() throws {
        // 15 × 110 / 100 = 16.5 → 16 (integer division, as geth).
        let pool = Mempool(config: config())
        try pool.admit(transfer(alice, nonce: 0, tip: 15, fee: 15))
        #expect(try pool.admit(transfer(alice, nonce: 0, tip: 16, fee: 16)).isPending)
        // 5 × 110 / 100 = 5: the new fees must still rise (geth's strict check).
        try pool.admit(transfer(alice, nonce: 1, tip: 5, fee: 5))
        #expect(pool.refusal(transfer(alice, nonce: 1, tip: 5, fee: 5, value: UInt256(1))) == .replacementUnderpriced)
        #expect(try pool.admit(transfer(alice, nonce: 1, tip: 6, fee: 6)).isPending)
    }

    @Test func zeroFeesNeedARaise() throws {
        let pool = Mempool(config: config())
        try pool.admit(transfer(alice, nonce: 0, tip: 0, fee: 0))
        #expect(pool.refusal(transfer(alice, nonce: 0, tip: 0, fee: 0, value: UInt256(1))) == .replacementUnderpriced)
        #expect(try pool.admit(transfer(alice, nonce: 0, tip: 1, fee: 1)).isPending)
    }

    @Test func hugeFeesAndBumpsDoNotTrap() throws {
        let sign = { (nonce: UInt64, fee: UInt256) in
            Transaction.dynamicFee(chainID: chainID, nonce: nonce, maxPriorityFeePerGas: fee, maxFeePerGas: fee,
                                   gasLimit: 21_000, to: recipient, value: .zero).signed(with: self.alice)
        }
        let state = FakeState(defaultBalance: .max)
        let pool = Mempool(config: config())
        let big = UInt256.max / UInt256(21_000) / UInt256(4)
        try pool.admit(sign(0, big), state)
        #expect(pool.refusal(sign(0, big &+ big / UInt256(10) &- .one), state) == .replacementUnderpriced)
        #expect(try pool.admit(sign(0, big &+ big / UInt256(10)), state).isPending)

        // A 2^64 − 1 percent bump: the threshold is 100 + (2^64 − 1), computed without overflow.
        var steep = config()
        steep.priceBumpPercent = .max
        let steepPool = Mempool(config: steep)
        try steepPool.admit(sign(0, UInt256(100)), state)
        let threshold = UInt256(100) &+ UInt256(UInt64.max)
        #expect(steepPool.refusal(sign(0, threshold &- .one), state) == .replacementUnderpriced)
        #expect(try steepPool.admit(sign(0, threshold), state).isPending)
    }
}
