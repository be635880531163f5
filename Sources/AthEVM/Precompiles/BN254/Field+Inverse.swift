/// Field inversion by Bernstein–Yang divsteps ("Fast constant-time gcd
/// computation and modular inversion", 2019), in its variable-time form: the
/// inputs are public, so timing may depend on them. About ten times faster
/// than Fermat's p − 2 power, which stays as the fallback and the reference.
///
/// The gcd runs on (f, g) = (p, x) in batches of 62 divsteps. A batch's
/// transition matrix depends only on the low 62 bits of f and g, so it is
/// found on single words and then applied to the full values, and to the
/// pair (d, e) with d·x ≡ f and e·x ≡ g (mod p). When g reaches 0, f = ±1
/// and x⁻¹ = ±d.
extension Fp {
    /// The multiplicative inverse; zero for zero (never traps).
    var inverse: Fp {
        guard !isZero else { return .zero }
        // self holds a·2^256 (Montgomery form); the gcd inverts that raw
        // value, and one Montgomery product by 2^768 turns (a·2^256)⁻¹ into
        // a⁻¹·2^256.
        guard let raw = Fp.divstepInverse(of: self) else { return fermatInverse }
        return raw * Fp.montgomeryCube
    }

    /// 2^768 mod p as raw limbs: r2 · r2 · 2^−256.
    static let montgomeryCube = r2 * r2

    /// The inverse of the raw value `x` (0 < x < p) as raw limbs; `nil` if the
    /// loop bound is hit, which the divstep bound (724 steps for 254-bit
    /// inputs) rules out.
    static func divstepInverse(of x: Fp) -> Fp? {
        var f = Signed256(p0, p1, p2, p3)
        var g = Signed256(x.l0, x.l1, x.l2, x.l3)
        var d = Fp.zero, e = Fp(l0: 1, l1: 0, l2: 0, l3: 0)  // raw 0 and 1
        var delta: Int64 = 1
        for _ in 0..<24 {
            let m = divsteps62(&delta, f.l0, g.l0)
            (f, g) = (Signed256.combine(m.u, f, m.v, g), Signed256.combine(m.q, f, m.r, g))
            (d, e) = (combineModP(m.u, d, m.v, e), combineModP(m.q, d, m.r, e))
            if g.isZero {
                if f.isOne { return d }
                if f.isMinusOne { return d.isZero ? d : Fp.zero - d }
                return nil  // gcd ≠ 1: impossible for prime p and 0 < x < p
            }
        }
        return nil
    }

    /// The transition matrix of 62 divsteps on the low bits of f (odd) and
    /// g: 2^62·(f', g') = (u·f + v·g, q·f + r·g). Each row's entries have
    /// absolute values summing to at most 2^62, so nothing overflows Int64.
    @inline(__always)
    static func divsteps62(_ delta: inout Int64, _ f0: UInt64, _ g0: UInt64)
        -> (u: Int64, v: Int64, q: Int64, r: Int64) {
        var u: Int64 = 1, v: Int64 = 0, q: Int64 = 0, r: Int64 = 1
        var f = f0, g = g0
        var left = 62
        while true {
            // Even g: halve it, as many times as it has trailing zeros.
            let zeros = min((g | (UInt64.max << UInt64(left))).trailingZeroBitCount, left)
            g >>= UInt64(zeros)
            u <<= Int64(zeros); v <<= Int64(zeros)
            delta &+= Int64(zeros)  // bounded by the step count
            left -= zeros
            if left == 0 { break }
            // Odd g. Only the low bits of f and g matter, so &+ and &- may wrap.
            if delta > 0 {
                delta = 1 &- delta
                (f, g) = (g, (g &- f) >> 1)
                (u, v, q, r) = (q << 1, r << 1, q &- u, r &- v)
            } else {
                delta = 1 &+ delta
                g = (g &+ f) >> 1
                (u, v, q, r) = (u << 1, v << 1, q &+ u, r &+ v)
            }
            left -= 1
            if left == 0 { break }
        }
        return (u, v, q, r)
    }

