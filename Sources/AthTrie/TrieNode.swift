import AthPrimitives
import AthCrypto

/// One node of the trie together with its cached reference.
///
/// Nodes are values: changing a node builds a new one along the path from
/// the root, and untouched subtrees are shared with their cached references
/// intact. A node built by an edit starts with `reference == nil` (dirty);
/// `seal()` fills it in bottom-up, visiting only dirty nodes.
struct TrieNode: Sendable {
    indirect enum Body: Sendable {
        /// The rest of a key's path and its (non-empty) value.
        case leaf(path: [UInt8], value: [UInt8])
        /// A shared run of nibbles (never empty) above a branch.
        case `extension`(path: [UInt8], child: TrieNode)
        /// Sixteen children by next nibble, and the value of the key that
        /// ends here (empty when none). A branch always holds at least two
        /// of these seventeen entries.
        case branch(children: [TrieNode?], value: [UInt8])
    }

    var body: Body
    /// How a parent refers to this node: its RLP when that is shorter than
    /// 32 bytes (embedded), otherwise the RLP string of its Keccak-256 hash.
    /// `nil` while the node is dirty.
    var reference: [UInt8]?

    static func leaf(_ path: [UInt8], _ value: [UInt8]) -> TrieNode {
        TrieNode(body: .leaf(path: path, value: value), reference: nil)
    }

    static func `extension`(_ path: [UInt8], _ child: TrieNode) -> TrieNode {
        TrieNode(body: .extension(path: path, child: child), reference: nil)
    }

    static func branch(_ children: [TrieNode?], _ value: [UInt8]) -> TrieNode {
        TrieNode(body: .branch(children: children, value: value), reference: nil)
    }

    static let noChildren = [TrieNode?](repeating: nil, count: 16)

    /// Computes the references of every dirty node below and including this
    /// one, caches them, and returns this node's reference.
    mutating func seal() -> [UInt8] {
        if let reference { return reference }
        switch body {
        case .leaf: break
        case .extension(let path, var child):
            _ = child.seal()
            body = .extension(path: path, child: child)
        case .branch(var children, let value):
            for i in 0..<16 where children[i] != nil { _ = children[i]!.seal() }
            body = .branch(children: children, value: value)
        }
        let encoded = encoded()
        // Yellow Paper, appendix D: nodes under 32 bytes are inlined in their parent.
        let made: [UInt8]
        if encoded.count < 32 {
            made = encoded
        } else {
            var r = RLPWriter(capacity: 33)
            r.append(Keccak256.hash(encoded))
            made = r.bytes
        }
        reference = made
        return made
    }

    /// This node's RLP. Its children must be sealed (their references are
    /// what it holds).
    func encoded() -> [UInt8] {
        var w = RLPWriter()
        switch body {
        case let .leaf(path, value):
            w.appendList { list in
                list.append(bytes: Nibbles.hexPrefix(path, isLeaf: true))
                list.append(bytes: value)
            }
        case let .extension(path, child):
            w.appendList { list in
                list.append(bytes: Nibbles.hexPrefix(path, isLeaf: false))
                list.append(raw: child.reference!)
            }
        case let .branch(children, value):
            w.appendList { list in
                for child in children {
                    if let child { list.append(raw: child.reference!) } else { list.append(bytes: [UInt8]()) }
                }
                list.append(bytes: value)
            }
        }
        return w.bytes
    }

    /// The root hash of the trie whose root this node is: the root is always
    /// hashed, even when its RLP is shorter than 32 bytes.
    mutating func rootHash() -> Hash32 {
        let r = seal()
        if r.count == 33, let hash = Hash32(r[1...]) { return hash }
        return Keccak256.hash(r)
    }
}
