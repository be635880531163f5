/// An unsigned 256-bit integer: the EVM word, balances, values and gas prices.
///
/// Stored inline as four `UInt64` limbs, least significant first, so a value
/// is 32 bytes, never allocates and copies in registers. The EVM's signed
/// operations read the same bits as two's complement (`UInt256+EVM.swift`).
///
/// Operators follow EVM semantics: `&+ &- &*` wrap mod 2^256, `/` and `%`
/// by zero give zero, shifts by 256 or more give zero. Nothing here traps on
/// any input. Use the `…ReportingOverflow` variants for values that must not
/// wrap (balances, transaction arithmetic).
public struct UInt256: Hashable, Sendable, Comparable, ExpressibleByIntegerLiteral, CustomStringConvertible {
    /// Limbs, least significant first.
    @usableFromInline var w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    public static let zero = UInt256(limbs: 0, 0, 0, 0)
    public static let one = UInt256(limbs: 1, 0, 0, 0)
    /// 2^256 - 1 (also -1 read as a signed word).
    public static let max = UInt256(limbs: .max, .max, .max, .max)

    /// Builds a value from its limbs, least significant first.
    @inlinable public init(limbs l0: UInt64, _ l1: UInt64, _ l2: UInt64, _ l3: UInt64) {
        w0 = l0; w1 = l1; w2 = l2; w3 = l3
    }

    @inlinable public init(_ v: UInt64) { self.init(limbs: v, 0, 0, 0) }

    @inlinable public init(integerLiteral v: UInt64) { self.init(limbs: v, 0, 0, 0) }

    /// The limbs, least significant first.
    @inlinable public var limbs: (UInt64, UInt64, UInt64, UInt64) { (w0, w1, w2, w3) }

    /// Limb `i` (0...3, least significant first); 0 for any other index.
    @inlinable func limb(_ i: Int) -> UInt64 {
        switch i {
        case 0: return w0
        case 1: return w1
        case 2: return w2
        case 3: return w3
        default: return 0
        }
    }

    // MARK: Bytes

