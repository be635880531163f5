import AthPrimitives

/// A point of y² = x³ + b over a field F in Jacobian coordinates
/// (x/z², y/z³); z = 0 is the point at infinity. Both BN254 groups have
/// a = 0, so the formulas never need b.
struct JacobianPoint<F: BN254Field> {
    var x: F, y: F, z: F

    static var infinity: JacobianPoint { JacobianPoint(x: .one, y: .one, z: .zero) }

    init(x: F, y: F, z: F) { self.x = x; self.y = y; self.z = z }
    init(affineX x: F, y: F) { self.init(x: x, y: y, z: .one) }

    var isInfinity: Bool { z.isZero }

    /// (x, y), or `nil` for the point at infinity.
    var affine: (x: F, y: F)? {
        guard !isInfinity else { return nil }
        if z == .one { return (x, y) }  // parsed inputs are affine already
        let zInverse = z.inverse
        let zInverse2 = zInverse.squared
        return (x * zInverse2, y * zInverse2 * zInverse)
    }

    var negated: JacobianPoint { JacobianPoint(x: x, y: y.negated, z: z) }

    /// 2·self ("dbl-2009-l", a = 0).
    var doubled: JacobianPoint {
        guard !isInfinity, !y.isZero else { return .infinity }
        let a = x.squared, b = y.squared, c = b.squared
        let d = ((x + b).squared - a - c).doubled
        let e = a.doubled + a
        let f = e.squared
        let x3 = f - d.doubled
        let y3 = e * (d - x3) - c.doubled.doubled.doubled
        let z3 = (y * z).doubled
        return JacobianPoint(x: x3, y: y3, z: z3)
    }

    /// self + other ("add-2007-bl"), with the equal and opposite cases.
    func adding(_ other: JacobianPoint) -> JacobianPoint {
        if isInfinity { return other }
        if other.isInfinity { return self }
        let z1z1 = z.squared, z2z2 = other.z.squared
        let u1 = x * z2z2, u2 = other.x * z1z1
        let s1 = y * other.z * z2z2, s2 = other.y * z * z1z1
        let h = u2 - u1
        let r = (s2 - s1).doubled
        if h.isZero { return r.isZero ? doubled : .infinity }
        let i = h.doubled.squared
        let j = h * i
        let v = u1 * i
        let x3 = r.squared - j - v.doubled
        let y3 = r * (v - x3) - (s1 * j).doubled
        let z3 = ((z + other.z).squared - z1z1 - z2z2) * h
        return JacobianPoint(x: x3, y: y3, z: z3)
    }

    /// scalar · self (the scalar is not reduced: EIP-196 takes any 256-bit
    /// value), by a width-5 NAF: 256 doublings and about 43 additions of
    /// the precomputed odd multiples ±P, ±3P, …, ±15P.
    func multiplied(by scalar: UInt256) -> JacobianPoint {
        guard !isInfinity else { return self }
        let twice = doubled
        var table = [self]
        table.reserveCapacity(8)
        for i in 1..<8 { table.append(table[i - 1].adding(twice)) }
        let digits = JacobianPoint.nafDigits(scalar)
        var result = JacobianPoint.infinity
        for digit in digits.reversed() {
            result = result.doubled
            if digit > 0 {
                result = result.adding(table[Int(digit) >> 1])
            } else if digit < 0 {
                result = result.adding(table[Int(-digit) >> 1].negated)
            }
        }
        return result
    }

    /// The width-5 NAF of `scalar`, least significant digit first: odd
    /// digits in −15…15, each followed by at least four zeros.
    static func nafDigits(_ scalar: UInt256) -> [Int8] {
        let limbs = scalar.limbs
        var k: (UInt64, UInt64, UInt64, UInt64, UInt64) = (limbs.0, limbs.1, limbs.2, limbs.3, 0)
        var digits: [Int8] = []
        digits.reserveCapacity(258)
        while (k.0 | k.1 | k.2 | k.3 | k.4) != 0 {
            var digit: Int8 = 0
            if k.0 & 1 == 1 {
                let window = Int8(k.0 & 31)
                digit = window >= 16 ? window - 32 : window
                if digit > 0 {
                    k.0 -= UInt64(digit)  // k.0 mod 32 = digit: no borrow
                } else {
                    // k − digit = k + |digit|, carrying through the limbs.
                    var carry: UInt64 = 0
                    k.0 = Fp.adc(k.0, UInt64(-Int(digit)), &carry)
                    k.1 = Fp.adc(k.1, 0, &carry); k.2 = Fp.adc(k.2, 0, &carry)
                    k.3 = Fp.adc(k.3, 0, &carry); k.4 = Fp.adc(k.4, 0, &carry)
                }
            }
            digits.append(digit)
            k = (k.0 >> 1 | k.1 << 63, k.1 >> 1 | k.2 << 63, k.2 >> 1 | k.3 << 63, k.3 >> 1 | k.4 << 63, k.4 >> 1)
        }
        return digits
    }
}

