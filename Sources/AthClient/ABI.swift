import AthCrypto
import AthPrimitives

/// A Solidity ABI type, as far as the protocol contracts use them.
public indirect enum ABIType: Equatable, Sendable {
    case address, bool, string, bytes
    /// `uint<bits>`, bits a multiple of 8 in 8...256.
    case uint(Int)
    /// `int<bits>`: its values are `ABIValue.uint` in 256-bit two's complement.
    case int(Int)
    /// `bytes<n>`, n in 1...32.
    case fixedBytes(Int)
    case tuple([ABIType])
    /// `T[]`.
    case array(ABIType)
    /// `T[k]`: its values are `ABIValue.tuple` of k items (encoded as a tuple is).
    case fixedArray(ABIType, Int)

    public static let uint256 = ABIType.uint(256), uint8 = ABIType.uint(8), bytes32 = ABIType.fixedBytes(32)

    /// The type as it appears in a canonical signature: `uint256`, `(address,bytes32)[]`.
    public var canonical: String {
        switch self {
        case .address: return "address"
        case .bool: return "bool"
        case .string: return "string"
        case .bytes: return "bytes"
        case .uint(let bits): return "uint\(bits)"
        case .int(let bits): return "int\(bits)"
        case .fixedArray(let item, let n): return item.canonical + "[\(n)]"
        case .fixedBytes(let n): return "bytes\(n)"
        case .tuple(let items): return "(" + items.map(\.canonical).joined(separator: ",") + ")"
        case .array(let item): return item.canonical + "[]"
        }
    }

    public var isDynamic: Bool {
        switch self {
        case .string, .bytes, .array: return true
        case .tuple(let items): return items.contains { $0.isDynamic }
        case .fixedArray(let item, _): return item.isDynamic
        default: return false
        }
    }

    /// Bytes the type takes in its enclosing tuple's head: 32, or a static tuple's whole size.
    public var headSize: Int {
        if case .tuple(let items) = self, !isDynamic { return items.reduce(0) { $0 + $1.headSize } }
        if case .fixedArray(let item, let n) = self, !isDynamic { return n * item.headSize }
        return 32
    }
}

extension ABIType {
    /// Whether `v`, read as 256-bit two's complement, lies in int`bits`.
    public static func fitsSigned(_ v: UInt256, bits: Int) -> Bool {
        let negative = v.leadingZeroBitCount == 0
        let magnitude = negative ? ~v : v
        return 256 - magnitude.leadingZeroBitCount <= bits - 1
    }
}

/// A value of an `ABIType`.
public indirect enum ABIValue: Equatable, Sendable {
    case address(Address)
    case bool(Bool)
    case string(String)
    case bytes([UInt8])
    case uint(UInt256)
    case fixedBytes([UInt8])
    case tuple([ABIValue])
    case array([ABIValue])

    // Accessors for decoded values, whose shape the decoder has checked against the expected types.
    public var uintValue: UInt256 { if case .uint(let v) = self { return v }; return .zero }
    public var addressValue: Address { if case .address(let v) = self { return v }; return .zero }
    public var boolValue: Bool { if case .bool(let v) = self { return v }; return false }
    public var stringValue: String { if case .string(let v) = self { return v }; return "" }
    public var bytesValue: [UInt8] {
        switch self {
        case .bytes(let v), .fixedBytes(let v): return v
        default: return []
        }
    }
    public var items: [ABIValue] {
        switch self {
        case .tuple(let v), .array(let v): return v
        default: return []
        }
    }

    /// Whether the value can be encoded as `type` (and fits its width).
    public func conforms(to type: ABIType) -> Bool {
        switch (self, type) {
        case (.address, .address), (.bool, .bool), (.string, .string), (.bytes, .bytes): return true
        case (.uint(let v), .uint(let bits)): return 256 - v.leadingZeroBitCount <= bits
        case (.uint(let v), .int(let bits)): return ABIType.fitsSigned(v, bits: bits)
        case (.tuple(let vs), .fixedArray(let t, let n)): return vs.count == n && vs.allSatisfy { $0.conforms(to: t) }
        case (.fixedBytes(let b), .fixedBytes(let n)): return b.count == n
        case (.tuple(let vs), .tuple(let ts)): return vs.count == ts.count && zip(vs, ts).allSatisfy { $0.conforms(to: $1) }
        case (.array(let vs), .array(let t)): return vs.allSatisfy { $0.conforms(to: t) }
        default: return false
        }
    }
}