    /// Loads 32 big-endian bytes from `p` (no alignment needed).
    @inlinable public init(pointer p: UnsafeRawPointer) {
        self.init(limbs: UInt64(bigEndian: p.loadUnaligned(fromByteOffset: 24, as: UInt64.self)),
                  UInt64(bigEndian: p.loadUnaligned(fromByteOffset: 16, as: UInt64.self)),
                  UInt64(bigEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
                  UInt64(bigEndian: p.loadUnaligned(as: UInt64.self)))
    }

    /// Writes the value to `p` as 32 big-endian bytes (no alignment needed).
    @inlinable public func store(to p: UnsafeMutableRawPointer) {
        p.storeBytes(of: w3.bigEndian, as: UInt64.self)
        p.storeBytes(of: w2.bigEndian, toByteOffset: 8, as: UInt64.self)
        p.storeBytes(of: w1.bigEndian, toByteOffset: 16, as: UInt64.self)
        p.storeBytes(of: w0.bigEndian, toByteOffset: 24, as: UInt64.self)
    }

    /// Reads up to 32 big-endian bytes (leading zeros allowed, none at all is
    /// zero); `nil` if there are more than 32. Canonical-form checks (no
    /// leading zeros) belong to the decoder that needs them, e.g. RLP.
    @inlinable public init?(bigEndianBytes bytes: some Collection<UInt8>) {
        let n = bytes.count
        guard n <= 32 else { return nil }
        if n == 0 { self = .zero; return }
        let fast: UInt256? = bytes.withContiguousStorageIfAvailable { buf in
            var padded: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
            return withUnsafeMutableBytes(of: &padded) { raw in
                raw.baseAddress!.advanced(by: 32 - n).copyMemory(from: buf.baseAddress!, byteCount: n)
                return UInt256(pointer: UnsafeRawPointer(raw.baseAddress!))
            }
        }
        if let fast { self = fast; return }
        var l0: UInt64 = 0, l1: UInt64 = 0, l2: UInt64 = 0, l3: UInt64 = 0
        var significance = n  // byte position from the low end, plus one
        for b in bytes {
            significance -= 1
            let v = UInt64(b) << UInt64((significance & 7) << 3)
            switch significance >> 3 {
            case 0: l0 |= v
            case 1: l1 |= v
            case 2: l2 |= v
            default: l3 |= v
            }
        }
        self.init(limbs: l0, l1, l2, l3)
    }

    /// The 32 big-endian bytes.
    @inlinable public var bigEndianBytes: [UInt8] {
        [UInt8](unsafeUninitializedCapacity: 32) { buf, count in
            store(to: buf.baseAddress!)
            count = 32
        }
    }

    /// The big-endian bytes without leading zeros (empty for zero): the RLP
    /// integer payload.
    @inlinable public var minimalBigEndianBytes: [UInt8] {
        let n = significantByteCount
        return [UInt8](unsafeUninitializedCapacity: n) { buf, count in
            for k in 0..<n {
                let significance = n - 1 - k
                buf[k] = UInt8(truncatingIfNeeded: limb(significance >> 3) >> UInt64((significance & 7) << 3))
            }
            count = n
        }
    }

    // MARK: Inspection and narrowing

    @inlinable public var isZero: Bool { (w0 | w1 | w2 | w3) == 0 }

    @inlinable public var leadingZeroBitCount: Int {
        if w3 != 0 { return w3.leadingZeroBitCount }
        if w2 != 0 { return 64 + w2.leadingZeroBitCount }
        if w1 != 0 { return 128 + w1.leadingZeroBitCount }
        return 192 + w0.leadingZeroBitCount
    }

    /// Bytes needed to write the value big-endian without leading zeros;
    /// 0 for zero. (EXP gas is charged per byte of the exponent.)
    @inlinable public var significantByteCount: Int { (256 - leadingZeroBitCount + 7) >> 3 }

    /// Limbs up to and including the highest nonzero one; 0 for zero.
    @inlinable var significantLimbCount: Int { (256 - leadingZeroBitCount + 63) >> 6 }

    /// The value as `UInt64`, or `nil` if it does not fit.
    @inlinable public var uint64IfFits: UInt64? { (w1 | w2 | w3) == 0 ? w0 : nil }

    /// The value as `Int`, or `nil` if it exceeds `Int.max`.
    @inlinable public var intIfFits: Int? {
        (w1 | w2 | w3) == 0 && w0 <= UInt64(Int.max) ? Int(truncatingIfNeeded: w0) : nil
    }

    /// The low 64 bits (the value mod 2^64).
    @inlinable public var low64: UInt64 { w0 }

    // MARK: Equality, ordering, hashing

    @inlinable public static func == (a: UInt256, b: UInt256) -> Bool {
        ((a.w0 ^ b.w0) | (a.w1 ^ b.w1) | (a.w2 ^ b.w2) | (a.w3 ^ b.w3)) == 0
    }

    /// Unsigned order; `slt`/`sgt` compare as signed.
    @inlinable public static func < (a: UInt256, b: UInt256) -> Bool {
        // a < b exactly when a - b borrows out of the top limb.
        a.subtractingReportingOverflow(b).overflow
    }

    @inlinable public static func > (a: UInt256, b: UInt256) -> Bool { b < a }
    @inlinable public static func <= (a: UInt256, b: UInt256) -> Bool { !(b < a) }
    @inlinable public static func >= (a: UInt256, b: UInt256) -> Bool { !(a < b) }

    @inlinable public func hash(into hasher: inout Hasher) {
        hasher.combine(w0)
        hasher.combine(w1)
        hasher.combine(w2)
        hasher.combine(w3)
    }
}

// MARK: - Text

extension UInt256 {
    /// 10^19, the largest power of ten that fits in a limb.
    @usableFromInline static let decimalChunk: UInt64 = 10_000_000_000_000_000_000

