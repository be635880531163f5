import AthCrypto
import AthMempool
import AthPrimitives
import AthTypes
import Testing

/// Every refusal: the right case, geth's message, and an unchanged pool.
@Suite struct AdmissionErrorTests {
    let alice = key(1)

    /// Admits `tx` into `pool`, expects `error` with a description starting
    /// with `message`, and checks the pool did not change.
    func expectRefused(_ tx: SignedTransaction, by pool: Mempool, _ error: MempoolError, _ message: String,
                       state: FakeState = FakeState(), baseFee: UInt256 = .zero) {
        let before = pool.stats
        let got = pool.refusal(tx, state, baseFee: baseFee)
        #expect(got == error)
        #expect(got?.description.hasPrefix(message) == true, "\(got?.description ?? "admitted")")
        #expect(pool.stats == before)
    }

    @Test func sameHashIsAlreadyKnown() throws {
        let pool = Mempool(config: config())
        let tx = transfer(alice, nonce: 0, tip: 1, fee: 10)
        try pool.admit(tx)
        expectRefused(tx, by: pool, .alreadyKnown, "already known")
        #expect(MempoolError.alreadyKnown.description == "already known")
        #expect(throws: MempoolError.alreadyKnown) { try pool.add(tx, sender: alice.address, state: FakeState(), baseFee: .zero) }
    }

    @Test func nonceBelowStateIsTooLow() {
        let state = FakeState(nonces: [alice.address: 5])
        expectRefused(transfer(alice, nonce: 3, tip: 1, fee: 10), by: Mempool(config: config()),
                      .nonceTooLow(got: 3, expected: 5), "nonce too low: next nonce 5, tx nonce 3", state: state)
    }

    @Test func lowFeeReplacementIsUnderpriced() throws {
        let pool = Mempool(config: config())
        try pool.admit(transfer(alice, nonce: 0, tip: 10, fee: 100))
        expectRefused(transfer(alice, nonce: 0, tip: 10, fee: 200), by: pool, .replacementUnderpriced,
                      "replacement transaction underpriced")
        #expect(MempoolError.replacementUnderpriced.description == "replacement transaction underpriced")
    }

    @Test func balanceMustCoverGasTimesFeePlusValue() {
        let cost = UInt256(21_000 * 10 + 5)
        let state = FakeState(balances: [alice.address: cost &- .one])
        expectRefused(transfer(alice, nonce: 0, tip: 1, fee: 10, value: UInt256(5)), by: Mempool(config: config()),
                      .insufficientFunds(balance: cost &- .one, cost: cost),
                      "insufficient funds for gas * price + value: balance 210004, tx cost 210005, overshot 1", state: state)
        // Exactly enough is fine.
        let exact = FakeState(balances: [alice.address: cost])
        #expect(Mempool(config: config()).refusal(transfer(alice, nonce: 0, tip: 1, fee: 10, value: UInt256(5)), exact) == nil)
    }

    @Test func balanceMustCoverEveryPooledTransactionOfTheSender() throws {
        let pool = Mempool(config: config())
        let state = FakeState(balances: [alice.address: UInt256(21_000 * 10 * 2)])
        try pool.admit(transfer(alice, nonce: 0, tip: 1, fee: 10), state)
        try pool.admit(transfer(alice, nonce: 1, tip: 1, fee: 10), state)
        expectRefused(transfer(alice, nonce: 2, tip: 1, fee: 10), by: pool,
                      .insufficientFunds(balance: UInt256(420_000), cost: UInt256(630_000)),
                      "insufficient funds for gas * price + value", state: state)
        // A replacement counts instead of the replaced one: 210000 + 231000 > 420000.
        expectRefused(transfer(alice, nonce: 1, tip: 2, fee: 11), by: pool,
                      .insufficientFunds(balance: UInt256(420_000), cost: UInt256(441_000)),
                      "insufficient funds for gas * price + value", state: state)
    }

    @Test func costBeyond256BitsIsInsufficientFunds() {
        let tx = Transaction.dynamicFee(chainID: chainID, nonce: 0, maxPriorityFeePerGas: .zero, maxFeePerGas: .max,
                                        gasLimit: 21_000, to: recipient, value: .zero).signed(with: alice)
        let state = FakeState(balances: [alice.address: .max])
        expectRefused(tx, by: Mempool(config: config()), .insufficientFunds(balance: .max, cost: nil),
                      "insufficient funds for gas * price + value", state: state)
    }

    @Test func gasBelowIntrinsicIsRefused() {
        expectRefused(transfer(alice, nonce: 0, tip: 1, fee: 10, gas: 21_000, data: [1]), by: Mempool(config: config()),
                      .intrinsicGasTooLow(gasLimit: 21_000, intrinsicGas: 21_016),
                      "intrinsic gas too low: gas 21000, minimum needed 21016")
    }

