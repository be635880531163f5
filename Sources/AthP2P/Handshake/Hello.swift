import AthCrypto
import CSodium

/// An ephemeral X25519 key pair (libsodium `crypto_kx`), fresh for every
/// connection so that a leaked node key does not reveal past sessions.
public struct EphemeralKeyPair: Sendable {
    public static let publicKeyCount = Int(crypto_kx_PUBLICKEYBYTES)
    public let publicKey: [UInt8]
    let secretKey: [UInt8]

    /// A fresh random key pair.
    public static func generate() -> EphemeralKeyPair {
        // SecureRandom initializes libsodium before crypto_kx is used.
        let seed = SecureRandom.bytes(Int(crypto_kx_SEEDBYTES))
        var publicKey = [UInt8](repeating: 0, count: publicKeyCount)
        var secretKey = [UInt8](repeating: 0, count: Int(crypto_kx_SECRETKEYBYTES))
        _ = crypto_kx_seed_keypair(&publicKey, &secretKey, seed)
        return EphemeralKeyPair(publicKey: publicKey, secretKey: secretKey)
    }
}

/// The first message each side sends, in the clear, without waiting for the
/// other: magic "ATHP", the handshake version (u32 big-endian) and the
/// ephemeral X25519 public key. Fixed size, so a reader knows exactly how much
/// to wait for.
public enum Hello {
    public static let magic: [UInt8] = Array("ATHP".utf8)
    public static let version: UInt32 = 1
    public static let byteCount = magic.count + 4 + EphemeralKeyPair.publicKeyCount

    /// The hello announcing `ephemeralPublicKey`.
    public static func encode(ephemeralPublicKey: [UInt8], version: UInt32 = Hello.version) -> [UInt8] {
        precondition(ephemeralPublicKey.count == EphemeralKeyPair.publicKeyCount, "Hello: ephemeral key must be 32 bytes")
        return magic + [UInt8(version >> 24), UInt8((version >> 16) & 0xff), UInt8((version >> 8) & 0xff), UInt8(version & 0xff)]
            + ephemeralPublicKey
    }

    /// The peer's ephemeral public key from exactly `byteCount` bytes (the
    /// connection reads exactly that many; any other count is refused).
    public static func decode(_ bytes: [UInt8]) throws(P2PError) -> [UInt8] {
        guard bytes.count == byteCount else { throw .malformedHello(got: bytes.count, expected: byteCount) }
        guard Array(bytes[0..<4]) == magic else { throw .wrongMagic(got: Array(bytes[0..<4])) }
        let version = bytes[4..<8].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        guard version == Self.version else { throw .unsupportedVersion(got: version, expected: Self.version) }
        return Array(bytes[8...])
    }
}