    /// Parses ASCII decimal digits (no sign, prefix, separators or spaces).
    /// Leading zeros are allowed. `nil` for empty text, any other character,
    /// or a value of 2^256 or more.
    public init?(decimal text: some StringProtocol) {
        var value = UInt256.zero
        var chunk: UInt64 = 0, chunkDigits = 0
        var sawDigit = false
        for c in text.utf8 {
            let d = c &- UInt8(ascii: "0")
            guard d < 10 else { return nil }
            sawDigit = true
            chunk = chunk &* 10 &+ UInt64(d)
            chunkDigits += 1
            if chunkDigits == 19 {
                guard let v = value.multipliedAdding(UInt256.decimalChunk, chunk) else { return nil }
                value = v; chunk = 0; chunkDigits = 0
            }
        }
        guard sawDigit else { return nil }
        if chunkDigits > 0 {
            var scale: UInt64 = 1
            for _ in 0..<chunkDigits { scale &*= 10 }
            guard let v = value.multipliedAdding(scale, chunk) else { return nil }
            value = v
        }
        self = value
    }

    /// Parses hex: an optional `0x`/`0X` prefix, then at least one hex digit
    /// in either case. Leading zeros are allowed (any number of them); `nil`
    /// for empty digits, any other character, or a value of 2^256 or more.
    public init?(hex text: some StringProtocol) {
        var utf8 = Substring(text).utf8[...]
        if utf8.count >= 2, utf8.first == UInt8(ascii: "0"),
           utf8.dropFirst().first == UInt8(ascii: "x") || utf8.dropFirst().first == UInt8(ascii: "X") {
            utf8 = utf8.dropFirst(2)
        }
        guard !utf8.isEmpty else { return nil }
        var value = UInt256.zero
        for c in utf8 {
            guard let nibble = Hex.nibble(c) else { return nil }
            // Overflow exactly when a nonzero nibble would leave the top.
            guard value.w3 >> 60 == 0 else { return nil }
            value = value << 4
            value.w0 |= UInt64(nibble)
        }
        self = value
    }

    /// `self * factor + addend`, or `nil` if that is 2^256 or more.
    @usableFromInline func multipliedAdding(_ factor: UInt64, _ addend: UInt64) -> UInt256? {
        var (c, r0) = Self.mulAdd(0, w0, factor, addend)
        var r1: UInt64, r2: UInt64, r3: UInt64
        (c, r1) = Self.mulAdd(0, w1, factor, c)
        (c, r2) = Self.mulAdd(0, w2, factor, c)
        (c, r3) = Self.mulAdd(0, w3, factor, c)
        return c == 0 ? UInt256(limbs: r0, r1, r2, r3) : nil
    }

    /// Decimal digits, no separators.
    public var description: String {
        if (w1 | w2 | w3) == 0 { return String(w0) }
        // Peel off 19-digit chunks from the low end; at most 5 (78 digits).
        var chunks: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)
        var count = 0
        var x = self
        while !x.isZero {
            let (q, r) = x.quotientAndRemainder(dividingByLimb: UInt256.decimalChunk)
            switch count {
            case 0: chunks.0 = r
            case 1: chunks.1 = r
            case 2: chunks.2 = r
            case 3: chunks.3 = r
            default: chunks.4 = r
            }
            count += 1
            x = q
        }
        let all = [chunks.0, chunks.1, chunks.2, chunks.3, chunks.4]
        var out = String(all[count - 1])
        for i in stride(from: count - 2, through: 0, by: -1) {
            let digits = String(all[i])
            out += String(repeating: "0", count: 19 - digits.count) + digits
        }
        return out
    }

    /// `0x` and lower-case hex without leading zeros; `0x0` for zero (the
    /// JSON-RPC quantity form).
    public var hexDescription: String {
        let hexDigits = Array("0123456789abcdef".utf8)
        let digitCount = Swift.max(1, (256 - leadingZeroBitCount + 3) >> 2)
        var out = [UInt8](repeating: 0, count: digitCount + 2)
        out[0] = UInt8(ascii: "0")
        out[1] = UInt8(ascii: "x")
        for k in 0..<digitCount {
            let nibbleIndex = digitCount - 1 - k
            let nibble = limb(nibbleIndex >> 4) >> UInt64((nibbleIndex & 15) << 2) & 0xf
            out[2 + k] = hexDigits[Int(nibble)]
        }
        return String(decoding: out, as: UTF8.self)
    }
}
