import AthCrypto
import AthPrimitives
import AthTestSupport
import Testing

@Suite struct Secp256k1Tests {
    /// The key of the EIP-155 example (32 bytes of 0x46).
    static let key46 = try! Secp256k1PrivateKey([UInt8](repeating: 0x46, count: 32))
    /// The EIP-155 example's signing hash and signature (v = 37, so recovery id 0).
    static let eip155Hash = hash32("daf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53")
    static let eip155R = "28ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276"
    static let eip155S = "67cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83"
    static let order = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"

    @Test func knownKeyHasKnownAddress() throws {
        #expect(Self.key46.address == (try Address(checksummed: "0x9d8A62f656a8d1615C1294fd71e9CFb3E4855A4F")))
        #expect(Self.key46.publicKey.xy == hexBytes(
            "4bc2a31265153f07e70e0bab08724e6b85e217f8cd628ceb62974247bb493382" +
            "ce28cab79ad7119ee1ad3ebcdb98a16805211530ecc6cfefa1b88e6dff99232a"))
    }

    @Test func signingMatchesEIP155ExampleAndRFC6979() throws {
        let signature = Secp256k1.sign(hash: Self.eip155Hash, key: Self.key46)
        #expect(signature.r == hexBytes(Self.eip155R))
        #expect(signature.s == hexBytes(Self.eip155S))
        #expect(signature.recoveryID == 0)
        #expect(try Secp256k1.recoverAddress(hash: Self.eip155Hash, signature: signature) == Self.key46.address)
    }

    @Test func signRecoverVerifyRoundTrip() throws {
        var random = SplitMix64(seed: 0x5ec9_256b)
        for _ in 0..<16 {
            let key = try Secp256k1PrivateKey(random.bytes(32))
            let hash = Hash32(random.bytes(32))!
            let signature = Secp256k1.sign(hash: hash, key: key)
            #expect(Secp256k1.sign(hash: hash, key: key) == signature, "RFC 6979 nonces are deterministic")
            #expect(try Secp256k1.recover(hash: hash, signature: signature) == key.publicKey)
            #expect(Secp256k1.verify(hash: hash, signature: signature, publicKey: key.publicKey))
            let otherHash = Keccak256.hash(hash.bytes)
            #expect(!Secp256k1.verify(hash: otherHash, signature: signature, publicKey: key.publicKey))
            #expect(try Secp256k1.recover(hash: otherHash, signature: signature) != key.publicKey)
            #expect(try RecoverableSignature(compact: signature.compact) == signature)
        }
    }

    @Test func generatedKeysWork() throws {
        let key = Secp256k1PrivateKey.generate()
        #expect(key != Secp256k1PrivateKey.generate())
        let hash = Keccak256.hash(Array("generated".utf8))
        #expect(try Secp256k1.recoverAddress(hash: hash, signature: Secp256k1.sign(hash: hash, key: key)) == key.address)
        #expect(try Secp256k1PrivateKey(key.bytes) == key)
    }

    @Test func describingAKeyDoesNotRevealIt() {
        let text = String(describing: Self.key46)
        #expect(text == "Secp256k1PrivateKey(address: 0x9d8A62f656a8d1615C1294fd71e9CFb3E4855A4F)")
        #expect(!String(reflecting: Self.key46).contains("4646"))
    }

    // MARK: EIP-2 and range checks in recover

    func eip155Signature(r: String? = nil, s: String? = nil, recoveryID: UInt8 = 0) throws -> RecoverableSignature {
        try RecoverableSignature(r: hexBytes(r ?? Self.eip155R), s: hexBytes(s ?? Self.eip155S), recoveryID: recoveryID)
    }

    @Test func highSIsRefused() throws {
        // n − s with the other recovery id is the same signature in its high-S form.
        let highS = "98341627668089e51348fccfb4c7ff31c55912f2d2e47ef09652acf665fad3be"
        let signature = try eip155Signature(s: highS, recoveryID: 1)
        #expect(throws: SignatureError.highS) { try Secp256k1.recover(hash: Self.eip155Hash, signature: signature) }
        #expect(!Secp256k1.verify(hash: Self.eip155Hash, signature: signature, publicKey: Self.key46.publicKey))
    }

    @Test func zeroROrOutOfRangeRIsRefused() throws {
        #expect(throws: SignatureError.rOutOfRange) {
            try Secp256k1.recover(hash: Self.eip155Hash, signature: eip155Signature(r: String(repeating: "00", count: 32)))
        }
        #expect(throws: SignatureError.rOutOfRange) {
            try Secp256k1.recover(hash: Self.eip155Hash, signature: eip155Signature(r: Self.order))
        }
    }

    @Test func sEqualToOrderOrZeroIsRefused() throws {
        #expect(throws: SignatureError.sOutOfRange) {
            try Secp256k1.recover(hash: Self.eip155Hash, signature: eip155Signature(s: Self.order))
        }
        #expect(throws: SignatureError.sOutOfRange) {
            try Secp256k1.recover(hash: Self.eip155Hash, signature: eip155Signature(s: "00"))
        }
    }

    @Test(arguments: [UInt8(2), 3, 27])
    func recoveryIDOtherThanZeroOrOneIsRefused(id: UInt8) throws {
        #expect(throws: SignatureError.invalidRecoveryID(id)) {
            try Secp256k1.recover(hash: Self.eip155Hash, signature: eip155Signature(recoveryID: id))
        }
    }

    @Test func rWithNoCurvePointIsUnrecoverable() throws {
        // x = 5: 5³ + 7 is not a square modulo p, so no point has this x.
        let signature = try eip155Signature(r: "05")
        #expect(throws: SignatureError.unrecoverable) { try Secp256k1.recover(hash: Self.eip155Hash, signature: signature) }
    }

    @Test func errorDescriptionsExplainTheRule() {
        #expect(SignatureError.highS.description == "signature s value is in the upper half of the curve order (EIP-2)")
        #expect(SignatureError.rOutOfRange.description == "signature r value is zero or not below the curve order")
        #expect(SignatureError.sOutOfRange.description == "signature s value is zero or not below the curve order")
        #expect(SignatureError.invalidRecoveryID(2).description == "recovery id 2 is not 0 or 1")
        #expect(SignatureError.unrecoverable.description == "signature does not recover to a valid public key")
    }

    // MARK: Encodings

    @Test func shortComponentsArePaddedAndLongOnesRefused() throws {
        let short = try RecoverableSignature(r: [0x01], s: [0x02, 0x03], recoveryID: 1)
        #expect(short.r == [UInt8](repeating: 0, count: 31) + [0x01])
        #expect(short.s == [UInt8](repeating: 0, count: 30) + [0x02, 0x03])
        #expect(throws: SignatureError.componentTooLong(.r, got: 33)) {
            try RecoverableSignature(r: [UInt8](repeating: 1, count: 33), s: [1], recoveryID: 0)
        }
        #expect(throws: SignatureError.wrongLength(got: 64, expected: 65)) {
            try RecoverableSignature(compact: [UInt8](repeating: 1, count: 64))
        }
    }

    @Test func privateKeysOutsideTheGroupAreRefused() {
        #expect(throws: KeyError.privateKeyOutOfRange) { try Secp256k1PrivateKey([UInt8](repeating: 0, count: 32)) }
        #expect(throws: KeyError.privateKeyOutOfRange) { try Secp256k1PrivateKey(hexBytes(Self.order)) }
        #expect(throws: KeyError.wrongLength(got: 31, expected: [32])) { try Secp256k1PrivateKey([UInt8](repeating: 1, count: 31)) }
        #expect(KeyError.privateKeyOutOfRange.description == "secp256k1 private key is zero or not below the curve order")
    }

    @Test func publicKeyEncodingsRoundTrip() throws {
        let key = Self.key46.publicKey
        #expect(key.uncompressed == [0x04] + key.xy)
        #expect(try Secp256k1PublicKey(sec1: key.compressed) == key)
        #expect(try Secp256k1PublicKey(sec1: key.uncompressed) == key)
        #expect(try Secp256k1PublicKey(xy: key.xy) == key)
        #expect(key.compressed.count == 33)
    }

    @Test func invalidPublicKeysAreRefused() {
        var offCurve = Self.key46.publicKey.uncompressed
        offCurve[64] ^= 1
        #expect(throws: KeyError.invalidPublicKey) { try Secp256k1PublicKey(sec1: offCurve) }
        #expect(throws: KeyError.invalidPublicKey) { try Secp256k1PublicKey(sec1: [0x05] + Self.key46.publicKey.xy) }
        #expect(throws: KeyError.wrongLength(got: 64, expected: [33, 65])) { try Secp256k1PublicKey(sec1: Self.key46.publicKey.xy) }
        #expect(KeyError.wrongLength(got: 64, expected: [33, 65]).description == "key is 64 bytes long, expected 33 or 65")
    }
}
