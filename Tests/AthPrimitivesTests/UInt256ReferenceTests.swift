import AthPrimitives
import Testing

/// SplitMix64: a fixed-seed generator so a failing case can be replayed.
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Operands of every size, with limbs biased toward values that hit carry,
    /// borrow and quotient-correction corner cases.
    mutating func operand() -> UInt256 {
        let specials: [UInt64] = [0, 1, 2, .max, .max - 1, 1 << 63, (1 << 63) - 1, 1 << 32, 0xFFFF_FFFF]
        var l: [UInt64] = [0, 0, 0, 0]
        let count = Int(next() % 5)
        for i in 0..<count {
            l[i] = next() % 3 == 0 ? specials[Int(next() % UInt64(specials.count))] : next()
        }
        let v = UInt256(limbs: l[0], l[1], l[2], l[3])
        return next() % 4 == 0 ? v >> Int(next() % 64) : v
    }
}

/// An independent reference: arbitrary-precision unsigned integers on 32-bit
/// digits, with schoolbook add/sub/mul and bit-by-bit long division.
struct RefInt: Comparable {
    var digits: [UInt32]  // least significant first, no trailing zeros

    init(digits: [UInt32]) {
        self.digits = digits
        while self.digits.last == 0 { self.digits.removeLast() }
    }

    init(_ x: UInt256) {
        let l = x.limbs
        var d: [UInt32] = []
        for w in [l.0, l.1, l.2, l.3] { d += [UInt32(truncatingIfNeeded: w), UInt32(truncatingIfNeeded: w >> 32)] }
        self.init(digits: d)
    }

    static let twoTo256 = RefInt(digits: [0, 0, 0, 0, 0, 0, 0, 0, 1])

    var isZero: Bool { digits.isEmpty }

    /// The value mod 2^256.
    var truncated: UInt256 {
        var d = digits + [UInt32](repeating: 0, count: 8)
        d = Array(d[0..<8])
        func limb(_ k: Int) -> UInt64 { UInt64(d[2 * k]) | UInt64(d[2 * k + 1]) << 32 }
        return UInt256(limbs: limb(0), limb(1), limb(2), limb(3))
    }

    var bitWidth: Int { digits.isEmpty ? 0 : digits.count * 32 - digits.last!.leadingZeroBitCount }

    func bit(_ i: Int) -> Bool { i / 32 < digits.count && digits[i / 32] >> UInt32(i % 32) & 1 == 1 }

    static func < (a: RefInt, b: RefInt) -> Bool {
        if a.digits.count != b.digits.count { return a.digits.count < b.digits.count }
        for i in stride(from: a.digits.count - 1, through: 0, by: -1) where a.digits[i] != b.digits[i] {
            return a.digits[i] < b.digits[i]
        }
        return false
    }

    static func + (a: RefInt, b: RefInt) -> RefInt {
        var out: [UInt32] = []
        var carry: UInt64 = 0
        for i in 0..<max(a.digits.count, b.digits.count) {
            let s = UInt64(i < a.digits.count ? a.digits[i] : 0) + UInt64(i < b.digits.count ? b.digits[i] : 0) + carry
            out.append(UInt32(truncatingIfNeeded: s))
            carry = s >> 32
        }
        out.append(UInt32(carry))
        return RefInt(digits: out)
    }

    /// a - b for a >= b.
    static func - (a: RefInt, b: RefInt) -> RefInt {
        precondition(!(a < b))
        var out: [UInt32] = []
        var borrow: Int64 = 0
        for i in 0..<a.digits.count {
            var d = Int64(a.digits[i]) - Int64(i < b.digits.count ? b.digits[i] : 0) - borrow
            borrow = 0
            if d < 0 { d += 1 << 32; borrow = 1 }
            out.append(UInt32(d))
        }
        return RefInt(digits: out)
    }

    static func * (a: RefInt, b: RefInt) -> RefInt {
        var out = [UInt32](repeating: 0, count: a.digits.count + b.digits.count + 1)
        for i in 0..<a.digits.count {
            var carry: UInt64 = 0
            for j in 0..<b.digits.count {
                let t = UInt64(a.digits[i]) * UInt64(b.digits[j]) + UInt64(out[i + j]) + carry
                out[i + j] = UInt32(truncatingIfNeeded: t)
                carry = t >> 32
            }
            out[i + b.digits.count] = UInt32(carry)
        }
        return RefInt(digits: out)
    }

    func shiftedLeft(_ n: Int) -> RefInt {
        var out = [UInt32](repeating: 0, count: digits.count + n / 32 + 1)
        for i in 0..<bitWidth where bit(i) { out[(i + n) / 32] |= 1 << UInt32((i + n) % 32) }
        return RefInt(digits: out)
    }

