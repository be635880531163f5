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

    /// draft-irtf-cfrg-xchacha-03, appendix A.3.1.
    static let draftVector = (
        key: hexBytes("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"),
        nonce: hexBytes("404142434445464748494a4b4c4d4e4f5051525354555657"),
        aad: hexBytes("50515253c0c1c2c3c4c5c6c7"),
        plaintext: Array("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.".utf8),
        sealed: hexBytes("bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b4522f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff921f9664c97637da9768812f615c68b13b52e"
            + "c0875924c1c7987947deafd8780acf49"))

    @Test func draftTestVectorSealsAndOpensEveryWay() throws {
        let v = Self.draftVector
        #expect(try XChaCha20Poly1305.seal(plaintext: v.plaintext, key: v.key, nonce: v.nonce, aad: v.aad) == v.sealed)
        #expect(try XChaCha20Poly1305.open(ciphertext: v.sealed, key: v.key, nonce: v.nonce, aad: v.aad) == v.plaintext)
        var box = v.plaintext + [UInt8](repeating: 0, count: XChaCha20Poly1305.tagCount)
        try box.withUnsafeMutableBytes { try XChaCha20Poly1305.sealInPlace($0, key: v.key, nonce: v.nonce, aad: v.aad) }
        #expect(box == v.sealed)
        let opened = try box.withUnsafeMutableBytes {
            Array(try XChaCha20Poly1305.openInPlace($0, key: v.key, nonce: v.nonce, aad: v.aad))
        }
        #expect(opened == v.plaintext)
        #expect(try streamSeal(v.plaintext, cuts: [1, 63, 64, 100], key: v.key, nonce: v.nonce, aad: v.aad) == v.sealed)
        #expect(try streamOpen(v.sealed, cuts: [5, 70], key: v.key, nonce: v.nonce, aad: v.aad) == v.plaintext)
    }

    /// Lengths around the 16-byte Poly1305 and 64-byte ChaCha20 block edges, and a large one.
    static let edgeLengths = [0, 1, 15, 16, 17, 63, 64, 65, 127, 128, 129, 1000, 70_001]

    static func pattern(_ count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 17) }
    }

    @Test(arguments: edgeLengths)
    func inPlaceFormsMatchTheArrayForms(count: Int) throws {
        let plaintext = Self.pattern(count)
        let sealed = try XChaCha20Poly1305.seal(plaintext: plaintext, key: Self.key, nonce: Self.nonce, aad: [3])
        var box = plaintext + [UInt8](repeating: 0xff, count: XChaCha20Poly1305.tagCount)
        try box.withUnsafeMutableBytes { try XChaCha20Poly1305.sealInPlace($0, key: Self.key, nonce: Self.nonce, aad: [3]) }
        #expect(box == sealed)
        let opened = try box.withUnsafeMutableBytes {
            Array(try XChaCha20Poly1305.openInPlace($0, key: Self.key, nonce: Self.nonce, aad: [3]))
        }
        #expect(opened == plaintext)
    }

    @Test func inPlaceOpenRefusesTamperingAndShortBoxes() throws {
        let sealed = try XChaCha20Poly1305.seal(plaintext: Array("transfer 10 ATH".utf8), key: Self.key, nonce: Self.nonce)
        for index in [0, sealed.count - 1] {
            var altered = sealed
            altered[index] ^= 0x80
            #expect(throws: AEADError.authenticationFailed) {
                try altered.withUnsafeMutableBytes { _ = try XChaCha20Poly1305.openInPlace($0, key: Self.key, nonce: Self.nonce) }
            }
        }
        var short = [UInt8](repeating: 0, count: 15)
        #expect(throws: AEADError.ciphertextTooShort(got: 15, minimum: 16)) {
            try short.withUnsafeMutableBytes { try XChaCha20Poly1305.sealInPlace($0, key: Self.key, nonce: Self.nonce) }
        }
        #expect(throws: AEADError.ciphertextTooShort(got: 15, minimum: 16)) {
            try short.withUnsafeMutableBytes { _ = try XChaCha20Poly1305.openInPlace($0, key: Self.key, nonce: Self.nonce) }
        }
        var box = [UInt8](repeating: 0, count: 32)
        #expect(throws: AEADError.wrongKeyLength(got: 31, expected: 32)) {
            try box.withUnsafeMutableBytes { try XChaCha20Poly1305.sealInPlace($0, key: Array(Self.key.dropLast()), nonce: Self.nonce) }
        }
    }

    // MARK: XChaCha20-Poly1305 in pieces

    /// Seals `plaintext` in the pieces between `cuts`; returns ciphertext ‖ tag.
    private func streamSeal(_ plaintext: [UInt8], cuts: [Int], key: [UInt8] = SodiumTests.key, nonce: [UInt8] = SodiumTests.nonce,
                            aad: [UInt8] = []) throws -> [UInt8] {
        let stream = try XChaCha20Poly1305.Streaming(key: key, nonce: nonce, aad: aad)
        var out = [UInt8](repeating: 0, count: plaintext.count)
        let bounds = [0] + cuts.filter { $0 > 0 && $0 < plaintext.count } + [plaintext.count]
        plaintext.withUnsafeBytes { input in
            out.withUnsafeMutableBytes { output in
                for (a, b) in zip(bounds, bounds.dropFirst()) {
                    stream.encrypt(UnsafeRawBufferPointer(rebasing: input[a..<b]),
                                   into: UnsafeMutableRawBufferPointer(rebasing: output[a..<b]))
                }
            }
        }
        #expect(stream.count == UInt64(plaintext.count))
        return out + stream.tag()
    }

    /// Opens `sealed` in place, in the pieces between `cuts`; nil when the tag does not verify.
    private func streamOpen(_ sealed: [UInt8], cuts: [Int], key: [UInt8] = SodiumTests.key, nonce: [UInt8] = SodiumTests.nonce,
                            aad: [UInt8] = []) throws -> [UInt8]? {
        let stream = try XChaCha20Poly1305.Streaming(key: key, nonce: nonce, aad: aad)
        let count = sealed.count - XChaCha20Poly1305.tagCount
        var box = sealed
        let bounds = [0] + cuts.filter { $0 > 0 && $0 < count } + [count]
        let verified = box.withUnsafeMutableBytes { bytes in
            for (a, b) in zip(bounds, bounds.dropFirst()) {
                let piece = UnsafeMutableRawBufferPointer(rebasing: bytes[a..<b])
                stream.decrypt(UnsafeRawBufferPointer(piece), into: piece)
            }
            return stream.verify(tag: UnsafeRawBufferPointer(rebasing: bytes[count...]))
        }
        return verified ? Array(box.prefix(count)) : nil
    }

    @Test(arguments: edgeLengths)
    func piecesGiveTheSameBoxAsOneShot(count: Int) throws {
        let plaintext = Self.pattern(count)
        let sealed = try XChaCha20Poly1305.seal(plaintext: plaintext, key: Self.key, nonce: Self.nonce, aad: [1, 2, 3])
        // Whole, byte by byte at the start, across block edges, and pseudo-random pieces.
        var random = [Int](), at = 0, seed = UInt64(count) &+ 7
        while at < count {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            at += 1 + Int(seed >> 33) % 300
            random.append(at)
        }
        for cuts in [[], [1, 2, 3], [1, 63, 64, 65, 129, 200], [16, 32, 48, 64, 80], random] {
            #expect(try streamSeal(plaintext, cuts: cuts, aad: [1, 2, 3]) == sealed)
            #expect(try streamOpen(sealed, cuts: cuts, aad: [1, 2, 3]) == plaintext)
        }
    }

    @Test func piecesRefuseTamperingAndTheWrongAAD() throws {
        let plaintext = Self.pattern(300)
        let sealed = try XChaCha20Poly1305.seal(plaintext: plaintext, key: Self.key, nonce: Self.nonce, aad: [7])
        for index in [0, 64, 299, 300, sealed.count - 1] {
            var altered = sealed
            altered[index] ^= 0x01
            #expect(try streamOpen(altered, cuts: [100], aad: [7]) == nil)
        }
        #expect(try streamOpen(sealed, cuts: [100], aad: [8]) == nil)
        #expect(try streamOpen(sealed, cuts: [100], aad: [7]) == plaintext)
        let stream = try XChaCha20Poly1305.Streaming(key: Self.key, nonce: Self.nonce)
        #expect(!stream.verify(tag: UnsafeRawBufferPointer(start: nil, count: 0)))
        #expect(throws: AEADError.wrongNonceLength(got: 12, expected: 24)) {
            try XChaCha20Poly1305.Streaming(key: Self.key, nonce: [UInt8](repeating: 0, count: 12))
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
