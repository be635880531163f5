/// MODEXP's fast path: `base^exponent mod modulus` by left-to-right
/// sliding-window exponentiation. An odd modulus works in Montgomery form; an
/// even one, m = q·2^k with q odd, is split into a power modulo q (Montgomery)
/// and one modulo 2^k (truncated products), joined by the Chinese remainder
/// theorem. Checked against `BigNat.power` (schoolbook) by the tests.
enum ModularPower {
    /// `base^e mod modulus`, e being the big-endian bytes `exponent` followed
    /// by `zeroBits` zero bits (the part of a declared exponent length that
    /// lies past the input). A zero modulus gives zero (EIP-198).
    static func power(_ base: BigNat, exponent: [UInt8], zeroBits: UInt64, modulus: BigNat) -> BigNat {
        guard !modulus.isZero else { return BigNat(limbs: []) }
        if modulus.limbs == [1] { return BigNat(limbs: []) }
        let exponent = Exponent(exponent, zeroBits: zeroBits)
        if exponent.bitCount == 0 { return BigNat(limbs: [1]) }
        let k = modulus.trailingZeroBitCount
        if k == 0 { return oddPower(base, exponent, modulus) }
        let q = modulus.shiftedRight(by: k)
        let low = powerOfTwoPower(base, exponent, bits: k)
        if q.limbs == [1] { return BigNat(limbs: low) }
        return combine(oddPart: oddPower(base, exponent, q), q: q, lowPart: low, bits: k)
    }

    /// The exponent's significant bits, most significant first.
    struct Exponent {
        let bytes: [UInt8]
        /// Bits in `bytes` from the top set bit down.
        let bitCount: Int
        let zeroBits: UInt64

        init(_ raw: [UInt8], zeroBits: UInt64) {
            let first = raw.firstIndex { $0 != 0 }
            bytes = first.map { Array(raw[$0...]) } ?? []
            bitCount = bytes.isEmpty ? 0 : bytes.count * 8 - bytes[0].leadingZeroBitCount
            self.zeroBits = bytes.isEmpty ? 0 : zeroBits
        }

