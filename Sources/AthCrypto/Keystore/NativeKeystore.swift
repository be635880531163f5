import AthPrimitives
import Foundation

/// The node's own keystore format: the private key sealed with
/// XChaCha20-Poly1305 under a key derived from the password by Argon2id
/// (libsodium `crypto_pwhash`). The address is authenticated as associated
/// data, so a file cannot be edited to claim another account.
///
/// ```json
/// { "format": "ath-keystore", "version": 1, "address": "0x…", "id": "…",
///   "crypto": { "kdf": "argon2id", "kdfparams": { "opslimit": 3, "memlimit": 268435456, "salt": "…" },
///               "cipher": "xchacha20-poly1305", "nonce": "…", "ciphertext": "…" } }
/// ```
public enum NativeKeystore {
    public static let formatName = "ath-keystore"
    public static let version = 1

    /// Argon2id cost settings.
    public struct Strength: Sendable, Equatable {
        public var opsLimit: Int
        public var memLimit: Int
        public init(opsLimit: Int, memLimit: Int) { self.opsLimit = opsLimit; self.memLimit = memLimit }
        /// libsodium's INTERACTIVE limits: fast, for tests and throwaway keys.
        public static var interactive: Strength { Strength(opsLimit: Int(Argon2id.interactive.opsLimit), memLimit: Argon2id.interactive.memLimit) }
        /// libsodium's MODERATE limits: the default for operator keys.
        public static var moderate: Strength { Strength(opsLimit: Int(Argon2id.moderate.opsLimit), memLimit: Argon2id.moderate.memLimit) }
    }

    /// Refuse files asking for more than this (libsodium SENSITIVE is 1 GiB).
    public static let maxMemLimit = 1 << 30
    public static let maxOpsLimit = 16

    /// Seals `key` into a native keystore document.
    public static func encrypt(_ key: Secp256k1PrivateKey, password: String, strength: Strength = .moderate) throws(KeystoreError) -> [UInt8] {
        let salt = SecureRandom.bytes(Argon2id.saltCount)
        let nonce = SecureRandom.bytes(XChaCha20Poly1305.nonceCount)
        let address = key.address
        let sealingKey = try derive(password: password, salt: salt, strength: strength)
        let ciphertext: [UInt8]
        do {
            ciphertext = try XChaCha20Poly1305.seal(plaintext: key.bytes, key: sealingKey, nonce: nonce, aad: address.bytes)
        } catch {
            throw .io("could not seal the key: \(error)")
        }
        let doc: [String: Any] = [
            "format": formatName,
            "version": version,
            "id": UUID().uuidString.lowercased(),
            "address": address.checksummed,
            "crypto": [
                "kdf": "argon2id",
                "kdfparams": ["opslimit": strength.opsLimit, "memlimit": strength.memLimit,
                              "salt": Hex.encode(salt, prefix: false)] as [String: Any],
                "cipher": "xchacha20-poly1305",
                "nonce": Hex.encode(nonce, prefix: false),
                "ciphertext": Hex.encode(ciphertext, prefix: false),
            ] as [String: Any],
        ]
        return try KeystoreJSON.encode(doc)
    }

    /// The address a native keystore document claims, without the password.
    public static func address(of json: [UInt8]) throws(KeystoreError) -> Address {
        let doc = try KeystoreJSON.decodeObject(json)
        guard (doc["format"] as? String) == formatName else { throw .malformed("\"format\" is not \(formatName)") }
        let text = try KeystoreJSON.string(doc, "address")
        do { return try Address(hex: text) } catch { throw .malformed("\"address\" is not an address: \(error)") }
    }

    /// Opens a native keystore document.
    public static func decrypt(_ json: [UInt8], password: String) throws(KeystoreError) -> Secp256k1PrivateKey {
        let doc = try KeystoreJSON.decodeObject(json)
        guard (doc["format"] as? String) == formatName else { throw .malformed("\"format\" is not \(formatName)") }
        let v = try KeystoreJSON.int(doc, "version")
        guard v == version else { throw .unsupported("native keystore version \(v), expected \(version)") }
        let address = try self.address(of: json)
        guard let crypto = doc["crypto"] as? [String: Any] else { throw .malformed("missing \"crypto\" object") }
        guard try KeystoreJSON.string(crypto, "kdf") == "argon2id" else { throw .unsupported("kdf, expected argon2id") }
        guard try KeystoreJSON.string(crypto, "cipher") == "xchacha20-poly1305" else {
            throw .unsupported("cipher, expected xchacha20-poly1305")
        }
        guard let params = crypto["kdfparams"] as? [String: Any] else { throw .malformed("missing \"kdfparams\"") }
        let strength = Strength(opsLimit: try KeystoreJSON.int(params, "opslimit"),
                                memLimit: try KeystoreJSON.int(params, "memlimit"))
        let salt = try KeystoreJSON.hex(params, "salt")
        guard salt.count == Argon2id.saltCount else { throw .malformed("salt is \(salt.count) bytes, expected \(Argon2id.saltCount)") }
        let nonce = try KeystoreJSON.hex(crypto, "nonce")
        guard nonce.count == XChaCha20Poly1305.nonceCount else { throw .malformed("nonce is \(nonce.count) bytes, expected \(XChaCha20Poly1305.nonceCount)") }
        let ciphertext = try KeystoreJSON.hex(crypto, "ciphertext")
        guard ciphertext.count == 32 + XChaCha20Poly1305.tagCount else { throw .malformed("ciphertext is \(ciphertext.count) bytes, expected 48") }
        let sealingKey = try derive(password: password, salt: salt, strength: strength)
        guard let plain = try? XChaCha20Poly1305.open(ciphertext: ciphertext, key: sealingKey, nonce: nonce, aad: address.bytes) else {
            throw .wrongPassword
        }
        guard let key = try? Secp256k1PrivateKey(plain) else { throw .invalidKey }
        guard key.address == address else { throw .addressMismatch(claimed: address.checksummed, actual: key.address.checksummed) }
        return key
    }

    private static func derive(password: String, salt: [UInt8], strength: Strength) throws(KeystoreError) -> [UInt8] {
        guard strength.opsLimit >= 1, strength.opsLimit <= maxOpsLimit,
              strength.memLimit >= 8192, strength.memLimit <= maxMemLimit else {
            throw .parametersTooExpensive("argon2id opslimit=\(strength.opsLimit) memlimit=\(strength.memLimit)")
        }
        do {
            return try Argon2id.deriveKey(password: Array(password.utf8), salt: salt, outputCount: 32,
                                          opsLimit: UInt64(strength.opsLimit), memLimit: strength.memLimit)
        } catch {
            throw .io("argon2id key derivation failed: \(error)")
        }
    }
}
