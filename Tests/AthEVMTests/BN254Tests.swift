import AthPrimitives
import AthTestSupport
import Testing
@testable import AthEVM

/// The bn254 fast paths (projective Miller loop, Scott et al. final
/// exponentiation, cyclotomic squaring, divstep inversion, width-5 NAF
/// multiplication, endomorphism subgroup check) against the plain
/// implementations they replaced, kept below as `BN254Reference`.
@Suite struct BN254Tests {
    static func hex(_ text: String) -> [UInt8] { try! Hex.decode(text) }
    static func g2(_ text: String) -> JacobianPoint<Fp2>? { BN254.g2(ArraySlice(hex(text))) }

    static var g1: JacobianPoint<Fp> { JacobianPoint(affineX: Fp(1), y: Fp(2)) }
    static var g2Generator: JacobianPoint<Fp2> { BN254.g2(ArraySlice(PrecompileTests.g2))! }

    static func randomFp(_ rng: inout SplitMix64) -> Fp {
        var value = Fp(l0: rng.next(), l1: rng.next(), l2: rng.next(), l3: rng.next() >> 3)
        if value.isAtLeastModulus { value = value - Fp(l0: Fp.p0, l1: Fp.p1, l2: Fp.p2, l3: Fp.p3) }
        return value
    }

    static func randomScalar(_ rng: inout SplitMix64) -> UInt256 {
        UInt256(limbs: rng.next(), rng.next(), rng.next(), rng.next())
    }

    static func randomFp12(_ rng: inout SplitMix64) -> Fp12 {
        func fp2() -> Fp2 { Fp2(c0: Self.randomFp(&rng), c1: Self.randomFp(&rng)) }
        return Fp12(c0: Fp6(c0: fp2(), c1: fp2(), c2: fp2()), c1: Fp6(c0: fp2(), c1: fp2(), c2: fp2()))
    }

    static func encodeG2(_ point: JacobianPoint<Fp2>) -> [UInt8] {
        guard let (x, y) = point.affine else { return [UInt8](repeating: 0, count: 128) }
        return x.c1.bigEndianBytes + x.c0.bigEndianBytes + y.c1.bigEndianBytes + y.c0.bigEndianBytes
    }

    // MARK: Field

    @Test func divstepInverseMatchesFermat() {
        var rng = SplitMix64(seed: 1)
        let minusOne = Fp.zero - Fp.one
        var values = [Fp.one, Fp(2), Fp(3), minusOne, Fp.one.halved, Fp(l0: 1, l1: 0, l2: 0, l3: 0)]
        for _ in 0..<500 { values.append(Self.randomFp(&rng)) }
        for value in values {
            #expect(value.inverse == value.fermatInverse)
            #expect(value * value.inverse == .one)
        }
        #expect(Fp.zero.inverse == .zero)
    }

    @Test func fieldArithmeticIsConsistent() {
        var rng = SplitMix64(seed: 2)
        for _ in 0..<200 {
            let a = Self.randomFp(&rng), b = Self.randomFp(&rng), c = Self.randomFp(&rng)
            #expect((a + b) * c == a * c + b * c)
            #expect(a - b + b == a)
            #expect(a.halved.doubled == a)
            #expect(a.negated + a == .zero)
            #expect(!(a * b).isAtLeastModulus && !(a + b).isAtLeastModulus && !(a - b).isAtLeastModulus)
        }
        let pMinusOne = Fp.zero - Fp.one
        #expect(pMinusOne * pMinusOne == .one)
    }

    @Test func cyclotomicSquaringMatchesSquaringAfterTheEasyPart() {
        var rng = SplitMix64(seed: 3)
        for _ in 0..<20 {
            let f = Self.randomFp12(&rng)
            let easy1 = f.conjugate * f.inverse
            let t = easy1.frobenius.frobenius * easy1
            #expect(t.cyclotomicSquared == t.squared)
            #expect(t.cyclotomicPowerX == t.power(limbs: [BN254Pairing.parameterX]))
            #expect(f.c0.squaredFast == f.c0 * f.c0)
        }
    }

    @Test func sparseLineProductMatchesDenseProduct() {
        var rng = SplitMix64(seed: 4)
        for _ in 0..<20 {
            let f = Self.randomFp12(&rng), g = Self.randomFp12(&rng)
            let (a, b, c) = (g.c0.c0, g.c1.c0, g.c1.c1)
            let line = Fp12(c0: Fp6(c0: a, c1: .zero, c2: .zero), c1: Fp6(c0: b, c1: c, c2: .zero))
            #expect(f.multiplied(byLine: a, b, c) == f * line)
        }
    }

