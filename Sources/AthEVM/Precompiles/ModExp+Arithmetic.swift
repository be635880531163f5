/// A natural number of any size for MODEXP: little-endian 64-bit limbs with
/// no zero limb on top (zero is no limbs). Correctness over speed: schoolbook
/// multiplication and Knuth's Algorithm D (TAOCP vol. 2, §4.3.1). MODEXP
/// parses its operands and reduces the base with these; `power` is the plain
/// square-and-multiply reference that the fast path (`ModularPower`) is
/// tested against.
struct BigNat: Equatable {
    var limbs: [UInt64]

    init(limbs: [UInt64]) {
        self.limbs = limbs
        normalize()
    }

    /// The big-endian number in `count` bytes of `operand` from `offset`.
    init(_ operand: Operand, from offset: UInt64, count: UInt64) {
        let limbCount = Int(count / 8 + (count % 8 == 0 ? 0 : 1))
        var limbs = [UInt64](repeating: 0, count: limbCount)
        // The last byte is the least significant.
        var i: UInt64 = 0
        while i < count {
            let byte = operand.byte(at: saturatingSum(offset, count - 1 - i, 0))
            if byte != 0 { limbs[Int(i / 8)] |= UInt64(byte) << (8 * (i % 8)) }
            i += 1
        }
        self.init(limbs: limbs)
    }

    var isZero: Bool { limbs.isEmpty }

    mutating func normalize() {
        while let last = limbs.last, last == 0 { limbs.removeLast() }
    }

    /// The value in exactly `count` big-endian bytes (the caller knows it fits).
    func bigEndianBytes(count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        for (index, limb) in limbs.enumerated() {
            for b in 0..<8 {
                let position = count - 1 - (index * 8 + b)
                guard position >= 0 else { break }
                out[position] = UInt8(truncatingIfNeeded: limb >> (8 * UInt64(b)))
            }
        }
        return out
    }

    /// `base^exponent mod modulus`, the exponent being `count` big-endian bytes
    /// of `operand` from `offset`. A zero modulus gives zero (EIP-198).
    static func power(_ base: BigNat, exponent operand: Operand, from offset: UInt64, count: UInt64,
                      modulus: BigNat) -> BigNat {
        guard !modulus.isZero else { return BigNat(limbs: []) }
        let base = base.remainder(dividingBy: modulus)
        var result = BigNat(limbs: [1]).remainder(dividingBy: modulus)
        var started = false
        var i: UInt64 = 0
        while i < count {
            let byte = operand.byte(at: saturatingSum(offset, i, 0))
            i += 1
            if !started && byte == 0 { continue }
            for bit in stride(from: 7, through: 0, by: -1) {
                if started { result = result.multiplied(by: result).remainder(dividingBy: modulus) }
                if byte >> UInt8(bit) & 1 == 1 {
                    result = started ? result.multiplied(by: base).remainder(dividingBy: modulus) : base
                    started = true
                }
            }
        }
        return result
    }

    func multiplied(by other: BigNat) -> BigNat {
        guard !isZero, !other.isZero else { return BigNat(limbs: []) }
        var product = [UInt64](repeating: 0, count: limbs.count + other.limbs.count)
        for (i, a) in limbs.enumerated() {
            var carry: UInt64 = 0
            for (j, b) in other.limbs.enumerated() {
                // a·b + product + carry < 2^128: no overflow of the pair.
                let (high, low) = a.multipliedFullWidth(by: b)
                let (sum, c1) = low.addingReportingOverflow(product[i + j])
                let (sum2, c2) = sum.addingReportingOverflow(carry)
                product[i + j] = sum2
                carry = high &+ (c1 ? 1 : 0) &+ (c2 ? 1 : 0)
            }
            product[i + other.limbs.count] = carry
        }
        return BigNat(limbs: product)
    }

