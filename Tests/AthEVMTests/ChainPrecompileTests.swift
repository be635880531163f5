import AthCrypto
import AthPrimitives
import AthTestSupport
import Testing
@testable import AthEVM

/// This chain's own precompiles: 0xa01 GEMM_I8_ENTRY (docs/gemm-i8.md) and
/// 0xa02 ED25519_VERIFY. Entry values come from docs/gemm_i8_reference.py
/// through scripts/gemm_entry_vectors.py; signatures from RFC 8032 §7.1.
@Suite struct ChainPrecompileTests {
    static let gemm = Address(low: 0x0a01)
    static let ed25519 = Address(low: 0x0a02)
    static let ample: UInt64 = 10_000_000

    static func run(_ address: Address, _ input: [UInt8], gas: UInt64 = ample) -> PrecompileResult {
        Precompile.run(address, input: input, gasLimit: gas, chainPrecompiles: true)
    }

    /// A 32-byte word holding `v` as a two's-complement int256.
    static func int256(_ v: Int64) -> [UInt8] {
        (v < 0 ? UInt256.zero &- UInt256(UInt64(-v)) : UInt256(UInt64(v))).bigEndianBytes
    }

    // MARK: Switch

    @Test func chainPrecompilesExistOnlyWhenEnabled() {
        for a in [Self.gemm, Self.ed25519] {
            #expect(Precompile.isPrecompile(a, chainPrecompiles: true))
            #expect(!Precompile.isPrecompile(a))
            #expect(Precompile.run(a, input: Self.entryInput(1, 1, 1, 0, 0), gasLimit: Self.ample) == .failure)
        }
        #expect(Precompile.chainAddresses == [Self.gemm, Self.ed25519])
        #expect(!Precompile.isPrecompile(Address(low: 0x0a00), chainPrecompiles: true))
        #expect(!Precompile.isPrecompile(Address(low: 0x0a03), chainPrecompiles: true))
        #expect(!Precompile.isPrecompile(Address(low: 0x0b), chainPrecompiles: true))
        #expect(Precompile.isPrecompile(Address(low: 0x01), chainPrecompiles: true))
    }

    @Test func aCallToTheAddressIsAPlainEmptyAccountWhenDisabled() {
        // Call data to memory 0, CALL(gas, 0xa02, 0, 0, calldatasize, 0x80, 32), return the word at 0x80.
        let input = Self.rfc8032[0].input
        let code = returningTop([0x36, 0x5f, 0x5f, 0x37, 0x60, 0x20, 0x60, 0x80, 0x36, 0x5f, 0x5f, 0x61, 0x0a, 0x02,
                                 0x5a, 0xf1, 0x50, 0x60, 0x80, 0x51])
        var off = testBlock
        off.chainPrecompiles = false
        var on = testBlock
        on.chainPrecompiles = true
        for (block, expected) in [(off, UInt256.zero), (on, UInt256.one)] {
            let state = makeState(code: code)
            state.warmAccount(Self.ed25519)
            let m = Message(kind: .call, target: contractAddress, codeAddress: contractAddress, caller: callerAddress,
                            value: .zero, input: input, gas: 100_000)
            let result = executeOnJournaledState(state, block: block,
                                                 transaction: TransactionContext(origin: callerAddress, gasPrice: 1),
                                                 message: m)
            #expect(result.status == .success)
            #expect(word(result.output) == expected)
        }
    }

    // MARK: 0xa01 GEMM_I8_ENTRY

    static let seed = hexBytes("e3a8677878e1b3518bc826db8103dcbecaf9021908e128e8d98210e7bedeccd1")

    static func entryInput(_ m: UInt64, _ n: UInt64, _ k: UInt64, _ i: UInt64, _ j: UInt64) -> [UInt8] {
        seed + [m, n, k, i, j].flatMap { UInt256($0).bigEndianBytes }
    }

    struct EntryVector: Sendable, CustomTestStringConvertible {
        let m: UInt64, n: UInt64, k: UInt64, i: UInt64, j: UInt64, value: Int64, gas: UInt64
        var testDescription: String { "m=\(m) n=\(n) k=\(k) C[\(i)][\(j)]" }
    }