/// Malformed ABI data (from the node or a contract): a sentence naming what is wrong where.
public struct ABIError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The ABI codec: head/tail encoding of tuples, and a bounds-checked decoder.
public enum ABI {
    // MARK: Encoding

    /// The values encoded as one tuple (the arguments of a call).
    public static func encode(_ values: [ABIValue]) -> [UInt8] {
        var head: [UInt8] = [], tail: [UInt8] = []
        let headSize = values.reduce(0) { $0 + $1.encodedHeadSize }
        for v in values {
            if v.isDynamic {
                head += UInt256(UInt64(headSize + tail.count)).bigEndianBytes
                tail += encodeValue(v)
            } else {
                head += encodeValue(v)
            }
        }
        return head + tail
    }

    private static func encodeValue(_ v: ABIValue) -> [UInt8] {
        switch v {
        case .address(let a): return [UInt8](repeating: 0, count: 12) + a.bytes
        case .bool(let b): return UInt256(b ? 1 : 0).bigEndianBytes
        case .uint(let n): return n.bigEndianBytes
        case .fixedBytes(let b): return b + [UInt8](repeating: 0, count: 32 - b.count)
        case .string(let s): return encodeBytes(Array(s.utf8))
        case .bytes(let b): return encodeBytes(b)
        case .tuple(let items): return encode(items)
        case .array(let items): return UInt256(UInt64(items.count)).bigEndianBytes + encode(items)
        }
    }

    private static func encodeBytes(_ b: [UInt8]) -> [UInt8] {
        let padding = (32 - b.count % 32) % 32
        return UInt256(UInt64(b.count)).bigEndianBytes + b + [UInt8](repeating: 0, count: padding)
    }

    // MARK: Decoding

    /// Decodes `data` as the tuple `types` (a call's return data, an event's data).
    public static func decode(_ types: [ABIType], _ data: [UInt8]) throws(ABIError) -> [ABIValue] {
        var decoder = ABIDecoder(data: data)
        return try decoder.tuple(types, at: 0, depth: 0)
    }

    /// Decodes one 32-byte word (an indexed event argument) as a static `type`.
    public static func decodeWord(_ type: ABIType, _ word: [UInt8]) throws(ABIError) -> ABIValue {
        guard word.count == 32, !type.isDynamic, type.headSize == 32 else { throw ABIError("\(type.canonical) is not a one-word type") }
        var decoder = ABIDecoder(data: word)
        return try decoder.value(type, at: 0, depth: 0)
    }
}

extension ABIValue {
    var isDynamic: Bool {
        switch self {
        case .string, .bytes, .array: return true
        case .tuple(let items): return items.contains { $0.isDynamic }
        default: return false
        }
    }

    var encodedHeadSize: Int {
        if case .tuple(let items) = self, !isDynamic { return items.reduce(0) { $0 + $1.encodedHeadSize } }
        return 32
    }
}

/// Reads ABI data without trusting it: every offset and length is checked
/// against the data, nesting is limited, and the decoded output may not
/// outgrow the input by much (offsets that point many values at one region
/// would otherwise multiply it).
struct ABIDecoder {
    let data: [UInt8]
    /// Bytes and values the decoder may still produce.
    private var budget: Int

    public static let maxDepth = 8

    public init(data: [UInt8]) {
        self.data = data
        budget = 4 * data.count + 4096
    }

    private mutating func spend(_ n: Int) throws(ABIError) {
        guard n <= budget else { throw ABIError("the data expands beyond \(4 * data.count + 4096) bytes when decoded (overlapping offsets?)") }
        budget -= n
    }

