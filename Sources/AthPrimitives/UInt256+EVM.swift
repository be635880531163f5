// Bitwise operations, shifts, and the EVM operations that read a word as a
// signed two's-complement number or as bytes (Yellow Paper, appendix H;
// EIP-145 for the shifts).

extension UInt256 {
    // MARK: Bitwise

    @inlinable public static func & (a: UInt256, b: UInt256) -> UInt256 {
        UInt256(limbs: a.w0 & b.w0, a.w1 & b.w1, a.w2 & b.w2, a.w3 & b.w3)
    }

    @inlinable public static func | (a: UInt256, b: UInt256) -> UInt256 {
        UInt256(limbs: a.w0 | b.w0, a.w1 | b.w1, a.w2 | b.w2, a.w3 | b.w3)
    }

    @inlinable public static func ^ (a: UInt256, b: UInt256) -> UInt256 {
        UInt256(limbs: a.w0 ^ b.w0, a.w1 ^ b.w1, a.w2 ^ b.w2, a.w3 ^ b.w3)
    }

    @inlinable public static prefix func ~ (a: UInt256) -> UInt256 {
        UInt256(limbs: ~a.w0, ~a.w1, ~a.w2, ~a.w3)
    }

    @inlinable public static func &= (a: inout UInt256, b: UInt256) { a = a & b }
    @inlinable public static func |= (a: inout UInt256, b: UInt256) { a = a | b }
    @inlinable public static func ^= (a: inout UInt256, b: UInt256) { a = a ^ b }

    // MARK: Shifts

    /// Bits that a limb shifted by `s` (0...63) passes to its neighbour,
    /// given `back` = 63 - s: the double shift is 0 when s is 0, where a
    /// single shift by 64 would not be.
    @inlinable @inline(__always)
    static func spillUp(_ x: UInt64, _ back: UInt64) -> UInt64 { (x &>> 1) &>> back }

    @inlinable @inline(__always)
    static func spillDown(_ x: UInt64, _ back: UInt64) -> UInt64 { (x &<< 1) &<< back }

    @inlinable func shiftedLeft(_ n: UInt64) -> UInt256 {
        if n >= 256 { return .zero }
        let s = n & 63, b = 63 &- s
        switch n >> 6 {
        case 0:
            return UInt256(limbs: w0 &<< s, w1 &<< s | Self.spillUp(w0, b),
                           w2 &<< s | Self.spillUp(w1, b), w3 &<< s | Self.spillUp(w2, b))
        case 1:
            return UInt256(limbs: 0, w0 &<< s, w1 &<< s | Self.spillUp(w0, b), w2 &<< s | Self.spillUp(w1, b))
        case 2:
            return UInt256(limbs: 0, 0, w0 &<< s, w1 &<< s | Self.spillUp(w0, b))
        default:
            return UInt256(limbs: 0, 0, 0, w0 &<< s)
        }
    }

    @inlinable func shiftedRight(_ n: UInt64) -> UInt256 {
        if n >= 256 { return .zero }
        let s = n & 63, b = 63 &- s
        switch n >> 6 {
        case 0:
            return UInt256(limbs: w0 &>> s | Self.spillDown(w1, b), w1 &>> s | Self.spillDown(w2, b),
                           w2 &>> s | Self.spillDown(w3, b), w3 &>> s)
        case 1:
            return UInt256(limbs: w1 &>> s | Self.spillDown(w2, b), w2 &>> s | Self.spillDown(w3, b), w3 &>> s, 0)
        case 2:
            return UInt256(limbs: w2 &>> s | Self.spillDown(w3, b), w3 &>> s, 0, 0)
        default:
            return UInt256(limbs: w3 &>> s, 0, 0, 0)
        }
    }

    /// Left shift (EVM SHL); a count of 256 or more gives zero. A negative
    /// count shifts right, as for Swift's own integers.
    @inlinable public static func << (a: UInt256, n: Int) -> UInt256 {
        n >= 0 ? a.shiftedLeft(UInt64(n)) : a.shiftedRight(UInt64(n.magnitude))
    }

    /// Logical right shift (EVM SHR); a count of 256 or more gives zero. A
    /// negative count shifts left, as for Swift's own integers.
    @inlinable public static func >> (a: UInt256, n: Int) -> UInt256 {
        n >= 0 ? a.shiftedRight(UInt64(n)) : a.shiftedLeft(UInt64(n.magnitude))
    }

    @inlinable public static func << (a: UInt256, n: UInt64) -> UInt256 { a.shiftedLeft(n) }
    @inlinable public static func >> (a: UInt256, n: UInt64) -> UInt256 { a.shiftedRight(n) }

