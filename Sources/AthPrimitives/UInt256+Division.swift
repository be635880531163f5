// Long division: Knuth's Algorithm D (TAOCP vol. 2, 4.3.1) on 64-bit limbs,
// with quotient digits computed through the divisor's reciprocal (Möller &
// Granlund, "Improved division by invariant integers", IEEE Trans. Computers
// 2011: 2-by-1 and 3-by-2 division), so each digit costs multiplications,
// not a 128-bit hardware division.
// The same routine reduces the 320-bit ADDMOD sum and the 512-bit MULMOD
// product. Scratch space is fixed-size tuples on the stack: no allocation.

/// Scratch for up to eight limbs of dividend plus one for normalisation.
typealias Limbs9 = (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)

/// Runs `body` on a tuple of `UInt64`s as a pointer to its limbs.
@inline(__always)
private func withLimbs<T, R>(_ tuple: inout T, _ body: (UnsafeMutablePointer<UInt64>) -> R) -> R {
    withUnsafeMutableBytes(of: &tuple) { body($0.baseAddress!.assumingMemoryBound(to: UInt64.self)) }
}

extension UInt256 {
    /// floor((2^128 - 1) / d) - 2^64 for a normalised `d` (top bit set).
    @inlinable @inline(__always)
    static func reciprocal(_ d: UInt64) -> UInt64 {
        // ~d < d because d >= 2^63, so the quotient fits a limb.
        d.dividingFullWidth((~d, .max)).quotient
    }

    /// (uHigh·2^64 + uLow) divided by a normalised `d` whose reciprocal is
    /// `v`. Requires uHigh < d.
    @inlinable @inline(__always)
    static func divide2by1(_ uHigh: UInt64, _ uLow: UInt64, _ d: UInt64, _ v: UInt64) -> (UInt64, UInt64) {
        let (ph, pl) = v.multipliedFullWidth(by: uHigh)
        let (q0, c) = pl.addingReportingOverflow(uLow)
        var q1 = ph &+ uHigh &+ (c ? 1 : 0) &+ 1
        var r = uLow &- q1 &* d
        // The first correction is taken about half the time: a mask, not a
        // branch. The second is rare.
        let mask = 0 &- UInt64(r > q0 ? 1 : 0)
        q1 &+= mask
        r &+= d & mask
        if r >= d { q1 &+= 1; r &-= d }
        return (q1, r)
    }

    /// Quotient and remainder of `a / b` where `b` has at least two
    /// significant limbs and `a >= b`.
    @usableFromInline
    static func divideLong(_ a: UInt256, _ b: UInt256) -> (quotient: UInt256, remainder: UInt256) {
        var u: Limbs9 = (a.w0, a.w1, a.w2, a.w3, 0, 0, 0, 0, 0)
        var v = (b.w0, b.w1, b.w2, b.w3)
        var q: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        let uCount = a.w3 != 0 ? 4 : a.w2 != 0 ? 3 : 2
        let vCount = b.w3 != 0 ? 4 : b.w2 != 0 ? 3 : 2
        withLimbs(&u) { up in
            withLimbs(&v) { vp in
                withLimbs(&q) { qp in divideKnuth(up, uCount, vp, vCount, qp) }
            }
        }
        return (UInt256(limbs: q.0, q.1, q.2, q.3), UInt256(limbs: u.0, u.1, u.2, u.3))
    }

    /// ADDMOD when an operand is not already below the modulus.
    @usableFromInline
    static func addmodSlow(_ a: UInt256, _ b: UInt256, _ m: UInt256) -> UInt256 {
        let (s, carry) = a.addingReportingOverflow(b)
        if !carry { return s % m }
        var u: Limbs9 = (s.w0, s.w1, s.w2, s.w3, 1, 0, 0, 0, 0)
        return remainder(&u, count: 5, modulo: m)
    }

    /// MULMOD beyond the all-one-limb case.
    @usableFromInline
    static func mulmodSlow(_ a: UInt256, _ b: UInt256, _ m: UInt256) -> UInt256 {
        let (high, low) = a.multipliedFullWidth(by: b)
        if high.isZero { return low % m }
        var u: Limbs9 = (low.w0, low.w1, low.w2, low.w3, high.w0, high.w1, high.w2, high.w3, 0)
        return remainder(&u, count: 4 + high.significantLimbCount, modulo: m)
    }

