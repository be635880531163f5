import AthPrimitives
import CSodium

/// An ed25519 signing key (RFC 8032) held as libsodium's 64-byte secret key
/// (seed followed by public key). Used for consensus and P2P node keys.
public struct Ed25519PrivateKey: Sendable, CustomStringConvertible {
    /// libsodium's expanded secret key: seed ‖ public key.
    private let secretKey: [UInt8]

    /// The key derived from a 32-byte seed (RFC 8032's "private key").
    public init(seed: [UInt8]) throws(KeyError) {
        guard seed.count == Ed25519.seedCount else {
            throw .wrongLength(got: seed.count, expected: [Ed25519.seedCount])
        }
        Sodium.ensureInitialized()
        var publicKey = [UInt8](repeating: 0, count: Ed25519.publicKeyCount)
        var secretKey = [UInt8](repeating: 0, count: 64)
        _ = crypto_sign_seed_keypair(&publicKey, &secretKey, seed)
        self.secretKey = secretKey
    }

    /// A fresh key from a random seed.
    public static func generate() -> Ed25519PrivateKey {
        // A 32-byte seed always yields a key.
        try! Ed25519PrivateKey(seed: SecureRandom.bytes(Ed25519.seedCount))
    }

    /// The 32-byte seed; everything else derives from it. Keep it secret.
    public var seed: [UInt8] { Array(secretKey[0..<32]) }

    /// The matching public key.
    public var publicKey: Ed25519PublicKey {
        Ed25519PublicKey(validLength: Array(secretKey[32..<64]))
    }

    /// The 64-byte signature of `message` (deterministic, RFC 8032).
    public func sign(_ message: [UInt8]) -> [UInt8] {
        Sodium.ensureInitialized()
        var signature = [UInt8](repeating: 0, count: Ed25519.signatureCount)
        message.withUnsafeBufferPointer { m in
            _ = crypto_sign_detached(&signature, nil, m.baseAddress, UInt64(m.count), secretKey)
        }
        return signature
    }

    /// Names the public key only, so that logging a key never prints the secret.
    public var description: String { "Ed25519PrivateKey(publicKey: \(publicKey.bytes.hexString))" }
}

/// An ed25519 public key: 32 bytes, the encoded point A of RFC 8032.
public struct Ed25519PublicKey: Hashable, Sendable {
    /// The 32-byte encoding.
    public let bytes: [UInt8]

    /// Wraps a 32-byte encoding. Only the length is checked here; a bad point
    /// makes `Ed25519.verify` return false.
    public init(_ bytes: [UInt8]) throws(KeyError) {
        guard bytes.count == Ed25519.publicKeyCount else {
            throw .wrongLength(got: bytes.count, expected: [Ed25519.publicKeyCount])
        }
        self.bytes = bytes
    }

    init(validLength bytes: [UInt8]) { self.bytes = bytes }
}

/// ed25519 verification through libsodium's `crypto_sign_verify_detached`.
/// libsodium 1.0.18 refuses non-canonical S (S ≥ L), a small-order R, and a
/// public key that is non-canonical or of small order; it accepts public keys
/// with a small-order component (Wycheproof's "mixed order" cases). The
/// Wycheproof test pins this, since validators must all agree.
public enum Ed25519 {
    public static let seedCount = 32
    public static let publicKeyCount = 32
    public static let signatureCount = 64

    /// Whether `signature` is a valid signature of `message` by `publicKey`.
    /// A signature of the wrong length is simply invalid.
    public static func verify(signature: [UInt8], message: [UInt8], publicKey: Ed25519PublicKey) -> Bool {
        guard signature.count == signatureCount else { return false }
        Sodium.ensureInitialized()
        return message.withUnsafeBufferPointer { m in
            crypto_sign_verify_detached(signature, m.baseAddress, UInt64(m.count), publicKey.bytes) == 0
        }
    }

    /// Same as `verify(signature:message:publicKey:)` for a public key given as
    /// raw bytes; a key of the wrong length makes the signature invalid.
    public static func verify(signature: [UInt8], message: [UInt8], publicKey: [UInt8]) -> Bool {
        guard let key = try? Ed25519PublicKey(publicKey) else { return false }
        return verify(signature: signature, message: message, publicKey: key)
    }
}
