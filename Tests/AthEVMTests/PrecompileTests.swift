import AthPrimitives
import AthTestSupport
import Testing
@testable import AthEVM

/// Known-answer tests for the precompiles 0x01–0x0a (Cancun). Vectors come
/// from the EIPs (EIP-152, EIP-198) and from py_ecc / pycryptodome /
/// eth-keys cross-checks.
@Suite struct PrecompileTests {
    static func hex(_ text: String) -> [UInt8] { try! Hex.decode(text) }
    static func word(_ n: UInt64) -> [UInt8] { UInt256(n).bigEndianBytes }
    static let ample: UInt64 = 10_000_000

    static func run(_ n: UInt64, _ input: [UInt8], gas: UInt64 = ample) -> PrecompileResult {
        Precompile.run(Address(low: n), input: input, gasLimit: gas)
    }

    // MARK: Dispatch

    @Test func precompileAddressesAreOneThroughTen() {
        #expect(!Precompile.isPrecompile(.zero))
        for n in UInt64(1)...10 { #expect(Precompile.isPrecompile(Address(low: n))) }
        #expect(!Precompile.isPrecompile(Address(low: 11)))
        #expect(!Precompile.isPrecompile(Address(low: 0x0100)))
        #expect(Self.run(11, []) == .failure)
    }

    @Test func pointEvaluationIsNotImplementedAndFails() {
        #expect(Self.run(0x0a, [UInt8](repeating: 0, count: 192)) == .failure)
    }

    // MARK: 0x01 ecrecover

    static let signedHash = hex("73cfd12912bbcd11e0f77dd854bfbd81f0c5295da4775e681ca025fe6d1de0d5")
    static let r = hex("4212dc49c5640f34425d0c1598a3d5119c3a2bc1051841fb62ae1bf6530c315f")
    static let s = hex("5025f347f44d595742a72ab9e7e9f52e89fe2c0122312d730604b2f0d921fc82")
    static let highS = hex("afda0cb80bb2a6a8bd58d54618160ad030b0b0e58d1772c8b9cdab9bf71444bf")
    static let signer = [UInt8](repeating: 0, count: 12) + hex("2c7536E3605D9C16a7a3D7b1898e529396a65c23")

    @Test func ecrecoverReturnsTheSigner() {
        let input = Self.signedHash + Self.word(28) + Self.r + Self.s
        #expect(Self.run(1, input) == .success(gasUsed: 3000, output: Self.signer))
    }

    @Test func ecrecoverAcceptsHighS() {
        let input = Self.signedHash + Self.word(27) + Self.r + Self.highS
        #expect(Self.run(1, input) == .success(gasUsed: 3000, output: Self.signer))
    }

    @Test func ecrecoverGivesEmptyOutputForInvalidSignatures() {
        let order = Self.hex("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141")
        var highV = Self.word(28)
        highV[0] = 1  // 2^248 + 28: v must be the whole word
        let cases: [[UInt8]] = [
            Self.signedHash + Self.word(29) + Self.r + Self.s,
            Self.signedHash + Self.word(1) + Self.r + Self.s,
            Self.signedHash + highV + Self.r + Self.s,
            Self.signedHash + Self.word(28) + Self.word(0) + Self.s,
            Self.signedHash + Self.word(28) + Self.r + Self.word(0),
            Self.signedHash + Self.word(28) + order + Self.s,
            Self.signedHash + Self.word(28) + Self.r + order,
            [],
        ]
        for input in cases { #expect(Self.run(1, input) == .success(gasUsed: 3000, output: [])) }
    }

    @Test func ecrecoverPadsShortInputAndIgnoresExtraInput() {
        let full = Self.signedHash + Self.word(28) + Self.r + Self.s
        #expect(Self.run(1, full + [1, 2, 3]) == .success(gasUsed: 3000, output: Self.signer))
        // Cut after v: r and s read as zero, which no signature has.
        #expect(Self.run(1, Array(full.prefix(64))) == .success(gasUsed: 3000, output: []))
        // Cut inside s: a different s, so a different (valid) signer.
        let other = Self.run(1, Array(full.prefix(100)))
        #expect(other != .success(gasUsed: 3000, output: Self.signer))
        #expect(other != .success(gasUsed: 3000, output: []))
    }

    @Test func ecrecoverFailsBelowItsGas() {
        #expect(Self.run(1, [], gas: 2999) == .failure)
    }

    // MARK: 0x02 sha256, 0x03 ripemd160, 0x04 identity

    @Test func sha256KnownDigests() {
        #expect(Self.run(2, []) == .success(gasUsed: 60, output:
            Self.hex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")))
        #expect(Self.run(2, Array("abc".utf8)) == .success(gasUsed: 72, output:
            Self.hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")))
        #expect(Self.run(2, [UInt8](repeating: 0x61, count: 100)) == .success(gasUsed: 60 + 4 * 12, output:
            Self.hex("2816597888e4a0d3a36b82b83316ab32680eb8f00f8cd3b904d681246d285a0e")))
        #expect(Self.run(2, Array("abc".utf8), gas: 71) == .failure)
    }

