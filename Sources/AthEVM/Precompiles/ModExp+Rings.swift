// The residue rings MODEXP exponentiates in: Montgomery form for an odd
// modulus (CIOS multiplication on 64-bit limbs, with a one-limb special
// case) and plain truncated products modulo 2^k, the two halves of an even
// modulus. Each ring owns its scratch space, so the exponentiation loop
// allocates nothing.

/// A ring whose elements are `limbCount` little-endian 64-bit limbs.
protocol ResidueRing {
    var limbCount: Int { get }
    /// `out = a · b` in the ring's representation. `out` may be `a` or `b`.
    func multiply(_ out: UnsafeMutablePointer<UInt64>, _ a: UnsafePointer<UInt64>, _ b: UnsafePointer<UInt64>)
}

/// `(2^64)^n`-Montgomery arithmetic modulo an odd `modulus` of n ≥ 2 limbs:
/// elements are x·R mod m with R = 2^(64n), products are reduced word by
/// word as they are formed (Koç, Acar and Kaliski's CIOS), and each result
/// is below m.
final class MontgomeryRing: ResidueRing {
    let limbCount: Int
    /// The modulus, `limbCount` limbs, top limb nonzero.
    let modulus: UnsafeMutablePointer<UInt64>
    /// −m⁻¹ mod 2^64.
    let inverse: UInt64
    /// n + 2 limbs of accumulator.
    private let t: UnsafeMutablePointer<UInt64>

    init(modulus m: [UInt64]) {
        precondition(m.count >= 2 && m[0] & 1 == 1 && m[m.count - 1] != 0, "MontgomeryRing needs an odd modulus of 2+ limbs")
        limbCount = m.count
        modulus = .allocate(capacity: m.count)
        modulus.initialize(from: m, count: m.count)
        inverse = 0 &- inverseModWord(m[0])
        t = .allocate(capacity: m.count + 2)
        t.initialize(repeating: 0, count: m.count + 2)
    }

    deinit {
        modulus.deallocate()
        t.deallocate()
    }

    func multiply(_ out: UnsafeMutablePointer<UInt64>, _ a: UnsafePointer<UInt64>, _ b: UnsafePointer<UInt64>) {
        // Constant sizes let the compiler unroll the loops for small moduli.
        switch limbCount {
        case 2: Self.cios(2, out, a, b, modulus, inverse, t)
        case 3: Self.cios(3, out, a, b, modulus, inverse, t)
        case 4: Self.cios(4, out, a, b, modulus, inverse, t)
        case 5: Self.cios(5, out, a, b, modulus, inverse, t)
        case 6: Self.cios(6, out, a, b, modulus, inverse, t)
        case 7: Self.cios(7, out, a, b, modulus, inverse, t)
        case 8: Self.cios(8, out, a, b, modulus, inverse, t)
        default: Self.cios(limbCount, out, a, b, modulus, inverse, t)
        }
    }

    /// CIOS: for each limb of b, t += a·b[i], then t = (t + u·m) / 2^64
    /// with u chosen so the low limb cancels; t stays below 2m.
    @inline(__always)
    static func cios(_ n: Int, _ out: UnsafeMutablePointer<UInt64>, _ a: UnsafePointer<UInt64>,
                     _ b: UnsafePointer<UInt64>, _ m: UnsafePointer<UInt64>, _ inverse: UInt64,
                     _ t: UnsafeMutablePointer<UInt64>) {
        for j in 0..<(n + 2) { t[j] = 0 }
        for i in 0..<n {
            let bi = b[i]
            var carry: UInt64 = 0
            for j in 0..<n {
                // a·b + t + carry < 2^128.
                let p = UInt128(a[j]) &* UInt128(bi) &+ UInt128(t[j]) &+ UInt128(carry)
                t[j] = UInt64(truncatingIfNeeded: p)
                carry = UInt64(truncatingIfNeeded: p &>> 64)
            }
            let top = UInt128(t[n]) &+ UInt128(carry)
            t[n] = UInt64(truncatingIfNeeded: top)
            t[n + 1] = UInt64(truncatingIfNeeded: top &>> 64)
            let u = t[0] &* inverse
            carry = UInt64(truncatingIfNeeded: (UInt128(u) &* UInt128(m[0]) &+ UInt128(t[0])) &>> 64)
            for j in 1..<n {
                let p = UInt128(u) &* UInt128(m[j]) &+ UInt128(t[j]) &+ UInt128(carry)
                t[j - 1] = UInt64(truncatingIfNeeded: p)
                carry = UInt64(truncatingIfNeeded: p &>> 64)
            }
            let last = UInt128(t[n]) &+ UInt128(carry)
            t[n - 1] = UInt64(truncatingIfNeeded: last)
            t[n] = t[n + 1] &+ UInt64(truncatingIfNeeded: last &>> 64)
        }
        // t < 2m: subtract m unless that borrows past t's top limb.
        var borrow: UInt64 = 0
        for j in 0..<n {
            let d = UInt128(t[j]) &- UInt128(m[j]) &- UInt128(borrow)
            out[j] = UInt64(truncatingIfNeeded: d)
            borrow = UInt64(truncatingIfNeeded: d &>> 64) & 1
        }
        if borrow > t[n] { out.update(from: t, count: n) }
    }
}

