import AthPrimitives
import AthCrypto

extension MerklePatriciaTrie {
    /// The nodes on the path to `key`, root first, each as its RLP: a
    /// Merkle proof of the key's value, or of its absence (the path ends at
    /// a node that does not continue it). Nodes embedded in their parent
    /// (RLP under 32 bytes) are inside the parent's bytes and are not listed
    /// again, as in EIP-1186 proofs from other clients. Empty for an empty trie.
    public mutating func proof(key: [UInt8]) -> [[UInt8]] {
        guard var node = root else { return [] }
        _ = node.seal()
        root = node
        var nodes: [[UInt8]] = []
        var path = Nibbles.path(of: key)[...]
        while true {
            let encoded = node.encoded()
            if nodes.isEmpty || encoded.count >= 32 { nodes.append(encoded) }
            switch node.body {
            case .leaf:
                return nodes
            case let .extension(extensionPath, child):
                guard path.starts(with: extensionPath) else { return nodes }
                path = path.dropFirst(extensionPath.count)
                node = child
            case let .branch(children, _):
                guard let first = path.first, let child = children[Int(first)] else { return nodes }
                path = path.dropFirst()
                node = child
            }
        }
    }
}

extension SecureTrie {
    /// The proof of `key` (hashed, as the trie stores it); see `MerklePatriciaTrie.proof(key:)`.
    public mutating func proof(key: [UInt8]) -> [[UInt8]] {
        trie.proof(key: Keccak256.hash(key).bytes)
    }
}