    @Test func ripemd160KnownDigestsLeftPadded() {
        let pad = [UInt8](repeating: 0, count: 12)
        #expect(Self.run(3, []) == .success(gasUsed: 600, output:
            pad + Self.hex("9c1185a5c5e9fc54612808977ee8f548b2258d31")))
        #expect(Self.run(3, Array("abc".utf8)) == .success(gasUsed: 720, output:
            pad + Self.hex("8eb208f7e05d987a9b044a8e98c6b087f15a0bfc")))
        // 100 bytes: two compression blocks.
        #expect(Self.run(3, [UInt8](repeating: 0x61, count: 100)) == .success(gasUsed: 600 + 4 * 120, output:
            pad + Self.hex("fdcd0faf7faa5b59f4b5757dc8bc901091880461")))
        #expect(Self.run(3, [], gas: 599) == .failure)
    }

    @Test func identityCopiesInput() {
        #expect(Self.run(4, []) == .success(gasUsed: 15, output: []))
        let input = [UInt8](0..<33)
        #expect(Self.run(4, input) == .success(gasUsed: 15 + 2 * 3, output: input))
        #expect(Self.run(4, input, gas: 20) == .failure)
    }

    // MARK: 0x05 modexp

    static let secpP = hex("fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f")
    static let secpPMinus1 = hex("fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2e")
    static let secpPMinus2 = hex("fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2d")

    @Test func modexpFermatEIP198() {
        // 3^(p−1) mod p = 1; 16 words², 255 iterations: 16·255/3 = 1360 gas.
        let input = Self.word(1) + Self.word(32) + Self.word(32) + [3] + Self.secpPMinus1 + Self.secpP
        #expect(Self.run(5, input) == .success(gasUsed: 1360, output: Self.word(1)))
        #expect(Self.run(5, input, gas: 1359) == .failure)
    }

    @Test func modexpZeroBaseEIP198() {
        // 0^(p−2) mod p with an empty base.
        let input = Self.word(0) + Self.word(32) + Self.word(32) + Self.secpPMinus2 + Self.secpP
        #expect(Self.run(5, input) == .success(gasUsed: 1360, output: Self.word(0)))
    }

    @Test func modexpZeroModulusGivesZeros() {
        let input = Self.word(1) + Self.word(1) + Self.word(2) + [2, 3, 0, 0]
        #expect(Self.run(5, input) == .success(gasUsed: 200, output: [0, 0]))
        // Modulus 1 also gives zero; x^0 = 1 otherwise, and 0^0 = 1.
        #expect(Self.run(5, Self.word(1) + Self.word(1) + Self.word(1) + [2, 3, 1])
            == .success(gasUsed: 200, output: [0]))
        #expect(Self.run(5, Self.word(1) + Self.word(1) + Self.word(1) + [0, 0, 7])
            == .success(gasUsed: 200, output: [1]))
    }

    @Test func modexpEmptyInputAndEmptyModulus() {
        #expect(Self.run(5, []) == .success(gasUsed: 200, output: []))
        #expect(Self.run(5, Self.word(3) + Self.word(1) + Self.word(0) + [1, 2, 3, 4])
            == .success(gasUsed: 200, output: []))
    }

    @Test func modexpHugeLengthsFailWithoutAllocating() {
        let huge = [UInt8](repeating: 0xff, count: 32)
        #expect(Self.run(5, huge + Self.word(1) + Self.word(1), gas: .max) == .failure)
        #expect(Self.run(5, Self.word(1) + Self.word(1) + huge, gas: .max) == .failure)
        #expect(Self.run(5, Self.word(1) + huge + Self.word(1) + [2, 1], gas: .max) == .failure)
        // 2^32 bytes of modulus: about 2^58 gas, refused against any real limit.
        #expect(Self.run(5, Self.word(0) + Self.word(0) + Self.word(1 << 32)) == .failure)
        // With no base and no modulus the exponent's length does not matter.
        #expect(Self.run(5, Self.word(0) + huge + Self.word(0)) == .success(gasUsed: 200, output: []))
    }

    @Test func modexpLongExponentPricing() {
        // A 64-byte exponent 0xff·2^504: iterations 8·(64 − 32) + 255 = 511,
        // complexity 1, so 511 / 3 = 170 → the 200 minimum. 3 has order 6
        // mod 7 and 6 divides the exponent: the result is 1.
        let exponent = [UInt8](repeating: 0xff, count: 1) + [UInt8](repeating: 0, count: 63)
        let input = Self.word(1) + Self.word(64) + Self.word(1) + [3] + exponent + [7]
        #expect(Self.run(5, input) == .success(gasUsed: 200, output: [1]))
        // 300 words of modulus with that exponent: 300² · 511 / 3.
        let big = Self.word(1) + Self.word(64) + Self.word(2400) + [3] + exponent
        #expect(Self.run(5, big, gas: 300 * 300 * 511 / 3 - 1) == .failure)
    }

    struct ModExpCase: Sendable, CustomStringConvertible {
        let input: String, output: String, gas: UInt64
        var description: String { String(input.prefix(200)) }
    }

    static let modexpCases: [ModExpCase] = [
        ModExpCase(input:
            "000000000000000000000000000000000000000000000000000000000000000100000000000000000000000000000000"
            + "000000000000000000000000000000010000000000000000000000000000000000000000000000000000000000000001"
            + "52f2a7",
                   output: "08", gas: 200),
        ModExpCase(input:
            "000000000000000000000000000000000000000000000000000000000000000800000000000000000000000000000000"
            + "000000000000000000000000000000030000000000000000000000000000000000000000000000000000000000000008"
            + "a6a3a4506513270e0c5c7fd23f0824128b2f32",
                   output: "84eee809e3b28da0", gas: 200),
        ModExpCase(input:
            "000000000000000000000000000000000000000000000000000000000000000900000000000000000000000000000000"
            + "000000000000000000000000000000050000000000000000000000000000000000000000000000000000000000000009"
            + "5d1818e811892f902b0e9531985db681e74ef5e8e25d95",
                   output: "7d86a42655015d8076", gas: 200),
        ModExpCase(input:
            "000000000000000000000000000000000000000000000000000000000000002800000000000000000000000000000000"
            + "000000000000000000000000000000210000000000000000000000000000000000000000000000000000000000000021"
            + "0f21ddb66cad4a268d116ece1738f7d93d9c172411e20b8f6b0d549b6f03675a1600a35a099950d8f2953f48f1a09f76"
            + "b5a170b33839263059f28c105d1fb17c2390c192cfd3ac94af8e0becd7b03898d190f9ebdacc0cb1e29c658cda1495e6"
            + "0af593bd04cf0fd630f0",
                   output: "5712304d4aff500ddfcceaad237a60104093aa326471cf44fd96f801cc8eaa1270", gas: 2191),
        ModExpCase(input:
            "000000000000000000000000000000000000000000000000000000000000004000000000000000000000000000000000"
            + "000000000000000000000000000000140000000000000000000000000000000000000000000000000000000000000040"
            + "923a736994e3bf911a61dbe22e44158bae97ba94d0eda82f8f6d05584ef8aa38922766581e27a1c08a6a63ec24ede6a4"
            + "6b4cb2424a23d5962217beaddbc496cb8c38fb2918f135d25f557203301850c5a38fd547f403e430ec66a78795e761d1"
            + "7731af10506bf2efc6f877186d76b07e881ed162ae2eb1547f15052434b9b5df9e7769b10f4205b4907a70c31012f037"
            + "b64ce423",
                   output: "3a37883cf53a2e13817a3d28c6898525064e650bcbbfe23e1895f2bac9313228a4c0fc112023967310c133022f7f8037cbe122922f29e660a79d453f658d8d04", gas: 3392),
        ModExpCase(input:
            "000000000000000000000000000000000000000000000000000000000000006400000000000000000000000000000000"
            + "0000000000000000000000000000000c0000000000000000000000000000000000000000000000000000000000000064"
            + "2a3af4d46b0a18e8830e07bc1e398f1012bd4acefaecbd389be4bcfc49b64a0872e6cc3ababced2057ee05cde00902c7"
            + "7ebff206867347214cdd2055930d6eaf14f4733f3e7d1bfbc7a2ea20b2f14c942e05319acb5c74273f98e2774cbd87ad"
            + "5c90a95826e875555790f82ec1d3fcff97f5e837d70820fe119a72d174c9df6acc011cdd9474031b7f26144b98289fcd"
            + "59a54a7bb1fee08f571242425051c1ccd17f9acae01f5057ca02135e92b1d3f28ede0d7ac3baea9e13deef86ab1031d0"
            + "f646e1f40a097c976bf46c697d2caf82eeeacbe2",
                   output: "4c6ed2d1bc9d63af278c9261cc19690085cac379fec5e74ffb73e04b4c6c596a532645f1765e64e6ff5ab23537cfe3c21d5aea313e01450f33813fb92f42a9b2311c564116764fb0c623b55481b9a6a733630487d970a14e6556657a1ab14520c5cc498e", gas: 5239),
        ModExpCase(input:
            "000000000000000000000000000000000000000000000000000000000000001100000000000000000000000000000000"
            + "000000000000000000000000000000020000000000000000000000000000000000000000000000000000000000000082"
            + "aab2715945795e8229451abd81f1d69ed610a3e41565dc9f503f63af83bd0561e6211c70cf49952399c4aaeac137dc76"
            + "fb0f17a3007e62aa0a1df9fd789c6539382b0537e65affb2297631a992f0ce583505c6af0758d5563dab2cd31ee31512"
            + "8862c33a4fb774eb5248db40af72158370d269a9a5ae658f33fe3b890b93f448b3a5aa3c814f426dcbb394fb36bb2d42"
            + "0f0f88080b",
                   output: "b996593e701be110f6dcb4d8e75091e9d22b39d25385d9141537c970e3f369e7c4f068674c05b6a774d0e4ffc272f84ea4979009512e7d147790b0b0e7771d7da77a82dfa3a5d2e53edd6a8b26b0d1df139b51bcd46e3ab16c7359fbcf35ccc95ddf6561469701dc38fb10a2d145f39a4dcec350d0af642483e8444a9a3f0bda0ed1", gas: 1156),
        ModExpCase(input:
            "000000000000000000000000000000000000000000000000000000000000008200000000000000000000000000000000"
            + "000000000000000000000000000000040000000000000000000000000000000000000000000000000000000000000011"
            + "03163bbbe9eaa8948c893b61867626bb7dbd2d1c9af0153e7c2a26a2c0bd3b1287fff52ddf5d616499c9e25a7605aec6"
            + "f0245bd86d40fc891b4a6a50df4db4d66a3a47469a4d8cdb305fdd2e16096e36aab0d1bc52d9230d977ee22571594720"
            + "771f8ca8181166d2287672fdf2022a96fb1a14a0f9e77f1b103cdf1582b0eab477d27c26847fc843435cc52eae05cf96"
            + "d0cc5fd4c28c2e",
                   output: "9162487bf939d4c0b2daa37e5c07b5cde4", gas: 2890),
    ]

    /// Random sizes, odd and even moduli, base longer and shorter than the
    /// modulus; expected values from Python's pow and the EIP-2565 formula.
    @Test(arguments: modexpCases) func modexpMatchesReference(_ vector: ModExpCase) {
        #expect(Self.run(5, Self.hex(vector.input)) == .success(gasUsed: vector.gas, output: Self.hex(vector.output)))
    }

    /// Even moduli q·2^k (k from 1 to 319), odd bases, and an even base with
    /// a power of two; expected values from Python's pow.
    static let modexpEvenCases: [(input: String, output: String)] = [
        ("000000000000000000000000000000000000000000000000000000000000000800000000000000000000000000000000000000000000000000000000000000050000000000000000000000000000000000000000000000000000000000000008"
        + "269e0d37f2a74de518a6a3a4508000000000000000", "5cba30924bdd7cc1"),
        ("000000000000000000000000000000000000000000000000000000000000001000000000000000000000000000000000000000000000000000000000000000050000000000000000000000000000000000000000000000000000000000000010"
        + "36f675cc81e74ef5e8e25d940ed90475de1600a35a128b2f50000000000000000000000000", "0b18a66502ee6be3a11a1c9169c38d99"),
        ("000000000000000000000000000000000000000000000000000000000000002000000000000000000000000000000000000000000000000000000000000000050000000000000000000000000000000000000000000000000000000000000020"
        + "90c192cfd3ac94af0f21ddb66cad4a268d116ece1738f7d93d9c172411e20b8f72f28c105d8000000000000000000000000000000000000000000000000000000000000000", "2529c7450f49147502b2e66f46bcc59398c78c59556ac6fec4ef7c99e841bd4f"),
        ("000000000000000000000000000000000000000000000000000000000000004000000000000000000000000000000000000000000000000000000000000000050000000000000000000000000000000000000000000000000000000000000040"
        + "34b9b5df9e7769b10f4205b4907a70c31012f037b64ce4228c38fb2918f135d25f557203301850c5a38fd547923a736994e3bf911a61dbe22e44158bae97ba95ee506bf2ef95e6093bd04cf0fd630f1f29d0da9953f48f1a09f76b5a170b339000000000000000000000000000000000000000000000000000000000000000000000000000", "7534c3ae15d910739a601e84955c179b7c52975bf7012353155adce6f9256c903148112d7eedf6b30cc84afa09429b0d5d2cb38f5ea25f8b73b1f1eb31974afd"),
        ("000000000000000000000000000000000000000000000000000000000000000300000000000000000000000000000000000000000000000000000000000000050000000000000000000000000000000000000000000000000000000000000003"
        + "e807c9995c90a95895e762", "1e78b9"),
        ("000000000000000000000000000000000000000000000000000000000000002800000000000000000000000000000000000000000000000000000000000000050000000000000000000000000000000000000000000000000000000000000028"
        + "6b0a18e8830e07bc1e398f1012bd4acefaecbd389be4bcfc49b64a0872e6cc3ababced2057ee05cdafc1d3fcff80000000000000000000000000000000000000000000000000000000000000000000000000000000", "1f5822a17efc680a9efeec41a71091d9f8909f908edd2b4d68af1cf6b2ba1e9ca7a9fc143d80b305"),
        ("000000000000000000000000000000000000000000000000000000000000000900000000000000000000000000000000000000000000000000000000000000010000000000000000000000000000000000000000000000000000000000000009"
        + "0000000000000000060b400000000000000000", "0000000000159fd800"),
    ]

    @Test func modexpEvenModuliMatchPython() {
        for (input, output) in Self.modexpEvenCases {
            guard case .success(_, let got) = Self.run(5, Self.hex(input)) else {
                Issue.record("modexp failed on \(input)")
                continue
            }
            #expect(got == Self.hex(output), "\(input)")
        }
    }

    /// The Montgomery/CRT path against the plain square-and-multiply
    /// reference (`BigNat.power`) on seeded random operands: moduli of 1 to
    /// 1024 bytes that are 0, 1, odd, even, powers of two, q·2^k with a large
    /// k, or all ones; bases empty, one, random, all ones or longer than the
    /// modulus; exponents empty, zero, one, short, 32 and 33+ bytes.
    @Test(arguments: [1, 2, 3, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 48, 64, 65, 100, 128, 129, 256, 257, 512, 1024])
    func modexpMatchesSchoolbookReference(_ modulusLength: Int) {
        var random = SplitMix64(seed: UInt64(modulusLength))
        let exponentLengths = modulusLength >= 256 ? [0, 1, 2, 32] : [0, 1, 2, 3, 32, 33, 70]
        for modulusKind in 0..<7 {
            var modulus = random.bytes(modulusLength)
            switch modulusKind {
            case 0: modulus = [UInt8](repeating: 0, count: modulusLength)
            case 1: modulus = [UInt8](repeating: 0, count: modulusLength - 1) + [1]
            case 2: modulus[modulusLength - 1] |= 1
            case 3: modulus[modulusLength - 1] &= 0xfe
            case 4:  // a power of two
                modulus = [UInt8](repeating: 0, count: modulusLength)
                let bit = Int(random.next() % UInt64(8 * modulusLength))
                modulus[modulusLength - 1 - bit / 8] = 1 << UInt8(bit % 8)
            case 5:  // odd · 2^k, k about half the bits
                for i in (modulusLength + 1) / 2..<modulusLength { modulus[i] = 0 }
                modulus[(modulusLength - 1) / 2] |= 1
            default: modulus = [UInt8](repeating: 0xff, count: modulusLength)
            }
            for baseKind in 0..<5 {
                let base: [UInt8]
                switch baseKind {
                case 0: base = []
                case 1: base = [1]
                case 2: base = random.bytes(modulusLength)
                case 3: base = [UInt8](repeating: 0xff, count: modulusLength)
                default: base = [0xff] + random.bytes(modulusLength + 2)  // ≥ modulus
                }
                for exponentLength in exponentLengths {
                    var exponent = random.bytes(exponentLength)
                    if exponentLength == 1 && baseKind % 2 == 0 { exponent = [UInt8(baseKind / 2)] }  // 0 or 1
                    let input = Self.word(UInt64(base.count)) + Self.word(UInt64(exponent.count))
                        + Self.word(UInt64(modulusLength)) + base + exponent + modulus
                    let expected = BigNat.power(BigNat(Operand(base), from: 0, count: UInt64(base.count)),
                                                exponent: Operand(exponent), from: 0, count: UInt64(exponent.count),
                                                modulus: BigNat(Operand(modulus), from: 0, count: UInt64(modulusLength)))
                    guard case .success(_, let output) = Self.run(5, input, gas: .max) else {
                        Issue.record("modexp failed: modulus kind \(modulusKind), base kind \(baseKind)")
                        continue
                    }
                    #expect(output == expected.bigEndianBytes(count: modulusLength),
                            "modulus kind \(modulusKind), base kind \(baseKind), exponent \(exponentLength) B")
                }
            }
        }
    }

    /// Exponent bits past the input are zeros; the fast path takes them as
    /// trailing squarings.
    @Test func modexpTrailingZeroBitsMatchReference() {
        var random = SplitMix64(seed: 99)
        for modulusLength in [1, 8, 9, 32, 64] {
            for odd in [true, false] {
                var modulus = random.bytes(modulusLength)
                modulus[0] |= 0x80
                if odd { modulus[modulusLength - 1] |= 1 } else { modulus[modulusLength - 1] &= 0xfc }
                let base = random.bytes(modulusLength), exponent = random.bytes(3)
                let b = BigNat(Operand(base), from: 0, count: UInt64(base.count))
                let m = BigNat(Operand(modulus), from: 0, count: UInt64(modulusLength))
                for zeroBytes in [0, 1, 5, 40] {
                    let expected = BigNat.power(b, exponent: Operand(exponent), from: 0,
                                                count: UInt64(exponent.count + zeroBytes), modulus: m)
                    let got = ModularPower.power(b, exponent: exponent, zeroBits: UInt64(8 * zeroBytes), modulus: m)
                    #expect(got == expected, "modulus \(modulusLength) B, \(zeroBytes) zero bytes")
                }
            }
        }
    }

    // MARK: 0x09 blake2f (EIP-152 test vectors)

    static let blakeBody = "48c9bdf267e6096a3ba7ca8485ae67bb2bf894fe72f36e3cf1361d5f3af54fa5d182e6ad7f520e511f6c3e2b8c68059b6bbd41fbabd9831f79217e1319cde05b"
        + "6162630000000000000000000000000000000000000000000000000000000000" + String(repeating: "0", count: 192)
        + "0300000000000000" + "0000000000000000"

    @Test func blake2fRejectsBadLengthAndFlag() {
        #expect(Self.run(9, []) == .failure)  // vector 0
        #expect(Self.run(9, Self.hex("00000c" + Self.blakeBody + "01")) == .failure)  // vector 1: 212 bytes
        #expect(Self.run(9, Self.hex("000000000c" + Self.blakeBody + "01")) == .failure)  // vector 2: 214 bytes
        #expect(Self.run(9, Self.hex("0000000c" + Self.blakeBody + "02")) == .failure)  // vector 3: flag 2
    }

    @Test func blake2fVectors() {
        #expect(Self.run(9, Self.hex("00000000" + Self.blakeBody + "01")) == .success(gasUsed: 0, output: Self.hex(
            "08c9bcf367e6096a3ba7ca8485ae67bb2bf894fe72f36e3cf1361d5f3af54fa5d282e6ad7f520e511f6c3e2b8c68059b9442be0454267ce079217e1319cde05b")))
        #expect(Self.run(9, Self.hex("0000000c" + Self.blakeBody + "01")) == .success(gasUsed: 12, output: Self.hex(
            "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923")))
        #expect(Self.run(9, Self.hex("0000000c" + Self.blakeBody + "00")) == .success(gasUsed: 12, output: Self.hex(
            "75ab69d3190a562c51aef8d88f1c2775876944407270c42c9844252c26d2875298743e7f6d5ea2f2d3e8d226039cd31b4e426ac4f2d3d666a610c2116fde4735")))
        #expect(Self.run(9, Self.hex("00000001" + Self.blakeBody + "01")) == .success(gasUsed: 1, output: Self.hex(
            "b63a380cb2897d521994a85234ee2c181b5f844d2c624c002677e9703449d2fba551b3a8333bcdf5f2f7e08993d53923de3d64fcc68c034e717b9293fed7a421")))
    }

    @Test func blake2fChargesOneGasPerRoundBeforeRunning() {
        // Vector 8 (2^32 − 1 rounds) is refused on gas before any work.
        #expect(Self.run(9, Self.hex("ffffffff" + Self.blakeBody + "01"), gas: 100_000_000) == .failure)
        #expect(Self.run(9, Self.hex("0000000c" + Self.blakeBody + "01"), gas: 11) == .failure)
    }

    // MARK: 0x06, 0x07 bn254 add and mul

    static let g1 = word(1) + word(2)
    static let twoG1 = hex("030644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd315ed738c0e0a7c92e7845f96b2ae9c0a68a6a449e3538fc7ff3ebf7a5a18a2c4")
    static let threeG1 = hex("0769bf9ac56bea3ff40232bcb1b6bd159315d84715b8e679f2d355961915abf02ab799bee0489429554fdb7c8d086475319e63b40b9c5b57cdf1ff3dd9fe2261")
    static let negG1 = hex("000000000000000000000000000000000000000000000000000000000000000130644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd45")
    static let zeroPoint = [UInt8](repeating: 0, count: 64)
    static let fieldModulus = hex("30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47")
    static let groupOrder = hex("30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001")

    @Test func bn254AddKnownSums() {
        #expect(Self.run(6, Self.g1 + Self.g1) == .success(gasUsed: 150, output: Self.twoG1))
        #expect(Self.run(6, Self.g1 + Self.twoG1) == .success(gasUsed: 150, output: Self.threeG1))
        #expect(Self.run(6, Self.g1 + Self.negG1) == .success(gasUsed: 150, output: Self.zeroPoint))
        #expect(Self.run(6, Self.g1 + Self.zeroPoint) == .success(gasUsed: 150, output: Self.g1))
        #expect(Self.run(6, []) == .success(gasUsed: 150, output: Self.zeroPoint))
        #expect(Self.run(6, Self.g1) == .success(gasUsed: 150, output: Self.g1))  // padded second point
        #expect(Self.run(6, Self.g1 + Self.g1, gas: 149) == .failure)
    }

    @Test func bn254AddRejectsInvalidPoints() {
        #expect(Self.run(6, Self.word(1) + Self.word(3) + Self.g1) == .failure)  // off the curve
        // x = 1 + p: the same residue as the generator's x, but not canonical.
        var xPlusP = UInt256(bigEndianBytes: Self.fieldModulus)!
        xPlusP = xPlusP &+ UInt256(1)
        #expect(Self.run(6, xPlusP.bigEndianBytes + Self.word(2) + Self.zeroPoint) == .failure)
        #expect(Self.run(6, Self.zeroPoint + Self.fieldModulus + Self.word(0)) == .failure)
    }

    @Test func bn254ScalarMulKnownProducts() {
        #expect(Self.run(7, Self.g1 + Self.word(2)) == .success(gasUsed: 6000, output: Self.twoG1))
        #expect(Self.run(7, Self.g1 + Self.word(3)) == .success(gasUsed: 6000, output: Self.threeG1))
        let scalar = Self.hex("1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef")
        #expect(Self.run(7, Self.g1 + scalar) == .success(gasUsed: 6000, output: Self.hex("19c1e4e5202ab724d766a7dd7534562e225d0e33c8ce19b697eb719d39954fdb1c16dbebb5e86b0d5a9a8454af8c4faad6dea7d798144bbdd01631c592073b3b")))
        #expect(Self.run(7, Self.g1 + Self.groupOrder) == .success(gasUsed: 6000, output: Self.zeroPoint))
        #expect(Self.run(7, Self.g1 + Self.word(0)) == .success(gasUsed: 6000, output: Self.zeroPoint))
        #expect(Self.run(7, Self.zeroPoint + Self.word(5)) == .success(gasUsed: 6000, output: Self.zeroPoint))
        // Scalars are not reduced first: r + 2 gives 2·G.
        let rPlus2 = UInt256(bigEndianBytes: Self.groupOrder)! &+ UInt256(2)
        #expect(Self.run(7, Self.g1 + rPlus2.bigEndianBytes) == .success(gasUsed: 6000, output: Self.twoG1))
        #expect(Self.run(7, Self.word(1) + Self.word(3) + Self.word(1)) == .failure)
        #expect(Self.run(7, Self.g1 + Self.word(2), gas: 5999) == .failure)
    }

    // MARK: 0x08 bn254 pairing check

    static let g2 = hex("198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c21800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa")
    static let twoG2 = hex("203e205db4f19b37b60121b83a7333706db86431c6d835849957ed8c3928ad7927dc7234fd11d3e8c36c59277c3e6f149d5cd3cfa9a62aee49f8130962b4b3b9195e8aa5b7827463722b8c153931579d3505566b4edf48d498e185f0509de15204bb53b8977e5f92a0bc372742c4830944a59b4fe6b1c0466e2a6dad122b5d2e")
    static let one = word(1)
    static let zero = word(0)

    @Test func pairingOfNothingIsOne() {
        #expect(Self.run(8, []) == .success(gasUsed: 45000, output: Self.one))
    }

    @Test func pairingWithItsInverseIsOne() {
        let input = Self.g1 + Self.g2 + Self.negG1 + Self.g2
        #expect(Self.run(8, input) == .success(gasUsed: 45000 + 2 * 34000, output: Self.one))
    }

    @Test func pairingOfGeneratorsIsNotOne() {
        #expect(Self.run(8, Self.g1 + Self.g2) == .success(gasUsed: 79000, output: Self.zero))
        #expect(Self.run(8, Self.g1 + Self.g2 + Self.g1 + Self.g2) == .success(gasUsed: 113_000, output: Self.zero))
    }

    @Test func pairingIsBilinear() {
        // e(2·G1, G2) · e(−G1, 2·G2) = 1.
        let doubled = Self.twoG1 + Self.g2 + Self.negG1 + Self.twoG2
        #expect(Self.run(8, doubled) == .success(gasUsed: 113_000, output: Self.one))
        // e(a·G1, b·G2) · e(−ab·G1, G2) = 1, and not with ab + 1.
        #expect(Self.run(8, Self.hex("1bd0f4114cdd90e60f61f2b61c5a40020563ab625ab5501b369e8056204055bc2ffd1882ccab94ca890888961a03dcea23cf782fc6c614c92534b3f3387ff6f70a3c400699e2a117d3ae6e631b229b2962597a4dd4c44443a39301d22765038f2997bba0462ea3efa5b701119a2d59e163a3b1dafce929485e4d5cc036bcc3551c34a1748900fc2d98b14204964171cec645f3243d4b523ec5d83d8abd55a1b701b384b9149ee1e64dfc35ac46e3aa4f228a72d2186368d20dce440388a02bc8016c187e23704c94e7a7bf702a4be364123a5692a090bd4d31ba9a6f261f31c825b18760053c3f837fb7ce99717866b7128eacb5bfc3e2f5260edf42f1e5840a198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c21800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa")) == .success(gasUsed: 113_000, output: Self.one))
        #expect(Self.run(8, Self.hex("1bd0f4114cdd90e60f61f2b61c5a40020563ab625ab5501b369e8056204055bc2ffd1882ccab94ca890888961a03dcea23cf782fc6c614c92534b3f3387ff6f70a3c400699e2a117d3ae6e631b229b2962597a4dd4c44443a39301d22765038f2997bba0462ea3efa5b701119a2d59e163a3b1dafce929485e4d5cc036bcc3551c34a1748900fc2d98b14204964171cec645f3243d4b523ec5d83d8abd55a1b701b384b9149ee1e64dfc35ac46e3aa4f228a72d2186368d20dce440388a02bc8140d345b39565de4ef82ac5f43b7e08b2dd0cda0c3f27c8b6351813fecda343d1ad002bbbfc1edfc295f2454c73356bb86100a442104a266e573d61f18f5b962198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c21800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa")) == .success(gasUsed: 113_000, output: Self.zero))
    }

    @Test func pairingSkipsPointsAtInfinity() {
        let zeroG2 = [UInt8](repeating: 0, count: 128)
        #expect(Self.run(8, Self.zeroPoint + Self.g2) == .success(gasUsed: 79000, output: Self.one))
        #expect(Self.run(8, Self.g1 + zeroG2) == .success(gasUsed: 79000, output: Self.one))
        #expect(Self.run(8, Self.g1 + zeroG2 + Self.g1 + Self.g2 + Self.negG1 + Self.g2)
            == .success(gasUsed: 147_000, output: Self.one))
    }

    @Test func pairingRejectsBadInput() {
        #expect(Self.run(8, [UInt8](repeating: 0, count: 191)) == .failure)  // not a multiple of 192
        #expect(Self.run(8, Self.g1 + Self.g2, gas: 78999) == .failure)
        #expect(Self.run(8, Self.word(1) + Self.word(3) + Self.g2) == .failure)  // G1 off the curve
        var offTwist = Self.g2
        offTwist[127] ^= 1
        #expect(Self.run(8, Self.g1 + offTwist) == .failure)
        var nonCanonical = Self.g2
        nonCanonical.replaceSubrange(0..<32, with: Self.fieldModulus)
        #expect(Self.run(8, Self.g1 + nonCanonical) == .failure)
        // On the twist but outside the order-r subgroup.
        #expect(Self.run(8, Self.g1 + Self.hex("000000000000000000000000000000000000000000000000000000000000000100000000000000000000000000000000000000000000000000000000000000022b76c179599bb92a963dac85546a005a777f7c13f6a7b75d5918b6b5808f5fde101f7278419308b95099eca02dcee0c5381f4d26d1d62313f057167f064101ce")) == .failure)
    }
}
