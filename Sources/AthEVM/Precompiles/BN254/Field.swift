/// The arithmetic the curve code needs from a field (Fp for G1, Fp2 for G2).
protocol BN254Field: Equatable {
    static var zero: Self { get }
    static var one: Self { get }
    static func + (a: Self, b: Self) -> Self
    static func - (a: Self, b: Self) -> Self
    static func * (a: Self, b: Self) -> Self
    var squared: Self { get }
    var doubled: Self { get }
    var negated: Self { get }
    /// The multiplicative inverse; zero for zero (never traps).
    var inverse: Self { get }
    var isZero: Bool { get }
}

/// An element of the BN254 (alt_bn128) base field, p =
/// 21888242871839275222246405745257275088696311157297823662689037894645226208583,
/// in Montgomery form (value · 2^256 mod p) on four little-endian 64-bit
/// limbs, always fully reduced (< p) so that equality is limb equality.
struct Fp: BN254Field {
    var l0: UInt64, l1: UInt64, l2: UInt64, l3: UInt64

    // p, little-endian limbs (EIP-196).
    static let p0: UInt64 = 0x3c20_8c16_d87c_fd47, p1: UInt64 = 0x9781_6a91_6871_ca8d
    static let p2: UInt64 = 0xb850_45b6_8181_585d, p3: UInt64 = 0x3064_4e72_e131_a029
    /// −p⁻¹ mod 2^64, for Montgomery reduction.
    static let inverseModulus: UInt64 = 0x87d2_0782_e486_6389
    /// 2^512 mod p: multiplying by it enters Montgomery form.
    static let r2 = Fp(l0: 0xf32c_fc5b_538a_fa89, l1: 0xb5e7_1911_d445_01fb,
                       l2: 0x47ab_1eff_0a41_7ff6, l3: 0x06d8_9f71_cab8_351f)

    static let zero = Fp(l0: 0, l1: 0, l2: 0, l3: 0)
    /// 1 in Montgomery form: 2^256 mod p.
    static let one = Fp(l0: 0xd35d_438d_c58f_0d9d, l1: 0x0a78_eb28_f5c7_0b3d,
                        l2: 0x666e_a36f_7879_462c, l3: 0x0e0a_77c1_9a07_df2f)

    init(l0: UInt64, l1: UInt64, l2: UInt64, l3: UInt64) {
        self.l0 = l0; self.l1 = l1; self.l2 = l2; self.l3 = l3
    }

    /// The field element for a small integer.
    init(_ value: UInt64) {
        self = Fp(l0: value, l1: 0, l2: 0, l3: 0) * Fp.r2
    }

    /// Parses 32 big-endian bytes; `nil` when the value is not below p
    /// (EIP-196 refuses non-canonical coordinates).
    init?(bigEndian bytes: ArraySlice<UInt8>) {
        guard bytes.count == 32 else { return nil }
        let start = bytes.startIndex
        func limb(_ i: Int) -> UInt64 {
            var value: UInt64 = 0
            for k in 0..<8 { value = value << 8 | UInt64(bytes[start + 8 * (3 - i) + k]) }
            return value
        }
        let raw = Fp(l0: limb(0), l1: limb(1), l2: limb(2), l3: limb(3))
        guard !raw.isAtLeastModulus else { return nil }
        self = raw * Fp.r2
    }