    /// `u[0..<count] mod m` for a nonzero `m` and `count` > 4 (so the
    /// dividend is longer than any divisor). Clobbers `u`.
    static func remainder(_ u: inout Limbs9, count: Int, modulo m: UInt256) -> UInt256 {
        if (m.w1 | m.w2 | m.w3) == 0 {
            return UInt256(withLimbs(&u) { remainder($0, count: count, dividingBy: m.w0) })
        }
        var v = (m.w0, m.w1, m.w2, m.w3)
        var q: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
        let vCount = m.significantLimbCount
        withLimbs(&u) { up in
            withLimbs(&v) { vp in
                withLimbs(&q) { qp in divideKnuth(up, count, vp, vCount, qp) }
            }
        }
        return UInt256(limbs: u.0, u.1, u.2, u.3)
    }

    /// `u[0..<count] mod d` for a nonzero limb `d`.
    static func remainder(_ u: UnsafeMutablePointer<UInt64>, count: Int, dividingBy d: UInt64) -> UInt64 {
        let s = UInt64(d.leadingZeroBitCount)
        let dn = d &<< s, v = reciprocal(dn)
        // Bits shifted out of a limb by s; `>> 1 >> (63 - s)` is 0 when s is 0.
        @inline(__always) func spill(_ x: UInt64) -> UInt64 { (x &>> 1) &>> (63 &- s) }
        var r = spill(u[count - 1])
        var i = count - 1
        while i >= 0 {
            let low = u[i] &<< s | (i > 0 ? spill(u[i - 1]) : 0)
            r = divide2by1(r, low, dn, v).1
            i -= 1
        }
        return r &>> s
    }

    /// The 3-by-2 reciprocal of a normalised two-limb divisor (d1, d0)
    /// (Möller & Granlund, algorithm 6): floor((2^192 - 1) / (d1, d0)) - 2^64.
    @inline(__always)
    static func reciprocal(_ d1: UInt64, _ d0: UInt64) -> UInt64 {
        var v = reciprocal(d1)
        var p = d1 &* v &+ d0
        if p < d0 {
            v &-= 1
            if p >= d1 { v &-= 1; p &-= d1 }
            p &-= d1
        }
        let (t1, t0) = v.multipliedFullWidth(by: d0)
        p &+= t1
        if p < t1 {
            v &-= 1
            if p > d1 || (p == d1 && t0 >= d0) { v &-= 1 }
        }
        return v
    }

    /// (u2, u1, u0) divided by a normalised (d1, d0) with 3-by-2 reciprocal
    /// `v` (Möller & Granlund, algorithm 5): the exact quotient limb and the
    /// two-limb remainder. Requires (u2, u1) < (d1, d0).
    @inline(__always)
    static func divide3by2(_ u2: UInt64, _ u1: UInt64, _ u0: UInt64,
                           _ d1: UInt64, _ d0: UInt64, _ v: UInt64) -> (UInt64, UInt64, UInt64) {
        let (ph, pl) = v.multipliedFullWidth(by: u2)
        let (q0, c) = pl.addingReportingOverflow(u1)
        var q1 = ph &+ u2 &+ (c ? 1 : 0)
        let (t1, t0) = d0.multipliedFullWidth(by: q1)
        // (r1, r0) = (u1 - q1·d1, u0) - (t1, t0) - (d1, d0), mod 2^128.
        var (r0, b0) = u0.subtractingReportingOverflow(t0)
        var r1 = u1 &- q1 &* d1 &- t1 &- (b0 ? 1 : 0)
        (r0, b0) = r0.subtractingReportingOverflow(d0)
        r1 = r1 &- d1 &- (b0 ? 1 : 0)
        // Taken about half the time: a mask, not a branch.
        let mask = 0 &- UInt64(r1 >= q0 ? 1 : 0)
        q1 = q1 &+ 1 &+ mask
        let (s, carry) = r0.addingReportingOverflow(d0 & mask)
        r0 = s
        r1 = r1 &+ (d1 & mask) &+ (carry ? 1 : 0)
        if r1 > d1 || (r1 == d1 && r0 >= d0) {  // unlikely
            q1 &+= 1
            let (s, borrow) = r0.subtractingReportingOverflow(d0)
            r0 = s
            r1 = r1 &- d1 &- (borrow ? 1 : 0)
        }
        return (q1, r1, r0)
    }

