import AthPrimitives

/// Why a transaction cannot be included at all (no receipt, no state change).
/// Messages follow geth's, so existing tools recognise them.
public enum InvalidTransaction: Error, Equatable, Sendable, CustomStringConvertible {
    case nonceTooLow(got: UInt64, expected: UInt64)
    case nonceTooHigh(got: UInt64, expected: UInt64)
    case nonceMax
    case senderNotEOA(Address)
    case gasLimitExceedsBlock(gasLimit: UInt64, blockGasLimit: UInt64)
    case feeCapBelowBaseFee(maxFee: UInt256, baseFee: UInt256)
    case tipAboveFeeCap
    case blobFeeCapTooLow
    case insufficientFunds(have: UInt256, want: UInt256)
    case intrinsicGasTooLow(gasLimit: UInt64, intrinsicGas: UInt64)
    case initcodeTooLarge(size: Int)
    case invalidBlobTransaction(String)

    public var description: String {
        switch self {
        case let .nonceTooLow(got, expected): return "nonce too low: next nonce \(expected), tx nonce \(got)"
        case let .nonceTooHigh(got, expected): return "nonce too high: next nonce \(expected), tx nonce \(got)"
        case .nonceMax: return "nonce has max value"
        case .senderNotEOA(let a): return "sender not an eoa: address \(a) has code"
        case let .gasLimitExceedsBlock(g, b): return "exceeds block gas limit: tx gas \(g), block gas limit \(b)"
        case let .feeCapBelowBaseFee(m, b): return "max fee per gas less than block base fee: maxFeePerGas \(m), baseFee \(b)"
        case .tipAboveFeeCap: return "max priority fee per gas higher than max fee per gas"
        case .blobFeeCapTooLow: return "max fee per blob gas less than block blob gas fee"
        case let .insufficientFunds(have, want): return "insufficient funds for gas * price + value: balance \(have), tx cost \(want)"
        case let .intrinsicGasTooLow(g, i): return "intrinsic gas too low: have \(g), want \(i)"
        case .initcodeTooLarge(let n): return "max initcode size exceeded: code size \(n) limit 49152"
        case .invalidBlobTransaction(let why): return "invalid blob transaction: \(why)"
        }
    }
}
