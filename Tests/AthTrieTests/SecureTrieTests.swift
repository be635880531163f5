import AthCrypto
import AthPrimitives
import AthTrie
import Testing

@Suite struct SecureTrieTests {
    @Test func keysAreHashed() {
        var secure = SecureTrie()
        var plain = MerklePatriciaTrie()
        for k in ["do", "dog", "doge", "horse"] {
            secure.insert(key: Array(k.utf8), value: Array((k + "!").utf8))
            plain.insert(key: Keccak256.hash(Array(k.utf8)).bytes, value: Array((k + "!").utf8))
        }
        #expect(secure.rootHash == plain.rootHash)
        #expect(secure.get(key: Array("dog".utf8)) == Array("dog!".utf8))
    }

    @Test func dogsFixtureRoot() throws {
        // trieanyorder_secureTrie.json "dogs".
        let pairs: [(key: [UInt8], value: [UInt8])] = [
            (Array("doe".utf8), Array("reindeer".utf8)),
            (Array("dog".utf8), Array("puppy".utf8)),
            (Array("dogglesworth".utf8), Array("cat".utf8)),
        ]
        let expected = try Hash32(hex: "0xd4cd937e4a4368d7931a9cf51686b7e10abb3dce38a39000fd7902a092b64585")
        #expect(SecureTrie.root(of: pairs) == expected)
        var trie = SecureTrie()
        for p in pairs { trie.insert(key: p.key, value: p.value) }
        #expect(trie.rootHash == expected)
        for p in pairs { trie.delete(key: p.key) }
        #expect(trie.rootHash == MerklePatriciaTrie.emptyRoot)
    }
}
