import AthPrimitives

/// Fp2 = Fp[u] / (u² + 1): c0 + c1·u. The field of G2's coordinates.
struct Fp2: BN254Field {
    var c0: Fp, c1: Fp

    static let zero = Fp2(c0: .zero, c1: .zero)
    static let one = Fp2(c0: .one, c1: .zero)
    /// ξ = 9 + u: the non-residue that builds Fp6 and defines the twist.
    static let xi = Fp2(c0: Fp(9), c1: .one)

    init(c0: Fp, c1: Fp) { self.c0 = c0; self.c1 = c1 }
    init(_ c0: Fp) { self.c0 = c0; self.c1 = .zero }

    @inline(__always) var isZero: Bool { c0.isZero && c1.isZero }

    @inline(__always) static func + (a: Fp2, b: Fp2) -> Fp2 { Fp2(c0: a.c0 + b.c0, c1: a.c1 + b.c1) }
    @inline(__always) static func - (a: Fp2, b: Fp2) -> Fp2 { Fp2(c0: a.c0 - b.c0, c1: a.c1 - b.c1) }

    /// Karatsuba: three Fp products.
    @inline(__always)
    static func * (a: Fp2, b: Fp2) -> Fp2 {
        let v0 = a.c0 * b.c0, v1 = a.c1 * b.c1
        return Fp2(c0: v0 - v1, c1: (a.c0 + a.c1) * (b.c0 + b.c1) - v0 - v1)
    }

    @inline(__always) static func * (a: Fp2, b: Fp) -> Fp2 { Fp2(c0: a.c0 * b, c1: a.c1 * b) }

    /// (c0 + c1)(c0 − c1) + 2·c0·c1·u.
    @inline(__always)
    var squared: Fp2 {
        let t = c0 * c1
        return Fp2(c0: (c0 + c1) * (c0 - c1), c1: t + t)
    }

    @inline(__always) var doubled: Fp2 { self + self }
    @inline(__always) var negated: Fp2 { Fp2(c0: c0.negated, c1: c1.negated) }
    /// c0 − c1·u: the Frobenius map x ↦ x^p on Fp2 (p ≡ 3 mod 4).
    var conjugate: Fp2 { Fp2(c0: c0, c1: c1.negated) }

    /// conj(x) / (c0² + c1²); zero for zero.
    var inverse: Fp2 {
        let normInverse = (c0.squared + c1.squared).inverse
        return Fp2(c0: c0 * normInverse, c1: (c1 * normInverse).negated)
    }

    /// self · ξ = (9·c0 − c1) + (c0 + 9·c1)·u.
    @inline(__always)
    var timesXi: Fp2 {
        let nine0 = Fp2.timesNine(c0), nine1 = Fp2.timesNine(c1)
        return Fp2(c0: nine0 - c1, c1: c0 + nine1)
    }

    @inline(__always) static func timesNine(_ x: Fp) -> Fp {
        let x8 = x.doubled.doubled.doubled
        return x8 + x
    }

    /// self^e (square and multiply over the 256 bits of e).
    func power(_ e: UInt256) -> Fp2 {
        var result = Fp2.one
        let limbs = e.limbs
        for limb in [limbs.3, limbs.2, limbs.1, limbs.0] {
            for bit in stride(from: 63, through: 0, by: -1) {
                result = result.squared
                if limb >> UInt64(bit) & 1 == 1 { result = result * self }
            }
        }
        return result
    }
}

extension Fp {
    /// self / 2: adds p first when odd (p is odd and below 2^255, so the sum
    /// fits in 256 bits).
    @inline(__always)
    var halved: Fp {
        var v0 = l0, v1 = l1, v2 = l2, v3 = l3
        if l0 & 1 == 1 {
            var carry: UInt64 = 0
            v0 = Fp.adc(l0, Fp.p0, &carry); v1 = Fp.adc(l1, Fp.p1, &carry)
            v2 = Fp.adc(l2, Fp.p2, &carry); v3 = Fp.adc(l3, Fp.p3, &carry)
        }
        return Fp(l0: v0 >> 1 | v1 << 63, l1: v1 >> 1 | v2 << 63, l2: v2 >> 1 | v3 << 63, l3: v3 >> 1)
    }
}

extension Fp2 {
    @inline(__always) var halved: Fp2 { Fp2(c0: c0.halved, c1: c1.halved) }
}