    /// `python scripts/gemm_entry_vectors.py`: tiny, non-square, n below, at
    /// and above 64 (packed or scattered column bytes), a packed column over
    /// many 64-block reads, boundary entries i = m − 1, j = n − 1, and k = 16,384.
    static let entries: [EntryVector] = ([
        (1, 1, 1, 0, 0, -43, 1120),
        (3, 5, 4, 0, 1, 11079, 1120),
        (3, 5, 4, 2, 4, -112, 1120),
        (7, 33, 19, 6, 32, 32070, 1720),
        (7, 33, 19, 3, 0, 40137, 1720),
        (5, 100, 70, 4, 99, -13622, 5320),
        (4, 64, 65, 3, 63, -105796, 5020),
        (2, 63, 5000, 1, 62, 451988, 301060),
        (9, 2, 300, 8, 1, 131951, 1960),
        (16384, 16384, 16384, 16383, 16383, -394710, 999400),
        (16384, 1, 16384, 16383, 0, 157389, 31720),
        (1, 1, 16384, 0, 0, -228660, 31720),
    ] as [(UInt64, UInt64, UInt64, UInt64, UInt64, Int64, UInt64)]).map { EntryVector(m: $0.0, n: $0.1, k: $0.2, i: $0.3, j: $0.4, value: $0.5, gas: $0.6) }

    @Test(arguments: entries)
    func gemmEntryMatchesTheReference(_ v: EntryVector) {
        let input = Self.entryInput(v.m, v.n, v.k, v.i, v.j)
        #expect(Self.run(Self.gemm, input) == .success(gasUsed: v.gas, output: Self.int256(v.value)))
        #expect(Self.run(Self.gemm, input, gas: v.gas) == .success(gasUsed: v.gas, output: Self.int256(v.value)))
        #expect(Self.run(Self.gemm, input, gas: v.gas - 1) == .failure)
    }

    @Test func gemmEntryGasIsBasePlusBlocksRead() {
        // 1,000 + 60 per block; k = 16,384 at the largest shape stays near 1M gas.
        let worst = Precompile.GemmI8Entry.decode(Self.entryInput(16384, 16384, 16384, 16383, 16383))!
        #expect(Precompile.GemmI8Entry.keystreamBlocks(worst) == (a: 256, b: 16384))
        let unaligned = Precompile.GemmI8Entry.decode(Self.entryInput(16384, 16384, 16383, 5, 0))!
        #expect(Precompile.GemmI8Entry.keystreamBlocks(unaligned) == (a: 257, b: 16383))
        #expect(Precompile.GemmI8Entry.baseGas + Precompile.GemmI8Entry.blockGas * (257 + 16384) < 1_100_000)
    }

