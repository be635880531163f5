import AthCrypto
import AthMempool
import AthPrimitives
import AthTypes
import Testing

/// Block building: price across senders, nonce order within one, gas and base fee.
@Suite struct ReapTests {
    let a = key(1), b = key(2), c = key(3)

    func hashes(_ txs: [PooledTransaction]) -> [Hash32] { txs.map(\.hash) }

    @Test func ordersByTipAcrossSendersAndNonceWithinOne() throws {
        let pool = Mempool(config: config())
        let a0 = transfer(a, nonce: 0, tip: 20, fee: 1_000), a1 = transfer(a, nonce: 1, tip: 1, fee: 1_000)
        let a2 = transfer(a, nonce: 2, tip: 50, fee: 1_000)
        let b0 = transfer(b, nonce: 0, tip: 10, fee: 1_000), b1 = transfer(b, nonce: 1, tip: 30, fee: 1_000)
        let c0 = transfer(c, nonce: 0, tip: 5, fee: 1_000)
        for tx in [a2, a1, c0, b1, a0, b0] { try pool.admit(tx) }  // arrival order must not matter
        let picked = hashes(pool.reap(maxGas: 1_000_000, baseFee: .zero, maxCount: 100))
        // a0(20) > b0(10); then b1(30) is b's head; then c0(5) vs a1(1): c0; then a1, a2.
        #expect(picked == [a0.hash, b0.hash, b1.hash, c0.hash, a1.hash, a2.hash])
        #expect(pool.stats.pending == 6)  // reaping leaves the pool unchanged
    }

    @Test func equalTipsGoInArrivalOrder() throws {
        let pool = Mempool(config: config())
        let txs = [c, a, b].map { transfer($0, nonce: 0, tip: 7, fee: 100) }
        for tx in txs { try pool.admit(tx) }
        #expect(hashes(pool.reap(maxGas: 1_000_000, baseFee: .zero, maxCount: 10)) == txs.map(\.hash))
    }

    @Test func tipIsCappedByFeeMinusBaseFee() throws {
        let pool = Mempool(config: config())
        let cheapCap = transfer(a, nonce: 0, tip: 10, fee: 100)   // effective min(10, 100 - base)
        let highCap = transfer(b, nonce: 0, tip: 5, fee: 200)
        try pool.admit(cheapCap)
        try pool.admit(highCap)
        #expect(hashes(pool.reap(maxGas: 100_000, baseFee: UInt256(90), maxCount: 10)) == [cheapCap.hash, highCap.hash])
        #expect(hashes(pool.reap(maxGas: 100_000, baseFee: UInt256(98), maxCount: 10)) == [highCap.hash, cheapCap.hash])
    }

    @Test func feeCapBelowBaseFeeSkipsTheSenderFromThere() throws {
        let pool = Mempool(config: config())
        let a0 = transfer(a, nonce: 0, tip: 1, fee: 500), a1 = transfer(a, nonce: 1, tip: 1, fee: 100)
        let a2 = transfer(a, nonce: 2, tip: 1, fee: 500)
        let b0 = transfer(b, nonce: 0, tip: 1, fee: 300)
        for tx in [a0, a1, a2, b0] { try pool.admit(tx) }
        #expect(hashes(pool.reap(maxGas: 1_000_000, baseFee: UInt256(200), maxCount: 10)) == [a0.hash, b0.hash])
    }

    @Test func gasBudgetSkipsWhatDoesNotFitAndKeepsGoing() throws {
        let pool = Mempool(config: config())
        let big = transfer(a, nonce: 0, tip: 9, fee: 100, gas: 30_000)
        let tooBig = transfer(b, nonce: 0, tip: 8, fee: 100, gas: 40_000)
        let afterTooBig = transfer(b, nonce: 1, tip: 50, fee: 100, gas: 21_000)
        let small = transfer(c, nonce: 0, tip: 7, fee: 100, gas: 21_000)
        for tx in [big, tooBig, afterTooBig, small] { try pool.admit(tx) }
        let picked = pool.reap(maxGas: 60_000, baseFee: .zero, maxCount: 10)
        #expect(hashes(picked) == [big.hash, small.hash])
        #expect(picked.reduce(0) { $0 + $1.gasLimit } <= 60_000)
    }

    @Test func maxCountAndTinyBudgetsStopEarly() throws {
        let pool = Mempool(config: config())
        for n in 0..<5 { try pool.admit(transfer(a, nonce: UInt64(n), tip: 1, fee: 10)) }
        #expect(pool.reap(maxGas: 1_000_000, baseFee: .zero, maxCount: 3).map(\.nonce) == [0, 1, 2])
        #expect(pool.reap(maxGas: 1_000_000, baseFee: .zero, maxCount: 0).isEmpty)
        #expect(pool.reap(maxGas: 20_999, baseFee: .zero, maxCount: 10).isEmpty)
        #expect(pool.reap(maxGas: 42_000, baseFee: .zero, maxCount: 10).count == 2)
    }

    @Test func queuedTransactionsAreNeverReaped() throws {
        let pool = Mempool(config: config())
        try pool.admit(transfer(a, nonce: 1, tip: 100, fee: 1_000))
        let b0 = transfer(b, nonce: 0, tip: 1, fee: 1_000)
        try pool.admit(b0)
        #expect(hashes(pool.reap(maxGas: 1_000_000, baseFee: .zero, maxCount: 10)) == [b0.hash])
    }
}