    /// r[0..<count] -= multiplier · y[0..<count]; returns the borrow limb
    /// (at most 2^64 - 1, so it cannot overflow).
    @inline(__always)
    static func subtractMultiple(_ r: UnsafeMutablePointer<UInt64>, _ y: UnsafePointer<UInt64>,
                                 count: Int, multiplier: UInt64) -> UInt64 {
        var borrow: UInt64 = 0
        var i = 0
        while i < count {
            let (s, b1) = r[i].subtractingReportingOverflow(borrow)
            let (ph, pl) = y[i].multipliedFullWidth(by: multiplier)
            let (t, b2) = s.subtractingReportingOverflow(pl)
            r[i] = t
            borrow = ph &+ (b1 ? 1 : 0) &+ (b2 ? 1 : 0)
            i += 1
        }
        return borrow
    }

    /// r[0..<count] += y[0..<count]; returns the carry out.
    @inline(__always)
    static func addInPlace(_ r: UnsafeMutablePointer<UInt64>, _ y: UnsafePointer<UInt64>, count: Int) -> Bool {
        var carry = false
        var i = 0
        while i < count {
            let (s1, c1) = r[i].addingReportingOverflow(y[i])
            let (s2, c2) = s1.addingReportingOverflow(carry ? 1 : 0)
            r[i] = s2
            carry = c1 || c2
            i += 1
        }
        return carry
    }

    /// Algorithm D. `u` holds an `m`-limb dividend and has room for one more
    /// limb; `v` holds an `n`-limb divisor, 2 <= n <= m, top limb nonzero.
    /// Writes the m - n + 1 quotient limbs to `q`, leaves the remainder in
    /// `u[0..<n]` with `u[n...m]` zero, and clobbers `v`.
    static func divideKnuth(_ u: UnsafeMutablePointer<UInt64>, _ m: Int,
                            _ v: UnsafeMutablePointer<UInt64>, _ n: Int,
                            _ q: UnsafeMutablePointer<UInt64>) {
        // D1: normalise so the divisor's top bit is set. The dividend's new
        // top limb is then below the divisor's, which D3 relies on.
        let s = UInt64(v[n - 1].leadingZeroBitCount)
        if s != 0 {
            let back = 64 - s
            for i in stride(from: n - 1, to: 0, by: -1) { v[i] = v[i] &<< s | v[i - 1] &>> back }
            v[0] = v[0] &<< s
            u[m] = u[m - 1] &>> back
            for i in stride(from: m - 1, to: 0, by: -1) { u[i] = u[i] &<< s | u[i - 1] &>> back }
            u[0] = u[0] &<< s
        } else {
            u[m] = 0
        }
        let d1 = v[n - 1], d0 = v[n - 2]
        let recip = reciprocal(d1, d0)

        var j = m - n
        while j >= 0 {
            // D3: the quotient digit from the top three limbs over the
            // divisor's top two is exact or one too large. The invariant
            // (u2, u1) <= (d1, d0) makes equality the only case 3-by-2
            // division cannot take, and there the digit is exactly 2^64 - 1.
            let u2 = u[j + n], u1 = u[j + n - 1], u0 = u[j + n - 2]
            var qhat: UInt64
            if u2 == d1 && u1 == d0 {
                qhat = .max
                u[j + n] = u2 &- subtractMultiple(u + j, v, count: n, multiplier: qhat)
            } else {
                let (digit, r1, r0) = divide3by2(u2, u1, u0, d1, d0, recip)
                qhat = digit
                // D4: the top two limbs already hold the 3-by-2 remainder;
                // subtract qhat times the divisor's lower limbs below it.
                let borrow = subtractMultiple(u + j, v, count: n - 2, multiplier: qhat)
                let (x0, b0) = r0.subtractingReportingOverflow(borrow)
                let (x1, b1) = r1.subtractingReportingOverflow(b0 ? 1 : 0)
                u[j + n - 2] = x0
                u[j + n - 1] = x1
                u[j + n] = 0
                if b1 {
                    // D6: the digit was one too large (rare): add v back;
                    // the carry out cancels the borrow.
                    qhat &-= 1
                    let carry = addInPlace(u + j, v, count: n - 1)
                    u[j + n - 1] = u[j + n - 1] &+ d1 &+ (carry ? 1 : 0)
                }
            }
            q[j] = qhat
            j -= 1
        }

        // D8: undo the normalisation of the remainder.
        if s != 0 {
            for i in 0..<(n - 1) { u[i] = u[i] &>> s | u[i + 1] &<< (64 - s) }
            u[n - 1] = u[n - 1] &>> s
        }
        for i in n...m { u[i] = 0 }
    }
}