        init(bigEndian value: UInt64) {
            self.init((0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * UInt64($0))) }, zeroBits: 0)
        }

        /// Bit `i` of `bytes`, counted from the least significant.
        @inline(__always) func bit(_ i: Int) -> Int {
            Int(bytes[bytes.count - 1 - i >> 3] >> UInt8(i & 7) & 1)
        }

        /// Window width for `bitCount` bits (fewer multiplications against a
        /// table of 2^(w−1) odd powers).
        var window: Int {
            let b = bitCount
            return b > 671 ? 6 : b > 239 ? 5 : b > 79 ? 4 : b > 23 ? 3 : 1
        }
    }

    /// `base^e` in `ring`, `base` and `one` in the ring's representation.
    static func power<R: ResidueRing>(_ ring: R, base: [UInt64], one: [UInt64], _ e: Exponent) -> [UInt64] {
        let n = ring.limbCount
        if e.bitCount == 0 { return one }
        let w = e.window
        let entries = 1 << (w - 1)
        let table = UnsafeMutablePointer<UInt64>.allocate(capacity: n * (entries + 1))
        defer { table.deallocate() }
        let acc = table + n * entries
        table.initialize(from: base, count: n)
        if entries > 1 {  // base, base^3, base^5, …
            acc.initialize(from: base, count: n)
            ring.multiply(acc, acc, acc)
            for i in 1..<entries { ring.multiply(table + n * i, table + n * (i - 1), acc) }
        }
        var started = false
        var i = e.bitCount - 1
        while i >= 0 {
            if e.bit(i) == 0 {
                ring.multiply(acc, acc, acc)
                i -= 1
                continue
            }
            var j = Swift.max(i - w + 1, 0)
            while e.bit(j) == 0 { j += 1 }
            var value = 0
            for b in stride(from: i, through: j, by: -1) { value = value << 1 | e.bit(b) }
            let entry = table + n * (value >> 1)
            if started {
                for _ in 0...(i - j) { ring.multiply(acc, acc, acc) }
                ring.multiply(acc, acc, entry)
            } else {
                acc.update(from: entry, count: n)
                started = true
            }
            i = j - 1
        }
        var z = e.zeroBits
        while z > 0 {
            ring.multiply(acc, acc, acc)
            z -= 1
        }
        return Array(UnsafeBufferPointer(start: acc, count: n))
    }

    /// `power` for a one-limb modulus, with the accumulator in a register.
    @inline(__always)
    static func wordPower(base: UInt64, one: UInt64, _ e: Exponent, _ product: (UInt64, UInt64) -> UInt64) -> UInt64 {
        if e.bitCount == 0 { return one }
        let w = e.window
        var table = [UInt64](repeating: base, count: 1 << (w - 1))
        let square = product(base, base)
        for i in 1..<table.count { table[i] = product(table[i - 1], square) }
        var acc = one
        var started = false
        var i = e.bitCount - 1
        while i >= 0 {
            if e.bit(i) == 0 {
                acc = product(acc, acc)
                i -= 1
                continue
            }
            var j = Swift.max(i - w + 1, 0)
            while e.bit(j) == 0 { j += 1 }
            var value = 0
            for b in stride(from: i, through: j, by: -1) { value = value << 1 | e.bit(b) }
            if started {
                for _ in 0...(i - j) { acc = product(acc, acc) }
                acc = product(acc, table[value >> 1])
            } else {
                acc = table[value >> 1]
                started = true
            }
            i = j - 1
        }
        var z = e.zeroBits
        while z > 0 {
            acc = product(acc, acc)
            z -= 1
        }
        return acc
    }

    /// `base^e mod q`, q odd and above 1.
    static func oddPower(_ base: BigNat, _ e: Exponent, _ q: BigNat) -> BigNat {
        let reduced = base.remainder(dividingBy: q)
        if q.limbs.count == 1 {
            let m = q.limbs[0]
            let ring = MontgomeryWordRing(modulus: m)
            let x = reduced.limbs.first ?? 0
            let toForm = { (v: UInt64) in m.dividingFullWidth((v, 0)).remainder }  // v·2^64 mod m
            if m < 1 << 62 {
                let r = wordPower(base: toForm(x), one: toForm(1), e, ring.lazyProduct)
                let v = ring.lazyProduct(r, 1)  // below 2m
                return BigNat(limbs: [v >= m ? v - m : v])
            }
            let r = wordPower(base: toForm(x), one: toForm(1), e, ring.product)
            return BigNat(limbs: [ring.product(r, 1)])
        }
        let n = q.limbs.count
        let ring = MontgomeryRing(modulus: q.limbs)
        // R² mod q converts into Montgomery form: mont(x, R²) = x·R.
        var square = [UInt64](repeating: 0, count: 2 * n + 1)
        square[2 * n] = 1
        let rSquared = padded(BigNat(limbs: square).remainder(dividingBy: q).limbs, n)
        var x = padded(reduced.limbs, n)
        let one = padded([1], n)
        x.withUnsafeMutableBufferPointer { ring.multiply($0.baseAddress!, $0.baseAddress!, rSquared) }
        var rOne = one
        rOne.withUnsafeMutableBufferPointer { ring.multiply($0.baseAddress!, $0.baseAddress!, rSquared) }
        var r = power(ring, base: x, one: rOne, e)
        r.withUnsafeMutableBufferPointer { p in one.withUnsafeBufferPointer { ring.multiply(p.baseAddress!, p.baseAddress!, $0.baseAddress!) } }
        return BigNat(limbs: r)
    }

    /// `base^e mod 2^k` as ⌈k/64⌉ limbs. Only a few bits of e matter: an
    /// odd base has order dividing 2^max(k−2, 1), so e counts modulo that;
    /// an even base gives 0 once e ≥ k.
    static func powerOfTwoPower(_ base: BigNat, _ e: Exponent, bits k: Int) -> [UInt64] {
        let ring = PowerOfTwoRing(bits: k)
        let n = ring.limbCount
        var x = padded(Array(base.limbs.prefix(n)), n)
        x[n - 1] &= ring.topMask
        let one = padded([1], n)
        if x[0] & 1 == 0 {
            // e ≥ 1 here; e ≥ k ≥ 1 makes the power 0 (k < 2^32: e's top bit says).
            if e.zeroBits >= 64 || e.bitCount + Int(e.zeroBits) > 33 { return padded([], n) }
            var value: UInt64 = 0
            for i in stride(from: e.bitCount - 1, through: 0, by: -1) { value = value << 1 | UInt64(e.bit(i)) }
            value <<= e.zeroBits
            if value >= UInt64(k) { return padded([], n) }
            return power(ring, base: x, one: one, Exponent(bigEndian: value))
        }
        // e mod 2^r, r = max(k − 2, 1): its low r bits.
        let r = Swift.max(k - 2, 1)
        guard e.zeroBits < UInt64(r) else { return one }
        let keep = r - Int(e.zeroBits)  // low bits of the stored exponent kept
        var bytes = [UInt8](repeating: 0, count: (r + 7) / 8 + 1)
        // bit i of the reduced exponent = bit (i − zeroBits) of the stored one
        for i in 0..<Swift.min(keep, e.bitCount) where e.bit(i) == 1 {
            let position = i + Int(e.zeroBits)
            bytes[bytes.count - 1 - position / 8] |= 1 << UInt8(position % 8)
        }
        return power(ring, base: x, one: one, Exponent(bytes, zeroBits: 0))
    }

    /// The x < q·2^k with x ≡ oddPart (mod q) and x ≡ lowPart (mod 2^k):
    /// x = oddPart + q·((lowPart − oddPart)·q⁻¹ mod 2^k).
    static func combine(oddPart: BigNat, q: BigNat, lowPart: [UInt64], bits k: Int) -> BigNat {
        let ring = PowerOfTwoRing(bits: k)
        let n = ring.limbCount
        func truncated(_ v: [UInt64]) -> [UInt64] {
            var t = padded(Array(v.prefix(n)), n)
            t[n - 1] &= ring.topMask
            return t
        }
        func multiply(_ a: [UInt64], _ b: [UInt64]) -> [UInt64] {
            var out = a
            out.withUnsafeMutableBufferPointer { o in b.withUnsafeBufferPointer { ring.multiply(o.baseAddress!, o.baseAddress!, $0.baseAddress!) } }
            return out
        }
        /// (a − b) mod 2^k.
        func subtract(_ a: [UInt64], _ b: [UInt64]) -> [UInt64] {
            var out = a
            var borrow = false
            for i in 0..<n {
                let (d1, b1) = a[i].subtractingReportingOverflow(b[i])
                let (d2, b2) = d1.subtractingReportingOverflow(borrow ? 1 : 0)
                out[i] = d2
                borrow = b1 || b2
            }
            out[n - 1] &= ring.topMask
            return out
        }
        // q⁻¹ mod 2^k by Newton's iteration from the one-limb inverse.
        let qLow = truncated(q.limbs)
        var inverse = truncated([inverseModWord(q.limbs[0])])
        var precision = 64
        while precision < k {
            inverse = multiply(inverse, subtract(truncated([2]), multiply(qLow, inverse)))
            precision *= 2
        }
        let t = multiply(subtract(lowPart, truncated(oddPart.limbs)), inverse)
        return q.multiplied(by: BigNat(limbs: t)).adding(oddPart)
    }

    static func padded(_ limbs: [UInt64], _ n: Int) -> [UInt64] {
        limbs.count >= n ? Array(limbs.prefix(n)) : limbs + [UInt64](repeating: 0, count: n - limbs.count)
    }
}