    @Test func finalExponentiationMatchesTheGenericPower() {
        var rng = SplitMix64(seed: 5)
        for _ in 0..<4 {
            let f = Self.randomFp12(&rng)
            #expect(BN254Pairing.finalExponentiation(f) == BN254Reference.finalExponentiation(f))
        }
    }

    // MARK: Pairing

    @Test func projectiveMillerLoopMatchesTheAffineReference() {
        var rng = SplitMix64(seed: 6)
        for count in 1...3 {
            var pairs: [(JacobianPoint<Fp>, JacobianPoint<Fp2>)] = []
            for _ in 0..<count {
                let p = BN254Reference.multiplied(Self.g1, by: Self.randomScalar(&rng))
                let q = BN254Reference.multiplied(Self.g2Generator, by: Self.randomScalar(&rng))
                pairs.append((p, q))
            }
            var terms = pairs.map { pair in
                let p = pair.0.affine!, q = pair.1.affine!
                return MillerTerm(px: p.x, py: p.y, q: TwistPoint(x: q.x, y: q.y))
            }
            let fast = BN254Pairing.finalExponentiation(BN254Pairing.millerLoop(&terms))
            #expect(fast == BN254Reference.pairingProduct(pairs))
            #expect(fast != .one)
        }
    }

    @Test func pairingIsBilinearThroughThePrecompile() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<3 {
            let a = UInt256(rng.next()), b = UInt256(rng.next())
            let aP = Self.g1.multiplied(by: a)
            let bQ = Self.g2Generator.multiplied(by: b)
            // −ab·P as −(b·(a·P)).
            let minusAbP = aP.multiplied(by: b).negated
            let input = BN254.encode(aP) + Self.encodeG2(bQ) + BN254.encode(minusAbP) + PrecompileTests.g2
            #expect(PrecompileTests.run(8, input) == .success(gasUsed: 113_000, output: PrecompileTests.one))
            let wrong = BN254.encode(aP) + Self.encodeG2(bQ) + BN254.encode(minusAbP.adding(Self.g1)) + PrecompileTests.g2
            #expect(PrecompileTests.run(8, wrong) == .success(gasUsed: 113_000, output: PrecompileTests.zero))
        }
    }

    // MARK: G2 subgroup

    /// Twist points outside G2. The twist group is cyclic of square-free
    /// order r·h, h = 10069 · 5864401 · 1875725156269 · ℓ₄; a point of each
    /// prime order ℓ | h being refused shows the endomorphism test accepts
    /// exactly G2. Made with a plain Python model of the twist.
    static let outsideG2 = [
        "23445bb31738f7d93d9c172411e20b8f6b0d549b6f03675a1600a35a099950d80dbd9d7381e74ef5e8e25d940ed904759531985d5d9dc9f81818e811892f902b2b1b84bfc21e1beb24c243d78e7708c13fe099648e4d401260947b0f23311ae8089640eb115c71746298ca6700be9c43b81165b9020638372942fd8b929a1fbf",  // random: order r·h
        "271d88a12f567cd289890e4f30ae7031f84370ef358a9d96e301a6b96907919c1546b074c0fff63fb27929d77e3c02b75f5990daf69b3f71b8ede38666add02c1f869e8af47c997233f8847078fa01d42ad4a6e07f8a8545211eef870769a9631c719213168b8d2b318dd8e615485ef1b6f4d4197652f3b086a59366a3ca8556",  // order 10069
        "17a87b80be6448e59cbd54eeec0388ade81983594c7e47a93572443c1582919a055e93200467339eb8638c2ffbd45781ccf29c4d7e3c665c020bcc67f4751d730655f38d928625a41ad3ac99093a337770cd6a11027b328961b24889bd86b3fb0000e9b6457e8f55d556e20c899a6835495bcadb6961c8d6e811886bf2909b95",  // order 5864401
        "0d8e6a6456a551a3dedb9be855ce9ef2f05d836a822d7f8a9158ed99417de28617f4d8a0295bf58884e196cefc2fb5c39ec25d639a78f8c3273f38c7408cf9e50f94ed19377dfd6730b86d48c03ce5379273ed065e42f6ebb80676a5895193c31a528ece91f515dd55b2cb9f09b784bb8f7deda757b65bd2a63034d67e051942",  // order 1875725156269
        "2601becc860ee642831b4a512a5e3a963bef7c37f893fb4891ffdc7e4ee8c39b28f90f7cdc7acf60f26f664c1b6a6fb4906f450cba3ed355682f35d207e008260fafba4f61c1e33a5deff2c8bf880413e0897986816a4a8243e45f78f65041f72826a7f584f62a91d0eb1dd0ed985e86b060f4fd9723c76b4b82fb3c51fcbcca",  // order ℓ₄
        "01cdac922335b12d8d2315f4e0c92246d37c3ef37b23ce4aed2379a59aa78522000239cca1159c1448279e43543e743789126944e0e5740930088301020a07a83037b0bad63e5c6c04a5529eb74744797bed7d22d6c14f8989db602451f97be10c401733614a0cca91ea36ccabcb0d84795b0583b45571dbf4cfeee450981f1f",  // G2 point + order 10069
    ]
    static let insideG2 = "230012b8d1aa12244232bb46dc722bb657fe38a2e155c77d109af3f0d8e0e8461aa48ffde206f257a32022f540478217515b2e570679012df429a4dba71853cd2ebfb98bab11ce422036e2d1459863f271c1e3be6e6bd3510e737ba1c87f49c31d9ab0e5d352d2ec717d4c33600e6b98720b85cbaa80747a8da000e18a49746a"

    @Test func subgroupCheckRefusesEveryPrimeOrderComponent() throws {
        for text in Self.outsideG2 {
            let bytes = Self.hex(text)
            #expect(BN254.g2(ArraySlice(bytes)) == nil)
            #expect(PrecompileTests.run(8, PrecompileTests.g1 + bytes) == .failure)
            // On the twist, and the reference check agrees that it is outside.
            let x = Fp2(c0: Fp(bigEndian: ArraySlice(bytes[32..<64]))!, c1: Fp(bigEndian: ArraySlice(bytes[0..<32]))!)
            let y = Fp2(c0: Fp(bigEndian: ArraySlice(bytes[96..<128]))!, c1: Fp(bigEndian: ArraySlice(bytes[64..<96]))!)
            #expect(y.squared == x.squared * x + BN254.g2B)
            let point = JacobianPoint(affineX: x, y: y)
            #expect(!point.isInG2)
            #expect(!BN254Reference.multiplied(point, by: BN254.order).isInfinity)
        }
        let inside = try #require(Self.g2(Self.insideG2))
        #expect(BN254Reference.multiplied(inside, by: BN254.order).isInfinity)
        var rng = SplitMix64(seed: 8)
        for _ in 0..<5 {
            #expect(Self.g2Generator.multiplied(by: Self.randomScalar(&rng)).isInG2)
        }
    }

    // MARK: G1

    @Test func nafMultiplicationMatchesDoubleAndAdd() {
        var rng = SplitMix64(seed: 9)
        let r = BN254.order
        var scalars: [UInt256] = [UInt256(0), UInt256(1), UInt256(2), UInt256(15), UInt256(16), UInt256(31),
                                  r, r &- UInt256(1), r &+ UInt256(1), UInt256.max, UInt256.max &- UInt256(16),
                                  UInt256(limbs: 0, 0, 0, 1 << 63)]
        for _ in 0..<40 { scalars.append(Self.randomScalar(&rng)) }
        let points = [Self.g1, BN254Reference.multiplied(Self.g1, by: Self.randomScalar(&rng))]
        for point in points {
            for scalar in scalars {
                #expect(BN254.encode(point.multiplied(by: scalar)) == BN254.encode(BN254Reference.multiplied(point, by: scalar)))
            }
        }
    }

    @Test func additionCoversEqualOppositeAndInfinity() {
        let p = Self.g1.multiplied(by: UInt256(12345))
        #expect(BN254.encode(p.adding(p)) == BN254.encode(p.doubled))
        #expect(p.adding(p.negated).isInfinity)
        #expect(BN254.encode(p.adding(.infinity)) == BN254.encode(p))
        let input = BN254.encode(p) + BN254.encode(p)
        #expect(PrecompileTests.run(6, input) == .success(gasUsed: 150, output: BN254.encode(p.multiplied(by: UInt256(2)))))
    }

    @Test func malformedInputsAreRefused() {
        // A G1 coordinate equal to p, and a G2 coordinate equal to p.
        #expect(PrecompileTests.run(6, PrecompileTests.fieldModulus + PrecompileTests.word(2)) == .failure)
        #expect(PrecompileTests.run(7, PrecompileTests.word(1) + PrecompileTests.fieldModulus + PrecompileTests.word(1)) == .failure)
        var g2 = PrecompileTests.g2
        g2.replaceSubrange(96..<128, with: PrecompileTests.fieldModulus)
        #expect(PrecompileTests.run(8, PrecompileTests.g1 + g2) == .failure)
        #expect(PrecompileTests.run(8, PrecompileTests.g1 + PrecompileTests.g2 + [0]) == .failure)
        #expect(PrecompileTests.run(8, PrecompileTests.g1 + PrecompileTests.g2, gas: 78_999) == .failure)
    }
}

