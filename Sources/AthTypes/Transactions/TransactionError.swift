import AthPrimitives
import AthCrypto

/// Why a transaction was refused, in words a user understands. Decoding
/// errors and stateless validity errors share this type; state-dependent
/// checks (nonce order, balance) belong to execution and the mempool.
public enum TransactionError: Error, Equatable, Sendable, CustomStringConvertible {
    case empty
    /// The outer envelope is not valid RLP.
    case malformedEnvelope(RLPError)
    /// A named field is not valid RLP or has the wrong size or form.
    case malformedField(String, RLPError)
    /// The list has the wrong number of fields for its type.
    case wrongFieldCount(type: TransactionType, got: Int, expected: Int)
    case unknownType(UInt8)
    /// EIP-4844 blob transactions carry data this chain does not keep.
    case blobTransactionUnsupported
    /// A legacy `v` that is neither 27/28 nor `chainID * 2 + 35/36`.
    case invalidV(UInt256)
    /// A typed transaction's y-parity was not 0 or 1.
    case invalidYParity(UInt256)
    /// A chain id wider than 64 bits.
    case chainIDTooLarge
    case wrongChainID(got: UInt64?, expected: UInt64)
    /// EIP-2681: the nonce must stay below 2^64 - 1.
    case nonceMax
    case gasLimitTimesFeeOverflow
    case priorityFeeAboveMaxFee(priority: UInt256, max: UInt256)
    case intrinsicGasTooLow(gasLimit: UInt64, intrinsicGas: UInt64)
    /// EIP-3860: init code longer than 49152 bytes.
    case initcodeTooLarge(size: Int, limit: Int)
    case invalidSignature(SignatureError)

    public var description: String {
        switch self {
        case .empty: return "transaction bytes are empty"
        case .malformedEnvelope(let e): return "transaction is not valid RLP: \(e)"
        case .malformedField(let name, let e): return "transaction field \(name) is malformed: \(e)"
        case let .wrongFieldCount(type, got, expected):
            return "\(type) transaction has \(got) fields, expected \(expected)"
        case .unknownType(let t): return "transaction type 0x\(String(t, radix: 16)) is not supported"
        case .blobTransactionUnsupported:
            return "blob transactions (type 3, EIP-4844) are not supported on this chain"
        case .invalidV(let v): return "signature v value \(v) is neither 27/28 nor chainID*2+35/36 (EIP-155)"
        case .invalidYParity(let v): return "signature y-parity \(v) is not 0 or 1"
        case .chainIDTooLarge: return "chain id does not fit in 64 bits"
        case let .wrongChainID(got, expected):
            return "invalid chain id: transaction is for chain \(got.map(String.init) ?? "none"), this chain is \(expected)"
        case .nonceMax: return "nonce has max value (EIP-2681)"
        case .gasLimitTimesFeeOverflow: return "gas limit times fee cap overflows 256 bits"
        case let .priorityFeeAboveMaxFee(p, m):
            return "max priority fee per gas higher than max fee per gas (\(p) > \(m))"
        case let .intrinsicGasTooLow(limit, need):
            return "intrinsic gas too low: gas limit \(limit) is below the \(need) the transaction needs"
        case let .initcodeTooLarge(size, limit):
            return "max initcode size exceeded: \(size) bytes, limit \(limit) (EIP-3860)"
        case .invalidSignature(let e): return "invalid transaction signature: \(e)"
        }
    }
}
