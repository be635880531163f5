import AthPrimitives
import Crypto
import _CryptoExtras
import CSodium
import Foundation

/// Web3 Secret Storage version 3: the keystore format of geth, MetaMask and
/// eth-account. A password-derived key (scrypt or PBKDF2-HMAC-SHA256)
/// encrypts the private key with AES-128-CTR; the MAC is
/// keccak256(derivedKey[16..<32] ‖ ciphertext).
public enum Web3SecretStorage {
    /// The key-derivation settings used when writing a keystore.
    public enum KeyDerivation: Sendable, Equatable {
        case scrypt(n: Int, r: Int, p: Int)
        case pbkdf2(iterations: Int)

        /// geth's standard scrypt settings (n = 2^18, r = 8, p = 1): about 1 s and 256 MiB.
        public static let standardScrypt = KeyDerivation.scrypt(n: 1 << 18, r: 8, p: 1)
        /// geth's light scrypt settings (n = 2^12, r = 8, p = 6): fast, for tests and throwaway keys.
        public static let lightScrypt = KeyDerivation.scrypt(n: 1 << 12, r: 8, p: 6)
        /// PBKDF2-HMAC-SHA256 with eth-account's default iteration count.
        public static let standardPBKDF2 = KeyDerivation.pbkdf2(iterations: 1_000_000)
    }

    /// Limits on what a keystore file may ask of us: a hostile file must not
    /// be able to make the node allocate gigabytes or spin for minutes.
    public static let maxScryptMemory = 1 << 30
    public static let maxPBKDF2Iterations = 10_000_000

    /// Encrypts `key` into a v3 keystore JSON document.
    public static func encrypt(_ key: Secp256k1PrivateKey, password: String, kdf: KeyDerivation = .standardScrypt) throws(KeystoreError) -> [UInt8] {
        let salt = SecureRandom.bytes(32)
        let iv = SecureRandom.bytes(16)
        let kdfName: String
        let kdfParams: [String: Any]
        switch kdf {
        case let .scrypt(n, r, p):
            kdfName = "scrypt"
            kdfParams = ["n": n, "r": r, "p": p, "dklen": 32, "salt": Hex.encode(salt, prefix: false)]
        case let .pbkdf2(c):
            kdfName = "pbkdf2"
            kdfParams = ["c": c, "dklen": 32, "prf": "hmac-sha256", "salt": Hex.encode(salt, prefix: false)]
        }
        let derived = try deriveKey(password: password, salt: salt, kdf: kdf, dkLen: 32)
        let ciphertext = try aesCTR(Array(derived[0..<16]), iv: iv, key.bytes)
        let mac = Keccak256.hash(Array(derived[16..<32]) + ciphertext)
        let doc: [String: Any] = [
            "version": 3,
            "id": UUID().uuidString.lowercased(),
            "address": Hex.encode(key.address.bytes, prefix: false),
            "crypto": [
                "cipher": "aes-128-ctr",
                "cipherparams": ["iv": Hex.encode(iv, prefix: false)],
                "ciphertext": Hex.encode(ciphertext, prefix: false),
                "kdf": kdfName,
                "kdfparams": kdfParams,
                "mac": Hex.encode(mac.bytes, prefix: false),
            ] as [String: Any],
        ]
        return try KeystoreJSON.encode(doc)
    }

