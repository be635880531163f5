import AthPrimitives

/// Which half of a signature a message is about.
public enum SignatureComponent: String, Sendable {
    case r, s
}

/// Why a secp256k1 signature was refused.
public enum SignatureError: Error, Equatable, Sendable, CustomStringConvertible {
    /// r is 0 or ≥ n, the secp256k1 group order.
    case rOutOfRange
    /// s is 0 or ≥ n.
    case sOutOfRange
    /// s > n/2. Ethereum accepts only the low-S form of each signature (EIP-2),
    /// so that a transaction has exactly one valid signature.
    case highS
    /// The recovery id is not 0 or 1. Ids 2 and 3 (r ≥ n − p, practically never
    /// produced) are invalid in Ethereum.
    case invalidRecoveryID(UInt8)
    /// The values are in range but name no point on the curve, so no key signed them.
    case unrecoverable
    /// An r or s value longer than 32 bytes.
    case componentTooLong(SignatureComponent, got: Int)
    /// A compact signature that is not 65 bytes (r ‖ s ‖ recovery id).
    case wrongLength(got: Int, expected: Int)

    public var description: String {
        switch self {
        case .rOutOfRange: return "signature r value is zero or not below the curve order"
        case .sOutOfRange: return "signature s value is zero or not below the curve order"
        case .highS: return "signature s value is in the upper half of the curve order (EIP-2)"
        case .invalidRecoveryID(let id): return "recovery id \(id) is not 0 or 1"
        case .unrecoverable: return "signature does not recover to a valid public key"
        case .componentTooLong(let component, let got):
            return "signature \(component.rawValue) value is \(got) bytes long, at most 32 allowed"
        case .wrongLength(let got, let expected):
            return "signature is \(got) bytes long, expected \(expected)"
        }
    }
}

/// An ECDSA secp256k1 signature with the recovery id that lets a verifier
/// recover the signer's public key. The values are stored as given; range and
/// EIP-2 checks happen in `Secp256k1.recover`, so a bad signature is refused
/// there with the reason.
public struct RecoverableSignature: Hashable, Sendable {
    /// r and s as 32-byte big-endian numbers (`Hash32` is only the storage).
    let rValue: Hash32
    let sValue: Hash32
    /// 0 or 1 for a valid signature: the parity of the nonce point's y.
    public let recoveryID: UInt8

    /// Builds a signature from big-endian r and s of at most 32 bytes each;
    /// shorter values (RLP's minimal integers) are left-padded with zeros.
    public init(r: some Collection<UInt8>, s: some Collection<UInt8>, recoveryID: UInt8) throws(SignatureError) {
        guard r.count <= 32 else { throw .componentTooLong(.r, got: r.count) }
        guard s.count <= 32 else { throw .componentTooLong(.s, got: s.count) }
        self.init(rValue: Self.word(r), sValue: Self.word(s), recoveryID: recoveryID)
    }

    /// Parses the 65-byte compact form r ‖ s ‖ recovery id.
    public init(compact: [UInt8]) throws(SignatureError) {
        guard compact.count == 65 else { throw .wrongLength(got: compact.count, expected: 65) }
        try self.init(r: compact[0..<32], s: compact[32..<64], recoveryID: compact[64])
    }

    init(rValue: Hash32, sValue: Hash32, recoveryID: UInt8) {
        self.rValue = rValue
        self.sValue = sValue
        self.recoveryID = recoveryID
    }

    /// r, 32 bytes big-endian.
    public var r: [UInt8] { rValue.bytes }
    /// s, 32 bytes big-endian.
    public var s: [UInt8] { sValue.bytes }
    /// The 65-byte compact form r ‖ s ‖ recovery id.
    public var compact: [UInt8] { rValue.bytes + sValue.bytes + [recoveryID] }

    private static func word(_ bytes: some Collection<UInt8>) -> Hash32 {
        var padded = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        return withUnsafeMutableBytes(of: &padded) { out in
            var i = 32 - bytes.count
            for b in bytes { out[i] = b; i += 1 }
            return Hash32(pointer: UnsafeRawPointer(out.baseAddress!))
        }
    }
}
