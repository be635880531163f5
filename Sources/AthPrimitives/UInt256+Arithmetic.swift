// Addition, subtraction, multiplication, division and exponentiation.
// The wrapping operators are the EVM's ADD/SUB/MUL (mod 2^256 by spec);
// consensus code outside the EVM uses the ReportingOverflow variants.

extension UInt256 {
    /// `x * y + acc + carry` as (high, low). Cannot overflow:
    /// (2^64-1)^2 + 2(2^64-1) = 2^128 - 1.
    @inlinable @inline(__always)
    static func mulAdd(_ acc: UInt64, _ x: UInt64, _ y: UInt64, _ carry: UInt64) -> (UInt64, UInt64) {
        let (h, l) = x.multipliedFullWidth(by: y)
        let (l1, o1) = l.addingReportingOverflow(acc)
        let (l2, o2) = l1.addingReportingOverflow(carry)
        return (h &+ (o1 ? 1 : 0) &+ (o2 ? 1 : 0), l2)
    }

    // MARK: Addition and subtraction

    /// `self + other` mod 2^256, and whether the true sum is 2^256 or more.
    @inlinable public func addingReportingOverflow(_ other: UInt256) -> (partialValue: UInt256, overflow: Bool) {
        let (s0, c0) = w0.addingReportingOverflow(other.w0)
        let (t1, c1a) = w1.addingReportingOverflow(other.w1)
        let (s1, c1b) = t1.addingReportingOverflow(c0 ? 1 : 0)
        let (t2, c2a) = w2.addingReportingOverflow(other.w2)
        let (s2, c2b) = t2.addingReportingOverflow(c1a || c1b ? 1 : 0)
        let (t3, c3a) = w3.addingReportingOverflow(other.w3)
        let (s3, c3b) = t3.addingReportingOverflow(c2a || c2b ? 1 : 0)
        return (UInt256(limbs: s0, s1, s2, s3), c3a || c3b)
    }

    /// `self - other` mod 2^256, and whether `other > self` (a borrow).
    @inlinable public func subtractingReportingOverflow(_ other: UInt256) -> (partialValue: UInt256, overflow: Bool) {
        let (s0, b0) = w0.subtractingReportingOverflow(other.w0)
        let (t1, b1a) = w1.subtractingReportingOverflow(other.w1)
        let (s1, b1b) = t1.subtractingReportingOverflow(b0 ? 1 : 0)
        let (t2, b2a) = w2.subtractingReportingOverflow(other.w2)
        let (s2, b2b) = t2.subtractingReportingOverflow(b1a || b1b ? 1 : 0)
        let (t3, b3a) = w3.subtractingReportingOverflow(other.w3)
        let (s3, b3b) = t3.subtractingReportingOverflow(b2a || b2b ? 1 : 0)
        return (UInt256(limbs: s0, s1, s2, s3), b3a || b3b)
    }

    /// Sum mod 2^256 (EVM ADD).
    @inlinable public static func &+ (a: UInt256, b: UInt256) -> UInt256 {
        a.addingReportingOverflow(b).partialValue
    }

    /// Difference mod 2^256 (EVM SUB).
    @inlinable public static func &- (a: UInt256, b: UInt256) -> UInt256 {
        a.subtractingReportingOverflow(b).partialValue
    }

    @inlinable public static func &+= (a: inout UInt256, b: UInt256) { a = a &+ b }
    @inlinable public static func &-= (a: inout UInt256, b: UInt256) { a = a &- b }

    // MARK: Multiplication

    /// Product mod 2^256 (EVM MUL): only the ten partial products that reach
    /// the low four limbs are computed.
    @inlinable public static func &* (a: UInt256, b: UInt256) -> UInt256 {
        var c: UInt64, r0: UInt64, r1: UInt64, r2: UInt64, r3: UInt64
        (c, r0) = mulAdd(0, a.w0, b.w0, 0)
        (c, r1) = mulAdd(0, a.w0, b.w1, c)
        (c, r2) = mulAdd(0, a.w0, b.w2, c)
        r3 = a.w0 &* b.w3 &+ c
        (c, r1) = mulAdd(r1, a.w1, b.w0, 0)
        (c, r2) = mulAdd(r2, a.w1, b.w1, c)
        r3 = r3 &+ a.w1 &* b.w2 &+ c
        (c, r2) = mulAdd(r2, a.w2, b.w0, 0)
        r3 = r3 &+ a.w2 &* b.w1 &+ c
        r3 = r3 &+ a.w3 &* b.w0
        return UInt256(limbs: r0, r1, r2, r3)
    }

    @inlinable public static func &*= (a: inout UInt256, b: UInt256) { a = a &* b }

    /// The full 512-bit product.
    @inlinable public func multipliedFullWidth(by other: UInt256) -> (high: UInt256, low: UInt256) {
        let b0 = other.w0, b1 = other.w1, b2 = other.w2, b3 = other.w3
        var c: UInt64
        var r0: UInt64, r1: UInt64, r2: UInt64, r3: UInt64, r4: UInt64, r5: UInt64, r6: UInt64, r7: UInt64
        (c, r0) = Self.mulAdd(0, w0, b0, 0)
        (c, r1) = Self.mulAdd(0, w0, b1, c)
        (c, r2) = Self.mulAdd(0, w0, b2, c)
        (r4, r3) = Self.mulAdd(0, w0, b3, c)
        (c, r1) = Self.mulAdd(r1, w1, b0, 0)
        (c, r2) = Self.mulAdd(r2, w1, b1, c)
        (c, r3) = Self.mulAdd(r3, w1, b2, c)
        (r5, r4) = Self.mulAdd(r4, w1, b3, c)
        (c, r2) = Self.mulAdd(r2, w2, b0, 0)
        (c, r3) = Self.mulAdd(r3, w2, b1, c)
        (c, r4) = Self.mulAdd(r4, w2, b2, c)
        (r6, r5) = Self.mulAdd(r5, w2, b3, c)
        (c, r3) = Self.mulAdd(r3, w3, b0, 0)
        (c, r4) = Self.mulAdd(r4, w3, b1, c)
        (c, r5) = Self.mulAdd(r5, w3, b2, c)
        (r7, r6) = Self.mulAdd(r6, w3, b3, c)
        return (UInt256(limbs: r4, r5, r6, r7), UInt256(limbs: r0, r1, r2, r3))
    }

