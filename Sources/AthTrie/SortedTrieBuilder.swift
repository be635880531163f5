import AthPrimitives
import AthCrypto

/// Builds the root of a trie from entries sorted by key in one pass over
/// them, without building nodes: each subtree's RLP is written and hashed
/// once, straight from the sorted run of keys below it. For whole lists
/// (transactions and receipts roots) this is several times cheaper than
/// inserting the entries one by one into a `MerklePatriciaTrie`.
enum SortedTrieBuilder {
    /// The root of the entries, which must be sorted by key, with distinct
    /// keys and non-empty values.
    static func root(_ entries: [(path: [UInt8], value: [UInt8])]) -> Hash32 {
        guard !entries.isEmpty else { return MerklePatriciaTrie.emptyRoot }
        let encoded = node(entries, 0..<entries.count, depth: 0)
        return Keccak256.hash(encoded)
    }

    /// The RLP of the node holding `range`, whose paths all agree on their
    /// first `depth` nibbles.
    private static func node(_ e: [(path: [UInt8], value: [UInt8])], _ range: Range<Int>, depth: Int) -> [UInt8] {
        let first = e[range.lowerBound].path
        if range.count == 1 {
            var w = RLPWriter(capacity: first.count / 2 + e[range.lowerBound].value.count + 8)
            w.appendList { list in
                list.append(bytes: Nibbles.hexPrefix(Array(first[depth...]), isLeaf: true))
                list.append(bytes: e[range.lowerBound].value)
            }
            return w.bytes
        }
        // Entries are sorted, so the common prefix of the run is that of its first and last paths.
        let last = e[range.upperBound - 1].path
        var shared = depth
        while shared < first.count, shared < last.count, first[shared] == last[shared] { shared += 1 }
        if shared > depth {
            let child = node(e, range, depth: shared)
            var w = RLPWriter(capacity: 48 + (shared - depth) / 2)
            w.appendList { list in
                list.append(bytes: Nibbles.hexPrefix(Array(first[depth..<shared]), isLeaf: false))
                list.append(raw: reference(child))
            }
            return w.bytes
        }
        // A branch: a key that ends here holds the branch's value; the rest split by nibble.
        var w = RLPWriter(capacity: 17 * 33 + 8)
        var start = range.lowerBound
        var value: [UInt8] = []
        if first.count == depth {
            value = e[start].value
            start += 1
        }
        w.appendList { list in
            var i = start
            for nibble in 0..<UInt8(16) {
                var j = i
                while j < range.upperBound, e[j].path[depth] == nibble { j += 1 }
                if j > i {
                    list.append(raw: reference(node(e, i..<j, depth: depth + 1)))
                } else {
                    list.append(bytes: [UInt8]())
                }
                i = j
            }
            list.append(bytes: value)
        }
        return w.bytes
    }

    /// How a parent refers to a child node: inline under 32 bytes, else its hash.
    private static func reference(_ encoded: [UInt8]) -> [UInt8] {
        if encoded.count < 32 { return encoded }
        var r = RLPWriter(capacity: 33)
        r.append(Keccak256.hash(encoded))
        return r.bytes
    }
}
