/// A JSON value as JSON-RPC messages carry it (RFC 8259).
///
/// Numbers keep their exact text, so request ids echo back byte for byte and
/// huge or fractional numbers never lose precision or trap on conversion.
/// Objects keep their members in order. The parser resolves duplicate keys
/// with "last wins, at the first key's position" (geth's decoder also keeps the
/// last value), so parsed objects never hold a key twice; objects built in
/// code should not either.
///
/// Equality is structural and order-sensitive: two objects are equal when they
/// hold the same members in the same order, and two numbers when their texts
/// are identical (`1.0` is not equal to `1`).
public enum JSON: Sendable {
    case null
    case bool(Bool)
    /// The number's text, RFC 8259 grammar (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`).
    /// A `.number` built in code whose text breaks that grammar is written as `null`.
    case number(String)
    case string(String)
    case array([JSON])
    /// Members in order.
    case object([(String, JSON)])
}

extension JSON: Equatable {
    public static func == (lhs: JSON, rhs: JSON) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.number(a), .number(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)):
            guard a.count == b.count else { return false }
            for i in a.indices where a[i].0 != b[i].0 || a[i].1 != b[i].1 { return false }
            return true
        default: return false
        }
    }
}

extension JSON: CustomStringConvertible {
    /// The compact serialized text.
    public var description: String { serializedString() }
}

extension JSON {
    /// A number from an integer, written in decimal.
    public init(_ value: some BinaryInteger) { self = .number(String(value)) }

    /// An object from ordered members.
    public init(_ members: KeyValuePairs<String, JSON>) {
        self = .object(members.map { ($0.key, $0.value) })
    }
}

extension JSON: ExpressibleByNilLiteral {
    public init(nilLiteral: ()) { self = .null }
}

extension JSON: ExpressibleByBooleanLiteral {
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension JSON: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int) { self = .number(String(value)) }
}

extension JSON: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
}

extension JSON: ExpressibleByArrayLiteral {
    public init(arrayLiteral elements: JSON...) { self = .array(elements) }
}

extension JSON: ExpressibleByDictionaryLiteral {
    /// Members keep the literal's order.
    public init(dictionaryLiteral elements: (String, JSON)...) { self = .object(elements) }
}
