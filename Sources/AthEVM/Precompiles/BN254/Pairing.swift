/// The optimal ate pairing on BN254 (EIP-197), for the product check
/// e(P₁, Q₁)·…·e(Pₖ, Qₖ) = 1: a Miller loop in homogeneous projective
/// coordinates on the twist (no inversions), its lines multiplied in as
/// sparse Fp12 elements, over a signed-digit form of 6x + 2, and the final
/// exponentiation split into its easy part and the hard part
/// (p⁴ − p² + 1)/r as a chain of powers by x (Scott et al., "On the final
/// exponentiation for calculating pairings on ordinary elliptic curves",
/// 2009), which equals that exponent exactly.
enum BN254Pairing {
    /// The BN parameter x: p = 36x⁴ + 36x³ + 24x² + 6x + 1.
    static let parameterX: UInt64 = 4_965_661_367_192_848_881

    /// The Miller loop runs over the 65 bits of 6x + 2 = 0x19d797039be763ba8.
    static let loopHigh: UInt64 = 0x1
    static let loopLow: UInt64 = 0x9d79_7039_be76_3ba8

    /// 6x + 2 in non-adjacent form, most significant digit first, each −1, 0
    /// or 1: fewer additions than the binary digits. Computed from the bits.
    static let loopDigits: [Int8] = {
        var digits: [Int8] = []  // least significant first
        var high = loopHigh, low = loopLow
        while high != 0 || low != 0 {
            var digit: Int8 = 0
            if low & 1 == 1 {
                digit = low & 3 == 3 ? -1 : 1
                // value −= digit; a −1 digit adds one, carrying upward
                if digit == 1 { low -= 1 } else {
                    let (sum, carry) = low.addingReportingOverflow(1)
                    low = sum
                    if carry { high += 1 }
                }
            }
            digits.append(digit)
            low = low >> 1 | high << 63
            high >>= 1
        }
        return digits.reversed()
    }()

    /// Whether the product of the pairings of `pairs` is 1. Pairs with a point
    /// at infinity contribute 1 and are skipped. The G2 points must be in the
    /// order-r subgroup (the input check ensures it); then no step of the
    /// loop meets a point at infinity or adds a point to itself.
    static func productIsOne(_ pairs: [(JacobianPoint<Fp>, JacobianPoint<Fp2>)]) -> Bool {
        var terms: [MillerTerm] = []
        terms.reserveCapacity(pairs.count)
        for (g1, g2) in pairs {
            guard let p = g1.affine, let q = g2.affine else { continue }
            terms.append(MillerTerm(px: p.x, py: p.y, q: TwistPoint(x: q.x, y: q.y)))
        }
        guard !terms.isEmpty else { return true }
        return finalExponentiation(millerLoop(&terms)) == .one
    }

    /// The product of the Miller functions f_{6x+2,Q}(P) times the two
    /// Frobenius line steps, one shared squaring per digit.
    static func millerLoop(_ terms: inout [MillerTerm]) -> Fp12 {
        var f = Fp12.one
        let digits = loopDigits
        for index in 1..<digits.count {  // the leading 1 is the start T = Q
            if index > 1 { f = f.squared }
            for k in terms.indices {
                f = terms[k].doublingStep(into: f)
            }
            let digit = digits[index]
            if digit != 0 {
                for k in terms.indices {
                    let q = digit > 0 ? terms[k].q : terms[k].q.negated
                    f = terms[k].additionStep(q, into: f)
                }
            }
        }
        // The two extra steps of the optimal ate pairing: + π(Q), − π²(Q).
        for k in terms.indices {
            let q1 = terms[k].q.frobenius
            let q2 = q1.frobenius
            f = terms[k].additionStep(q1, into: f)
            f = terms[k].additionStep(q2.negated, into: f)
        }
        return f
    }

