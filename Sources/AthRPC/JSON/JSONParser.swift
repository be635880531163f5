extension JSON {
    /// The deepest nesting of arrays and objects the parser accepts; one more is a parse error.
    public static let maxDepth = 64

    /// Parses one JSON value (RFC 8259, strict) from UTF-8 bytes.
    ///
    /// Refuses trailing commas, comments, a byte-order mark, invalid escapes,
    /// unpaired surrogates, raw control characters and invalid UTF-8 in
    /// strings, nesting deeper than `maxDepth`, and anything after the value.
    /// Never traps, whatever the bytes.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONParseError) -> JSON {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { throw JSONParseError(.empty, at: 0) }
        var parser = JSONParser(base: base.assumingMemoryBound(to: UInt8.self), count: bytes.count)
        return try parser.parseDocument()
    }

    /// Parses one JSON value from UTF-8 bytes; see `parse(_: UnsafeRawBufferPointer)`.
    public static func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSON {
        let result: Result<JSON, JSONParseError> = bytes.withUnsafeBytes { raw in
            do throws(JSONParseError) { return .success(try parse(raw)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// Parses one JSON value from text; see `parse(_: UnsafeRawBufferPointer)`.
    public static func parse(_ text: String) throws(JSONParseError) -> JSON {
        var text = text
        let result: Result<JSON, JSONParseError> = text.withUTF8 { buffer in
            do throws(JSONParseError) { return .success(try parse(UnsafeRawBufferPointer(buffer))) } catch { return .failure(error) }
        }
        return try result.get()
    }
}

/// A recursive-descent parser over a byte buffer. Recursion depth is bounded
/// by `JSON.maxDepth`, every read is bounds-checked against `count`.
struct JSONParser {
    private let base: UnsafePointer<UInt8>
    private let count: Int
    private var pos = 0
    private var depth = 0
    /// Reused for strings with escapes.
    private var scratch: [UInt8] = []

    init(base: UnsafePointer<UInt8>, count: Int) {
        self.base = base
        self.count = count
    }

    mutating func parseDocument() throws(JSONParseError) -> JSON {
        skipWhitespace()
        guard pos < count else { throw JSONParseError(.empty, at: 0) }
        let value = try parseValue()
        skipWhitespace()
        guard pos == count else { throw JSONParseError(.trailingCharacters, at: pos) }
        return value
    }

    @inline(__always)
    private mutating func skipWhitespace() {
        while pos < count {
            switch base[pos] {
            case 0x20, 0x09, 0x0A, 0x0D: pos += 1
            default: return
            }
        }
    }

    private mutating func parseValue() throws(JSONParseError) -> JSON {
        guard pos < count else { throw JSONParseError(.unexpectedEnd, at: pos) }
        switch base[pos] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        case let b: throw JSONParseError(.unexpectedCharacter(b), at: pos)
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let n = literal.utf8CodeUnitCount
        let p = literal.utf8Start
        for i in 0..<n {
            guard pos + i < count else { throw JSONParseError(.unexpectedEnd, at: pos + i) }
            guard base[pos + i] == p[i] else { throw JSONParseError(.unexpectedCharacter(base[pos + i]), at: pos + i) }
        }
        pos += n
    }

    private mutating func enter() throws(JSONParseError) {
        depth += 1
        guard depth <= JSON.maxDepth else { throw JSONParseError(.tooDeep(limit: JSON.maxDepth), at: pos) }
    }

    private mutating func parseArray() throws(JSONParseError) -> JSON {
        try enter()
        pos += 1  // [
        var elements: [JSON] = []
        skipWhitespace()
        if pos < count, base[pos] == UInt8(ascii: "]") {
            pos += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue())
            skipWhitespace()
            guard pos < count else { throw JSONParseError(.unexpectedEnd, at: pos) }
            let b = base[pos]
            pos += 1
            if b == UInt8(ascii: ",") { continue }
            if b == UInt8(ascii: "]") { break }
            throw JSONParseError(.unexpectedCharacter(b), at: pos - 1)
        }
        depth -= 1
        return .array(elements)
    }

    private mutating func parseObject() throws(JSONParseError) -> JSON {
        try enter()
        pos += 1  // {
        var members = ObjectBuilder()
        skipWhitespace()
        if pos < count, base[pos] == UInt8(ascii: "}") {
            pos += 1
            depth -= 1
            return .object([])
        }
        while true {
            skipWhitespace()
            guard pos < count else { throw JSONParseError(.unexpectedEnd, at: pos) }
            guard base[pos] == UInt8(ascii: "\"") else { throw JSONParseError(.unexpectedCharacter(base[pos]), at: pos) }
            let key = try parseString()
            skipWhitespace()
            guard pos < count else { throw JSONParseError(.unexpectedEnd, at: pos) }
            guard base[pos] == UInt8(ascii: ":") else { throw JSONParseError(.unexpectedCharacter(base[pos]), at: pos) }
            pos += 1
            skipWhitespace()
            members.set(key, try parseValue())
            skipWhitespace()
            guard pos < count else { throw JSONParseError(.unexpectedEnd, at: pos) }
            let b = base[pos]
            pos += 1
            if b == UInt8(ascii: ",") { continue }
            if b == UInt8(ascii: "}") { break }
            throw JSONParseError(.unexpectedCharacter(b), at: pos - 1)
        }
        depth -= 1
        return .object(members.members)
    }

    private mutating func parseNumber() throws(JSONParseError) -> String {
        let start = pos
        if base[pos] == UInt8(ascii: "-") { pos += 1 }
        guard pos < count, isDigit(base[pos]) else { throw JSONParseError(.invalidNumber, at: start) }
        if base[pos] == UInt8(ascii: "0") {
            pos += 1
            if pos < count, isDigit(base[pos]) { throw JSONParseError(.invalidNumber, at: start) }
        } else {
            while pos < count, isDigit(base[pos]) { pos += 1 }
        }
        if pos < count, base[pos] == UInt8(ascii: ".") {
            pos += 1
            guard pos < count, isDigit(base[pos]) else { throw JSONParseError(.invalidNumber, at: start) }
            while pos < count, isDigit(base[pos]) { pos += 1 }
        }
        if pos < count, base[pos] | 0x20 == UInt8(ascii: "e") {
            pos += 1
            if pos < count, base[pos] == UInt8(ascii: "+") || base[pos] == UInt8(ascii: "-") { pos += 1 }
            guard pos < count, isDigit(base[pos]) else { throw JSONParseError(.invalidNumber, at: start) }
            while pos < count, isDigit(base[pos]) { pos += 1 }
        }
        return String(decoding: UnsafeBufferPointer(start: base + start, count: pos - start), as: UTF8.self)
    }

    @inline(__always)
    private func isDigit(_ b: UInt8) -> Bool { b &- UInt8(ascii: "0") < 10 }

    /// Reads a string starting at its opening quote; leaves `pos` after the closing quote.
    private mutating func parseString() throws(JSONParseError) -> String {
        pos += 1  // "
        let start = pos
        var ascii = true
        while pos < count {
            let b = base[pos]
            if b == UInt8(ascii: "\"") {
                let bytes = UnsafeBufferPointer(start: base + start, count: pos - start)
                if !ascii, let bad = UTF8Validation.firstInvalid(bytes) {
                    throw JSONParseError(.invalidUTF8, at: start + bad)
                }
                pos += 1
                return String(decoding: bytes, as: UTF8.self)
            }
            if b == UInt8(ascii: "\\") { return try parseEscapedString(start: start) }
            if b < 0x20 { throw JSONParseError(.controlCharacter(b), at: pos) }
            if b >= 0x80 { ascii = false }
            pos += 1
        }
        throw JSONParseError(.unexpectedEnd, at: pos)
    }

    /// The slow path: copies into `scratch`, decoding escapes, from `start` (just after the opening quote).
    private mutating func parseEscapedString(start: Int) throws(JSONParseError) -> String {
        scratch.removeAll(keepingCapacity: true)
        var rawStart = start
        var ascii = true
        while pos < count {
            let b = base[pos]
            if b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") {
                let raw = UnsafeBufferPointer(start: base + rawStart, count: pos - rawStart)
                if !ascii, let bad = UTF8Validation.firstInvalid(raw) {
                    throw JSONParseError(.invalidUTF8, at: rawStart + bad)
                }
                scratch.append(contentsOf: raw)
                ascii = true
                if b == UInt8(ascii: "\"") {
                    pos += 1
                    return String(decoding: scratch, as: UTF8.self)
                }
                try decodeEscape()
                rawStart = pos
                continue
            }
            if b < 0x20 { throw JSONParseError(.controlCharacter(b), at: pos) }
            if b >= 0x80 { ascii = false }
            pos += 1
        }
        throw JSONParseError(.unexpectedEnd, at: pos)
    }

    /// Decodes the escape at `pos` (a backslash) into `scratch`.
    private mutating func decodeEscape() throws(JSONParseError) {
        let escapeStart = pos
        guard pos + 1 < count else { throw JSONParseError(.unexpectedEnd, at: count) }
        let c = base[pos + 1]
        pos += 2
        switch c {
        case UInt8(ascii: "\""): scratch.append(0x22)
        case UInt8(ascii: "\\"): scratch.append(0x5C)
        case UInt8(ascii: "/"): scratch.append(0x2F)
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            let unit = try readHex4()
            var scalar = UInt32(unit)
            if unit >= 0xD800 && unit <= 0xDBFF {
                guard pos + 1 < count, base[pos] == UInt8(ascii: "\\"), base[pos + 1] == UInt8(ascii: "u") else {
                    throw JSONParseError(.loneSurrogate, at: escapeStart)
                }
                pos += 2
                let low = try readHex4()
                guard low >= 0xDC00 && low <= 0xDFFF else { throw JSONParseError(.loneSurrogate, at: escapeStart) }
                scalar = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
            } else if unit >= 0xDC00 && unit <= 0xDFFF {
                throw JSONParseError(.loneSurrogate, at: escapeStart)
            }
            appendUTF8(scalar)
        default:
            throw JSONParseError(.invalidEscape, at: escapeStart)
        }
    }

    private mutating func readHex4() throws(JSONParseError) -> UInt16 {
        guard pos + 4 <= count else { throw JSONParseError(.invalidUnicodeEscape, at: pos) }
        var v: UInt16 = 0
        for i in 0..<4 {
            let b = base[pos + i]
            let d: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = b - UInt8(ascii: "A") + 10
            default: throw JSONParseError(.invalidUnicodeEscape, at: pos + i)
            }
            v = v << 4 | UInt16(d)
        }
        pos += 4
        return v
    }

    /// Appends a scalar value (never a surrogate, at most 0x10FFFF) as UTF-8.
    private mutating func appendUTF8(_ s: UInt32) {
        switch s {
        case 0..<0x80:
            scratch.append(UInt8(s))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | (s >> 6)))
            scratch.append(UInt8(0x80 | (s & 0x3F)))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | (s >> 12)))
            scratch.append(UInt8(0x80 | ((s >> 6) & 0x3F)))
            scratch.append(UInt8(0x80 | (s & 0x3F)))
        default:
            scratch.append(UInt8(0xF0 | (s >> 18)))
            scratch.append(UInt8(0x80 | ((s >> 12) & 0x3F)))
            scratch.append(UInt8(0x80 | ((s >> 6) & 0x3F)))
            scratch.append(UInt8(0x80 | (s & 0x3F)))
        }
    }
}

/// Keeps object members in order and makes a repeated key replace the earlier
/// value in place (last wins). Small objects use a linear scan; larger ones an index.
private struct ObjectBuilder {
    var members: [(String, JSON)] = []
    private var index: [String: Int]? = nil
    private static let indexThreshold = 12

    mutating func set(_ key: String, _ value: JSON) {
        if index != nil {
            if let i = index![key] {
                members[i].1 = value
            } else {
                index![key] = members.count
                members.append((key, value))
            }
            return
        }
        for i in members.indices where members[i].0 == key {
            members[i].1 = value
            return
        }
        members.append((key, value))
        if members.count >= Self.indexThreshold {
            var built: [String: Int] = [:]
            built.reserveCapacity(members.count * 2)
            for (i, m) in members.enumerated() { built[m.0] = i }
            index = built
        }
    }
}
