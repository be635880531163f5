import AthClient
import AthPrimitives
import AthRPC
import AthTypes
import Foundation

/// Reads the values of JSON-RPC answers (0x quantities, hashes, addresses),
/// refusing malformed ones with a sentence that names the field.
enum NodeValue {
    static func invalid(_ what: String, _ value: JSON?) -> CLIError {
        CLIError("the node sent an invalid \(what): \(value.map { $0.serializedString() } ?? "nothing")")
    }

    /// A 0x quantity as a 256-bit number.
    static func quantity(_ value: JSON?, _ what: String) throws -> UInt256 {
        guard let text = value?.stringValue, text.hasPrefix("0x"), let n = UInt256(hex: text) else {
            throw invalid(what, value)
        }
        return n
    }

    /// A 0x quantity that fits 64 bits.
    static func uint64(_ value: JSON?, _ what: String) throws -> UInt64 {
        guard let text = value?.stringValue, text.hasPrefix("0x"), let n = UInt64(text.dropFirst(2), radix: 16) else {
            throw invalid(what, value)
        }
        return n
    }

    static func hash(_ value: JSON?, _ what: String) throws -> Hash32 {
        guard let text = value?.stringValue, let h = try? Hash32(hex: text) else { throw invalid(what, value) }
        return h
    }

    /// An address, or nil for JSON null.
    static func address(_ value: JSON?, _ what: String) throws -> Address? {
        guard let value, !value.isNull else { return nil }
        guard let text = value.stringValue, let a = try? Address(hex: text) else { throw invalid(what, value) }
        return a
    }
}

/// Text forms shared by the node commands.
enum NodeFormat {
    /// `1.5 ATH (1500000000000000000 wei)`.
    static func amount(_ wei: UInt256) -> String { "\(Amount.formatATH(wei)) (\(wei) wei)" }

    /// `1.5` (the ATH amount without its unit).
    static func athNumber(_ wei: UInt256) -> String {
        let s = Amount.formatATH(wei)
        return s.hasSuffix(" ATH") ? String(s.dropLast(4)) : s
    }

    /// A 0x quantity in decimal; the raw text when it is not one.
    static func decimal(_ value: JSON?) -> String {
        guard let text = value?.stringValue else { return value.map { $0.serializedString() } ?? "" }
        guard text.hasPrefix("0x"), let n = UInt256(hex: text) else { return text }
        return n.description
    }

    /// A unix timestamp quantity as `1767225600 (2026-01-01T00:00:00Z)`.
    static func timestamp(_ value: JSON?) -> String {
        guard let text = value?.stringValue, let n = UInt64(text.dropFirst(2), radix: 16) else { return decimal(value) }
        let date = Date(timeIntervalSince1970: TimeInterval(n))
        return "\(n) (\(ISO8601DateFormatter().string(from: date)))"
    }

    /// `success`, `failed` or the raw value of a receipt's status.
    static func status(_ value: JSON?) -> String {
        switch value?.stringValue {
        case "0x1": return "success"
        case "0x0": return "failed"
        default: return decimal(value)
        }
    }

    /// An address field, checksummed; `-` for null.
    static func address(_ value: JSON?) -> String {
        guard let text = value?.stringValue else { return "-" }
        return (try? Address(hex: text))?.checksummed ?? text
    }

    /// Prints `label: value` rows with the values aligned.
    static func printRows(_ rows: [(String, String)]) {
        let width = (rows.map(\.0.count).max() ?? 0) + 2
        for (label, value) in rows { print((label + ":").padding(toLength: width, withPad: " ", startingAt: 0) + value) }
    }
}

extension JSON {
    /// Indented JSON text, members in their order (two spaces per level).
    func prettyText(indent: Int = 0) -> String {
        let pad = String(repeating: "  ", count: indent + 1), end = String(repeating: "  ", count: indent)
        switch self {
        case .array(let items) where !items.isEmpty:
            return "[\n" + items.map { pad + $0.prettyText(indent: indent + 1) }.joined(separator: ",\n") + "\n\(end)]"
        case .object(let members) where !members.isEmpty:
            let lines = members.map { pad + JSON.string($0.0).serializedString() + ": " + $0.1.prettyText(indent: indent + 1) }
            return "{\n" + lines.joined(separator: ",\n") + "\n\(end)}"
        default:
            return serializedString()
        }
    }

    /// Prints `prettyText()` on standard output.
    func printPretty() { print(prettyText()) }
}
