import AthPrimitives
import AthCrypto

/// A Merkle-Patricia trie keyed by keccak256 of each key, as the state and
/// storage tries are: hashing keeps paths short and evenly spread whatever
/// keys an attacker chooses. It cannot list its original keys.
public struct SecureTrie: Sendable {
    /// The underlying trie, keyed by hashed keys.
    public internal(set) var trie = MerklePatriciaTrie()

    /// An empty trie.
    public init() {}

    /// Whether the trie holds no entries.
    public var isEmpty: Bool { trie.isEmpty }

    /// Sets `key` to `value`; an empty value removes the key.
    public mutating func insert(key: [UInt8], value: [UInt8]) {
        trie.insert(key: Keccak256.hash(key).bytes, value: value)
    }

    /// Removes `key`; does nothing when it is absent.
    public mutating func delete(key: [UInt8]) {
        trie.delete(key: Keccak256.hash(key).bytes)
    }

    /// The value stored at `key`, or `nil` when absent.
    public func get(key: [UInt8]) -> [UInt8]? {
        trie.get(key: Keccak256.hash(key).bytes)
    }

    /// The root hash (see `MerklePatriciaTrie.rootHash`).
    public var rootHash: Hash32 {
        mutating get { trie.rootHash }
    }

    /// The root of a secure trie holding `pairs`, whatever their order
    /// (see `MerklePatriciaTrie.root(of:)`).
    public static func root(of pairs: [(key: [UInt8], value: [UInt8])]) -> Hash32 {
        MerklePatriciaTrie.root(of: pairs.map { (Keccak256.hash($0.key).bytes, $0.value) })
    }
}
