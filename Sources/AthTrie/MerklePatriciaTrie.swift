import AthPrimitives
import AthCrypto

/// Ethereum's Merkle-Patricia trie (Yellow Paper, appendix D): a map from
/// byte keys to non-empty byte values whose root hash commits to every entry.
///
/// A value type: copies are cheap (they share nodes) and independent. Node
/// references are cached and only the nodes an edit touched are re-encoded
/// and re-hashed, so reading `rootHash` after a few edits costs a few hashes.
/// The shape, and so the root, depends only on the entries, never on the
/// order they were inserted in.
public struct MerklePatriciaTrie: Sendable {
    var root: TrieNode?

    /// keccak256(rlp("")): the root of a trie with no entries.
    public static let emptyRoot = Keccak256.hash([0x80])

    /// An empty trie.
    public init() {}

    /// Whether the trie holds no entries.
    public var isEmpty: Bool { root == nil }

    /// Sets `key` to `value`; an empty value removes the key, since the trie
    /// cannot tell an empty value from absence.
    public mutating func insert(key: [UInt8], value: [UInt8]) {
        if value.isEmpty { delete(key: key); return }
        root = TrieNode.inserting(root, path: Nibbles.path(of: key)[...], value: value)
    }

    /// Removes `key`; does nothing when it is absent.
    public mutating func delete(key: [UInt8]) {
        guard let root else { return }
        if case .removed(let newRoot) = TrieNode.removing(root, path: Nibbles.path(of: key)[...]) {
            self.root = newRoot
        }
    }

    /// The value stored at `key`, or `nil` when absent.
    public func get(key: [UInt8]) -> [UInt8]? {
        root?.value(at: Nibbles.path(of: key)[...])
    }

    /// The Keccak-256 hash of the root node's RLP.
    ///
    /// A mutating getter because it caches the references of nodes changed
    /// since the last read; hold the trie in a `var` to read it.
    public var rootHash: Hash32 {
        mutating get {
            guard var node = root else { return Self.emptyRoot }
            let hash = node.rootHash()
            root = node
            return hash
        }
    }
}

extension MerklePatriciaTrie {
    /// The root of a trie holding `pairs`, whatever their order. Pairs with an
    /// empty value are absent. Keys should be distinct; if one repeats, the
    /// pair whose value sorts last wins, so the result still does not depend
    /// on the order of `pairs`.
    public static func root(of pairs: [(key: [UInt8], value: [UInt8])]) -> Hash32 {
        let sorted = pairs.sorted { a, b in
            a.key == b.key ? a.value.lexicographicallyPrecedes(b.value) : a.key.lexicographicallyPrecedes(b.key)
        }
        // Of repeated keys the last (greatest value) wins.
        var entries: [(path: [UInt8], value: [UInt8])] = []
        entries.reserveCapacity(sorted.count)
        for pair in sorted where !pair.value.isEmpty {
            let path = Nibbles.path(of: pair.key)
            if let last = entries.last, last.path == path { entries[entries.count - 1].value = pair.value } else {
                entries.append((path, pair.value))
            }
        }
        return SortedTrieBuilder.root(entries)
    }

    /// The root of the list `values` keyed by each position's RLP encoding:
    /// the transactions, receipts and withdrawals roots of a block header.
    public static func orderedRoot(_ values: [[UInt8]]) -> Hash32 {
        var entries: [(path: [UInt8], value: [UInt8])] = []
        entries.reserveCapacity(values.count)
        for (index, value) in values.enumerated() where !value.isEmpty {
            var key = RLPWriter(capacity: 9)
            key.append(UInt64(index))
            entries.append((Nibbles.path(of: key.bytes), value))
        }
        entries.sort { $0.path.lexicographicallyPrecedes($1.path) }
        return SortedTrieBuilder.root(entries)
    }
}