    /// The 32-byte word at `pos`.
    private func word(at pos: Int) throws(ABIError) -> ArraySlice<UInt8> {
        guard pos >= 0, pos <= data.count - 32 else {
            throw ABIError("the data ends at byte \(data.count), before the word at byte \(pos)")
        }
        return data[pos..<(pos + 32)]
    }

    /// A word read as a length or offset: it must fit in the data.
    private func size(at pos: Int, what: String) throws(ABIError) -> Int {
        let w = try word(at: pos)
        guard let n = UInt256(bigEndianBytes: w)?.intIfFits, n <= data.count else {
            throw ABIError("the \(what) at byte \(pos) points beyond the \(data.count) bytes of data")
        }
        return n
    }

    public mutating func tuple(_ types: [ABIType], at base: Int, depth: Int) throws(ABIError) -> [ABIValue] {
        guard depth <= Self.maxDepth else { throw ABIError("the data nests deeper than \(Self.maxDepth) levels") }
        try spend(types.count)
        var out: [ABIValue] = []
        out.reserveCapacity(types.count)
        var head = base
        for t in types {
            if t.isDynamic {
                let offset = try size(at: head, what: "offset")
                guard base <= data.count - offset else { throw ABIError("the offset at byte \(head) points beyond the data") }
                out.append(try value(t, at: base + offset, depth: depth + 1))
            } else {
                out.append(try value(t, at: head, depth: depth + 1))
            }
            head += t.headSize
        }
        return out
    }

    public mutating func value(_ type: ABIType, at pos: Int, depth: Int) throws(ABIError) -> ABIValue {
        switch type {
        case .address:
            let w = try word(at: pos)
            guard w.prefix(12).allSatisfy({ $0 == 0 }), let a = Address(w.suffix(20)) else {
                throw ABIError("the word at byte \(pos) is not an address (its top 12 bytes are not zero)")
            }
            return .address(a)
        case .bool:
            let w = try word(at: pos)
            guard w.dropLast().allSatisfy({ $0 == 0 }), w.last! <= 1 else { throw ABIError("the word at byte \(pos) is not a bool") }
            return .bool(w.last! == 1)
        case .uint(let bits):
            let w = try word(at: pos)
            let v = UInt256(bigEndianBytes: w) ?? .zero
            guard 256 - v.leadingZeroBitCount <= bits else { throw ABIError("the word at byte \(pos) does not fit in uint\(bits)") }
            return .uint(v)
        case .int(let bits):
            let v = UInt256(bigEndianBytes: try word(at: pos)) ?? .zero
            guard ABIType.fitsSigned(v, bits: bits) else { throw ABIError("the word at byte \(pos) does not fit in int\(bits)") }
            return .uint(v)
        case .fixedArray(let item, let n):
            return .tuple(try tuple([ABIType](repeating: item, count: n), at: pos, depth: depth))
        case .fixedBytes(let n):
            let w = try word(at: pos)
            guard w.dropFirst(n).allSatisfy({ $0 == 0 }) else { throw ABIError("the word at byte \(pos) is not a bytes\(n) (nonzero padding)") }
            return .fixedBytes(Array(w.prefix(n)))
        case .string, .bytes:
            let n = try size(at: pos, what: "length")
            guard pos + 32 <= data.count - n else {
                throw ABIError("the \(n)-byte \(type.canonical) at byte \(pos) runs past the end of the data")
            }
            try spend(n)
            let body = Array(data[(pos + 32)..<(pos + 32 + n)])
            return type == .string ? .string(String(decoding: body, as: UTF8.self)) : .bytes(body)
        case .tuple(let items):
            return .tuple(try tuple(items, at: pos, depth: depth))
        case .array(let item):
            let n = try size(at: pos, what: "array length")
            let start = pos + 32
            // Every element takes at least its head in the data.
            guard start <= data.count, n <= (data.count - start) / max(item.headSize, 32) else {
                throw ABIError("the \(n)-element array at byte \(pos) runs past the end of the data")
            }
            return .array(try tuple([ABIType](repeating: item, count: n), at: start, depth: depth))
        }
    }
}

