/// A decoded RLP value: a byte string or a list of values.
public enum RLPItem: Equatable, Sendable {
    case bytes([UInt8])
    case list([RLPItem])
}

/// Recursive Length Prefix encoding (Ethereum Yellow Paper, appendix B).
public enum RLP {
    /// The deepest list nesting a decoder accepts; deeper input is refused
    /// rather than risking the stack.
    public static let maxDepth = 1024

    /// Decodes exactly one item that spans all of `bytes`.
    public static func decode(_ bytes: [UInt8]) throws(RLPError) -> RLPItem {
        var d = RLPDecoder(bytes)
        let item = try d.readItem()
        try d.finish()
        return item
    }

    /// Encodes an item.
    public static func encode(_ item: RLPItem) -> [UInt8] {
        var w = RLPWriter()
        w.append(item)
        return w.bytes
    }
}

/// Builds RLP bytes. Strings and integers are appended directly; a list is
/// written by `appendList`, whose body is encoded and then given its header.
public struct RLPWriter: Sendable {
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 64) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    private mutating func appendHeader(base: UInt8, length: Int) {
        if length < 56 {
            bytes.append(base &+ UInt8(length))
        } else {
            let lenBytes = (Int.bitWidth - length.leadingZeroBitCount + 7) / 8
            bytes.append(base &+ 55 &+ UInt8(lenBytes))
            for i in stride(from: lenBytes - 1, through: 0, by: -1) {
                bytes.append(UInt8(truncatingIfNeeded: length >> (8 * i)))
            }
        }
    }

    /// Appends a byte string.
    public mutating func append<C: Collection>(bytes s: C) where C.Element == UInt8 {
        if s.count == 1, let b = s.first, b < 0x80 {
            bytes.append(b)
        } else {
            appendHeader(base: 0x80, length: s.count)
            bytes.append(contentsOf: s)
        }
    }

    /// Appends an unsigned integer in its canonical (minimal big-endian) form.
    public mutating func append(_ v: UInt64) {
        if v == 0 { bytes.append(0x80); return }
        if v < 0x80 { bytes.append(UInt8(v)); return }
        let n = (64 - v.leadingZeroBitCount + 7) / 8
        bytes.append(0x80 &+ UInt8(n))
        for i in stride(from: n - 1, through: 0, by: -1) { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * i))) }
    }

    /// Appends an unsigned 256-bit integer in its canonical form.
    public mutating func append(_ v: UInt256) {
        if let small = v.uint64IfFits { append(small); return }
        append(bytes: v.minimalBigEndianBytes)
    }

    public mutating func append(_ a: Address) { append(bytes: a.bytes) }
    public mutating func append(_ h: Hash32) { append(bytes: h.bytes) }

    /// Appends already-encoded RLP verbatim.
    public mutating func append(raw: some Sequence<UInt8>) { bytes.append(contentsOf: raw) }

    /// Appends a list whose items `body` writes.
    public mutating func appendList(_ body: (inout RLPWriter) -> Void) {
        var inner = RLPWriter()
        body(&inner)
        appendHeader(base: 0xc0, length: inner.bytes.count)
        bytes.append(contentsOf: inner.bytes)
    }

    /// Appends a generic item.
    public mutating func append(_ item: RLPItem) {
        switch item {
        case .bytes(let b): append(bytes: b)
        case .list(let items): appendList { w in for i in items { w.append(i) } }
        }
    }
}
