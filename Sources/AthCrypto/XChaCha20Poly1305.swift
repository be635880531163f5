import CSodium

/// Why an encryption or decryption was refused.
public enum AEADError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The key is not `XChaCha20Poly1305.keyCount` bytes.
    case wrongKeyLength(got: Int, expected: Int)
    /// The nonce is not `XChaCha20Poly1305.nonceCount` bytes.
    case wrongNonceLength(got: Int, expected: Int)
    /// The sealed box is shorter than its authentication tag, so it cannot be genuine.
    case ciphertextTooShort(got: Int, minimum: Int)
    /// The tag does not match: wrong key, nonce or associated data, or altered data.
    case authenticationFailed

    public var description: String {
        switch self {
        case .wrongKeyLength(let got, let expected):
            return "encryption key is \(got) bytes long, expected \(expected)"
        case .wrongNonceLength(let got, let expected):
            return "nonce is \(got) bytes long, expected \(expected)"
        case .ciphertextTooShort(let got, let minimum):
            return "ciphertext is \(got) bytes long, shorter than the \(minimum)-byte authentication tag"
        case .authenticationFailed:
            return "ciphertext failed authentication: wrong key, nonce or associated data, or the data was altered"
        }
    }
}

/// XChaCha20-Poly1305 authenticated encryption (libsodium's IETF variant): a
/// 32-byte key, a 24-byte nonce that is safe to pick at random, and a 16-byte
/// tag appended to the ciphertext. Used for P2P frames and key files.
public enum XChaCha20Poly1305 {
    public static let keyCount = Int(crypto_aead_xchacha20poly1305_ietf_KEYBYTES)
    public static let nonceCount = Int(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES)
    public static let tagCount = Int(crypto_aead_xchacha20poly1305_ietf_ABYTES)

    /// Encrypts `plaintext` and authenticates it together with `aad`; returns
    /// ciphertext followed by the tag (`plaintext.count + tagCount` bytes).
    /// Never reuse a (key, nonce) pair.
    public static func seal(plaintext: [UInt8], key: [UInt8], nonce: [UInt8],
                            aad: [UInt8] = []) throws(AEADError) -> [UInt8] {
        try checkLengths(key: key, nonce: nonce)
        Sodium.ensureInitialized()
        var out = [UInt8](repeating: 0, count: plaintext.count + tagCount)
        var outCount: UInt64 = 0
        out.withUnsafeMutableBufferPointer { outBuffer in
            plaintext.withUnsafeBufferPointer { m in
                aad.withUnsafeBufferPointer { ad in
                    _ = crypto_aead_xchacha20poly1305_ietf_encrypt(
                        outBuffer.baseAddress!, &outCount, m.baseAddress, UInt64(m.count),
                        ad.baseAddress, UInt64(ad.count), nil, nonce, key)
                }
            }
        }
        return out
    }

    /// Checks the tag and decrypts; throws `.authenticationFailed` when the
    /// ciphertext, tag, nonce, key or `aad` differ from what was sealed.
    public static func open(ciphertext: [UInt8], key: [UInt8], nonce: [UInt8],
                            aad: [UInt8] = []) throws(AEADError) -> [UInt8] {
        try checkLengths(key: key, nonce: nonce)
        guard ciphertext.count >= tagCount else {
            throw .ciphertextTooShort(got: ciphertext.count, minimum: tagCount)
        }
        Sodium.ensureInitialized()
        // One spare byte so the output pointer is never null for an empty message.
        var out = [UInt8](repeating: 0, count: ciphertext.count - tagCount + 1)
        var outCount: UInt64 = 0
        let status = out.withUnsafeMutableBufferPointer { outBuffer in
            ciphertext.withUnsafeBufferPointer { c in
                aad.withUnsafeBufferPointer { ad in
                    crypto_aead_xchacha20poly1305_ietf_decrypt(
                        outBuffer.baseAddress!, &outCount, nil, c.baseAddress!, UInt64(c.count),
                        ad.baseAddress, UInt64(ad.count), nonce, key)
                }
            }
        }
        guard status == 0 else { throw .authenticationFailed }
        out.removeLast(out.count - Int(outCount))
        return out
    }

    private static func checkLengths(key: [UInt8], nonce: [UInt8]) throws(AEADError) {
        guard key.count == keyCount else { throw .wrongKeyLength(got: key.count, expected: keyCount) }
        guard nonce.count == nonceCount else { throw .wrongNonceLength(got: nonce.count, expected: nonceCount) }
    }
}
