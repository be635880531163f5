import AthCrypto
import AthPrimitives
import AthTrie
import Testing

/// Merkle proofs: every key's proof leads from the root hash to its value,
/// an absent key's proof ends where the path leaves the trie, and a proof
/// does not verify against another root.
@Suite struct TrieProofTests {
    /// Follows `proof` from `root` along `key` (Yellow Paper appendix D):
    /// the value found, nil when the proof shows the key absent; throws when
    /// the proof does not hold together.
    static func verify(root: Hash32, key: [UInt8], proof: [[UInt8]]) throws -> [UInt8]? {
        struct Invalid: Error { let why: String }
        var byHash: [Hash32: [UInt8]] = [:]
        for node in proof { byHash[Keccak256.hash(node)] = node }
        var path: [UInt8] = key.flatMap { [$0 >> 4, $0 & 15] }[...].map { $0 }
        guard let first = byHash[root] else { throw Invalid(why: "no node hashes to the root") }
        var node = try RLP.decode(first)
        func follow(_ reference: RLPItem) throws -> RLPItem? {
            switch reference {
            case .list: return reference  // embedded
            case .bytes(let b) where b.isEmpty: return nil
            case .bytes(let b):
                guard let h = Hash32(b), let raw = byHash[h] else { throw Invalid(why: "a referenced node is missing") }
                return try RLP.decode(raw)
            }
        }
        while true {
            guard case .list(let items) = node else { throw Invalid(why: "a node is not a list") }
            if items.count == 17 {
                guard let nibble = path.first else {
                    guard case .bytes(let v) = items[16] else { throw Invalid(why: "branch value is a list") }
                    return v.isEmpty ? nil : v
                }
                path.removeFirst()
                guard let next = try follow(items[Int(nibble)]) else { return nil }
                node = next
            } else if items.count == 2, case .bytes(let encodedPath) = items[0], let flag = encodedPath.first {
                var nibbles = encodedPath.flatMap { [$0 >> 4, $0 & 15] }
                nibbles.removeFirst(flag & 0x10 != 0 ? 1 : 2)
                if flag & 0x20 != 0 {
                    guard case .bytes(let v) = items[1] else { throw Invalid(why: "leaf value is a list") }
                    return path == nibbles ? v : nil
                }
                guard path.starts(with: nibbles) else { return nil }
                path.removeFirst(nibbles.count)
                guard let next = try follow(items[1]) else { throw Invalid(why: "extension without a child") }
                node = next
            } else {
                throw Invalid(why: "a node has \(items.count) items")
            }
        }
    }

    @Test(arguments: [1, 2, 17, 300])
    func everyKeyIsProvedAndAbsentKeysAreShownAbsent(count: Int) throws {
        var trie = SecureTrie()
        for i in 0..<count {
            trie.insert(key: [UInt8(i & 0xff), UInt8(i >> 8)], value: Array("value \(i)".utf8))
        }
        let root = trie.rootHash
        for i in 0..<count {
            let key: [UInt8] = [UInt8(i & 0xff), UInt8(i >> 8)]
            let proof = trie.proof(key: key)
            #expect(try Self.verify(root: root, key: Keccak256.hash(key).bytes, proof: proof) == Array("value \(i)".utf8))
        }
        for i in count..<(count + 20) {
            let key: [UInt8] = [UInt8(i & 0xff), UInt8(i >> 8), 1]
            #expect(try Self.verify(root: root, key: Keccak256.hash(key).bytes, proof: trie.proof(key: key)) == nil)
        }
        #expect(trie.rootHash == root, "proving changes nothing")
    }

    @Test func aProofDoesNotVerifyAgainstAnotherRoot() throws {
        var trie = SecureTrie()
        for i in 0..<50 { trie.insert(key: [UInt8(i)], value: [UInt8(i), 1, 2, 3]) }
        let proof = trie.proof(key: [7])
        var other = trie
        other.insert(key: [7], value: [9])
        #expect(throws: (any Error).self) { try Self.verify(root: other.rootHash, key: Keccak256.hash([7]).bytes, proof: proof) }
        var tampered = proof
        tampered[tampered.count - 1][tampered[tampered.count - 1].count - 1] ^= 1
        #expect(throws: (any Error).self) { try Self.verify(root: trie.rootHash, key: Keccak256.hash([7]).bytes, proof: tampered) }
    }

    @Test func anEmptyTrieHasAnEmptyProof() {
        var trie = SecureTrie()
        #expect(trie.proof(key: [1]).isEmpty)
    }
}