    /// Decrypts a v3 keystore JSON document. Checks the MAC before decrypting,
    /// and the `address` field (when present) against the decrypted key.
    public static func decrypt(_ json: [UInt8], password: String) throws(KeystoreError) -> Secp256k1PrivateKey {
        let doc = try KeystoreJSON.decodeObject(json)
        guard let version = doc["version"] as? Int else { throw .malformed("missing \"version\"") }
        guard version == 3 else { throw .unsupported("version \(version), expected 3") }
        // geth once wrote "Crypto" with a capital C; both spellings are in the wild.
        guard let crypto = (doc["crypto"] ?? doc["Crypto"]) as? [String: Any] else {
            throw .malformed("missing \"crypto\" object")
        }
        let cipher = try KeystoreJSON.string(crypto, "cipher")
        guard cipher == "aes-128-ctr" else { throw .unsupported("cipher \(cipher), expected aes-128-ctr") }
        guard let cipherParams = crypto["cipherparams"] as? [String: Any] else { throw .malformed("missing \"cipherparams\"") }
        let iv = try KeystoreJSON.hex(cipherParams, "iv")
        guard iv.count == 16 else { throw .malformed("iv is \(iv.count) bytes, expected 16") }
        let ciphertext = try KeystoreJSON.hex(crypto, "ciphertext")
        guard ciphertext.count == 32 else { throw .malformed("ciphertext is \(ciphertext.count) bytes, expected 32") }
        let mac = try KeystoreJSON.hex(crypto, "mac")
        guard mac.count == 32 else { throw .malformed("mac is \(mac.count) bytes, expected 32") }
        guard let params = crypto["kdfparams"] as? [String: Any] else { throw .malformed("missing \"kdfparams\"") }
        let salt = try KeystoreJSON.hex(params, "salt")
        let dkLen = try KeystoreJSON.int(params, "dklen")
        guard (32...64).contains(dkLen) else { throw .malformed("dklen \(dkLen) is outside 32...64") }
        let kdf: KeyDerivation
        switch try KeystoreJSON.string(crypto, "kdf") {
        case "scrypt":
            kdf = .scrypt(n: try KeystoreJSON.int(params, "n"), r: try KeystoreJSON.int(params, "r"),
                          p: try KeystoreJSON.int(params, "p"))
        case "pbkdf2":
            let prf = try KeystoreJSON.string(params, "prf")
            guard prf == "hmac-sha256" else { throw .unsupported("pbkdf2 prf \(prf), expected hmac-sha256") }
            kdf = .pbkdf2(iterations: try KeystoreJSON.int(params, "c"))
        case let other:
            throw .unsupported("kdf \(other), expected scrypt or pbkdf2")
        }
        let derived = try deriveKey(password: password, salt: salt, kdf: kdf, dkLen: dkLen)
        let expected = Keccak256.hash(Array(derived[16..<32]) + ciphertext)
        guard constantTimeEqual(expected.bytes, mac) else { throw .wrongPassword }
        let plain = try aesCTR(Array(derived[0..<16]), iv: iv, ciphertext)
        guard let key = try? Secp256k1PrivateKey(plain) else { throw .invalidKey }
        if let claimed = doc["address"] as? String {
            let actual = Hex.encode(key.address.bytes, prefix: false)
            let normalized = claimed.lowercased().hasPrefix("0x") ? String(claimed.lowercased().dropFirst(2)) : claimed.lowercased()
            guard normalized == actual else { throw .addressMismatch(claimed: claimed, actual: key.address.checksummed) }
        }
        return key
    }

    static func deriveKey(password: String, salt: [UInt8], kdf: KeyDerivation, dkLen: Int) throws(KeystoreError) -> [UInt8] {
        let pw = Array(password.utf8)
        do {
            switch kdf {
            case let .scrypt(n, r, p):
                guard n > 1, n & (n - 1) == 0 else { throw KeystoreError.malformed("scrypt n \(n) is not a power of two above 1") }
                guard r > 0, p > 0, r <= 1024, p <= 1024 else { throw KeystoreError.malformed("scrypt r \(r) or p \(p) out of range") }
                let (mem, overflow) = (128 * r).multipliedReportingOverflow(by: n)
                guard !overflow, mem <= maxScryptMemory, r * p < (1 << 20) else {
                    throw KeystoreError.parametersTooExpensive("scrypt n=\(n) r=\(r) p=\(p)")
                }
                // libsodium's scrypt, not BoringSSL's: BoringSSL enforces RFC 7914's
                // N < 2^(16·r), which geth-written files (n = 2^18, r = 1) break.
                Sodium.ensureInitialized()
                var out = [UInt8](repeating: 0, count: dkLen)
                let rc = pw.withUnsafeBufferPointer { pwBuf in
                    salt.withUnsafeBufferPointer { saltBuf in
                        out.withUnsafeMutableBufferPointer { outBuf in
                            crypto_pwhash_scryptsalsa208sha256_ll(
                                pwBuf.baseAddress ?? UnsafePointer(outBuf.baseAddress!), pwBuf.count,
                                saltBuf.baseAddress ?? UnsafePointer(outBuf.baseAddress!), saltBuf.count,
                                UInt64(n), UInt32(r), UInt32(p), outBuf.baseAddress!, dkLen)
                        }
                    }
                }
                guard rc == 0 else { throw KeystoreError.malformed("scrypt refused n=\(n) r=\(r) p=\(p)") }
                return out
            case let .pbkdf2(c):
                guard c > 0 else { throw KeystoreError.malformed("pbkdf2 iteration count \(c) is not positive") }
                guard c <= maxPBKDF2Iterations else { throw KeystoreError.parametersTooExpensive("pbkdf2 c=\(c)") }
                let key = try KDF.Insecure.PBKDF2.deriveKey(from: pw, salt: salt, using: .sha256,
                                                            outputByteCount: dkLen, unsafeUncheckedRounds: c)
                return key.withUnsafeBytes { Array($0) }
            }
        } catch let error as KeystoreError {
            throw error
        } catch {
            throw .malformed("key derivation failed (\(error))")
        }
    }

    static func aesCTR(_ key: [UInt8], iv: [UInt8], _ input: [UInt8]) throws(KeystoreError) -> [UInt8] {
        do {
            let out = try AES._CTR.encrypt(input, using: SymmetricKey(data: key), nonce: AES._CTR.Nonce(nonceBytes: iv))
            return Array(out)
        } catch {
            throw .malformed("AES-128-CTR failed (\(error))")
        }
    }
}

/// Compares two byte strings without an early exit, so timing does not
/// reveal how much of a MAC matched.
func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    var diff: UInt8 = 0
    for i in 0..<a.count { diff |= a[i] ^ b[i] }
    return diff == 0
}
