/// Why key material was refused.
public enum KeyError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The key or seed has the wrong number of bytes.
    case wrongLength(got: Int, expected: [Int])
    /// A secp256k1 private key that is zero or not below the curve order n.
    case privateKeyOutOfRange
    /// Bytes of the right length that do not encode a point on secp256k1
    /// (or use an unknown SEC1 prefix).
    case invalidPublicKey

    public var description: String {
        switch self {
        case .wrongLength(let got, let expected):
            let allowed = expected.map(String.init).joined(separator: " or ")
            return "key is \(got) bytes long, expected \(allowed)"
        case .privateKeyOutOfRange:
            return "secp256k1 private key is zero or not below the curve order"
        case .invalidPublicKey:
            return "public key is not a valid secp256k1 point"
        }
    }
}