    /// `self * other` mod 2^256, and whether the true product is 2^256 or more.
    @inlinable public func multipliedReportingOverflow(by other: UInt256) -> (partialValue: UInt256, overflow: Bool) {
        // Operands of m and n significant bits have a product below 2^(m+n):
        // the usual small gas and fee values need no 512-bit product.
        if leadingZeroBitCount + other.leadingZeroBitCount >= 256 { return (self &* other, false) }
        let (high, low) = multipliedFullWidth(by: other)
        return (low, !high.isZero)
    }

    // MARK: Division

    /// Quotient and remainder. Division by zero gives (0, 0), the EVM rule
    /// for DIV and MOD (Yellow Paper, appendix H).
    @inlinable public func quotientAndRemainder(dividingBy d: UInt256) -> (quotient: UInt256, remainder: UInt256) {
        if (d.w1 | d.w2 | d.w3) == 0 {
            if d.w0 == 0 { return (.zero, .zero) }
            if (w1 | w2 | w3) == 0 { return (UInt256(w0 / d.w0), UInt256(w0 % d.w0)) }
            let (q, r) = quotientAndRemainder(dividingByLimb: d.w0)
            return (q, UInt256(r))
        }
        if self < d { return (.zero, self) }
        return Self.divideLong(self, d)
    }

    /// Quotient and remainder by a nonzero limb, through the divisor's
    /// reciprocal (Möller–Granlund), so no hardware 128-bit division per limb.
    @inlinable func quotientAndRemainder(dividingByLimb d: UInt64) -> (quotient: UInt256, remainder: UInt64) {
        let s = UInt64(d.leadingZeroBitCount)
        let dn = d &<< s
        let v = Self.reciprocal(dn)
        // Shift self left by s into five limbs; the top one is below dn.
        // (`>> 1 >> (63 - s)` is 0 when s is 0, where `>> 64` would not be.)
        let u = self << s
        let top = (w3 &>> 1) &>> (63 &- s)
        var r: UInt64, q0: UInt64, q1: UInt64, q2: UInt64, q3: UInt64
        (q3, r) = Self.divide2by1(top, u.w3, dn, v)
        (q2, r) = Self.divide2by1(r, u.w2, dn, v)
        (q1, r) = Self.divide2by1(r, u.w1, dn, v)
        (q0, r) = Self.divide2by1(r, u.w0, dn, v)
        return (UInt256(limbs: q0, q1, q2, q3), r >> s)
    }

    /// Quotient; division by zero gives zero (EVM DIV).
    @inlinable public static func / (a: UInt256, b: UInt256) -> UInt256 {
        a.quotientAndRemainder(dividingBy: b).quotient
    }

    /// Remainder; modulus zero gives zero (EVM MOD).
    @inlinable public static func % (a: UInt256, b: UInt256) -> UInt256 {
        a.quotientAndRemainder(dividingBy: b).remainder
    }

    @inlinable public static func /= (a: inout UInt256, b: UInt256) { a = a / b }
    @inlinable public static func %= (a: inout UInt256, b: UInt256) { a = a % b }

    // MARK: Modular arithmetic (EVM ADDMOD, MULMOD)

    /// `(a + b) mod m` computed without wrapping (the sum may need 257
    /// bits); zero when `m` is zero (EVM ADDMOD).
    @inlinable public static func addmod(_ a: UInt256, _ b: UInt256, _ m: UInt256) -> UInt256 {
        if m.isZero { return .zero }
        if a < m && b < m {
            // a + b < 2m, so one conditional subtraction reduces it; with a
            // carry out, the wrapped difference is still exact.
            let (s, carry) = a.addingReportingOverflow(b)
            return carry || s >= m ? s &- m : s
        }
        return addmodSlow(a, b, m)
    }

    /// `(a * b) mod m` over the exact 512-bit product; zero when `m` is zero
    /// (EVM MULMOD).
    @inlinable public static func mulmod(_ a: UInt256, _ b: UInt256, _ m: UInt256) -> UInt256 {
        if m.isZero { return .zero }
        if (a.w1 | a.w2 | a.w3 | b.w1 | b.w2 | b.w3 | m.w1 | m.w2 | m.w3) == 0 {
            let (h, l) = a.w0.multipliedFullWidth(by: b.w0)
            return UInt256(m.w0.dividingFullWidth((h % m.w0, l)).remainder)
        }
        return mulmodSlow(a, b, m)
    }

    // MARK: Exponentiation

    /// `self` to the power `exponent` mod 2^256 (EVM EXP), by square and
    /// multiply: at most 256 squarings and 256 multiplications.
    @inlinable public func exp(_ exponent: UInt256) -> UInt256 {
        var result = UInt256.one
        var base = self
        var e = exponent
        while true {
            if e.w0 & 1 != 0 { result = result &* base }
            e = e >> 1
            if e.isZero { return result }
            base = base &* base
        }
    }
}
