/// Why a keystore operation failed, in one sentence a user can act on.
public enum KeystoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The password does not open the key (the MAC or the AEAD tag did not match).
    case wrongPassword
    /// The file is not a keystore this node understands.
    case malformed(String)
    /// A KDF or cipher this node does not implement.
    case unsupported(String)
    /// KDF parameters beyond what the node will spend time or memory on.
    case parametersTooExpensive(String)
    /// The decrypted key is not a valid secp256k1 private key.
    case invalidKey
    /// The key decrypted fine but belongs to another address than the file claims.
    case addressMismatch(claimed: String, actual: String)
    case notFound(String)
    case alreadyExists(String)
    case io(String)

    public var description: String {
        switch self {
        case .wrongPassword: return "wrong password: the keystore could not be decrypted"
        case .malformed(let why): return "not a valid keystore: \(why)"
        case .unsupported(let what): return "unsupported keystore: \(what)"
        case .parametersTooExpensive(let what): return "keystore parameters refused as too expensive: \(what)"
        case .invalidKey: return "the keystore holds an invalid secp256k1 private key"
        case let .addressMismatch(claimed, actual):
            return "the keystore claims address \(claimed) but its key belongs to \(actual)"
        case .notFound(let what): return "no key found for \(what)"
        case .alreadyExists(let what): return "a key for \(what) already exists in the keystore"
        case .io(let what): return what
        }
    }
}