    /// f^((p¹² − 1) / r): the easy part (p⁶ − 1)(p² + 1), then the hard part
    /// by the Scott et al. chain (three powers by x, cyclotomic squarings,
    /// Frobenius maps), whose exponent is exactly (p⁴ − p² + 1)/r.
    static func finalExponentiation(_ f: Fp12) -> Fp12 {
        let easy1 = f.conjugate * f.inverse
        let t = easy1.frobenius.frobenius * easy1
        // From here t is cyclotomic: conjugation inverts it.
        let fx = t.cyclotomicPowerX, fx2 = fx.cyclotomicPowerX, fx3 = fx2.cyclotomicPowerX
        let fp = t.frobenius, fp2 = fp.frobenius, fp3 = fp2.frobenius
        let fx2p = fx2.frobenius
        let y0 = fp * fp2 * fp3
        let y1 = t.conjugate
        let y2 = fx2p.frobenius
        let y3 = fx.frobenius.conjugate
        let y4 = (fx * fx2p).conjugate
        let y5 = fx2.conjugate
        let y6 = (fx3 * fx3.frobenius).conjugate
        var t0 = y6.cyclotomicSquared * y4 * y5
        var t1 = y3 * y5 * t0
        t0 = t0 * y2
        t1 = (t1.cyclotomicSquared * t0).cyclotomicSquared
        t0 = (t1 * y1).cyclotomicSquared
        t1 = t1 * y0
        return t0 * t1
    }
}

/// One pair's state in the Miller loop: P affine in G1, Q affine on the
/// twist, and the running point T = (X : Y : Z) in homogeneous projective
/// coordinates (x = X/Z, y = Y/Z).
struct MillerTerm {
    let px: Fp, py: Fp
    let q: TwistPoint
    var x: Fp2, y: Fp2, z: Fp2

    init(px: Fp, py: Fp, q: TwistPoint) {
        self.px = px; self.py = py; self.q = q
        x = q.x; y = q.y; z = .one
    }

    /// 3b' for the twist y² = x³ + b', b' = 3/ξ.
    static let twistB3 = BN254.g2B.doubled + BN254.g2B

    /// T ← 2T, and f · ℓ(P) for the tangent at T (Costello–Lange–Naehrig /
    /// Aranha et al. formulas, a = 0). The tangent yP − λ·xP·w + (λ·xT −
    /// yT)·w³ is scaled by 2YZ² ∈ Fp2 (which the final exponentiation
    /// removes) to 2YZ·yP − 3X²·xP·w + (Y² − 3b'Z²)·w³.
    @inline(__always)
    mutating func doublingStep(into f: Fp12) -> Fp12 {
        let a = (x * y).halved
        let b = y.squared, c = z.squared
        let e = MillerTerm.twistB3 * c
        let f3 = e.doubled + e
        let g = (b + f3).halved
        let h = (y + z).squared - (b + c)  // 2YZ
        let xSquared = x.squared
        let lineA = h * py
        let lineB = (xSquared.doubled + xSquared) * px.negated
        let lineC = b - e
        let eSquared = e.squared
        x = a * (b - f3)
        y = g.squared - (eSquared.doubled + eSquared)
        z = b * h
        return f.multiplied(byLine: lineA, lineB, lineC)
    }

    /// T ← T + S for an affine S, and f · ℓ(P) for the line through T and
    /// S, yP − λ·xP·w + (λ·xS − yS)·w³ with λ = θ/μ, scaled by μ to
    /// μ·yP − θ·xP·w + (θ·xS − μ·yS)·w³.
    @inline(__always)
    mutating func additionStep(_ s: TwistPoint, into f: Fp12) -> Fp12 {
        let theta = y - s.y * z
        let mu = x - s.x * z
        let c = theta.squared, d = mu.squared
        let e = mu * d
        let ff = z * c
        let g = x * d
        let h = e + ff - g.doubled
        let lineA = mu * py
        let lineB = theta * px.negated
        let lineC = theta * s.x - mu * s.y
        let newY = theta * (g - h) - y * e
        x = mu * h
        y = newY
        z = z * e
        return f.multiplied(byLine: lineA, lineB, lineC)
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