// MARK: Functions and events

/// A contract function: its selector, argument encoding and return decoding.
public struct ABIFunction: Sendable {
    public let name: String
    public let inputs: [ABIType]
    public let outputs: [ABIType]

    public init(_ name: String, _ inputs: [ABIType] = [], returns outputs: [ABIType] = []) {
        self.name = name
        self.inputs = inputs
        self.outputs = outputs
    }

    /// `name(type,type)`.
    public var signature: String { name + "(" + inputs.map(\.canonical).joined(separator: ",") + ")" }

    /// The first 4 bytes of Keccak-256 of the signature.
    public var selector: [UInt8] { Array(Keccak256.hash(Array(signature.utf8)).bytes.prefix(4)) }

    /// Call data: selector and encoded arguments; refuses arguments that do not match the inputs.
    public func encodeCall(_ args: [ABIValue]) throws(ABIError) -> [UInt8] {
        guard args.count == inputs.count else { throw ABIError("\(signature) takes \(inputs.count) argument(s), not \(args.count)") }
        for (i, (a, t)) in zip(args, inputs).enumerated() where !a.conforms(to: t) {
            throw ABIError("argument \(i + 1) of \(signature) is not a \(t.canonical)")
        }
        return selector + ABI.encode(args)
    }

    /// The return values.
    public func decodeOutput(_ data: [UInt8]) throws(ABIError) -> [ABIValue] { try ABI.decode(outputs, data) }

    /// The arguments of `data` (call data of this function, selector included).
    public func decodeCall(_ data: [UInt8]) throws(ABIError) -> [ABIValue] {
        guard data.count >= 4, data.prefix(4).elementsEqual(selector) else { throw ABIError("the call data is not a call of \(signature)") }
        return try ABI.decode(inputs, Array(data.dropFirst(4)))
    }
}

/// A contract event: topic 0 is Keccak-256 of its signature; indexed
/// arguments follow in the topics, the others are ABI-encoded in the data.
public struct ABIEvent: Sendable {
    public struct Param: Sendable {
        public let name: String
        public let type: ABIType
        public let indexed: Bool
    }

    public let name: String
    public let params: [Param]
    public let topic0: Hash32

    /// `params`: `(name, type)` pairs; names in `indexed` are indexed.
    public init(_ name: String, _ params: [(String, ABIType)], indexed: Set<String> = []) {
        self.name = name
        self.params = params.map { Param(name: $0.0, type: $0.1, indexed: indexed.contains($0.0)) }
        let signature = name + "(" + params.map(\.1.canonical).joined(separator: ",") + ")"
        topic0 = Keccak256.hash(Array(signature.utf8))
    }

    /// The arguments in declaration order; an indexed dynamic argument is its
    /// Keccak-256 hash (a `bytes32`), as the log holds only that.
    public func decode(topics: [Hash32], data: [UInt8]) throws(ABIError) -> [(String, ABIValue)] {
        let indexedParams = params.filter(\.indexed)
        guard topics.first == topic0 else { throw ABIError("the log is not a \(name) event") }
        guard topics.count == indexedParams.count + 1 else {
            throw ABIError("a \(name) log has \(indexedParams.count + 1) topics, this one \(topics.count)")
        }
        let plain = try ABI.decode(params.filter { !$0.indexed }.map(\.type), data)
        var nextTopic = 1, nextPlain = 0
        var out: [(String, ABIValue)] = []
        for p in params {
            if p.indexed {
                let word = topics[nextTopic].bytes
                nextTopic += 1
                if p.type.isDynamic || p.type.headSize != 32 {
                    out.append((p.name, .fixedBytes(word)))
                } else {
                    out.append((p.name, try ABI.decodeWord(p.type, word)))
                }
            } else {
                out.append((p.name, plain[nextPlain]))
                nextPlain += 1
            }
        }
        return out
    }
}
