import AthCrypto
import AthMempool
import AthPrimitives
import AthTypes
import Testing

/// Pending runs, queued gaps, promotion, and what a committed block does.
@Suite struct NonceQueueTests {
    let alice = key(1)
    let bob = key(2)

    @Test func gapQueuesAndFillingItPromotes() throws {
        let pool = Mempool(config: config())
        let state = FakeState(nonces: [alice.address: 4])
        #expect(try pool.admit(transfer(alice, nonce: 4, tip: 1, fee: 10), state) == .pending)
        #expect(try pool.admit(transfer(alice, nonce: 6, tip: 1, fee: 10), state) == .queued)
        #expect(try pool.admit(transfer(alice, nonce: 7, tip: 1, fee: 10), state) == .queued)
        #expect(pool.stats == MempoolStats(pending: 1, queued: 2, bytes: pool.stats.bytes))
        #expect(pool.pendingNonce(of: alice.address, state: state) == 5)

        #expect(try pool.admit(transfer(alice, nonce: 5, tip: 1, fee: 10), state) == .pending)
        #expect(pool.stats.pending == 4 && pool.stats.queued == 0)
        #expect(pool.pendingNonce(of: alice.address, state: state) == 8)
        let nonces = pool.pendingTransactions().map(\.nonce)
        #expect(nonces == [4, 5, 6, 7])
    }

    @Test func firstNonceAboveStateIsQueued() throws {
        let pool = Mempool(config: config())
        #expect(try pool.admit(transfer(alice, nonce: 1, tip: 1, fee: 10)) == .queued)
        #expect(pool.pendingNonce(of: alice.address, state: FakeState()) == 0)
        #expect(pool.queuedTransactions().map(\.nonce) == [1])
        #expect(pool.pendingTransactions().isEmpty)
    }

    @Test func senderIsRecoveredOnceAndCached() throws {
        let pool = Mempool(config: config())
        let tx = transfer(alice, nonce: 0, tip: 3, fee: 10, value: UInt256(7))
        let (hash, result) = try pool.admit(raw: tx.encoded, state: FakeState(), baseFee: .zero)
        #expect(hash == tx.hash && result == .pending)
        let pooled = try #require(pool.get(hash))
        #expect(pooled.sender == alice.address)
        #expect(pooled.signed == tx)
        #expect(pooled.cost == UInt256(21_000 * 10 + 7))
        #expect(pool.contains(hash))
        #expect(!pool.contains(transfer(alice, nonce: 1, tip: 3, fee: 10).hash))
    }

    @Test func addTrustsTheGivenSender() throws {
        let pool = Mempool(config: config())
        let tx = transfer(alice, nonce: 0, tip: 1, fee: 10)
        #expect(try pool.add(tx, sender: alice.address, state: FakeState(), baseFee: .zero) == .pending)
        #expect(pool.get(tx.hash)?.sender == alice.address)
        #expect(throws: MempoolError.tipAboveFeeCap(tip: UInt256(11), maxFee: UInt256(10))) {
            try pool.add(transfer(alice, nonce: 1, tip: 11, fee: 10), sender: alice.address, state: FakeState(), baseFee: .zero)
        }
    }

    @Test func updateDropsIncludedAndPromotesQueued() throws {
        let pool = Mempool(config: config())
        let txs = (0..<5).map { transfer(alice, nonce: $0, tip: 1, fee: 10) }
        try pool.admit(txs[0])
        try pool.admit(txs[3])
        try pool.admit(txs[4])
        let bobTx = transfer(bob, nonce: 0, tip: 1, fee: 10)
        try pool.admit(bobTx)
        #expect(pool.stats.pending == 2 && pool.stats.queued == 2)

        // A block included alice's 0, 1 and 2 (1 and 2 came from elsewhere).
        let after = FakeState(nonces: [alice.address: 3])
        let dropped = pool.update(state: after, baseFee: UInt256(5))
        #expect(dropped == [txs[0].hash])
        #expect(pool.stats.pending == 3 && pool.stats.queued == 0)
        #expect(!pool.contains(txs[0].hash))
        #expect(pool.pendingNonce(of: alice.address, state: after) == 5)
        #expect(pool.refusal(txs[1], after) == .nonceTooLow(got: 1, expected: 3))
    }

    @Test func updateDropsWhatTheBalanceNoLongerCovers() throws {
        let pool = Mempool(config: config())
        let txs = (0..<4).map { transfer(alice, nonce: $0, tip: 1, fee: 10) }
        for tx in txs { try pool.admit(tx) }
        // Enough for two transfers and a half.
        let poorer = FakeState(balances: [alice.address: UInt256(21_000 * 10 * 5 / 2)])
        let dropped = pool.update(state: poorer, baseFee: .zero)
        #expect(dropped == [txs[2].hash, txs[3].hash])
        #expect(pool.pendingTransactions().map(\.hash) == [txs[0].hash, txs[1].hash])
        #expect(pool.stats.queued == 0)
    }

    @Test func updateReportsDroppedHashesInSenderThenNonceOrder() throws {
        let pool = Mempool(config: config())
        let keys = [key(7), key(3), key(9)]
        for k in keys { for n in 0..<2 { try pool.admit(transfer(k, nonce: UInt64(n), tip: 1, fee: 10)) } }
        var nonces: [Address: UInt64] = [:]
        for k in keys { nonces[k.address] = 2 }
        let dropped = pool.update(state: FakeState(nonces: nonces), baseFee: .zero)
        let expected = keys.sorted { $0.address < $1.address }.flatMap { k in
            (0..<2).map { transfer(k, nonce: UInt64($0), tip: 1, fee: 10).hash }
        }
        #expect(dropped == expected)
        #expect(pool.stats == MempoolStats(pending: 0, queued: 0, bytes: 0))
    }

    @Test func updateKeepsTransactionsBelowTheBaseFee() throws {
        let pool = Mempool(config: config())
        let tx = transfer(alice, nonce: 0, tip: 1, fee: 10)
        try pool.admit(tx)
        #expect(pool.update(state: FakeState(), baseFee: UInt256(100)).isEmpty)
        #expect(pool.contains(tx.hash))
        #expect(pool.reap(maxGas: 1_000_000, baseFee: UInt256(100), maxCount: 10).isEmpty)
        #expect(pool.reap(maxGas: 1_000_000, baseFee: UInt256(10), maxCount: 10).map(\.hash) == [tx.hash])
    }

    @Test func removeOpensAGapThatQueuesLaterNonces() throws {
        let pool = Mempool(config: config())
        let txs = (0..<3).map { transfer(alice, nonce: $0, tip: 1, fee: 10) }
        for tx in txs { try pool.admit(tx) }
        let bytesBefore = pool.stats.bytes
        pool.remove([txs[1].hash, Hash32.zero])
        #expect(pool.stats == MempoolStats(pending: 1, queued: 1, bytes: bytesBefore - txs[1].encoded.count))
        #expect(pool.pendingNonce(of: alice.address, state: FakeState()) == 1)
        // Re-sending the missing nonce promotes the rest again.
        #expect(try pool.admit(txs[1]) == .pending)
        #expect(pool.stats.pending == 3)
    }
}
