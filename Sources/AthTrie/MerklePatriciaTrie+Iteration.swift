extension MerklePatriciaTrie {
    /// The entry with the smallest key strictly greater than `key` (keys
    /// compare as byte strings, a prefix before its extensions), or `nil`.
    public func next(after key: [UInt8]) -> (key: [UInt8], value: [UInt8])? {
        root?.first(after: Nibbles.path(of: key)[...]).map { (Nibbles.key(of: $0.path), $0.value) }
    }

    /// The entry with the largest key strictly less than `key`, or `nil`.
    public func prev(before key: [UInt8]) -> (key: [UInt8], value: [UInt8])? {
        root?.last(before: Nibbles.path(of: key)[...]).map { (Nibbles.key(of: $0.path), $0.value) }
    }

    /// Every entry in ascending key order.
    public var entries: [(key: [UInt8], value: [UInt8])] {
        guard let root else { return [] }
        var out: [(key: [UInt8], value: [UInt8])] = []
        var current = root.first()
        while true {
            out.append((Nibbles.key(of: current.path), current.value))
            guard let following = root.first(after: current.path[...]) else { return out }
            current = following
        }
    }
}
