/// Why RLP input was refused. Every case says in words what is wrong and where.
public enum RLPError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The input ended before the item at `offset` was complete.
    case truncated(offset: Int, needed: Int, available: Int)
    /// Bytes remain after the top-level item (or after the last field of a list).
    case trailingBytes(offset: Int, count: Int)
    /// A single byte below 0x80 was wrapped in a string header.
    case nonCanonicalSingleByte(offset: Int)
    /// A long-form header carried a length that fits the short form (< 56).
    case nonCanonicalLength(offset: Int, length: Int)
    /// A long-form length field started with a zero byte.
    case leadingZeroInLength(offset: Int)
    /// A length field too large to be real (more than Int.max or the input size).
    case lengthOverflow(offset: Int)
    /// An integer field had leading zero bytes (zero must be the empty string).
    case leadingZeroInInteger(offset: Int)
    /// An integer field was wider than the type it decodes into.
    case integerOverflow(offset: Int, bytes: Int, maxBytes: Int)
    /// Expected a string and found a list, or the other way round.
    case unexpectedList(offset: Int)
    case unexpectedString(offset: Int)
    /// A fixed-size field (address, hash) had the wrong length.
    case wrongFieldLength(offset: Int, got: Int, expected: Int)
    /// Lists nested deeper than `RLP.maxDepth`.
    case tooDeep(offset: Int)
    /// The input is empty.
    case empty
    /// A list ended before all expected fields were read.
    case missingField(offset: Int)

    public var description: String {
        switch self {
        case let .truncated(o, needed, available):
            return "RLP item at offset \(o) needs \(needed) bytes but only \(available) remain"
        case let .trailingBytes(o, n): return "RLP has \(n) unexpected trailing bytes at offset \(o)"
        case let .nonCanonicalSingleByte(o):
            return "RLP at offset \(o) wraps a single byte below 0x80 in a string header (non-canonical)"
        case let .nonCanonicalLength(o, n):
            return "RLP at offset \(o) uses a long-form header for length \(n), which must use the short form (non-canonical)"
        case let .leadingZeroInLength(o): return "RLP length at offset \(o) has a leading zero byte (non-canonical)"
        case let .lengthOverflow(o): return "RLP length at offset \(o) is impossibly large"
        case let .leadingZeroInInteger(o): return "RLP integer at offset \(o) has leading zero bytes (non-canonical)"
        case let .integerOverflow(o, n, max):
            return "RLP integer at offset \(o) is \(n) bytes long, more than the \(max) allowed"
        case let .unexpectedList(o): return "RLP at offset \(o) is a list where a string was expected"
        case let .unexpectedString(o): return "RLP at offset \(o) is a string where a list was expected"
        case let .wrongFieldLength(o, got, expected):
            return "RLP field at offset \(o) is \(got) bytes long, expected \(expected)"
        case let .tooDeep(o): return "RLP lists at offset \(o) are nested deeper than \(RLP.maxDepth)"
        case .empty: return "RLP input is empty"
        case let .missingField(o): return "RLP list ends at offset \(o) before all its fields"
        }
    }
}
