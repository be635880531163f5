/// One item's header: where its payload lies and whether it is a list.
public struct RLPHeader: Sendable, Equatable {
    public var isList: Bool
    /// Offset of the header's first byte.
    public var offset: Int
    /// Offset of the first payload byte.
    public var payloadStart: Int
    /// Number of payload bytes.
    public var payloadLength: Int
    public var end: Int { payloadStart + payloadLength }
}

/// A strict, zero-copy cursor over RLP bytes. Reads items in order; a list is
/// read by asking for a nested decoder over its payload. Every read checks
/// lengths against the remaining input before touching it, and refuses every
/// non-canonical form, so whatever decodes re-encodes to the same bytes.
public struct RLPDecoder: Sendable {
    public let bytes: [UInt8]
    public private(set) var offset: Int
    public let end: Int
    let depth: Int

    /// A decoder over all of `bytes`.
    public init(_ bytes: [UInt8]) {
        self.bytes = bytes; self.offset = 0; self.end = bytes.count; self.depth = 0
    }

    init(bytes: [UInt8], offset: Int, end: Int, depth: Int) {
        self.bytes = bytes; self.offset = offset; self.end = end; self.depth = depth
    }

    /// True when every item in this scope has been read.
    public var isAtEnd: Bool { offset >= end }

    /// Throws unless every item in this scope has been read.
    public func finish() throws(RLPError) {
        if offset < end { throw .trailingBytes(offset: offset, count: end - offset) }
    }

    /// Reads the header of the next item without consuming it.
    public func peekHeader() throws(RLPError) -> RLPHeader {
        guard offset < end else {
            if offset == 0 && end == 0 { throw .empty }
            throw .missingField(offset: offset)
        }
        let o = offset
        let b = bytes[o]
        switch b {
        case 0x00...0x7f:
            return RLPHeader(isList: false, offset: o, payloadStart: o, payloadLength: 1)
        case 0x80...0xb7:
            let len = Int(b - 0x80)
            try check(o + 1, len)
            if len == 1 && bytes[o + 1] < 0x80 { throw .nonCanonicalSingleByte(offset: o) }
            return RLPHeader(isList: false, offset: o, payloadStart: o + 1, payloadLength: len)
        case 0xb8...0xbf:
            let (start, len) = try longLength(at: o, lengthOfLength: Int(b - 0xb7))
            return RLPHeader(isList: false, offset: o, payloadStart: start, payloadLength: len)
        case 0xc0...0xf7:
            let len = Int(b - 0xc0)
            try check(o + 1, len)
            return RLPHeader(isList: true, offset: o, payloadStart: o + 1, payloadLength: len)
        default:
            let (start, len) = try longLength(at: o, lengthOfLength: Int(b - 0xf7))
            return RLPHeader(isList: true, offset: o, payloadStart: start, payloadLength: len)
        }
    }

    @inline(__always)
    private func check(_ start: Int, _ len: Int) throws(RLPError) {
        let available = end - start
        if len > available { throw .truncated(offset: start - 1, needed: len, available: max(available, 0)) }
    }

    private func longLength(at o: Int, lengthOfLength n: Int) throws(RLPError) -> (Int, Int) {
        guard o + 1 + n <= end else { throw .truncated(offset: o, needed: n, available: end - o - 1) }
        if bytes[o + 1] == 0 { throw .leadingZeroInLength(offset: o) }
        var len = 0
        for i in 0..<n {
            // A length that needs more than 7 bytes, or more than the input holds, cannot be real.
            guard len <= (Int.max >> 8) else { throw .lengthOverflow(offset: o) }
            len = len << 8 | Int(bytes[o + 1 + i])
        }
        if len < 56 { throw .nonCanonicalLength(offset: o, length: len) }
        let start = o + 1 + n
        guard len <= end - start else { throw .truncated(offset: o, needed: len, available: end - start) }
        return (start, len)
    }

    /// Skips the next item (string or list), validating its header only.
    public mutating func skipItem() throws(RLPError) -> RLPHeader {
        let h = try peekHeader()
        offset = h.end
        return h
    }

    /// Reads the next item as a byte string (refuses lists).
    public mutating func readBytes() throws(RLPError) -> ArraySlice<UInt8> {
        let h = try peekHeader()
        if h.isList { throw .unexpectedList(offset: h.offset) }
        offset = h.end
        return bytes[h.payloadStart..<h.end]
    }

    /// Reads the next item as a list, returning a decoder over its payload.
    public mutating func readList() throws(RLPError) -> RLPDecoder {
        let h = try peekHeader()
        if !h.isList { throw .unexpectedString(offset: h.offset) }
        guard depth < RLP.maxDepth else { throw .tooDeep(offset: h.offset) }
        offset = h.end
        return RLPDecoder(bytes: bytes, offset: h.payloadStart, end: h.end, depth: depth + 1)
    }

    /// Reads a canonical unsigned integer of at most `maxBytes` bytes
    /// (zero is the empty string; no leading zeros).
    public mutating func readIntegerBytes(maxBytes: Int) throws(RLPError) -> ArraySlice<UInt8> {
        let start = offset
        let s = try readBytes()
        if let first = s.first, first == 0 { throw .leadingZeroInInteger(offset: start) }
        if s.count > maxBytes { throw .integerOverflow(offset: start, bytes: s.count, maxBytes: maxBytes) }
        return s
    }

    /// Reads a canonical unsigned integer that fits in 64 bits.
    public mutating func readUInt64() throws(RLPError) -> UInt64 {
        var v: UInt64 = 0
        for b in try readIntegerBytes(maxBytes: 8) { v = v << 8 | UInt64(b) }
        return v
    }

    /// Reads a canonical unsigned integer that fits in 256 bits.
    public mutating func readUInt256() throws(RLPError) -> UInt256 {
        UInt256(bigEndianBytes: try readIntegerBytes(maxBytes: 32))!
    }

    /// Reads a 20-byte address.
    public mutating func readAddress() throws(RLPError) -> Address {
        let start = offset
        let s = try readBytes()
        guard let a = Address(s) else { throw .wrongFieldLength(offset: start, got: s.count, expected: 20) }
        return a
    }

    /// Reads a 32-byte hash.
    public mutating func readHash() throws(RLPError) -> Hash32 {
        let start = offset
        let s = try readBytes()
        guard let h = Hash32(s) else { throw .wrongFieldLength(offset: start, got: s.count, expected: 32) }
        return h
    }

    /// Reads the next item as a generic tree.
    public mutating func readItem() throws(RLPError) -> RLPItem {
        let h = try peekHeader()
        if !h.isList { return .bytes(Array(try readBytes())) }
        var inner = try readList()
        var items: [RLPItem] = []
        while !inner.isAtEnd { items.append(try inner.readItem()) }
        return .list(items)
    }
}