extension JacobianPoint where F == Fp2 {
    /// ψ = untwist∘Frobenius∘twist on Jacobian coordinates: (X̄·ξ^((p−1)/3),
    /// Ȳ·ξ^((p−1)/2), Z̄). On G2 it acts as multiplication by p.
    var psi: JacobianPoint {
        let g = Fp12.frobeniusCoefficients
        return JacobianPoint(x: x.conjugate * g[2], y: y.conjugate * g[3], z: z.conjugate)
    }

    /// Whether this twist point is in the order-r subgroup G2, by the test
    /// of Dai, Lin, Zhao and Zhou ("Fast subgroup membership testing for
    /// G1, G2 and GT on pairing-friendly curves", 2022, for BN curves):
    /// [x+1]Q + ψ([x]Q) + ψ²([x]Q) = ψ³([2x]Q), which holds exactly when
    /// [r]Q = O. It costs a 63-bit scalar multiplication instead of a
    /// 254-bit one. (The twist group is cyclic of square-free order r·h;
    /// the tests check one point of each prime order dividing h.)
    var isInG2: Bool {
        if isInfinity { return true }
        let xQ = multiplied(by: UInt256(BN254Pairing.parameterX))
        let psiXQ = xQ.psi
        let left = xQ.adding(self).adding(psiXQ).adding(psiXQ.psi)
        let right = xQ.doubled.psi.psi.psi
        return left.adding(right.negated).isInfinity
    }
}

/// The BN254 groups and their input checks (EIP-196, EIP-197).
enum BN254 {
    /// The order r of G1 and G2.
    static let order = UInt256(limbs: 0x43e1_f593_f000_0001, 0x2833_e848_79b9_7091,
                               0xb850_45b6_8181_585d, 0x3064_4e72_e131_a029)
    /// G1: y² = x³ + 3 over Fp.
    static let g1B = Fp(3)
    /// G2 lives on the D-type twist y² = x³ + 3/ξ over Fp2.
    static let g2B = Fp2(Fp(3)) * Fp2.xi.inverse

    /// A G1 point from 64 bytes x ‖ y; (0, 0) is infinity. `nil` for a
    /// coordinate ≥ p or a point off the curve (G1 has cofactor 1, so every
    /// curve point is in the group).
    static func g1(_ bytes: ArraySlice<UInt8>) -> JacobianPoint<Fp>? {
        let s = bytes.startIndex
        guard let x = Fp(bigEndian: bytes[s..<s + 32]), let y = Fp(bigEndian: bytes[s + 32..<s + 64]) else { return nil }
        if x.isZero && y.isZero { return .infinity }
        guard y.squared == x.squared * x + g1B else { return nil }
        return JacobianPoint(affineX: x, y: y)
    }

    /// A G2 point from 128 bytes x ‖ y, each Fp2 element encoded as its
    /// u-coefficient then its constant (EIP-197); all zeros is infinity.
    /// `nil` for a coordinate ≥ p, a point off the twist, or one outside the
    /// order-r subgroup (the twist has a large cofactor).
    static func g2(_ bytes: ArraySlice<UInt8>) -> JacobianPoint<Fp2>? {
        let s = bytes.startIndex
        guard let xU = Fp(bigEndian: bytes[s..<s + 32]), let x1 = Fp(bigEndian: bytes[s + 32..<s + 64]),
              let yU = Fp(bigEndian: bytes[s + 64..<s + 96]), let y1 = Fp(bigEndian: bytes[s + 96..<s + 128])
        else { return nil }
        let x = Fp2(c0: x1, c1: xU), y = Fp2(c0: y1, c1: yU)
        if x.isZero && y.isZero { return .infinity }
        guard y.squared == x.squared * x + g2B else { return nil }
        let point = JacobianPoint(affineX: x, y: y)
        guard point.isInG2 else { return nil }
        return point
    }

    /// 64 bytes x ‖ y, zeros for infinity.
    static func encode(_ point: JacobianPoint<Fp>) -> [UInt8] {
        guard let (x, y) = point.affine else { return [UInt8](repeating: 0, count: 64) }
        return x.bigEndianBytes + y.bigEndianBytes
    }
}