/// Montgomery arithmetic modulo an odd one-limb modulus (R = 2^64).
final class MontgomeryWordRing: ResidueRing {
    var limbCount: Int { 1 }
    let modulus: UInt64
    let inverse: UInt64

    init(modulus m: UInt64) {
        precondition(m & 1 == 1, "MontgomeryWordRing needs an odd modulus")
        modulus = m
        inverse = 0 &- inverseModWord(m)
    }

    /// a·b·2^-64 mod m for a, b < m, without data-dependent branches.
    @inline(__always) func product(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (high, low) = a.multipliedFullWidth(by: b)
        let u = low &* inverse
        let uHigh = u.multipliedFullWidth(by: modulus).high
        // low + u·m's low half ≡ 0 mod 2^64: it carries exactly when low ≠ 0.
        let t = UInt128(high) &+ UInt128(uHigh) &+ UInt128(low == 0 ? 0 : 1 as UInt64)
        // t < 2m: subtract m unless that borrows.
        let d = t &- UInt128(modulus)
        let keep = 0 &- UInt64(truncatingIfNeeded: d &>> 127)  // all ones when t < m
        return UInt64(truncatingIfNeeded: d) & ~keep | UInt64(truncatingIfNeeded: t) & keep
    }

    /// `product` for m < 2^62, with inputs and output only below 2m: then
    /// a·b + u·m < 2^64·2m, so no subtraction is needed (the caller reduces
    /// the final result).
    @inline(__always) func lazyProduct(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (high, low) = a.multipliedFullWidth(by: b)
        let uHigh = (low &* inverse).multipliedFullWidth(by: modulus).high
        return high &+ uHigh &+ (low == 0 ? 0 : 1)
    }

    func multiply(_ out: UnsafeMutablePointer<UInt64>, _ a: UnsafePointer<UInt64>, _ b: UnsafePointer<UInt64>) {
        out.pointee = product(a.pointee, b.pointee)
    }
}

/// Products modulo 2^k, k ≥ 1: the low ⌈k/64⌉ limbs of the product, masked.
final class PowerOfTwoRing: ResidueRing {
    let limbCount: Int
    /// Mask of the top limb's valid bits.
    let topMask: UInt64
    private let t: UnsafeMutablePointer<UInt64>

    init(bits k: Int) {
        precondition(k >= 1, "PowerOfTwoRing needs k ≥ 1")
        limbCount = (k + 63) / 64
        topMask = k % 64 == 0 ? .max : (1 << UInt64(k % 64)) - 1
        t = .allocate(capacity: limbCount)
        t.initialize(repeating: 0, count: limbCount)
    }

    deinit { t.deallocate() }

    func multiply(_ out: UnsafeMutablePointer<UInt64>, _ a: UnsafePointer<UInt64>, _ b: UnsafePointer<UInt64>) {
        let n = limbCount, t = t
        t.update(repeating: 0, count: n)
        for i in 0..<n {
            let ai = a[i]
            var carry: UInt64 = 0
            for j in 0..<(n - i) {
                let p = UInt128(ai) &* UInt128(b[j]) &+ UInt128(t[i + j]) &+ UInt128(carry)
                t[i + j] = UInt64(truncatingIfNeeded: p)
                carry = UInt64(truncatingIfNeeded: p &>> 64)
            }
        }
        t[n - 1] &= topMask
        out.update(from: t, count: n)
    }
}

/// m⁻¹ mod 2^64 for odd m, by Newton's iteration (each step doubles the
/// correct low bits; m is its own inverse mod 8).
func inverseModWord(_ m: UInt64) -> UInt64 {
    var x = m
    for _ in 0..<5 { x = x &* (2 &- m &* x) }
    return x
}