    func shiftedRight(_ n: Int) -> RefInt {
        var out = [UInt32](repeating: 0, count: digits.count)
        for i in stride(from: n, to: bitWidth, by: 1) where bit(i) { out[(i - n) / 32] |= 1 << UInt32((i - n) % 32) }
        return RefInt(digits: out)
    }

    /// Restoring long division, one bit at a time; `d` nonzero.
    func quotientAndRemainder(dividingBy d: RefInt) -> (RefInt, RefInt) {
        precondition(!d.isZero)
        var q = [UInt32](repeating: 0, count: digits.count)
        var r = RefInt(digits: [])
        for i in stride(from: bitWidth - 1, through: 0, by: -1) {
            r = r.shiftedLeft(1)
            if bit(i) { r = r + RefInt(digits: [1]) }
            if !(r < d) {
                r = r - d
                q[i / 32] |= 1 << UInt32(i % 32)
            }
        }
        return (RefInt(digits: q), r)
    }
}

/// Two's complement negation through the reference: 2^256 - x, mod 2^256.
private func refNegate(_ x: UInt256) -> UInt256 {
    x.isZero ? x : (RefInt.twoTo256 - RefInt(x)).truncated
}

enum ReferenceOperation: String, CaseIterable, Sendable {
    case addSubtract, multiply, divide, addmod, mulmod, shift, signed, exp
}

/// Cross-checks against `RefInt`, an independent arbitrary-precision implementation.
@Suite struct UInt256ReferenceTests {
    @Test(arguments: ReferenceOperation.allCases)
    func matchesReferenceOnRandomOperands(operation: ReferenceOperation) {
        var rng = SplitMix64(state: 0xA7_0256 &+ UInt64(ReferenceOperation.allCases.firstIndex(of: operation)!))
        let samples = operation == .exp ? 300 : 1500
        for _ in 0..<samples {
            let a = rng.operand(), b = rng.operand(), c = rng.operand()
            let ra = RefInt(a), rb = RefInt(b), rc = RefInt(c)
            switch operation {
            case .addSubtract:
                let sum = ra + rb
                #expect(a.addingReportingOverflow(b) == (sum.truncated, !(sum < RefInt.twoTo256)), "\(a) + \(b)")
                #expect(a &+ b == sum.truncated)
                let difference = rb < ra || rb == ra ? ra - rb : ra + RefInt.twoTo256 - rb
                #expect(a.subtractingReportingOverflow(b) == (difference.truncated, ra < rb), "\(a) - \(b)")
                #expect(a &- b == difference.truncated)
                #expect((a < b) == (ra < rb) && (a == b) == (ra == rb))
            case .multiply:
                let product = ra * rb
                let (high, low) = a.multipliedFullWidth(by: b)
                #expect(low == product.truncated && high == product.shiftedRight(256).truncated, "\(a) * \(b)")
                #expect(a &* b == product.truncated)
                #expect(a.multipliedReportingOverflow(by: b) == (product.truncated, !(product < RefInt.twoTo256)))
            case .divide:
                if b.isZero {
                    #expect(a / b == .zero && a % b == .zero)
                } else {
                    let (q, r) = ra.quotientAndRemainder(dividingBy: rb)
                    #expect(a.quotientAndRemainder(dividingBy: b) == (q.truncated, r.truncated), "\(a) / \(b)")
                    #expect(a / b == q.truncated && a % b == r.truncated)
                }
            case .addmod:
                let expected = c.isZero ? .zero : (ra + rb).quotientAndRemainder(dividingBy: rc).1.truncated
                #expect(UInt256.addmod(a, b, c) == expected, "addmod(\(a), \(b), \(c))")
                // Operands below the modulus take the fast path.
                if !c.isZero {
                    let (a2, b2) = (a % c, b % c)
                    let expected2 = (RefInt(a2) + RefInt(b2)).quotientAndRemainder(dividingBy: rc).1.truncated
                    #expect(UInt256.addmod(a2, b2, c) == expected2, "addmod(\(a2), \(b2), \(c))")
                }
            case .mulmod:
                let expected = c.isZero ? .zero : (ra * rb).quotientAndRemainder(dividingBy: rc).1.truncated
                #expect(UInt256.mulmod(a, b, c) == expected, "mulmod(\(a), \(b), \(c))")
            case .shift:
                let n = Int(rng.next() % 300)
                #expect(a << n == ra.shiftedLeft(n).truncated, "\(a) << \(n)")
                #expect(a >> n == ra.shiftedRight(n).truncated, "\(a) >> \(n)")
                // SAR: a logical shift, then ones over the vacated top bits of a negative word.
                let ones = n >= 256 ? UInt256.max : (RefInt(.max).shiftedLeft(256 - n)).truncated
                #expect(a.sar(by: n) == (a.isNegative ? ra.shiftedRight(n).truncated | ones : ra.shiftedRight(n).truncated))
            case .signed:
                // Signed reading through the reference: magnitude and sign.
                let aNeg = a.isNegative, bNeg = b.isNegative
                let magA = aNeg ? RefInt(refNegate(a)) : ra, magB = bNeg ? RefInt(refNegate(b)) : rb
                if b.isZero {
                    #expect(a.sdiv(b) == .zero && a.smod(b) == .zero)
                } else {
                    let (q, r) = magA.quotientAndRemainder(dividingBy: magB)
                    #expect(a.sdiv(b) == (aNeg != bNeg ? refNegate(q.truncated) : q.truncated), "sdiv(\(a), \(b))")
                    #expect(a.smod(b) == (aNeg ? refNegate(r.truncated) : r.truncated), "smod(\(a), \(b))")
                }
                let less = aNeg != bNeg ? aNeg : (aNeg ? magB < magA : magA < magB)
                #expect(a.slt(b) == less && b.sgt(a) == less)
            case .exp:
                let e = Int(rng.next() % 300)
                var power = RefInt(digits: [1])
                for _ in 0..<e { power = RefInt((power * ra).truncated) }
                #expect(a.exp(UInt256(UInt64(e))) == power.truncated, "\(a) ** \(e)")
                // a^(x + y) == a^x * a^y for full-size exponents.
                let x = b >> 1, y = c >> 1
                #expect(a.exp(x &+ y) == a.exp(x) &* a.exp(y))
            }
        }
    }

