import AthCrypto
import AthPrimitives
import Testing

@Suite struct SodiumTests {
    @Test func sha256KnownAnswers() {
        #expect(SHA256Hash.hash([]) == hash32("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"))
        #expect(SHA256Hash.hash(Array("abc".utf8)) == hash32("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"))
    }

    @Test func secureRandomGivesFreshBytes() {
        #expect(SecureRandom.bytes(0).isEmpty)
        let a = SecureRandom.bytes(32), b = SecureRandom.bytes(32)
        #expect(a.count == 32 && a != b)
    }

    // MARK: Argon2id

    /// Cheapest accepted cost, so the test stays fast.
    static let cheap = Argon2id.Limits(opsLimit: 1, memLimit: 8192)

    @Test func argon2idIsDeterministicAndSaltAndPasswordSensitive() throws {
        let salt = [UInt8](repeating: 7, count: 16)
        let key = try Argon2id.deriveKey(password: Array("hunter2".utf8), salt: salt, outputCount: 32, limits: Self.cheap)
        #expect(key.count == 32)
        #expect(try Argon2id.deriveKey(password: Array("hunter2".utf8), salt: salt, outputCount: 32, limits: Self.cheap) == key)
        #expect(try Argon2id.deriveKey(password: Array("hunter3".utf8), salt: salt, outputCount: 32, limits: Self.cheap) != key)
        var otherSalt = salt
        otherSalt[0] = 8
        #expect(try Argon2id.deriveKey(password: Array("hunter2".utf8), salt: otherSalt, outputCount: 32, limits: Self.cheap) != key)
        #expect(try Argon2id.deriveKey(password: [], salt: salt, outputCount: 16, limits: Self.cheap).count == 16)
    }

    @Test func argon2idInteractiveLimitsAreLibsodiums() throws {
        #expect(Argon2id.interactive == Argon2id.Limits(opsLimit: 2, memLimit: 64 << 20))
        #expect(Argon2id.moderate == Argon2id.Limits(opsLimit: 3, memLimit: 256 << 20))
        let key = try Argon2id.deriveKey(password: Array("pw".utf8), salt: [UInt8](repeating: 1, count: 16),
                                         outputCount: 32, limits: .interactive)
        #expect(key.count == 32)
    }

    @Test func argon2idRefusesBadParameters() {
        let password = Array("pw".utf8)
        #expect(throws: Argon2idError.wrongSaltLength(got: 8, expected: 16)) {
            try Argon2id.deriveKey(password: password, salt: [UInt8](repeating: 0, count: 8), outputCount: 32, limits: Self.cheap)
        }
        #expect(throws: Argon2idError.outputCountOutOfRange(got: 8, allowed: 16...1024)) {
            try Argon2id.deriveKey(password: password, salt: [UInt8](repeating: 0, count: 16), outputCount: 8, limits: Self.cheap)
        }
        #expect(throws: Argon2idError.self) {
            try Argon2id.deriveKey(password: password, salt: [UInt8](repeating: 0, count: 16), outputCount: 32, opsLimit: 0, memLimit: 8192)
        }
        #expect(throws: Argon2idError.self) {
            try Argon2id.deriveKey(password: password, salt: [UInt8](repeating: 0, count: 16), outputCount: 32, opsLimit: 1, memLimit: 1024)
        }
    }

    // MARK: XChaCha20-Poly1305

    static let key = [UInt8](repeating: 0x42, count: 32)
    static let nonce = [UInt8](repeating: 0x24, count: 24)

    @Test func sealOpenRoundTrip() throws {
        for plaintext in [[], Array("frame payload".utf8), [UInt8](repeating: 9, count: 10_000)] {
            let sealed = try XChaCha20Poly1305.seal(plaintext: plaintext, key: Self.key, nonce: Self.nonce, aad: [1, 2])
            #expect(sealed.count == plaintext.count + XChaCha20Poly1305.tagCount)
            #expect(try XChaCha20Poly1305.open(ciphertext: sealed, key: Self.key, nonce: Self.nonce, aad: [1, 2]) == plaintext)
        }
    }

    @Test func tamperingIsDetected() throws {
        let plaintext = Array("transfer 10 ATH".utf8)
        let sealed = try XChaCha20Poly1305.seal(plaintext: plaintext, key: Self.key, nonce: Self.nonce, aad: [7])
        for index in [0, plaintext.count - 1, sealed.count - 1] {
            var altered = sealed
            altered[index] ^= 0x80
            #expect(throws: AEADError.authenticationFailed) {
                try XChaCha20Poly1305.open(ciphertext: altered, key: Self.key, nonce: Self.nonce, aad: [7])
            }
        }
        #expect(throws: AEADError.authenticationFailed) {
            try XChaCha20Poly1305.open(ciphertext: sealed, key: Self.key, nonce: Self.nonce, aad: [8])
        }
        var otherNonce = Self.nonce
        otherNonce[23] ^= 1
        #expect(throws: AEADError.authenticationFailed) {
            try XChaCha20Poly1305.open(ciphertext: sealed, key: Self.key, nonce: otherNonce, aad: [7])
        }
        #expect(throws: AEADError.authenticationFailed) {
            try XChaCha20Poly1305.open(ciphertext: Array(sealed.dropLast()), key: Self.key, nonce: Self.nonce, aad: [7])
        }
    }

    @Test func badLengthsAreRefusedNotTrapped() {
        #expect(throws: AEADError.wrongKeyLength(got: 16, expected: 32)) {
            try XChaCha20Poly1305.seal(plaintext: [1], key: [UInt8](repeating: 0, count: 16), nonce: Self.nonce)
        }
        #expect(throws: AEADError.wrongNonceLength(got: 12, expected: 24)) {
            try XChaCha20Poly1305.open(ciphertext: [UInt8](repeating: 0, count: 32), key: Self.key, nonce: [UInt8](repeating: 0, count: 12))
        }
        #expect(throws: AEADError.ciphertextTooShort(got: 15, minimum: 16)) {
            try XChaCha20Poly1305.open(ciphertext: [UInt8](repeating: 0, count: 15), key: Self.key, nonce: Self.nonce)
        }
    }
}
