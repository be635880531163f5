/// The optimal ate pairing on BN254 (EIP-197), for the product check
/// e(P₁, Q₁)·…·e(Pₖ, Qₖ) = 1. Written for clarity: affine line steps (one
/// Fp2 inversion each) and a plain final exponentiation.
enum BN254Pairing {
    /// The BN parameter x = 4965661367192848881; the Miller loop runs over
    /// the 65 bits of 6x + 2 = 0x19d797039be763ba8.
    static let loopHigh: UInt64 = 0x1
    static let loopLow: UInt64 = 0x9d79_7039_be76_3ba8

    /// (p⁴ − p² + 1) / r, the hard part of the final exponent, little-endian
    /// limbs (761 bits). Derived offline from p and r; the tests check it
    /// through bilinearity and known vectors.
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

    /// Whether the product of the pairings of `pairs` is 1. Pairs with a point
    /// at infinity contribute 1 and are skipped.
    static func productIsOne(_ pairs: [(JacobianPoint<Fp>, JacobianPoint<Fp2>)]) -> Bool {
        var f = Fp12.one
        var terms: [(p: (x: Fp, y: Fp), q: TwistPoint, t: TwistPoint)] = []
        for (g1, g2) in pairs {
            guard let p = g1.affine, let q = g2.affine else { continue }
            let point = TwistPoint(x: q.x, y: q.y)
            terms.append((p, point, point))
        }
        guard !terms.isEmpty else { return true }

        for bit in stride(from: 63, through: 0, by: -1) {  // the top bit (64) is the start T = Q
            f = f.squared
            for k in terms.indices {
                let t = terms[k].t
                f = f * line(&terms[k].t, through: t, at: terms[k].p)
            }
            if loopLow >> UInt64(bit) & 1 == 1 {
                for k in terms.indices {
                    f = f * line(&terms[k].t, through: terms[k].q, at: terms[k].p)
                }
            }
        }
        // The two extra steps of the optimal ate pairing: + π(Q), − π²(Q).
        for k in terms.indices {
            let q1 = terms[k].q.frobenius
            let q2 = q1.frobenius
            f = f * line(&terms[k].t, through: q1, at: terms[k].p)
            f = f * line(&terms[k].t, through: q2.negated, at: terms[k].p)
        }
        return finalExponentiation(f) == .one
    }

    /// f^((p¹² − 1) / r) = (f^(p⁶ − 1))^(p² + 1) raised to the hard part.
    static func finalExponentiation(_ f: Fp12) -> Fp12 {
        let f1 = f.conjugate * f.inverse
        let f2 = f1.frobenius.frobenius * f1
        return f2.power(limbs: hardExponent)
    }

    /// The line through T and S (the tangent when S = T) evaluated at P, and
    /// T ← T + S. With ψ(x, y) = (x·w², y·w³) mapping the twist into
    /// E(Fp12), the line is yP − λ·xP·w + (λ·xT − yT)·w³ for the twist's slope
    /// λ; vertical lines lie in Fp6 and vanish in the final exponentiation,
    /// so they count as 1.
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

/// An affine point on the twist (G2), with an explicit point at infinity.
struct TwistPoint {
    var x: Fp2, y: Fp2
    var isInfinity = false

    static let infinity = TwistPoint(x: .zero, y: .zero, isInfinity: true)

    var negated: TwistPoint { TwistPoint(x: x, y: y.negated, isInfinity: isInfinity) }

    /// ψ⁻¹∘π_p∘ψ: (x̄·ξ^((p−1)/3), ȳ·ξ^((p−1)/2)).
    var frobenius: TwistPoint {
        let g = Fp12.frobeniusCoefficients
        return TwistPoint(x: x.conjugate * g[2], y: y.conjugate * g[3], isInfinity: isInfinity)
    }
}