/// The implementation the fast paths replaced, kept as the reference: affine
/// Miller loop steps (one Fp2 inversion each), the final exponentiation as a
/// plain power by (p⁴ − p² + 1)/r, double-and-add scalar multiplication.
enum BN254Reference {
    /// (p⁴ − p² + 1) / r, little-endian limbs (761 bits).
    static let hardExponent: [UInt64] = {
        let hex = "1baaa710b0759ad331ec15183177faf6c0eb522d5b122784e529a5861876f6b3b1b1355d189227d79581e16f3fd90c66"
            + "b887d56d5095f23aaa441e3954bcf8adcc7b44c87cdbacff1154e7e1da014fd5abf5cc4f49c36d4e81bb482ccdf42b1"
        var limbs: [UInt64] = []
        var end = hex.endIndex
        while end > hex.startIndex {
            let start = hex.index(end, offsetBy: -16, limitedBy: hex.startIndex) ?? hex.startIndex
            limbs.append(UInt64(hex[start..<end], radix: 16)!)
            end = start
        }
        return limbs
    }()

    static func multiplied<F>(_ point: JacobianPoint<F>, by scalar: UInt256) -> JacobianPoint<F> {
        var result = JacobianPoint<F>.infinity
        let limbs = scalar.limbs
        for limb in [limbs.3, limbs.2, limbs.1, limbs.0] {
            for bit in stride(from: 63, through: 0, by: -1) {
                result = result.doubled
                if limb >> UInt64(bit) & 1 == 1 { result = result.adding(point) }
            }
        }
        return result
    }

