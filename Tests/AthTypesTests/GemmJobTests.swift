import Testing
import AthPrimitives
import AthCrypto
import AthTypes

/// The gemm-i8 format against values from docs/gemm_i8_reference.py (an
/// independent Python implementation: pycryptodome's ChaCha20 and Keccak,
/// eth_abi, integer arithmetic).
struct GemmJobTests {
    static let seed = (try! Hash32(hex: "0xe3a8677878e1b3518bc826db8103dcbecaf9021908e128e8d98210e7bedeccd1"))

    @Test func chacha20MatchesRFC8439() {
        // RFC 8439 §2.4.2: key 00…1f, nonce 00000000 0000004a 00000000, block 1.
        let key = Hash32(Array(0..<32 as Range<UInt8>))!
        let stream = ChaCha20.keystream(key: key, nonce: [0, 0, 0, 0, 0, 0, 0, 0x4a, 0, 0, 0, 0], counter: 1, count: 16)
        #expect(Hex.encode(stream) == "0x224f51f3401bd9e12fde276fb8631ded")
    }

    @Test(arguments: [
        (3, 5, 4, 20, "0x9263ee282241f12d1e4e17c5fd89f7f93c9a9915812fafe68f176e6ba5d8458d",
         "0xb23daaa8a6d7adf75f2d57d8bb25275658fa744f7d5d9c9348dc0f585afeed80", [Int32(-720), 11079, -2560, -1006, -1159]),
        (1, 1, 1, 1, "0xc32bc5bf719d921a6a239b4d3302b4e650cd80b042bf336e9c2f5e68a3bae1ce",
         "0x7a2587aee06dd601638b7abc45479d0bbbc28ebd52eab9843c500c97eba7c9d0", [Int32(-43)]),
    ])
    func specHashProductAndRootMatchTheReference(m: Int, n: Int, k: Int, rounds: Int, specHash: String, root: String,
                                                 row0: [Int32]) throws {
        let spec = try GemmSpec(m: m, n: n, k: k, seed: Self.seed, rounds: rounds)
        #expect(spec.hash == (try! Hash32(hex: specHash)))
        let c = spec.referenceProduct()
        #expect(Array(c.prefix(n)) == row0)
        #expect(RowMerkleTree(rowsOf: c, n: n).root == (try! Hash32(hex: root)))
        #expect(try GemmSpec(decoding: spec.encoded) == spec)
    }

    @Test func largerProductMatchesTheReference() throws {
        let spec = try GemmSpec(m: 7, n: 33, k: 19, seed: Self.seed, rounds: 20)
        #expect(Array(spec.matrixA().prefix(4)) == [-43, 5, 101, 52])
        #expect(Array(spec.matrixB().prefix(4)) == [1, 49, -40, 55])
        let c = spec.referenceProduct()
        #expect(c.reduce(0) { $0 + Int64($1) } == -98533)
        #expect(c[6 * 33 + 32] == 32070)
        #expect(RowMerkleTree(rowsOf: c, n: 33).root
                == (try! Hash32(hex: "0xeb93cac3b6e77637c2d3a024e50f51935b750a47b8c2f4b4dafb7fe63714e436")))
    }

    @Test func everyRowHasAProofAndForgeriesFail() {
        for count in [1, 2, 3, 5, 8, 13] {
            let leaves = (0..<count).map { Keccak256.hash([UInt8(truncatingIfNeeded: $0)]) }
            let tree = RowMerkleTree(leaves: leaves)
            for i in 0..<count {
                let proof = tree.proof(index: i)
                #expect(RowMerkleTree.verify(leaf: leaves[i], index: i, count: count, proof: proof, root: tree.root))
                #expect(!RowMerkleTree.verify(leaf: Keccak256.hash([0xff, 0xfe]), index: i, count: count, proof: proof, root: tree.root))
                if count > 1 {
                    #expect(!RowMerkleTree.verify(leaf: leaves[i], index: (i + 1) % count, count: count, proof: proof, root: tree.root))
                    #expect(!RowMerkleTree.verify(leaf: leaves[i], index: i, count: count, proof: proof + [tree.root], root: tree.root))
                }
            }
            #expect(!RowMerkleTree.verify(leaf: leaves[0], index: count, count: count, proof: [], root: tree.root))
        }
    }

    @Test func hostileSpecsAreRefused() throws {
        let good = try GemmSpec(m: 4, n: 4, k: 4, seed: Self.seed, rounds: 8).encoded
        var cases: [[UInt8]] = [[], Array(good.dropLast()), good + [0]]
        var otherKind = good; otherKind[0] ^= 1; cases.append(otherKind)
        var huge = good; huge[32] = 1; cases.append(huge)                   // m ≥ 2^248
        var zero = good; zero[63] = 0; cases.append(zero)                   // m = 0
        var big = good; big[93] = 0x01; big[94] = 0; big[95] = 0; cases.append(big)  // n = 65,536
        var noRounds = good; noRounds[191] = 0; cases.append(noRounds)
        var manyRounds = good; manyRounds[191] = 65; cases.append(manyRounds)
        for bytes in cases { #expect(throws: JobSpecError.self) { try GemmSpec(decoding: bytes) } }
        #expect(throws: JobSpecError.self) { try GemmSpec(m: 16_385, n: 1, k: 1, seed: Self.seed, rounds: 1) }
    }

    @Test func workUnitsAreMebiMultiplyAdds() throws {
        #expect(try GemmSpec(m: 1024, n: 1024, k: 1024, seed: Self.seed, rounds: 1).workUnits == 1024)
        #expect(try GemmSpec(m: 1, n: 1, k: 1, seed: Self.seed, rounds: 1).workUnits == 1)
    }
}

