import AthPrimitives
import AthTypes
import AthRPC

/// JSON forms of Ethereum's RPC types: quantities as minimal 0x-hex, data
/// as 0x-hex bytes, addresses and hashes as lowercase 0x-hex.
enum RPCValue {
    static func quantity(_ v: UInt64) -> JSON { .string("0x" + String(v, radix: 16)) }
    static func quantity(_ v: Int) -> JSON { .string("0x" + String(v, radix: 16)) }
    static func quantity(_ v: UInt256) -> JSON { .string(v.hexQuantity) }
    static func data(_ b: some Sequence<UInt8>) -> JSON { .string(Hex.encode(b)) }
    static func address(_ a: Address) -> JSON { .string(Hex.encode(a.bytes)) }
    static func address(_ a: Address?) -> JSON { a.map { .string(Hex.encode($0.bytes)) } ?? .null }
    static func hash(_ h: Hash32) -> JSON { .string(Hex.encode(h.bytes)) }
}

extension UInt256 {
    /// Minimal 0x-hex, "0x0" for zero.
    var hexQuantity: String {
        let bytes = bigEndianBytes
        guard let first = bytes.firstIndex(where: { $0 != 0 }) else { return "0x0" }
        var s = String(bytes[first], radix: 16)
        for b in bytes[(first + 1)...] {
            if b < 16 { s += "0" }
            s += String(b, radix: 16)
        }
        return "0x" + s
    }
}

/// Reading RPC parameters, with geth's `invalid argument N: ...` errors.
struct Params {
    let values: [JSON]

    init(_ params: JSON) throws(RPCError) {
        switch params {
        case .array(let a): values = a
        case .null: values = []
        default: throw RPCError(code: -32602, message: "invalid params: expected an array of parameters")
        }
    }

    func require(count range: ClosedRange<Int>) throws(RPCError) {
        if values.count < range.lowerBound {
            throw RPCError(code: -32602, message: "missing value for required argument \(values.count)")
        }
        if values.count > range.upperBound {
            throw RPCError(code: -32602, message: "too many arguments, want at most \(range.upperBound)")
        }
    }

    subscript(i: Int) -> JSON? { i < values.count && !values[i].isNull ? values[i] : nil }

    static func invalid(_ i: Int, _ why: String) -> RPCError { RPCError(code: -32602, message: "invalid argument \(i): \(why)") }

    func string(_ i: Int) throws(RPCError) -> String {
        guard let v = self[i] else { throw Self.invalid(i, "value is required") }
        guard let s = v.stringValue else { throw Self.invalid(i, "expected a string") }
        return s
    }

    func address(_ i: Int) throws(RPCError) -> Address { try Self.address(try string(i), i) }

    static func address(_ s: String, _ i: Int) throws(RPCError) -> Address {
        guard s.hasPrefix("0x") || s.hasPrefix("0X") else { throw invalid(i, "hex string without 0x prefix") }
        guard s.count == 42 else { throw invalid(i, "hex string has length \(s.count - 2), want 40 for common.Address") }
        do { return try Address(hex: s) } catch { throw invalid(i, "invalid hex string") }
    }

    static func hash(_ s: String, _ i: Int) throws(RPCError) -> Hash32 {
        guard s.hasPrefix("0x") || s.hasPrefix("0X") else { throw invalid(i, "hex string without 0x prefix") }
        guard s.count == 66 else { throw invalid(i, "hex string has length \(s.count - 2), want 64 for common.Hash") }
        do { return try Hash32(hex: s) } catch { throw invalid(i, "invalid hex string") }
    }

    func hash(_ i: Int) throws(RPCError) -> Hash32 { try Self.hash(try string(i), i) }

    static func bytes(_ s: String, _ i: Int) throws(RPCError) -> [UInt8] {
        guard s.hasPrefix("0x") || s.hasPrefix("0X") else { throw invalid(i, "hex string without 0x prefix") }
        guard s.count % 2 == 0 else { throw invalid(i, "hex string of odd length") }
        do { return try Hex.decode(s) } catch { throw invalid(i, "invalid hex string") }
    }

    func bytes(_ i: Int) throws(RPCError) -> [UInt8] { try Self.bytes(try string(i), i) }

    /// A quantity: 0x-hex without leading zeros, at most 256 bits.
    static func quantity(_ v: JSON, _ i: Int) throws(RPCError) -> UInt256 {
        guard let s = v.stringValue else {
            // Plain JSON integers are accepted when small, as geth does for some fields.
            if let n = v.uint64Value { return UInt256(n) }
            throw invalid(i, "expected a hex quantity string")
        }
        guard s.hasPrefix("0x") || s.hasPrefix("0X") else { throw invalid(i, "hex string without 0x prefix") }
        let digits = s.dropFirst(2)
        guard !digits.isEmpty else { throw invalid(i, "hex string \"0x\"") }
        // Digits before the leading-zero rule, so "0x0g" is called what it is.
        guard digits.utf8.allSatisfy({ Self.isHexDigit($0) }) else { throw invalid(i, "invalid hex string: hex string has invalid digit") }
        guard digits.count == 1 || digits.first != "0" else { throw invalid(i, "hex number with leading zero digits") }
        guard digits.count <= 64 else { throw invalid(i, "hex number > 256 bits") }
        guard let bytes = try? Hex.decode("0x" + (digits.count % 2 == 1 ? "0" : "") + digits),
              let n = UInt256(bigEndianBytes: bytes) else { throw invalid(i, "invalid hex string") }
        return n
    }

    static func isHexDigit(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x66) || (b >= 0x41 && b <= 0x46)
    }

    static func quantity64(_ v: JSON, _ i: Int) throws(RPCError) -> UInt64 {
        let n = try quantity(v, i)
        guard n <= UInt256(UInt64.max) else { throw invalid(i, "hex number > 64 bits") }
        return n.low64
    }

    func bool(_ i: Int, default d: Bool) throws(RPCError) -> Bool {
        guard let v = self[i] else { return d }
        guard let b = v.boolValue else { throw Self.invalid(i, "expected a boolean") }
        return b
    }
}

/// What a block parameter names.
enum BlockSelector: Equatable {
    case number(UInt64)
    case hash(Hash32)
    case latest, pending, earliest, safe, finalized

    static func parse(_ v: JSON?, _ i: Int, default d: BlockSelector = .latest) throws(RPCError) -> BlockSelector {
        guard let v, !v.isNull else { return d }
        if let s = v.stringValue {
            switch s {
            case "latest": return .latest
            case "pending": return .pending
            case "earliest": return .earliest
            case "safe": return .safe
            case "finalized": return .finalized
            default:
                // A bare block hash (EIP-1898 also allows the object form below).
                if s.count == 66 { return .hash(try Params.hash(s, i)) }
                return .number(try Params.quantity64(v, i))
            }
        }
        if v.objectValue != nil {
            // EIP-1898.
            if let h = v["blockHash"]?.stringValue { return .hash(try Params.hash(h, i)) }
            if let n = v["blockNumber"] { return try parse(n, i) }
            throw Params.invalid(i, "block object needs blockHash or blockNumber")
        }
        throw Params.invalid(i, "expected a block number, tag or object")
    }
}
