import AthPrimitives

/// Parses amounts of ATH as users write them: `1.5ath`, `20gwei`, `1000`
/// (wei), `0x3e8` (wei); command-line options use `parseWithUnit`, which
/// requires the unit. ATH has 18 decimals, like ether; `ether` and `eth`
/// are accepted as synonyms so wallet habits carry over.
public enum Amount {
    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case invalid(String)
        case tooPrecise(String)
        case tooLarge(String)
        /// A number without a unit where one is required.
        case noUnit(String)

        public var description: String {
            switch self {
            case .invalid(let s): return "\"\(s)\" is not an amount (examples: 1000, 20gwei, 1.5ath, 0x3e8)"
            case .tooPrecise(let s): return "\"\(s)\" has more decimals than its unit allows"
            case .tooLarge(let s): return "\"\(s)\" does not fit in 256 bits"
            case .noUnit(let s): return "amount \(s) has no unit: write \(s)ath, or \(s)wei"
            }
        }
    }

    static let units: [(String, Int)] = [("gwei", 9), ("ether", 18), ("eth", 18), ("ath", 18), ("wei", 0)]

    /// The amount in wei.
    public static func parse(_ text: String) throws(ParseError) -> UInt256 {
        let trimmed = text.trimmingCharactersInWhitespace().lowercased()
        if trimmed.hasPrefix("0x") {
            guard let v = UInt256(hex: trimmed) else { throw .invalid(text) }
            return v
        }
        var number = Substring(trimmed)
        var decimals = 0
        for (suffix, d) in units where trimmed.hasSuffix(suffix) {
            number = trimmed.dropLast(suffix.count)
            decimals = d
            break
        }
        let parts = number.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts.first, !whole.isEmpty || parts.count == 2 else { throw .invalid(text) }
        let fraction = parts.count == 2 ? parts[1] : ""
        guard !(whole.isEmpty && fraction.isEmpty) else { throw .invalid(text) }
        guard fraction.count <= decimals else { throw .tooPrecise(text) }
        let digits = String(whole) + fraction + String(repeating: "0", count: decimals - fraction.count)
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { throw .invalid(text) }
        guard let v = UInt256(decimal: digits.isEmpty ? "0" : digits) else { throw .tooLarge(text) }
        return v
    }

    /// An amount a user typed for an option: it must name its unit (`100ath`,
    /// `20gwei`, `5wei`), so 100 ATH is never read as 100 wei; only `0`
    /// may stand alone. Refuses a bare number with the fix in the message.
    public static func parseWithUnit(_ text: String) throws(ParseError) -> UInt256 {
        let trimmed = text.trimmingCharactersInWhitespace().lowercased()
        if trimmed == "0" { return .zero }
        guard units.contains(where: { trimmed.hasSuffix($0.0) }), !trimmed.hasPrefix("0x") else {
            guard !trimmed.isEmpty, trimmed.count <= 80,
                  trimmed.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == "x" || $0.isHexDigit) }) else {
                throw .invalid(text)
            }
            throw .noUnit(String(trimmed.prefix(80)))
        }
        return try parse(trimmed)
    }

    /// `1.5 ATH`-style text for a wei amount (trailing zeros trimmed).
    public static func formatATH(_ wei: UInt256) -> String {
        var digits = wei.description
        if digits.count <= 18 { digits = String(repeating: "0", count: 19 - digits.count) + digits }
        let whole = digits.dropLast(18)
        var fraction = String(digits.suffix(18))
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return fraction.isEmpty ? "\(whole) ATH" : "\(whole).\(fraction) ATH"
    }
}

extension String {
    func trimmingCharactersInWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