    /// Dividends and divisors that force Algorithm D's rare branches (Hacker's
    /// Delight's `divmnu` cases scaled to 64-bit limbs, and others): the first
    /// three take the add-back step, the third with the digit estimate at its
    /// cap, and the seventh and eighth the estimate's correction loop.
    @Test(arguments: [
        (UInt256(limbs: 0, 0, 1 << 63, (1 << 63) - 1), UInt256(limbs: 1, 0, 1 << 63, 0)),
        (UInt256(limbs: 3, 0, 1 << 63, 0), UInt256(limbs: 1, 0, 1 << 61, 0)),
        (UInt256(limbs: 0, .max - 1, 0, 1 << 63), UInt256(limbs: .max, 0, 1 << 63, 0)),
        (UInt256(limbs: 0, .max, .max - 1, 1 << 63), UInt256(limbs: .max, 0, 1 << 63, 0)),
        (UInt256(limbs: 0, 0, .max, .max), UInt256(limbs: .max, .max, 0, 0)),
        (UInt256(limbs: .max, .max, .max, 1 << 63), UInt256(limbs: .max, .max, 1 << 63, 0)),
        (UInt256(limbs: 0, .max, .max, (1 << 63) - 1), UInt256(limbs: .max, (1 << 63) - 1, 0, 0)),
        (UInt256(limbs: 0, 0, 1 << 63, 1 << 63), UInt256(limbs: 1, 1 << 63, 0, 0)),
        (UInt256.max, UInt256(limbs: .max, 1, 0, 0)),
        (UInt256.max, UInt256(limbs: 0, 0, 0, 1)),
        (UInt256.max, UInt256(limbs: 1, 0, 0, 1 << 63)),
    ])
    func longDivisionMatchesReference(dividend: UInt256, divisor: UInt256) {
        let (q, r) = RefInt(dividend).quotientAndRemainder(dividingBy: RefInt(divisor))
        #expect(dividend / divisor == q.truncated)
        #expect(dividend % divisor == r.truncated)
        // q * d + r == a, and r < d.
        let qd = (dividend / divisor).multipliedReportingOverflow(by: divisor)
        #expect(!qd.overflow && qd.partialValue &+ dividend % divisor == dividend && dividend % divisor < divisor)
        // The same digits one limb up go through MULMOD's 512-bit reduction:
        // (a * 2^64) mod (d * 2^64) = (a mod d) * 2^64.
        if divisor.limbs.3 == 0 {
            #expect(UInt256.mulmod(dividend, two64, divisor << 64) == (dividend % divisor) << 64)
        }
    }

    @Test func textRoundTripsOverRandomValues() {
        var rng = SplitMix64(state: 0x7E57)
        for _ in 0..<500 {
            let v = rng.operand()
            #expect(UInt256(decimal: v.description) == v)
            #expect(UInt256(hex: v.hexDescription) == v)
            #expect(UInt256(bigEndianBytes: v.minimalBigEndianBytes) == v)
            #expect(UInt256(bigEndianBytes: v.bigEndianBytes) == v)
            // Decimal digits from the reference, by repeated division by ten.
            var digits: [Character] = []
            var r = RefInt(v)
            while !r.isZero {
                let (q, rem) = r.quotientAndRemainder(dividingBy: RefInt(digits: [10]))
                digits.append(Character(String(rem.digits.first ?? 0)))
                r = q
            }
            #expect(v.description == (digits.isEmpty ? "0" : String(digits.reversed())))
        }
    }
}
