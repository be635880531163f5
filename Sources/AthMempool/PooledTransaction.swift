import AthPrimitives
import AthTypes

/// A transaction held by the pool, with what admission computed once: the
/// recovered sender, the worst-case cost, and its place in arrival order.
public struct PooledTransaction: Sendable, Equatable {
    public let signed: SignedTransaction
    /// Recovered from the signature at admission; never recomputed.
    public let sender: Address
    /// gas limit × fee cap + value: the most the transaction can take from the sender.
    public let cost: UInt256
    /// Arrival order within this pool; breaks price ties (earlier first).
    public internal(set) var arrival: UInt64

    init(signed: SignedTransaction, sender: Address, cost: UInt256, arrival: UInt64 = 0) {
        self.signed = signed; self.sender = sender; self.cost = cost; self.arrival = arrival
    }

    public var hash: Hash32 { signed.hash }
    public var nonce: UInt64 { signed.transaction.nonce }
    public var gasLimit: UInt64 { signed.transaction.gasLimit }
    public var maxFeePerGas: UInt256 { signed.transaction.maxFeePerGas }
    public var maxPriorityFeePerGas: UInt256 { signed.transaction.maxPriorityFeePerGas }
    /// Encoded size in bytes, what the byte limit counts.
    public var size: Int { signed.encoded.count }

    /// What the proposer earns per gas at `baseFee`:
    /// min(tip, fee cap − base fee); nil when the fee cap is below the base fee.
    public func effectiveTip(baseFee: UInt256) -> UInt256? {
        let maxFee = maxFeePerGas
        guard maxFee >= baseFee else { return nil }
        return Swift.min(maxPriorityFeePerGas, maxFee &- baseFee)
    }

    /// The rank eviction uses at `baseFee`: transactions that cannot pay the
    /// base fee sort below all others (by fee cap), the rest by effective tip.
    func price(baseFee: UInt256) -> PriceKey {
        if let tip = effectiveTip(baseFee: baseFee) { return PriceKey(executable: true, amount: tip) }
        return PriceKey(executable: false, amount: maxFeePerGas)
    }
}

/// A total order on what a transaction pays at one base fee.
struct PriceKey: Comparable {
    var executable: Bool
    var amount: UInt256

    static func < (a: PriceKey, b: PriceKey) -> Bool {
        if a.executable != b.executable { return !a.executable }
        return a.amount < b.amount
    }
}
