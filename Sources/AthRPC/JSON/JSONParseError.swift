/// Why JSON text was refused, and where (a byte offset into the input).
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        /// The input holds nothing but whitespace.
        case empty
        /// The input ended inside a value.
        case unexpectedEnd
        /// A byte that cannot start or continue the value being read.
        case unexpectedCharacter(UInt8)
        /// A number that breaks the RFC 8259 grammar (leading zero, lone minus, bare dot...).
        case invalidNumber
        /// A backslash followed by something other than `"\/bfnrtu`.
        case invalidEscape
        /// `\u` not followed by four hex digits.
        case invalidUnicodeEscape
        /// A UTF-16 surrogate escape without its partner.
        case loneSurrogate
        /// A raw control character (below 0x20) inside a string.
        case controlCharacter(UInt8)
        /// Bytes that are not valid UTF-8 inside a string.
        case invalidUTF8
        /// Arrays and objects nested deeper than the limit.
        case tooDeep(limit: Int)
        /// Something other than whitespace after the top-level value.
        case trailingCharacters
    }

    public var reason: Reason
    public var offset: Int

    public init(_ reason: Reason, at offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    public var description: String {
        switch reason {
        case .empty: return "JSON input is empty"
        case .unexpectedEnd: return "JSON input ends unexpectedly at offset \(offset)"
        case .unexpectedCharacter(let b): return "JSON input has an unexpected \(Self.show(b)) at offset \(offset)"
        case .invalidNumber: return "JSON number at offset \(offset) is malformed"
        case .invalidEscape: return "JSON string has an invalid escape sequence at offset \(offset)"
        case .invalidUnicodeEscape: return "JSON string has a \\u escape without four hex digits at offset \(offset)"
        case .loneSurrogate: return "JSON string has an unpaired UTF-16 surrogate escape at offset \(offset)"
        case .controlCharacter(let b): return "JSON string has a raw control character \(Self.show(b)) at offset \(offset)"
        case .invalidUTF8: return "JSON string has invalid UTF-8 at offset \(offset)"
        case .tooDeep(let limit): return "JSON input nests arrays and objects deeper than \(limit) at offset \(offset)"
        case .trailingCharacters: return "JSON input has unexpected data after the value at offset \(offset)"
        }
    }

    private static func show(_ b: UInt8) -> String {
        if b >= 0x21 && b < 0x7f { return "character '\(Character(Unicode.Scalar(b)))'" }
        let hex = String(b, radix: 16, uppercase: true)
        return "byte 0x\(hex.count == 1 ? "0" + hex : hex)"
    }
}