extension BigNat {
    /// Zero bits below the lowest set bit (0 for zero).
    var trailingZeroBitCount: Int {
        guard let i = limbs.firstIndex(where: { $0 != 0 }) else { return 0 }
        return i * 64 + limbs[i].trailingZeroBitCount
    }

    func shiftedRight(by bits: Int) -> BigNat {
        let words = bits / 64, shift = UInt64(bits % 64)
        guard words < limbs.count else { return BigNat(limbs: []) }
        var out = [UInt64](repeating: 0, count: limbs.count - words)
        for i in 0..<out.count {
            let low = limbs[i + words] >> shift
            let high = shift == 0 || i + words + 1 >= limbs.count ? 0 : limbs[i + words + 1] << (64 - shift)
            out[i] = low | high
        }
        return BigNat(limbs: out)
    }

    func adding(_ other: BigNat) -> BigNat {
        var out = [UInt64](repeating: 0, count: Swift.max(limbs.count, other.limbs.count) + 1)
        var carry = false
        for i in 0..<out.count - 1 {
            let a = i < limbs.count ? limbs[i] : 0, b = i < other.limbs.count ? other.limbs[i] : 0
            let (s1, c1) = a.addingReportingOverflow(b)
            let (s2, c2) = s1.addingReportingOverflow(carry ? 1 : 0)
            out[i] = s2
            carry = c1 || c2
        }
        out[out.count - 1] = carry ? 1 : 0
        return BigNat(limbs: out)
    }
}
