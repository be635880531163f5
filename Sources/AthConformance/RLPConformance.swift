import AthPrimitives
import Foundation

/// RLPTests: each case gives an input value (`in`) and its encoding (`out`).
/// `in` is a string (its UTF-8 bytes), an integer, `#<decimal>` for a big
/// integer, a list, or `VALID`/`INVALID` for cases that only check decoding.
enum RLPConformance {
    static func run(_ json: [String: Any], file: String, into report: inout ConformanceReport) {
        for (name, body) in Fixtures.sortedCases(json) {
            report.record(file: file, test: name, failure: check(body))
        }
    }

    static func check(_ body: [String: Any]) -> String? {
        guard let outText = body["out"] as? String else { return "fixture has no \"out\"" }
        let input = body["in"]
        let outBytes: [UInt8]
        do { outBytes = try Hex.decode(outText) } catch {
            // Hex that is not even bytes can only stand for an invalid encoding.
            return (input as? String) == "INVALID" ? nil : "fixture \"out\" is not hex: \(error)"
        }
        let decoded = Result { () throws(RLPError) in try RLP.decode(outBytes) }
        if let marker = input as? String, marker == "INVALID" {
            if case .success(let item) = decoded { return "decoded invalid RLP as \(item)" }
            return nil
        }
        let item: RLPItem
        switch decoded {
        case .failure(let e): return "refused valid RLP: \(e)"
        case .success(let i): item = i
        }
        if RLP.encode(item) != outBytes { return "decode then encode changed the bytes" }
        if let marker = input as? String, marker == "VALID" { return nil }
        guard let expected = expectedItem(input) else { return "fixture \"in\" has an unsupported form" }
        let encoded = RLP.encode(expected)
        if encoded != outBytes { return "encoded \(Hex.encode(encoded)), expected \(Hex.encode(outBytes))" }
        if item != expected { return "decoded \(item), expected \(expected)" }
        return nil
    }

    /// Turns the fixture's `in` value into the item it describes.
    static func expectedItem(_ value: Any?) -> RLPItem? {
        switch value {
        case let s as String:
            if s.hasPrefix("#") { return decimalBytes(s.dropFirst()).map(RLPItem.bytes) }
            return .bytes(Array(s.utf8))
        case let n as NSNumber:
            guard let v = UInt64(exactly: n.int64Value), n.stringValue == String(v) else { return nil }
            var w = RLPWriter(); w.append(v)
            return try? RLP.decode(w.bytes)
        case let list as [Any]:
            var items: [RLPItem] = []
            for element in list {
                guard let item = expectedItem(element) else { return nil }
                items.append(item)
            }
            return .list(items)
        default:
            return nil
        }
    }

    /// Minimal big-endian bytes of an arbitrarily large decimal number.
    static func decimalBytes(_ digits: Substring) -> [UInt8]? {
        var bytes: [UInt8] = [] // little-endian while building
        for c in digits.utf8 {
            guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
            var carry = UInt32(c - UInt8(ascii: "0"))
            for i in 0..<bytes.count {
                let v = UInt32(bytes[i]) * 10 + carry
                bytes[i] = UInt8(v & 0xff); carry = v >> 8
            }
            while carry > 0 { bytes.append(UInt8(carry & 0xff)); carry >>= 8 }
        }
        while let last = bytes.last, last == 0 { bytes.removeLast() }
        return bytes.reversed()
    }
}
