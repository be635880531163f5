extension JSON {
    /// The compact UTF-8 serialization (no whitespace, RFC 8259 escapes).
    public func serialized() -> [UInt8] {
        var writer = JSONWriter()
        writer.write(self)
        return writer.bytes
    }

    /// The compact serialization as text.
    public func serializedString() -> String {
        String(decoding: serialized(), as: UTF8.self)
    }

    /// Appends the compact serialization to `bytes`.
    public func write(to bytes: inout [UInt8]) {
        var writer = JSONWriter(bytes: bytes)
        bytes = []
        writer.write(self)
        bytes = writer.bytes
    }
}

/// Appends compact JSON to a byte array. Strings escape `"`, `\` and control
/// characters (short forms where RFC 8259 has them, `\u00XX` otherwise);
/// everything else is copied as UTF-8.
struct JSONWriter {
    var bytes: [UInt8]

    init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    init(bytes: [UInt8]) { self.bytes = bytes }

    @inline(__always)
    mutating func writeASCII(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    mutating func write(_ value: JSON) {
        switch value {
        case .null: writeASCII("null")
        case .bool(let b): if b { writeASCII("true") } else { writeASCII("false") }
        case .number(let text): writeNumber(text)
        case .string(let s): writeString(s)
        case .array(let elements):
            bytes.append(UInt8(ascii: "["))
            var first = true
            for e in elements {
                if !first { bytes.append(UInt8(ascii: ",")) }
                first = false
                write(e)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let members):
            bytes.append(UInt8(ascii: "{"))
            var first = true
            for (k, v) in members {
                if !first { bytes.append(UInt8(ascii: ",")) }
                first = false
                writeString(k)
                bytes.append(UInt8(ascii: ":"))
                write(v)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    /// Writes the number text when it is valid JSON number grammar, `null` otherwise,
    /// so the output is always valid JSON.
    mutating func writeNumber(_ text: String) {
        var text = text
        let valid = text.withUTF8 { Self.isValidNumber($0) }
        if valid { bytes.append(contentsOf: text.utf8) } else { writeASCII("null") }
    }

    mutating func writeString(_ s: String) {
        var s = s
        s.withUTF8 { buffer in writeEscaped(buffer) }
    }

    mutating func writeEscaped(_ buffer: UnsafeBufferPointer<UInt8>) {
        bytes.append(UInt8(ascii: "\""))
        var runStart = 0
        for i in 0..<buffer.count {
            let b = buffer[i]
            guard b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") else { continue }
            if i > runStart { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[runStart..<i])) }
            runStart = i + 1
            switch b {
            case UInt8(ascii: "\""): writeASCII("\\\"")
            case UInt8(ascii: "\\"): writeASCII("\\\\")
            case 0x0A: writeASCII("\\n")
            case 0x0D: writeASCII("\\r")
            case 0x09: writeASCII("\\t")
            case 0x08: writeASCII("\\b")
            case 0x0C: writeASCII("\\f")
            default:
                writeASCII("\\u00")
                bytes.append(Self.hexDigits[Int(b >> 4)])
                bytes.append(Self.hexDigits[Int(b & 0xF)])
            }
        }
        if buffer.count > runStart { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[runStart...])) }
        bytes.append(UInt8(ascii: "\""))
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    static func isValidNumber(_ t: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        let n = t.count
        @inline(__always) func digit(_ i: Int) -> Bool { i < n && t[i] &- UInt8(ascii: "0") < 10 }
        if i < n, t[i] == UInt8(ascii: "-") { i += 1 }
        guard digit(i) else { return false }
        if t[i] == UInt8(ascii: "0") { i += 1 } else { while digit(i) { i += 1 } }
        if i < n, t[i] == UInt8(ascii: ".") {
            i += 1
            guard digit(i) else { return false }
            while digit(i) { i += 1 }
        }
        if i < n, t[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            if i < n, t[i] == UInt8(ascii: "+") || t[i] == UInt8(ascii: "-") { i += 1 }
            guard digit(i) else { return false }
            while digit(i) { i += 1 }
        }
        return i == n
    }
}