    /// The canonical value, 32 bytes big-endian.
    var bigEndianBytes: [UInt8] {
        let value = self * Fp(l0: 1, l1: 0, l2: 0, l3: 0)  // leaves Montgomery form
        var out = [UInt8]()
        out.reserveCapacity(32)
        for limb in [value.l3, value.l2, value.l1, value.l0] {
            for k in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: limb >> UInt64(k))) }
        }
        return out
    }

    @inline(__always) var isZero: Bool { (l0 | l1 | l2 | l3) == 0 }

    @inline(__always)
    var isAtLeastModulus: Bool {
        (l3, l2, l1, l0) >= (Fp.p3, Fp.p2, Fp.p1, Fp.p0)
    }

    // The limb helpers compute exact multi-word sums. mac and adc go through
    // UInt128 so that the compiler emits plain mul/add/adc chains (the
    // Bool-carry form compiled to branches); sbb keeps the Bool form, whose
    // UInt128 version made the optimizer take minutes.

    /// a + b·c + carry → (low word returned, high word in carry).
    @inline(__always)
    static func mac(_ a: UInt64, _ b: UInt64, _ c: UInt64, _ carry: inout UInt64) -> UInt64 {
        // At most (2^64 − 1)² + 2(2^64 − 1) = 2^128 − 1: the &+ never wrap.
        let t = UInt128(b) &* UInt128(c) &+ UInt128(a) &+ UInt128(carry)
        carry = UInt64(truncatingIfNeeded: t >> 64)
        return UInt64(truncatingIfNeeded: t)
    }

    @inline(__always)
    static func adc(_ a: UInt64, _ b: UInt64, _ carry: inout UInt64) -> UInt64 {
        let t = UInt128(a) &+ UInt128(b) &+ UInt128(carry)
        carry = UInt64(truncatingIfNeeded: t >> 64)
        return UInt64(truncatingIfNeeded: t)
    }

    @inline(__always)
    static func sbb(_ a: UInt64, _ b: UInt64, _ borrow: inout UInt64) -> UInt64 {
        let (d1, o1) = a.subtractingReportingOverflow(b)
        let (d2, o2) = d1.subtractingReportingOverflow(borrow)
        borrow = (o1 ? 1 : 0) | (o2 ? 1 : 0)  // at most one of the two borrows
        return d2
    }

    /// Subtracts p once if the value (with `overflow` above the top limb) is
    /// ≥ p. Branch-free: the comparison's outcome is data, so it would
    /// mispredict half the time.
    @inline(__always)
    static func reduceOnce(_ l0: UInt64, _ l1: UInt64, _ l2: UInt64, _ l3: UInt64, overflow: UInt64) -> Fp {
        var borrow: UInt64 = 0
        let r0 = sbb(l0, p0, &borrow), r1 = sbb(l1, p1, &borrow)
        let r2 = sbb(l2, p2, &borrow), r3 = sbb(l3, p3, &borrow)
        _ = sbb(overflow, 0, &borrow)
        let keep = 0 &- borrow  // all ones when the value was below p
        return Fp(l0: (l0 & keep) | (r0 & ~keep), l1: (l1 & keep) | (r1 & ~keep),
                  l2: (l2 & keep) | (r2 & ~keep), l3: (l3 & keep) | (r3 & ~keep))
    }

    @inline(__always)
    static func + (a: Fp, b: Fp) -> Fp {
        var carry: UInt64 = 0
        let s0 = adc(a.l0, b.l0, &carry), s1 = adc(a.l1, b.l1, &carry)
        let s2 = adc(a.l2, b.l2, &carry), s3 = adc(a.l3, b.l3, &carry)
        return reduceOnce(s0, s1, s2, s3, overflow: carry)
    }

    @inline(__always)
    static func - (a: Fp, b: Fp) -> Fp {
        var borrow: UInt64 = 0
        let d0 = sbb(a.l0, b.l0, &borrow), d1 = sbb(a.l1, b.l1, &borrow)
        let d2 = sbb(a.l2, b.l2, &borrow), d3 = sbb(a.l3, b.l3, &borrow)
        let mask = 0 &- borrow  // p when a < b, else 0: a − b + p, whose carry out cancels the borrow
        var carry: UInt64 = 0
        let r0 = adc(d0, p0 & mask, &carry), r1 = adc(d1, p1 & mask, &carry)
        let r2 = adc(d2, p2 & mask, &carry), r3 = adc(d3, p3 & mask, &carry)
        return Fp(l0: r0, l1: r1, l2: r2, l3: r3)
    }

    /// Montgomery product a·b·2^−256 mod p (CIOS: coarsely integrated
    /// operand scanning, one reduction per limb of b). p's top limb is below
    /// 2^62, so the running sum never needs a fifth word and ends below 2p
    /// ("no-carry" CIOS).
    @inline(__always)
    static func * (a: Fp, b: Fp) -> Fp {
        var t0: UInt64 = 0, t1: UInt64 = 0, t2: UInt64 = 0, t3: UInt64 = 0
        @inline(__always) func round(_ bi: UInt64) {
            var carryA: UInt64 = 0, carryC: UInt64 = 0
            t0 = mac(t0, a.l0, bi, &carryA)
            let m = t0 &* inverseModulus  // wraps: only the low word matters
            _ = mac(t0, m, p0, &carryC)  // low word is zero by choice of m
            t1 = mac(t1, a.l1, bi, &carryA)
            t0 = mac(t1, m, p1, &carryC)
            t2 = mac(t2, a.l2, bi, &carryA)
            t1 = mac(t2, m, p2, &carryC)
            t3 = mac(t3, a.l3, bi, &carryA)
            t2 = mac(t3, m, p3, &carryC)
            t3 = carryA &+ carryC  // below 2p < 2^255: no wrap
        }
        round(b.l0); round(b.l1); round(b.l2); round(b.l3)
        return reduceOnce(t0, t1, t2, t3, overflow: 0)
    }

    @inline(__always) var squared: Fp { self * self }
    @inline(__always) var doubled: Fp { self + self }
    @inline(__always) var negated: Fp { Fp.zero - self }  // 0 − 0 = 0

    /// self^(p−2) (Fermat); zero stays zero. The reference for `inverse`.
    var fermatInverse: Fp {
        power(limbs: [Fp.p0 &- 2, Fp.p1, Fp.p2, Fp.p3])  // p0 > 2: no borrow
    }

    /// self^e for e given as little-endian limbs.
    func power(limbs: [UInt64]) -> Fp {
        var result = Fp.one
        for limb in limbs.reversed() {
            for bit in stride(from: 63, through: 0, by: -1) {
                result = result.squared
                if limb >> UInt64(bit) & 1 == 1 { result = result * self }
            }
        }
        return result
    }
}
