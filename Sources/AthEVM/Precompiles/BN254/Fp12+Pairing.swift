/// The tower operations the pairing's hot paths use: sparse products with
/// line values, dedicated squarings, and powers by the BN parameter x.
extension Fp6 {
    /// self · k for k in Fp2: three Fp2 products.
    @inline(__always)
    static func * (a: Fp6, k: Fp2) -> Fp6 { Fp6(c0: a.c0 * k, c1: a.c1 * k, c2: a.c2 * k) }

    /// self · (b0 + b1·v): five Fp2 products instead of six.
    @inline(__always)
    func multiplied(by b0: Fp2, _ b1: Fp2) -> Fp6 {
        let t0 = c0 * b0, t1 = c1 * b1
        return Fp6(c0: ((c1 + c2) * b1 - t1).timesXi + t0,
                   c1: (c0 + c1) * (b0 + b1) - t0 - t1,
                   c2: (c0 + c2) * b0 - t0 + t1)
    }

    /// Chung–Hasan squaring (SQR2): three Fp2 squarings and two products.
    var squaredFast: Fp6 {
        let s0 = c0.squared, s1 = (c0 * c1).doubled
        let s2 = (c0 - c1 + c2).squared
        let s3 = (c1 * c2).doubled, s4 = c2.squared
        return Fp6(c0: s3.timesXi + s0, c1: s4.timesXi + s1, c2: s1 + s2 + s3 - s0 - s4)
    }
}

extension Fp12 {
    /// self · (a + b·w + c·w³), the shape of every Miller-loop line value
    /// (c0 = (a, 0, 0), c1 = (b, c, 0)): thirteen Fp2 products instead of
    /// eighteen.
    @inline(__always)
    func multiplied(byLine a: Fp2, _ b: Fp2, _ c: Fp2) -> Fp12 {
        let t0 = c0 * a
        let t1 = c1.multiplied(by: b, c)
        let sum = (c0 + c1).multiplied(by: a + b, c)
        return Fp12(c0: t0 + t1.timesV, c1: sum - t0 - t1)
    }

    /// The square of an element of the cyclotomic subgroup (norm 1 over
    /// Fp6 and over Fp4; every value after the easy part of the final
    /// exponentiation), by Granger–Scott: with Fp12 = Fp4[w]/(w³ − s),
    /// s = w³, and A = A0 + A1·w + A2·w², A² = (3A0² − 2Ā0) +
    /// (3s·A2² + 2Ā1)·w + (3A1² − 2Ā2)·w², where Ā conjugates over Fp2.
    var cyclotomicSquared: Fp12 {
        // Fp4 coefficient pairs: A0 = (w⁰, w³), A1 = (w¹, w⁴), A2 = (w², w⁵).
        let g0 = c0.c0, g1 = c1.c0, g2 = c0.c1, g3 = c1.c1, g4 = c0.c2, g5 = c1.c2
        let (t00, t01) = Fp12.fp4Squared(g0, g3)
        let (t10, t11) = Fp12.fp4Squared(g1, g4)
        let (t20, t21) = Fp12.fp4Squared(g2, g5)
        let h0 = Fp12.threeTimes(t00) - g0.doubled
        let h3 = Fp12.threeTimes(t01) + g3.doubled
        let h1 = Fp12.threeTimes(t21.timesXi) + g1.doubled
        let h4 = Fp12.threeTimes(t20) - g4.doubled
        let h2 = Fp12.threeTimes(t10) - g2.doubled
        let h5 = Fp12.threeTimes(t11) + g5.doubled
        return Fp12(c0: Fp6(c0: h0, c1: h2, c2: h4), c1: Fp6(c0: h1, c1: h3, c2: h5))
    }

    /// (a + b·s)² = (a² + ξ·b²) + 2ab·s in Fp4 = Fp2[s]/(s² − ξ).
    @inline(__always)
    static func fp4Squared(_ a: Fp2, _ b: Fp2) -> (Fp2, Fp2) {
        let a2 = a.squared, b2 = b.squared
        return (b2.timesXi + a2, (a + b).squared - a2 - b2)
    }

    @inline(__always)
    static func threeTimes(_ x: Fp2) -> Fp2 { x.doubled + x }

    /// self^x for the BN parameter x = 4965661367192848881 (positive, 63
    /// bits), by cyclotomic squarings; self must be cyclotomic.
    var cyclotomicPowerX: Fp12 {
        let x = BN254Pairing.parameterX
        var result = self
        for bit in stride(from: 62 - x.leadingZeroBitCount, through: 0, by: -1) {
            result = result.cyclotomicSquared
            if x >> UInt64(bit) & 1 == 1 { result = result * self }
        }
        return result
    }
}
