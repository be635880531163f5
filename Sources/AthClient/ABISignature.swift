import AthPrimitives
import AthTypes

/// Function signatures and arguments as people type them, as Foundry's
/// `cast` takes them: `balanceOf(address)(uint256)`, `transfer(address,uint256)`,
/// arguments `0x…`, `1000`, `-5`, `1.5ath`, `true`, `[1,2,3]`, `(0x…,7)`.
public enum ABISignature {
    /// The longest signature or argument text read (a bound on hostile input).
    public static let maxText = 4096
    /// The longest fixed array `T[k]` and the deepest nesting accepted.
    public static let maxFixedArray = 1024, maxDepth = 8

    /// `name(inputs)` with an optional `(outputs)` after it.
    public static func function(_ text: String) throws(ABIError) -> ABIFunction {
        let t = text.abiTrimmed()
        guard t.utf8.count <= maxText else { throw ABIError("the signature is longer than \(maxText) bytes") }
        guard let open = t.firstIndex(of: "(") else {
            throw ABIError("\"\(t.prefix(64))\" is not a function signature like balanceOf(address)(uint256)")
        }
        let name = String(t[..<open])
        guard let first = name.first, first.isLetter || first == "_",
              name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
            throw ABIError("\"\(name.prefix(64))\" is not a function name")
        }
        var p = Parser(Array(t[open...].utf8))
        let inputs = try p.list(depth: 0)
        var outputs: [ABIType] = []
        p.skipSpaces()
        if p.peek == UInt8(ascii: "(") { outputs = try p.list(depth: 0) }
        p.skipSpaces()
        guard p.atEnd else { throw ABIError("unexpected text after the signature at byte \(p.pos + open.utf16Offset(in: t))") }
        return ABIFunction(name, inputs, returns: outputs)
    }

    /// One type: `uint256`, `(address,bytes32)[]`, `int8[3]`.
    public static func type(_ text: String) throws(ABIError) -> ABIType {
        guard text.utf8.count <= maxText else { throw ABIError("the type is longer than \(maxText) bytes") }
        var p = Parser(Array(text.utf8))
        let t = try p.type(depth: 0)
        guard p.atEnd else { throw ABIError("\"\(text.prefix(64))\" is not one ABI type") }
        return t
    }

    struct Parser {
        let bytes: [UInt8]
        var pos = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }
        var atEnd: Bool { pos >= bytes.count }
        var peek: UInt8? { atEnd ? nil : bytes[pos] }
        mutating func skipSpaces() { while let c = peek, c == 32 || c == 9 { pos += 1 } }

        /// `(T,T,…)`.
        mutating func list(depth: Int) throws(ABIError) -> [ABIType] {
            guard depth <= ABISignature.maxDepth else { throw ABIError("types nest deeper than \(ABISignature.maxDepth) levels") }
            guard peek == UInt8(ascii: "(") else { throw ABIError("expected \"(\" at byte \(pos)") }
            pos += 1
            skipSpaces()
            var out: [ABIType] = []
            if peek == UInt8(ascii: ")") { pos += 1; return out }
            while true {
                skipSpaces()
                out.append(try type(depth: depth))
                skipSpaces()
                // A parameter name after the type (`address to`) is allowed and ignored.
                while let c = peek, c.isIdentifierByte { pos += 1 }
                skipSpaces()
                guard let c = peek else { throw ABIError("the signature ends before its \")\"") }
                pos += 1
                if c == UInt8(ascii: ")") { return out }
                guard c == UInt8(ascii: ",") else { throw ABIError("expected \",\" or \")\" at byte \(pos - 1)") }
            }
        }

        mutating func type(depth: Int) throws(ABIError) -> ABIType {
            var t: ABIType
            if peek == UInt8(ascii: "(") {
                t = .tuple(try list(depth: depth + 1))
            } else {
                let start = pos
                while let c = peek, c.isIdentifierByte { pos += 1 }
                t = try Self.elementary(String(decoding: bytes[start..<pos], as: UTF8.self))
            }
            var suffixes = 0
            while peek == UInt8(ascii: "[") {
                suffixes += 1
                guard depth + suffixes <= ABISignature.maxDepth else { throw ABIError("types nest deeper than \(ABISignature.maxDepth) levels") }
                pos += 1
                let start = pos
                while let c = peek, c >= 48 && c <= 57 { pos += 1 }
                let digits = String(decoding: bytes[start..<pos], as: UTF8.self)
                guard peek == UInt8(ascii: "]") else { throw ABIError("expected \"]\" at byte \(pos)") }
                pos += 1
                if digits.isEmpty { t = .array(t); continue }
                guard let n = Int(digits), n >= 1, n <= ABISignature.maxFixedArray else {
                    throw ABIError("a fixed array holds 1 to \(ABISignature.maxFixedArray) items, not \(digits.prefix(12))")
                }
                t = .fixedArray(t, n)
            }
            return t
        }

        static func elementary(_ name: String) throws(ABIError) -> ABIType {
            switch name {
            case "address": return .address
            case "bool": return .bool
            case "string": return .string
            case "bytes": return .bytes
            case "uint": return .uint(256)
            case "int": return .int(256)
            default: break
            }
            for (prefix, make) in [("uint", { ABIType.uint($0) }), ("int", { ABIType.int($0) })] as [(String, (Int) -> ABIType)]
                where name.hasPrefix(prefix) {
                if let bits = Int(name.dropFirst(prefix.count)), bits >= 8, bits <= 256, bits % 8 == 0 { return make(bits) }
            }
            if name.hasPrefix("bytes"), let n = Int(name.dropFirst(5)), n >= 1, n <= 32 { return .fixedBytes(n) }
            if name.isEmpty { throw ABIError("a type is missing") }
            throw ABIError("\"\(name.prefix(64))\" is not an ABI type (uint8…uint256, int8…int256, address, bool, bytes1…bytes32, bytes, string, T[], T[k], (T,…))")
        }
    }

    // MARK: Arguments

    /// A value of `type` from command-line text.
    public static func value(_ text: String, _ type: ABIType, depth: Int = 0) throws(ABIError) -> ABIValue {
        guard text.utf8.count <= maxText * 16 else { throw ABIError("an argument is longer than \(maxText * 16) bytes") }
        let t = text.abiTrimmed()
        func bad(_ why: String = "") -> ABIError {
            ABIError("\"\(t.prefix(64))\" is not a \(type.canonical)\(why.isEmpty ? "" : ": " + why)")
        }
        switch type {
        case .address:
            do { return .address(try Address(hex: t)) } catch { throw bad("addresses are 20 bytes of hex") }
        case .bool:
            switch t.lowercased() {
            case "true": return .bool(true)
            case "false": return .bool(false)
            default: throw bad("write true or false")
            }
        case .string:
            return .string(text)
        case .bytes:
            do { return .bytes(try Hex.decode(t)) } catch { throw bad("bytes are 0x-hex") }
        case .fixedBytes(let n):
            guard let b = try? Hex.decode(t), b.count == n else { throw bad("bytes\(n) is 0x-hex of exactly \(n) bytes") }
            return .fixedBytes(b)
        case .uint:
            let v: UInt256
            do { v = try Amount.parse(t) } catch { throw bad("a number: 1000, 0x3e8, 1.5ath, 20gwei") }
            guard ABIValue.uint(v).conforms(to: type) else { throw bad("too large") }
            return .uint(v)
        case .int(let bits):
            let negative = t.hasPrefix("-")
            let magnitude: UInt256
            do { magnitude = try Amount.parse(negative ? String(t.dropFirst()) : t) } catch { throw bad("a number such as -5 or 1000") }
            let v = negative ? (~magnitude) &+ .one : magnitude
            guard negative ? (magnitude <= (UInt256.one << (bits - 1))) : ABIType.fitsSigned(v, bits: bits) else {
                throw bad("out of the int\(bits) range")
            }
            return .uint(v)
        case .array(let item):
            return .array(try items(t, item, depth: depth))
        case .fixedArray(let item, let n):
            let list = try items(t, item, depth: depth)
            guard list.count == n else { throw bad("it needs \(n) items, not \(list.count)") }
            return .tuple(list)
        case .tuple(let types):
            guard t.hasPrefix("("), t.hasSuffix(")") else { throw bad("write a tuple as (a,b,…)") }
            let parts = try split(String(t.dropFirst().dropLast()))
            guard parts.count == types.count else { throw bad("it needs \(types.count) items, not \(parts.count)") }
            var out: [ABIValue] = []
            for (p, ty) in zip(parts, types) { out.append(try value(p, ty, depth: depth + 1)) }
            return .tuple(out)
        }
    }

    private static func items(_ t: String, _ item: ABIType, depth: Int) throws(ABIError) -> [ABIValue] {
        guard depth < maxDepth else { throw ABIError("the argument nests deeper than \(maxDepth) levels") }
        guard t.hasPrefix("["), t.hasSuffix("]") else { throw ABIError("\"\(t.prefix(64))\" is not a list: write [a,b,…]") }
        var out: [ABIValue] = []
        for p in try split(String(t.dropFirst().dropLast())) { out.append(try value(p, item, depth: depth + 1)) }
        return out
    }

    /// Splits `a,b,[c,d],(e,f),"g,h"` at its top-level commas.
    static func split(_ text: String) throws(ABIError) -> [String] {
        if text.abiTrimmed().isEmpty { return [] }
        var parts: [String] = [], current = "", level = 0, quoted = false
        for c in text {
            if c == "\"" { quoted.toggle(); continue }
            if !quoted {
                if c == "[" || c == "(" { level += 1 }
                if c == "]" || c == ")" { level -= 1 }
                guard level >= 0 else { throw ABIError("unbalanced brackets in \"\(text.prefix(64))\"") }
                if c == "," && level == 0 { parts.append(current); current = ""; continue }
            }
            current.append(c)
        }
        guard level == 0, !quoted else { throw ABIError("unbalanced brackets or quotes in \"\(text.prefix(64))\"") }
        parts.append(current)
        return parts
    }

    // MARK: Output

    /// A decoded value as `cast` prints it: integers in decimal (signed for
    /// intN), addresses checksummed, bytes hex, lists `[a, b]`, tuples `(a, b)`.
    public static func text(_ v: ABIValue, _ type: ABIType) -> String {
        switch (v, type) {
        case (.uint(let n), .int):
            return n.leadingZeroBitCount == 0 ? "-" + ((~n) &+ .one).description : n.description
        case (.uint(let n), _): return n.description
        case (.address(let a), _): return a.checksummed
        case (.bool(let b), _): return b ? "true" : "false"
        case (.string(let s), _): return s
        case (.bytes(let b), _), (.fixedBytes(let b), _): return Hex.encode(b)
        case (.tuple(let items), .tuple(let types)): return "(" + zip(items, types).map { text($0, $1) }.joined(separator: ", ") + ")"
        case (.tuple(let items), .fixedArray(let t, _)), (.array(let items), .array(let t)):
            return "[" + items.map { text($0, t) }.joined(separator: ", ") + "]"
        default: return "?"
        }
    }
}

extension UInt8 {
    var isIdentifierByte: Bool {
        (self >= 48 && self <= 57) || (self >= 65 && self <= 90) || (self >= 97 && self <= 122) || self == 95
    }
}

extension String {
    func abiTrimmed() -> String {
        let set = " \t"
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return String(s)
    }
}