    @Test func gasAboveBlockLimitIsRefused() {
        expectRefused(transfer(alice, nonce: 0, tip: 1, fee: 10, gas: 30_000_001), by: Mempool(config: config()),
                      .exceedsBlockGasLimit(gasLimit: 30_000_001, blockGasLimit: 30_000_000), "exceeds block gas limit")
    }

    @Test func badSignatureIsInvalidSender() {
        let good = transfer(alice, nonce: 0, tip: 1, fee: 10)
        let zeroR = TransactionSignature(yParity: 0, r: .zero, s: good.signature.s)
        let bad = SignedTransaction(transaction: good.transaction, signature: zeroR)
        expectRefused(bad, by: Mempool(config: config()), .invalidSender(.rOutOfRange), "invalid sender")
    }

    @Test func tipBelowMinimumIsUnderpriced() {
        expectRefused(transfer(alice, nonce: 0, tip: 1, fee: 10), by: Mempool(config: config(minTip: UInt256(2))),
                      .underpriced(tip: UInt256(1), minTip: UInt256(2)),
                      "transaction underpriced: gas tip cap 1, minimum needed 2")
    }

    @Test func fullPoolRefusesWhatDoesNotOutbid() throws {
        let pool = Mempool(config: config(maxTransactions: 1))
        try pool.admit(transfer(key(2), nonce: 0, tip: 5, fee: 10))
        expectRefused(transfer(alice, nonce: 0, tip: 5, fee: 10), by: pool, .poolFull, "txpool is full")
        #expect(MempoolError.poolFull.description == "txpool is full")
    }

    @Test func largeTransactionIsOversized() {
        let tx = transfer(alice, nonce: 0, tip: 1, fee: 10, gas: 3_000_000, data: [UInt8](repeating: 1, count: 128 << 10))
        expectRefused(tx, by: Mempool(config: config()), .oversized(size: tx.encoded.count, limit: 128 << 10),
                      "oversized data: transaction size \(tx.encoded.count), limit 131072")
    }

    @Test func feeCapBelowBaseFeeIsRefused() {
        expectRefused(transfer(alice, nonce: 0, tip: 1, fee: 10), by: Mempool(config: config()),
                      .feeCapBelowBaseFee(maxFee: UInt256(10), baseFee: UInt256(11)),
                      "max fee per gas less than block base fee", baseFee: UInt256(11))
    }

    @Test func tipAboveFeeCapIsRefused() {
        expectRefused(transfer(alice, nonce: 0, tip: 11, fee: 10), by: Mempool(config: config()),
                      .tipAboveFeeCap(tip: UInt256(11), maxFee: UInt256(10)),
                      "max priority fee per gas higher than max fee per gas")
    }

    @Test func otherChainIsRefused() {
        expectRefused(transfer(alice, nonce: 0, tip: 1, fee: 10, chain: 1), by: Mempool(config: config()),
                      .invalidChainID(got: 1, expected: chainID), "invalid chain id for signer: have 1 want 1337")
    }

    @Test func unprotectedLegacyIsRefusedWhenTheConfigSaysSo() throws {
        var strict = config()
        strict.allowUnprotected = false
        let tx = Transaction.legacy(chainID: nil, nonce: 0, gasPrice: UInt256(10), gasLimit: 21_000, to: recipient,
                                    value: .zero).signed(with: alice)
        expectRefused(tx, by: Mempool(config: strict), .invalidChainID(got: nil, expected: chainID),
                      "invalid chain id for signer")
        #expect(try Mempool(config: config()).admit(tx) == .pending)
    }

    @Test func undecodableBytesCarryTheDecoderMessage() throws {
        let pool = Mempool(config: config())
        #expect(throws: MempoolError.invalidTransaction(.empty)) { try pool.admit(raw: [], state: FakeState(), baseFee: .zero) }
        #expect(throws: MempoolError.invalidTransaction(.blobTransactionUnsupported)) {
            try pool.admit(raw: [0x03, 0xc0], state: FakeState(), baseFee: .zero)
        }
        let error = try #require(pool.refusalRaw([0x05, 0xc0]))
        #expect(error == .invalidTransaction(.unknownType(5)))
        #expect(error.description == TransactionError.unknownType(5).description)
        #expect(pool.stats.count == 0)
    }

    @Test func maxNonceIsRefused() {
        expectRefused(transfer(alice, nonce: .max, tip: 1, fee: 10), by: Mempool(config: config()),
                      .invalidTransaction(.nonceMax), "nonce has max value")
    }
}

extension Mempool {
    func refusalRaw(_ bytes: [UInt8]) -> MempoolError? {
        do { _ = try admit(raw: bytes, state: FakeState(), baseFee: .zero); return nil } catch { return error }
    }
}
