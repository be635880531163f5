/// Why a hex string was refused.
public enum HexError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The string (after an optional `0x`) has an odd number of digits.
    case oddLength(Int)
    /// A character that is not a hex digit, at this offset of the input.
    case invalidCharacter(offset: Int)
    /// The decoded value has the wrong number of bytes.
    case wrongLength(got: Int, expected: Int)

    public var description: String {
        switch self {
        case .oddLength(let n): return "hex string has an odd number of digits (\(n))"
        case .invalidCharacter(let offset): return "hex string has a character that is not a hex digit at offset \(offset)"
        case .wrongLength(let got, let expected): return "hex value is \(got) bytes long, expected \(expected)"
        }
    }
}

/// Hex text ⇄ bytes. Decoding is strict: an optional `0x`/`0X` prefix, then an
/// even number of hex digits, nothing else (no whitespace, no sign).
public enum Hex {
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    @inline(__always)
    static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c &- UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c &- UInt8(ascii: "a") &+ 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c &- UInt8(ascii: "A") &+ 10
        default: return nil
        }
    }

    /// Decodes hex text; the `0x` prefix is optional.
    public static func decode(_ text: some StringProtocol) throws(HexError) -> [UInt8] {
        let utf8 = Array(text.utf8)
        var start = 0
        if utf8.count >= 2, utf8[0] == UInt8(ascii: "0"), utf8[1] == UInt8(ascii: "x") || utf8[1] == UInt8(ascii: "X") {
            start = 2
        }
        let digitCount = utf8.count - start
        guard digitCount % 2 == 0 else { throw .oddLength(digitCount) }
        var out = [UInt8]()
        out.reserveCapacity(digitCount / 2)
        var i = start
        while i < utf8.count {
            guard let hi = nibble(utf8[i]) else { throw .invalidCharacter(offset: i) }
            guard let lo = nibble(utf8[i + 1]) else { throw .invalidCharacter(offset: i + 1) }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    /// Decodes hex text that must hold exactly `count` bytes.
    public static func decode(_ text: some StringProtocol, count: Int) throws(HexError) -> [UInt8] {
        let bytes = try decode(text)
        guard bytes.count == count else { throw .wrongLength(got: bytes.count, expected: count) }
        return bytes
    }

    /// Lower-case hex text, with a `0x` prefix unless `prefix` is false.
    public static func encode(_ bytes: some Sequence<UInt8>, prefix: Bool = true) -> String {
        var out = [UInt8]()
        out.reserveCapacity(bytes.underestimatedCount * 2 + 2)
        if prefix { out.append(UInt8(ascii: "0")); out.append(UInt8(ascii: "x")) }
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension Sequence where Element == UInt8 {
    /// `0x`-prefixed lower-case hex.
    public var hexString: String { Hex.encode(self) }
}