    /// Shift by a full word, as the EVM pops it; 256 or more gives zero.
    @inlinable public static func << (a: UInt256, n: UInt256) -> UInt256 {
        (n.w1 | n.w2 | n.w3) == 0 ? a.shiftedLeft(n.w0) : .zero
    }

    @inlinable public static func >> (a: UInt256, n: UInt256) -> UInt256 {
        (n.w1 | n.w2 | n.w3) == 0 ? a.shiftedRight(n.w0) : .zero
    }

    @inlinable public static func <<= (a: inout UInt256, n: Int) { a = a << n }
    @inlinable public static func >>= (a: inout UInt256, n: Int) { a = a >> n }

    /// Arithmetic right shift (EVM SAR): the sign bit fills the vacated
    /// bits, so a count of 256 or more gives 0 or -1 (`max`).
    @inlinable public func sar(by n: UInt256) -> UInt256 {
        sar(shift: (n.w1 | n.w2 | n.w3) == 0 ? n.w0 : .max)
    }

    /// Arithmetic right shift by an `Int`; a negative count shifts left.
    @inlinable public func sar(by n: Int) -> UInt256 {
        n >= 0 ? sar(shift: UInt64(n)) : shiftedLeft(UInt64(n.magnitude))
    }

    @inlinable func sar(shift n: UInt64) -> UInt256 {
        // For a negative word, ~x is non-negative, and shifting it in zeros
        // then inverting shifts in ones. The mask is all ones for a negative
        // word, so there is no branch on the (unpredictable) sign.
        let m = UInt64(bitPattern: Int64(bitPattern: w3) &>> 63)
        let mask = UInt256(limbs: m, m, m, m)
        return (self ^ mask).shiftedRight(n) ^ mask
    }

    // MARK: Signed (two's complement)

    /// The top bit: whether the word is negative when read as signed.
    @inlinable public var isNegative: Bool { w3 &>> 63 != 0 }

    /// 0 - self mod 2^256: the two's-complement negation.
    @inlinable var negated: UInt256 { UInt256.zero &- self }

    /// The absolute value of the signed reading, as unsigned (-2^255 maps
    /// to 2^255, which is still correct as a magnitude).
    @inlinable var signedMagnitude: UInt256 { isNegative ? negated : self }

    /// Signed division truncated toward zero (EVM SDIV). Division by zero
    /// gives zero, and -2^255 / -1 wraps to -2^255.
    @inlinable public func sdiv(_ divisor: UInt256) -> UInt256 {
        if divisor.isZero { return .zero }
        let q = signedMagnitude / divisor.signedMagnitude
        return isNegative != divisor.isNegative ? q.negated : q
    }

    /// Signed remainder taking the dividend's sign (EVM SMOD); modulus zero
    /// gives zero.
    @inlinable public func smod(_ divisor: UInt256) -> UInt256 {
        if divisor.isZero { return .zero }
        let r = signedMagnitude % divisor.signedMagnitude
        return isNegative ? r.negated : r
    }

    /// Signed less-than (EVM SLT).
    @inlinable public func slt(_ other: UInt256) -> Bool {
        let negative = isNegative
        return negative != other.isNegative ? negative : self < other
    }

    /// Signed greater-than (EVM SGT).
    @inlinable public func sgt(_ other: UInt256) -> Bool { other.slt(self) }

    /// EVM SIGNEXTEND: treats the low `byteIndex + 1` bytes of `value` as a
    /// signed number and extends its sign bit through the word. A
    /// `byteIndex` of 31 or more returns `value` unchanged.
    @inlinable public static func signextend(byteIndex: UInt256, value: UInt256) -> UInt256 {
        guard (byteIndex.w1 | byteIndex.w2 | byteIndex.w3) == 0, byteIndex.w0 < 31 else { return value }
        let signBit = byteIndex.w0 &* 8 &+ 7
        let keep = UInt256.max.shiftedRight(255 &- signBit)  // bits 0...signBit
        let negative = value.shiftedRight(signBit).w0 & 1 != 0
        return negative ? value | ~keep : value & keep
    }

    /// EVM BYTE: byte `index` of the 32-byte big-endian form (0 is the most
    /// significant); an index of 32 or more gives zero.
    @inlinable public func byte(index: UInt256) -> UInt256 {
        guard (index.w1 | index.w2 | index.w3) == 0, index.w0 < 32 else { return .zero }
        let significance = 31 &- Int(truncatingIfNeeded: index.w0)
        return UInt256(limb(significance >> 3) &>> UInt64((significance & 7) << 3) & 0xff)
    }
}