/// Attestation digests and signatures against eth-account's
/// `encode_typed_data` and `sign_message` (key 0x11…11, chain 7331, Oracle
/// at 0x…1004, job 42, root 0xab…ab, valid, 1,024 units, round 3).
struct AttestationTests {
    static let domain = OracleDomain(chainID: 7331, oracle: Address(low: 0x1004))
    static let attestation = JobAttestation(jobID: UInt256(42), resultRoot: Hash32([UInt8](repeating: 0xab, count: 32))!,
                                            verdict: .valid, workUnits: UInt256(1024), round: UInt256(3))

    @Test func digestAndSignatureMatchEthAccount() throws {
        #expect(Self.attestation.digest(Self.domain)
                == (try Hash32(hex: "0x26d9a2ec2de8f5046b1768209f5d8c231fe8e5804724a08841103f5d4945bcbb")))
        let key = try Secp256k1PrivateKey([UInt8](repeating: 0x11, count: 32))
        let signature = Self.attestation.sign(Self.domain, key: key)
        #expect(Hex.encode(signature) == "0xb46752e882ddc82e60f71cdf55540202fbdab1655284d4ce6f18cbdac8714f55"
                + "69bca4121576634c19a7002c586acc8f6a81cfb7cf8e7f31e64b4d779b64d7721b")
        let signer = try Address(hex: "0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A")
        #expect(Self.attestation.signer(of: signature, domain: Self.domain) == signer)
    }

    @Test func otherFieldsOrDomainsAndMalformedSignaturesDoNotRecoverTheSigner() throws {
        let key = try Secp256k1PrivateKey([UInt8](repeating: 0x11, count: 32))
        let signature = Self.attestation.sign(Self.domain, key: key)
        let signer = Self.attestation.signer(of: signature, domain: Self.domain)
        var other = Self.attestation; other.verdict = .invalid
        #expect(other.signer(of: signature, domain: Self.domain) != signer)
        #expect(Self.attestation.signer(of: signature, domain: OracleDomain(chainID: 7332, oracle: Address(low: 0x1004))) != signer)
        var badV = signature; badV[64] = 29
        #expect(Self.attestation.signer(of: badV, domain: Self.domain) == nil)
        #expect(Self.attestation.signer(of: Array(signature.prefix(64)), domain: Self.domain) == nil)
        var highS = signature; highS[32] = 0xff
        #expect(Self.attestation.signer(of: highS, domain: Self.domain) == nil)
    }
}