    /// (u·d + v·e) / 2^62 mod p for d, e in [0, p): adds the multiple of p
    /// that clears the low 62 bits, shifts, and brings the result, which
    /// lies in (−p, 2p), into [0, p).
    @inline(__always)
    static func combineModP(_ u: Int64, _ d: Fp, _ v: Int64, _ e: Fp) -> Fp {
        var sum = Signed320.product(u, Signed256(d.l0, d.l1, d.l2, d.l3))
        sum.add(Signed320.product(v, Signed256(e.l0, e.l1, e.l2, e.l3)))
        let m = (sum.l0 &* inverseModulus) & (1 << 62 - 1)  // −p⁻¹·sum mod 2^62
        sum.add(Signed320.product(Int64(bitPattern: m), Signed256(p0, p1, p2, p3)))
        let shifted = sum.shiftedRight62
        if shifted.isNegative {
            var carry: UInt64 = 0
            let r0 = adc(shifted.l0, p0, &carry), r1 = adc(shifted.l1, p1, &carry)
            let r2 = adc(shifted.l2, p2, &carry), r3 = adc(shifted.l3, p3, &carry)
            return Fp(l0: r0, l1: r1, l2: r2, l3: r3)
        }
        return reduceOnce(shifted.l0, shifted.l1, shifted.l2, shifted.l3, overflow: 0)
    }
}

/// A two's-complement 256-bit integer (only values of magnitude below 2^255
/// are used).
struct Signed256 {
    var l0: UInt64, l1: UInt64, l2: UInt64, l3: UInt64

    @inline(__always)
    init(_ l0: UInt64, _ l1: UInt64, _ l2: UInt64, _ l3: UInt64) {
        self.l0 = l0; self.l1 = l1; self.l2 = l2; self.l3 = l3
    }

    var isZero: Bool { (l0 | l1 | l2 | l3) == 0 }
    var isOne: Bool { l0 == 1 && (l1 | l2 | l3) == 0 }
    var isMinusOne: Bool { (l0 & l1 & l2 & l3) == UInt64.max }
    var isNegative: Bool { l3 >> 63 == 1 }

    /// (u·a + v·b) / 2^62, exact when the low 62 bits of the sum are zero.
    @inline(__always)
    static func combine(_ u: Int64, _ a: Signed256, _ v: Int64, _ b: Signed256) -> Signed256 {
        var sum = Signed320.product(u, a)
        sum.add(Signed320.product(v, b))
        return sum.shiftedRight62
    }
}

/// A two's-complement 320-bit integer: the products of a matrix entry and a
/// 256-bit value, before the shift by 62.
struct Signed320 {
    var l0: UInt64, l1: UInt64, l2: UInt64, l3: UInt64, l4: UInt64

    /// k·a, computed modulo 2^320 (which is exact for these magnitudes).
    @inline(__always)
    static func product(_ k: Int64, _ a: Signed256) -> Signed320 {
        let top: UInt64 = a.isNegative ? .max : 0  // sign extension of a
        let m = k.magnitude
        var carry: UInt64 = 0
        let r0 = Fp.mac(0, a.l0, m, &carry), r1 = Fp.mac(0, a.l1, m, &carry)
        let r2 = Fp.mac(0, a.l2, m, &carry), r3 = Fp.mac(0, a.l3, m, &carry)
        let r4 = Fp.mac(0, top, m, &carry)  // the rest falls above 2^320
        var out = Signed320(l0: r0, l1: r1, l2: r2, l3: r3, l4: r4)
        if k < 0 { out.negate() }
        return out
    }

    @inline(__always)
    mutating func negate() {
        // Two's complement: invert and add one; wraps modulo 2^320 by design.
        var carry: UInt64 = 1
        l0 = Fp.adc(~l0, 0, &carry); l1 = Fp.adc(~l1, 0, &carry); l2 = Fp.adc(~l2, 0, &carry)
        l3 = Fp.adc(~l3, 0, &carry); l4 = Fp.adc(~l4, 0, &carry)
    }

    /// self += other modulo 2^320.
    @inline(__always)
    mutating func add(_ other: Signed320) {
        var carry: UInt64 = 0
        l0 = Fp.adc(l0, other.l0, &carry); l1 = Fp.adc(l1, other.l1, &carry)
        l2 = Fp.adc(l2, other.l2, &carry); l3 = Fp.adc(l3, other.l3, &carry)
        l4 = Fp.adc(l4, other.l4, &carry)
    }

    /// Arithmetic shift right by 62, keeping the low 256 bits.
    @inline(__always)
    var shiftedRight62: Signed256 {
        Signed256(l0 >> 62 | l1 << 2, l1 >> 62 | l2 << 2, l2 >> 62 | l3 << 2, l3 >> 62 | l4 << 2)
    }
}
