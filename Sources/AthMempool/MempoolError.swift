import AthPrimitives
import AthCrypto
import AthTypes

/// Why the pool refused a transaction. Each description starts with geth's
/// message for the same refusal (what wallets and web3 libraries match on),
/// followed, where geth adds them, by the values that explain it.
public enum MempoolError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The pool already holds a transaction with this hash.
    case alreadyKnown
    /// The nonce is below the sender's next nonce in the head state.
    case nonceTooLow(got: UInt64, expected: UInt64)
    /// A transaction with the same sender and nonce is pooled and the new one
    /// does not raise both fee cap and tip by the configured bump.
    case replacementUnderpriced
    /// The balance does not cover gas limit × fee cap + value of this
    /// transaction plus every other pooled one from the sender. `cost` is nil
    /// when the total does not fit in 256 bits.
    case insufficientFunds(balance: UInt256, cost: UInt256?)
    /// The gas limit is below the gas charged before execution starts.
    case intrinsicGasTooLow(gasLimit: UInt64, intrinsicGas: UInt64)
    /// The gas limit exceeds the block gas limit, so no block can include it.
    case exceedsBlockGasLimit(gasLimit: UInt64, blockGasLimit: UInt64)
    /// The signature is malformed or recovers no key.
    case invalidSender(SignatureError)
    /// The priority fee is below the pool's minimum.
    case underpriced(tip: UInt256, minTip: UInt256)
    /// No room: the pool or the sender's slots are full and the transaction
    /// does not pay more than what could be evicted.
    case poolFull
    /// The sender already has `limit` transactions pooled, however empty the
    /// pool is otherwise (geth: "account limit exceeded").
    case senderLimit(sender: Address, limit: Int)
    /// The encoded transaction is larger than `maxTransactionSize`.
    case oversized(size: Int, limit: Int)
    /// The fee cap is below the current base fee.
    case feeCapBelowBaseFee(maxFee: UInt256, baseFee: UInt256)
    /// The priority fee is above the fee cap.
    case tipAboveFeeCap(tip: UInt256, maxFee: UInt256)
    /// Signed for another chain, or without replay protection where the pool
    /// requires it (`got` nil).
    case invalidChainID(got: UInt64?, expected: UInt64)
    /// The bytes are not a transaction, or it breaks a stateless rule that
    /// has no geth pool message of its own (EIP-2681 nonce, EIP-3860 init code).
    case invalidTransaction(TransactionError)

    public var description: String {
        switch self {
        case .alreadyKnown: return "already known"
        case let .nonceTooLow(got, expected): return "nonce too low: next nonce \(expected), tx nonce \(got)"
        case .replacementUnderpriced: return "replacement transaction underpriced"
        case let .insufficientFunds(balance, cost):
            guard let cost else {
                return "insufficient funds for gas * price + value: balance \(balance), tx cost above 2^256"
            }
            return "insufficient funds for gas * price + value: balance \(balance), tx cost \(cost), overshot \(cost &- balance)"
        case let .intrinsicGasTooLow(gasLimit, need):
            return "intrinsic gas too low: gas \(gasLimit), minimum needed \(need)"
        case let .exceedsBlockGasLimit(gasLimit, blockGasLimit):
            return "exceeds block gas limit: tx gas \(gasLimit), block gas limit \(blockGasLimit)"
        case .invalidSender(let e): return "invalid sender: \(e)"
        case let .underpriced(tip, minTip): return "transaction underpriced: gas tip cap \(tip), minimum needed \(minTip)"
        case .poolFull: return "txpool is full"
        case let .senderLimit(sender, limit):
            return "account limit exceeded: \(sender) already has \(limit) transactions in the pool"
        case let .oversized(size, limit): return "oversized data: transaction size \(size), limit \(limit)"
        case let .feeCapBelowBaseFee(maxFee, baseFee):
            return "max fee per gas less than block base fee: maxFeePerGas: \(maxFee), baseFee: \(baseFee)"
        case let .tipAboveFeeCap(tip, maxFee):
            return "max priority fee per gas higher than max fee per gas: maxPriorityFeePerGas: \(tip), maxFeePerGas: \(maxFee)"
        case let .invalidChainID(got, expected):
            return "invalid chain id for signer: have \(got.map(String.init) ?? "none") want \(expected)"
        case .invalidTransaction(let e): return e.description
        }
    }
}