    /// `self mod divisor`; the divisor must not be zero.
    func remainder(dividingBy divisor: BigNat) -> BigNat {
        let v = divisor.limbs
        let n = v.count
        precondition(n > 0, "BigNat division by zero")
        if limbs.count < n { return self }
        if n == 1 {
            var remainder: UInt64 = 0
            for limb in limbs.reversed() {
                remainder = v[0].dividingFullWidth((remainder, limb)).remainder
            }
            return BigNat(limbs: [remainder])
        }
        // Normalize so the divisor's top bit is set; the quotient estimate is
        // then at most two too large (Knuth's Theorem B).
        let shift = UInt64(v[n - 1].leadingZeroBitCount)
        let vn = Self.shiftedLeft(v, by: shift, extraLimb: false)
        var un = Self.shiftedLeft(limbs, by: shift, extraLimb: true)
        let m = limbs.count - n
        for j in stride(from: m, through: 0, by: -1) {
            var qhat: UInt64
            var rhat: UInt64
            var rhatOverflow = false
            if un[j + n] >= vn[n - 1] {
                qhat = .max
                (rhat, rhatOverflow) = un[j + n - 1].addingReportingOverflow(vn[n - 1])
            } else {
                (qhat, rhat) = vn[n - 1].dividingFullWidth((un[j + n], un[j + n - 1]))
            }
            while !rhatOverflow {
                let product = qhat.multipliedFullWidth(by: vn[n - 2])
                guard product.high > rhat || (product.high == rhat && product.low > un[j + n - 2]) else { break }
                qhat -= 1
                (rhat, rhatOverflow) = rhat.addingReportingOverflow(vn[n - 1])
            }
            // un[j…j+n] -= qhat · vn
            var borrow: UInt64 = 0
            var carry: UInt64 = 0
            for i in 0..<n {
                let (high, low) = qhat.multipliedFullWidth(by: vn[i])
                let (productLow, c) = low.addingReportingOverflow(carry)
                carry = high &+ (c ? 1 : 0)
                let (d1, b1) = un[i + j].subtractingReportingOverflow(productLow)
                let (d2, b2) = d1.subtractingReportingOverflow(borrow)
                un[i + j] = d2
                borrow = (b1 ? 1 : 0) + (b2 ? 1 : 0)
            }
            let (d1, b1) = un[j + n].subtractingReportingOverflow(carry)
            let (d2, b2) = d1.subtractingReportingOverflow(borrow)
            un[j + n] = d2
            if b1 || b2 {
                // qhat was one too large: add the divisor back (the top limb's
                // carry cancels the borrow, so it wraps by design).
                var carryBack: UInt64 = 0
                for i in 0..<n {
                    let (s1, o1) = un[i + j].addingReportingOverflow(vn[i])
                    let (s2, o2) = s1.addingReportingOverflow(carryBack)
                    un[i + j] = s2
                    carryBack = (o1 ? 1 : 0) + (o2 ? 1 : 0)
                }
                un[j + n] = un[j + n] &+ carryBack
            }
        }
        // The remainder is un[0..<n] shifted back.
        var remainder = [UInt64](repeating: 0, count: n)
        for i in 0..<n {
            remainder[i] = shift == 0 ? un[i] : un[i] >> shift | un[i + 1] << (64 - shift)
        }
        return BigNat(limbs: remainder)
    }

    /// `limbs << shift` (shift < 64), with one more limb for the overflow when asked.
    static func shiftedLeft(_ limbs: [UInt64], by shift: UInt64, extraLimb: Bool) -> [UInt64] {
        var out = [UInt64](repeating: 0, count: limbs.count + (extraLimb ? 1 : 0))
        var carry: UInt64 = 0
        for (i, limb) in limbs.enumerated() {
            out[i] = shift == 0 ? limb : limb << shift | carry
            carry = shift == 0 ? 0 : limb >> (64 - shift)
        }
        if extraLimb { out[limbs.count] = carry }
        return out
    }
}
