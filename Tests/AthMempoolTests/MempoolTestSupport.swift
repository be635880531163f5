import AthCrypto
import AthMempool
import AthPrimitives
import AthTypes

/// A head state held in memory: nonces default to 0, balances to `defaultBalance`.
struct FakeState: MempoolStateView {
    var nonces: [Address: UInt64] = [:]
    var balances: [Address: UInt256] = [:]
    var defaultBalance = UInt256(1) << 100

    func nonce(of address: Address) -> UInt64 { nonces[address] ?? 0 }
    func balance(of address: Address) -> UInt256 { balances[address] ?? defaultBalance }
}

let chainID: UInt64 = 1337
let recipient = Address(low: 0xbeef)

/// A deterministic key per index (1-based; bytes never all zero).
func key(_ i: Int) -> Secp256k1PrivateKey {
    var bytes = [UInt8](repeating: 0x42, count: 32)
    bytes[30] = UInt8(truncatingIfNeeded: i >> 8)
    bytes[31] = UInt8(truncatingIfNeeded: i)
    return try! Secp256k1PrivateKey(bytes)
}

/// A signed EIP-1559 transfer.
func transfer(_ key: Secp256k1PrivateKey, nonce: UInt64, tip: UInt64, fee: UInt64, gas: UInt64 = 21_000,
              value: UInt256 = .zero, data: [UInt8] = [], chain: UInt64 = chainID) -> SignedTransaction {
    Transaction.dynamicFee(chainID: chain, nonce: nonce, maxPriorityFeePerGas: UInt256(tip),
                           maxFeePerGas: UInt256(fee), gasLimit: gas, to: recipient, value: value, data: data)
        .signed(with: key)
}

func config(maxTransactions: Int = 8192, maxBytes: Int = 32 << 20, maxPerSender: Int = 64,
            minTip: UInt256 = .zero) -> MempoolConfig {
    MempoolConfig(chainID: chainID, blockGasLimit: 30_000_000, maxTransactions: maxTransactions,
                  maxBytes: maxBytes, maxPerSender: maxPerSender, minTip: minTip)
}

extension Mempool {
    /// Admits the encoded bytes of `tx`; returns where it went.
    @discardableResult
    func admit(_ tx: SignedTransaction, _ state: FakeState = FakeState(), baseFee: UInt256 = .zero) throws(MempoolError) -> AdmissionResult {
        try admit(raw: tx.encoded, state: state, baseFee: baseFee).1
    }

    /// The error admitting `tx` throws, or nil when it is admitted.
    func refusal(_ tx: SignedTransaction, _ state: FakeState = FakeState(), baseFee: UInt256 = .zero) -> MempoolError? {
        do { try admit(tx, state, baseFee: baseFee); return nil } catch { return error }
    }
}
