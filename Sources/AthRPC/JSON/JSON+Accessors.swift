extension JSON {
    /// The member named `key` of an object (the last one, should a built object
    /// hold it twice); nil for other values or a missing key.
    public subscript(key: String) -> JSON? {
        guard case .object(let members) = self else { return nil }
        var i = members.count
        while i > 0 {
            i -= 1
            if members[i].0 == key { return members[i].1 }
        }
        return nil
    }

    /// The element at `index` of an array; nil for other values or an index out of range.
    public subscript(index: Int) -> JSON? {
        guard case .array(let elements) = self, elements.indices.contains(index) else { return nil }
        return elements[index]
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The number's exact text.
    public var numberText: String? {
        if case .number(let n) = self { return n }
        return nil
    }

    public var arrayValue: [JSON]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var objectValue: [(String, JSON)]? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// The number as an `Int` when its text is a plain decimal integer
    /// (no fraction, no exponent) that fits; nil otherwise. Never traps.
    public var intValue: Int? {
        guard case .number(let text) = self else { return nil }
        return Int(text, radix: 10)
    }

    /// The number as a `UInt64` when its text is a plain non-negative decimal
    /// integer that fits; nil otherwise. Never traps.
    public var uint64Value: UInt64? {
        guard case .number(let text) = self else { return nil }
        return UInt64(text, radix: 10)
    }
}