    static func finalExponentiation(_ f: Fp12) -> Fp12 {
        let f1 = f.conjugate * f.inverse
        let f2 = f1.frobenius.frobenius * f1
        return f2.power(limbs: hardExponent)
    }

    /// The reduced pairing product, binary loop over 6x + 2 with affine steps.
    static func pairingProduct(_ pairs: [(JacobianPoint<Fp>, JacobianPoint<Fp2>)]) -> Fp12 {
        var f = Fp12.one
        var terms: [(p: (x: Fp, y: Fp), q: TwistPoint, t: TwistPoint)] = []
        for (g1, g2) in pairs {
            guard let p = g1.affine, let q = g2.affine else { continue }
            let point = TwistPoint(x: q.x, y: q.y)
            terms.append((p, point, point))
        }
        for bit in stride(from: 63, through: 0, by: -1) {
            f = f * f
            for k in terms.indices {
                let t = terms[k].t
                f = f * line(&terms[k].t, through: t, at: terms[k].p)
            }
            if BN254Pairing.loopLow >> UInt64(bit) & 1 == 1 {
                for k in terms.indices {
                    f = f * line(&terms[k].t, through: terms[k].q, at: terms[k].p)
                }
            }
        }
        for k in terms.indices {
            let q1 = terms[k].q.frobenius
            let q2 = q1.frobenius
            f = f * line(&terms[k].t, through: q1, at: terms[k].p)
            f = f * line(&terms[k].t, through: q2.negated, at: terms[k].p)
        }
        return finalExponentiation(f)
    }

    static func line(_ t: inout TwistPoint, through s: TwistPoint, at p: (x: Fp, y: Fp)) -> Fp12 {
        if t.isInfinity { t = s; return .one }
        if s.isInfinity { return .one }
        let lambda: Fp2
        if t.x == s.x {
            guard t.y == s.y, !t.y.isZero else { t = .infinity; return .one }
            let x2 = t.x.squared
            lambda = (x2.doubled + x2) * t.y.doubled.inverse
        } else {
            lambda = (s.y - t.y) * (s.x - t.x).inverse
        }
        let value = Fp12(c0: Fp6(c0: Fp2(p.y), c1: .zero, c2: .zero),
                         c1: Fp6(c0: (lambda * p.x).negated, c1: lambda * t.x - t.y, c2: .zero))
        let x3 = lambda.squared - t.x - s.x
        let y3 = lambda * (t.x - x3) - t.y
        t = TwistPoint(x: x3, y: y3)
        return value
    }
}
