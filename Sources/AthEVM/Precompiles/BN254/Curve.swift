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

    /// scalar · self, double and add over all 256 bits (the scalar is not
    /// reduced: EIP-196 takes any 256-bit value).
    func multiplied(by scalar: UInt256) -> JacobianPoint {
        var result = JacobianPoint.infinity
        let limbs = scalar.limbs
        for limb in [limbs.3, limbs.2, limbs.1, limbs.0] {
            for bit in stride(from: 63, through: 0, by: -1) {
                result = result.doubled
                if limb >> UInt64(bit) & 1 == 1 { result = result.adding(self) }
            }
        }
        return result
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
        guard point.multiplied(by: order).isInfinity else { return nil }
        return point
    }

    /// 64 bytes x ‖ y, zeros for infinity.
    static func encode(_ point: JacobianPoint<Fp>) -> [UInt8] {
        guard let (x, y) = point.affine else { return [UInt8](repeating: 0, count: 64) }
        return x.bigEndianBytes + y.bigEndianBytes
    }
}
