import AthPrimitives

/// Fp6 = Fp2[v] / (v³ − ξ): c0 + c1·v + c2·v².
struct Fp6: Equatable {
    var c0: Fp2, c1: Fp2, c2: Fp2

    static let zero = Fp6(c0: .zero, c1: .zero, c2: .zero)
    static let one = Fp6(c0: .one, c1: .zero, c2: .zero)

    var isZero: Bool { c0.isZero && c1.isZero && c2.isZero }

    static func + (a: Fp6, b: Fp6) -> Fp6 { Fp6(c0: a.c0 + b.c0, c1: a.c1 + b.c1, c2: a.c2 + b.c2) }
    static func - (a: Fp6, b: Fp6) -> Fp6 { Fp6(c0: a.c0 - b.c0, c1: a.c1 - b.c1, c2: a.c2 - b.c2) }
    var negated: Fp6 { Fp6(c0: c0.negated, c1: c1.negated, c2: c2.negated) }

    /// Karatsuba-style: six Fp2 products, using v³ = ξ.
    static func * (a: Fp6, b: Fp6) -> Fp6 {
        let t0 = a.c0 * b.c0, t1 = a.c1 * b.c1, t2 = a.c2 * b.c2
        let c0 = ((a.c1 + a.c2) * (b.c1 + b.c2) - t1 - t2).timesXi + t0
        let c1 = (a.c0 + a.c1) * (b.c0 + b.c1) - t0 - t1 + t2.timesXi
        let c2 = (a.c0 + a.c2) * (b.c0 + b.c2) - t0 - t2 + t1
        return Fp6(c0: c0, c1: c1, c2: c2)
    }

    var squared: Fp6 { squaredFast }

    /// self · v = ξ·c2 + c0·v + c1·v².
    var timesV: Fp6 { Fp6(c0: c2.timesXi, c1: c0, c2: c1) }

    /// The inverse through the norm to Fp2; zero for zero.
    var inverse: Fp6 {
        let a = c0.squared - (c1 * c2).timesXi
        let b = c2.squared.timesXi - c0 * c1
        let c = c1.squared - c0 * c2
        let norm = c0 * a + (c2 * b + c1 * c).timesXi
        let normInverse = norm.inverse
        return Fp6(c0: a * normInverse, c1: b * normInverse, c2: c * normInverse)
    }
}

/// Fp12 = Fp6[w] / (w² − v): c0 + c1·w, the pairing's target field. As a
/// polynomial in w over Fp2 (w⁶ = ξ) the coefficients of w⁰…w⁵ are
/// c0.c0, c1.c0, c0.c1, c1.c1, c0.c2, c1.c2.
struct Fp12: Equatable {
    var c0: Fp6, c1: Fp6

    static let one = Fp12(c0: .one, c1: .zero)

    static func * (a: Fp12, b: Fp12) -> Fp12 {
        let t0 = a.c0 * b.c0, t1 = a.c1 * b.c1
        return Fp12(c0: t0 + t1.timesV, c1: (a.c0 + a.c1) * (b.c0 + b.c1) - t0 - t1)
    }

    /// (c0 + c1)(c0 + v·c1) − t − v·t + 2t·w with t = c0·c1.
    var squared: Fp12 {
        let t = c0 * c1
        let c0New = (c0 + c1) * (c0 + c1.timesV) - t - t.timesV
        return Fp12(c0: c0New, c1: t + t)
    }

    /// self^(p⁶): c0 − c1·w. The inverse for elements of norm 1.
    var conjugate: Fp12 { Fp12(c0: c0, c1: c1.negated) }

    /// (c0 − c1·w) / (c0² − v·c1²); zero for zero.
    var inverse: Fp12 {
        let normInverse = (c0.squared - c1.squared.timesV).inverse
        return Fp12(c0: c0 * normInverse, c1: (c1 * normInverse).negated)
    }

    /// self^p: each Fp2 coefficient of wⁱ is conjugated and multiplied by
    /// γᵢ = ξ^(i(p−1)/6), since w^p = w·ξ^((p−1)/6).
    var frobenius: Fp12 {
        let g = Fp12.frobeniusCoefficients
        return Fp12(c0: Fp6(c0: c0.c0.conjugate, c1: c0.c1.conjugate * g[2], c2: c0.c2.conjugate * g[4]),
                    c1: Fp6(c0: c1.c0.conjugate * g[1], c1: c1.c1.conjugate * g[3], c2: c1.c2.conjugate * g[5]))
    }

    /// γ₀…γ₅, γᵢ = ξ^(i(p−1)/6), computed once from p rather than copied.
    static let frobeniusCoefficients: [Fp2] = {
        let pMinusOne = UInt256(limbs: Fp.p0 - 1, Fp.p1, Fp.p2, Fp.p3)
        let gamma1 = Fp2.xi.power(pMinusOne / UInt256(6))
        var out = [Fp2.one]
        for _ in 1..<6 { out.append(out[out.count - 1] * gamma1) }
        return out
    }()

    /// self^e for e given as little-endian limbs.
    func power(limbs: [UInt64]) -> Fp12 {
        var result = Fp12.one
        for limb in limbs.reversed() {
            for bit in stride(from: 63, through: 0, by: -1) {
                result = result.squared
                if limb >> UInt64(bit) & 1 == 1 { result = result * self }
            }
        }
        return result
    }
}