    @Test func gemmEntryRefusesBadInput() {
        let good = Self.entryInput(4, 4, 4, 3, 3)
        #expect(Self.run(Self.gemm, good) != .failure)
        var cases: [[UInt8]] = [[], Array(good.dropLast()), good + [0], [UInt8](repeating: 0, count: 192)]
        for (word, value) in [(1, 0), (2, 0), (3, 0), (1, 16385), (2, 16385), (3, 16385), (4, 4), (5, 4), (4, 5), (5, 1000)] {
            var bad = good
            bad.replaceSubrange((32 * word)..<(32 * word + 32), with: UInt256(UInt64(value)).bigEndianBytes)
            cases.append(bad)
        }
        for word in 1...5 {  // a high byte set: far above any bound
            var bad = good
            bad[32 * word] = 1
            cases.append(bad)
            bad = good
            bad[32 * word + 27] = 1  // 2^32 + the value
            cases.append(bad)
        }
        for input in cases { #expect(Self.run(Self.gemm, input) == .failure) }
    }

    @Test func gemmEntryAcceptsTheBoundsOfEachDimension() {
        for (m, n, k) in [(16384, 1, 1), (1, 16384, 1), (1, 1, 16384)] as [(UInt64, UInt64, UInt64)] {
            if case .failure = Self.run(Self.gemm, Self.entryInput(m, n, k, m - 1, n - 1)) {
                Issue.record("m=\(m) n=\(n) k=\(k) refused")
            }
        }
    }

    // MARK: 0xa02 ED25519_VERIFY

    struct Signed: Sendable, CustomTestStringConvertible {
        let name: String, publicKey: [UInt8], signature: [UInt8], message: [UInt8]
        var input: [UInt8] { publicKey + signature + message }
        var testDescription: String { name }
    }

    /// RFC 8032 §7.1, TEST 1–3.
    static let rfc8032: [Signed] = [
        Signed(name: "TEST 1",
               publicKey: hexBytes("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"),
               signature: hexBytes("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"),
               message: []),
        Signed(name: "TEST 2",
               publicKey: hexBytes("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"),
               signature: hexBytes("92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"),
               message: hexBytes("72")),
        Signed(name: "TEST 3",
               publicKey: hexBytes("fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025"),
               signature: hexBytes("6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"),
               message: hexBytes("af82")),
    ]

    static let one = UInt256.one.bigEndianBytes
    static let zero = [UInt8](repeating: 0, count: 32)

    @Test(arguments: rfc8032)
    func ed25519VerifiesRFC8032Vectors(_ v: Signed) {
        #expect(Self.run(Self.ed25519, v.input) == .success(gasUsed: 4_512 - (v.message.isEmpty ? 12 : 0), output: Self.one))
    }

    @Test(arguments: rfc8032)
    func ed25519AnyFlippedBitGivesZero(_ v: Signed) {
        let input = v.input
        let gas: UInt64 = v.message.isEmpty ? 4_500 : 4_512
        // Every bit of the key and signature, and of the message when there is one.
        for bit in 0..<(8 * input.count) {
            var flipped = input
            flipped[bit / 8] ^= 1 << (bit % 8)
            #expect(Self.run(Self.ed25519, flipped) == .success(gasUsed: gas, output: Self.zero), "bit \(bit)")
        }
        // A byte more or less of message is another message.
        #expect(Self.run(Self.ed25519, input + [0]) == .success(gasUsed: 4_512, output: Self.zero))
    }

    @Test func ed25519MalformedKeysAndSignaturesGiveZero() {
        let v = Self.rfc8032[1]
        // S ≥ L (non-canonical): add L = 2^252 + 27742317777372353535851937790883648493 to S.
        let l = hexBytes("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")  // little-endian
        var s = Array(v.signature[32..<64])
        var carry = 0
        for i in 0..<32 {
            let sum = Int(s[i]) + Int(l[i]) + carry
            s[i] = UInt8(sum & 0xff)
            carry = sum >> 8
        }
        let nonCanonicalS = Array(v.signature[0..<32]) + s
        let smallOrderKey = [1] + [UInt8](repeating: 0, count: 31)  // the identity point
        let cases: [[UInt8]] = [
            v.publicKey + nonCanonicalS + v.message,
            smallOrderKey + v.signature + v.message,
            [UInt8](repeating: 0xff, count: 32) + v.signature + v.message,  // not a point's encoding
            v.publicKey + [UInt8](repeating: 0, count: 64) + v.message,
        ]
        for input in cases { #expect(Self.run(Self.ed25519, input) == .success(gasUsed: 4_512, output: Self.zero)) }
    }

    @Test func ed25519FailsOnShortInputAndBelowItsGas() {
        let v = Self.rfc8032[0]
        #expect(Self.run(Self.ed25519, []) == .failure)
        #expect(Self.run(Self.ed25519, Array(v.input.prefix(95))) == .failure)
        #expect(Self.run(Self.ed25519, v.input, gas: 1_999) == .failure)
        #expect(Self.run(Self.ed25519, v.input, gas: 4_500) == .success(gasUsed: 4_500, output: Self.one))
    }

    @Test(arguments: [(0, 4_500), (1, 4_512), (32, 4_512), (33, 4_524), (1024, 4_884), (8192, 7_572)] as [(Int, UInt64)])
    func ed25519GasIs4500Plus12PerMessageWord(length: Int, gas: UInt64) {
        let key = try! Ed25519PrivateKey(seed: [UInt8](repeating: 7, count: 32))
        let message = [UInt8](repeating: 0x5a, count: length)
        let input = key.publicKey.bytes + key.sign(message) + message
        #expect(Self.run(Self.ed25519, input) == .success(gasUsed: gas, output: Self.one))
        #expect(Self.run(Self.ed25519, input, gas: gas - 1) == .failure)
    }
}
