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

    var isZero: Bool { c0.isZero && c1.isZero }

    static func + (a: Fp2, b: Fp2) -> Fp2 { Fp2(c0: a.c0 + b.c0, c1: a.c1 + b.c1) }
    static func - (a: Fp2, b: Fp2) -> Fp2 { Fp2(c0: a.c0 - b.c0, c1: a.c1 - b.c1) }

    /// Karatsuba: three Fp products.
    static func * (a: Fp2, b: Fp2) -> Fp2 {
        let v0 = a.c0 * b.c0, v1 = a.c1 * b.c1
        return Fp2(c0: v0 - v1, c1: (a.c0 + a.c1) * (b.c0 + b.c1) - v0 - v1)
    }

    static func * (a: Fp2, b: Fp) -> Fp2 { Fp2(c0: a.c0 * b, c1: a.c1 * b) }

    /// (c0 + c1)(c0 − c1) + 2·c0·c1·u.
    var squared: Fp2 {
        let t = c0 * c1
        return Fp2(c0: (c0 + c1) * (c0 - c1), c1: t + t)
    }

    var doubled: Fp2 { self + self }
    var negated: Fp2 { Fp2(c0: c0.negated, c1: c1.negated) }
    /// c0 − c1·u: the Frobenius map x ↦ x^p on Fp2 (p ≡ 3 mod 4).
    var conjugate: Fp2 { Fp2(c0: c0, c1: c1.negated) }

    /// conj(x) / (c0² + c1²); zero for zero.
    var inverse: Fp2 {
        let normInverse = (c0.squared + c1.squared).inverse
        return Fp2(c0: c0 * normInverse, c1: (c1 * normInverse).negated)
    }

    /// self · ξ = (9·c0 − c1) + (c0 + 9·c1)·u.
    var timesXi: Fp2 {
        let nine0 = Fp2.timesNine(c0), nine1 = Fp2.timesNine(c1)
        return Fp2(c0: nine0 - c1, c1: c0 + nine1)
    }

    static func timesNine(_ x: Fp) -> Fp {
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
