import AthCrypto
import AthPrimitives
import AthTestSupport
import AthTrie
import Testing

@Suite struct MerklePatriciaTrieTests {
    static let emptyRoot = "0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421"

    func utf8(_ s: String) -> [UInt8] { Array(s.utf8) }

    @Test func emptyTrieHasTheEmptyRoot() throws {
        var trie = MerklePatriciaTrie()
        #expect(trie.rootHash == (try Hash32(hex: Self.emptyRoot)))
        #expect(MerklePatriciaTrie.emptyRoot == Keccak256.hash(RLP.encode(.bytes([]))))
        #expect(trie.isEmpty)
        #expect(trie.get(key: utf8("a")) == nil)
    }

    @Test func singleKeyRootIsTheHashOfOneLeaf() {
        var trie = MerklePatriciaTrie()
        trie.insert(key: utf8("A"), value: [UInt8](repeating: 0x61, count: 50))
        // The root is hashed even though a leaf is all there is.
        let leaf = RLP.encode(.list([.bytes([0x20, 0x41]), .bytes([UInt8](repeating: 0x61, count: 50))]))
        #expect(trie.rootHash == Keccak256.hash(leaf))
        #expect(trie.get(key: utf8("A")) == [UInt8](repeating: 0x61, count: 50))
        #expect(trie.get(key: utf8("B")) == nil)
    }

    @Test func shortRootIsStillHashed() {
        var trie = MerklePatriciaTrie()
        trie.insert(key: [0x01], value: [0x02])
        let leaf = RLP.encode(.list([.bytes([0x20, 0x01]), .bytes([0x02])]))
        #expect(leaf.count < 32)
        #expect(trie.rootHash == Keccak256.hash(leaf))
    }

    @Test func doeDogDogglesworthGivesTheKnownRoot() throws {
        var trie = MerklePatriciaTrie()
        trie.insert(key: utf8("doe"), value: utf8("reindeer"))
        trie.insert(key: utf8("dog"), value: utf8("puppy"))
        trie.insert(key: utf8("dogglesworth"), value: utf8("cat"))
        #expect(trie.rootHash == (try Hash32(hex: "0x8aad789dff2f538bca5d8ea56e8abe10f4c7ba3a5dea95fea4cd6e7c3a1168d3")))
        #expect(trie.get(key: utf8("dog")) == utf8("puppy"))
        #expect(trie.get(key: utf8("do")) == nil)
        #expect(trie.get(key: utf8("dogg")) == nil)
    }

    @Test func deletingEverythingReturnsToTheEmptyRoot() throws {
        var trie = MerklePatriciaTrie()
        let keys = ["do", "dog", "doge", "horse", "dogglesworth", "d"]
        for k in keys { trie.insert(key: utf8(k), value: utf8(k + "!")) }
        #expect(trie.rootHash != MerklePatriciaTrie.emptyRoot)
        for k in keys.reversed() { trie.delete(key: utf8(k)) }
        #expect(trie.isEmpty)
        #expect(trie.rootHash == (try Hash32(hex: Self.emptyRoot)))
    }

    @Test func emptyValueDeletes() {
        var trie = MerklePatriciaTrie()
        trie.insert(key: utf8("dog"), value: utf8("puppy"))
        let withOne = trie.rootHash
        trie.insert(key: utf8("doge"), value: utf8("coin"))
        trie.insert(key: utf8("doge"), value: [])
        #expect(trie.get(key: utf8("doge")) == nil)
        #expect(trie.rootHash == withOne)
    }

    @Test func deletingAnAbsentKeyChangesNothing() {
        var trie = MerklePatriciaTrie()
        trie.insert(key: utf8("dog"), value: utf8("puppy"))
        trie.insert(key: utf8("doge"), value: utf8("coin"))
        let before = trie.rootHash
        trie.delete(key: utf8("do"))
        trie.delete(key: utf8("dogs"))
        trie.delete(key: utf8("cat"))
        #expect(trie.rootHash == before)
    }

    @Test(arguments: [1 as UInt64, 2, 3, 42])
    func rootDoesNotDependOnInsertionOrder(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        var pairs: [(key: [UInt8], value: [UInt8])] = []
        for _ in 0..<200 {
            // Short keys of varied length so keys share prefixes and some are prefixes of others.
            let key = rng.bytes(Int(rng.next() % 4) + 1)
            pairs.removeAll { $0.key == key }
            pairs.append((key, rng.bytes(Int(rng.next() % 40) + 1)))
        }
        var forward = MerklePatriciaTrie()
        for p in pairs { forward.insert(key: p.key, value: p.value) }
        var shuffled = MerklePatriciaTrie()
        for p in pairs.shuffled(using: &rng) { shuffled.insert(key: p.key, value: p.value) }
        #expect(forward.rootHash == shuffled.rootHash)
        #expect(MerklePatriciaTrie.root(of: Array(pairs.reversed())) == forward.rootHash)
        for p in pairs { #expect(shuffled.get(key: p.key) == p.value) }
    }

    @Test func cachedRootMatchesAFreshBuildAfterEdits() {
        var rng = SplitMix64(seed: 7)
        var trie = MerklePatriciaTrie()
        var model: [(key: [UInt8], value: [UInt8])] = []
        for _ in 0..<50 {
            for _ in 0..<5 {
                let key = rng.bytes(Int(rng.next() % 3) + 1)
                model.removeAll { $0.key == key }
                if rng.next() % 4 == 0 {
                    trie.delete(key: key)
                } else {
                    let value = rng.bytes(Int(rng.next() % 40) + 1)
                    trie.insert(key: key, value: value)
                    model.append((key, value))
                }
            }
            let snapshot = trie
            #expect(trie.rootHash == MerklePatriciaTrie.root(of: model))
            // A copy taken before hashing is independent and agrees.
            var copy = snapshot
            #expect(copy.rootHash == trie.rootHash)
        }
    }

    @Test func shortValuesMakeEmbeddedNodes() throws {
        // trieanyorder.json "smallValues": every node is under 32 bytes and inlined.
        var trie = MerklePatriciaTrie()
        trie.insert(key: utf8("be"), value: utf8("e"))
        trie.insert(key: utf8("dog"), value: utf8("puppy"))
        trie.insert(key: utf8("bed"), value: utf8("d"))
        #expect(trie.rootHash == (try Hash32(hex: "0x3f67c7a47520f79faa29255d2d3c084a7a6df0453116ed7232ff10277a8be68b")))
    }

    @Test func embeddedBranchUnderExtensionMatchesHandEncoding() {
        // Keys 0x10 and 0x11: extension [1] over a branch holding two tiny leaves.
        var trie = MerklePatriciaTrie()
        trie.insert(key: [0x10], value: [0x01])
        trie.insert(key: [0x11], value: [0x02])
        let leaf0 = RLPItem.list([.bytes([0x20]), .bytes([0x01])])
        let leaf1 = RLPItem.list([.bytes([0x20]), .bytes([0x02])])
        var children = [RLPItem](repeating: .bytes([]), count: 17)
        children[0] = leaf0
        children[1] = leaf1
        let branch = RLPItem.list(children)
        #expect(RLP.encode(branch).count < 32)
        let root = RLPItem.list([.bytes([0x11]), branch])
        #expect(trie.rootHash == Keccak256.hash(RLP.encode(root)))
    }

    @Test func orderedRootOfNothingIsTheEmptyRoot() throws {
        #expect(MerklePatriciaTrie.orderedRoot([]) == (try Hash32(hex: Self.emptyRoot)))
    }

    @Test func orderedRootKeysByRLPIndex() {
        let values = (0..<130).map { [UInt8(truncatingIfNeeded: $0), 0xaa] }
        var trie = MerklePatriciaTrie()
        for (i, v) in values.enumerated() {
            var w = RLPWriter()
            w.append(UInt64(i))
            trie.insert(key: w.bytes, value: v)
        }
        #expect(MerklePatriciaTrie.orderedRoot(values) == trie.rootHash)
        // Index 0 is keyed by rlp(0) = 0x80, not by an empty key.
        #expect(trie.get(key: [0x80]) == [0x00, 0xaa])
    }

    /// The one-pass builder behind `root(of:)` and `orderedRoot` agrees with
    /// incremental insertion on random keys of mixed lengths, including keys
    /// that are prefixes of others and values short enough to be inlined.
    @Test func oneShotRootMatchesIncrementalInsertion() {
        var rng = SplitMix64(seed: 99)
        var mismatches = 0
        for round in 0..<300 {
            var pairs: [(key: [UInt8], value: [UInt8])] = []
            var trie = MerklePatriciaTrie()
            let n = 1 + Int(rng.next() % 60)
            for _ in 0..<n {
                let length = Int(rng.next() % 5)
                let key = (0..<length).map { _ in UInt8(rng.next() % (round % 2 == 0 ? 4 : 256)) }
                let value = (0..<(1 + Int(rng.next() % 40))).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                pairs.removeAll { $0.key == key }
                pairs.append((key, value))
            }
            for p in pairs { trie.insert(key: p.key, value: p.value) }
            if MerklePatriciaTrie.root(of: pairs) != trie.rootHash { mismatches += 1 }
        }
        #expect(mismatches == 0)
    }

    @Test func iterationWalksKeysInOrder() {
        var trie = MerklePatriciaTrie()
        for k in ["cat", "doge", "wallace", "do", "d"] { trie.insert(key: utf8(k), value: utf8(k)) }
        #expect(trie.entries.map { String(decoding: $0.key, as: UTF8.self) } == ["cat", "d", "do", "doge", "wallace"])
        #expect(trie.next(after: utf8("d"))?.key == utf8("do"))
        #expect(trie.next(after: utf8("dog"))?.key == utf8("doge"))
        #expect(trie.prev(before: utf8("doge"))?.key == utf8("do"))
        #expect(trie.prev(before: utf8("d"))?.key == utf8("cat"))
        #expect(trie.prev(before: utf8("cat")) == nil)
        #expect(trie.next(after: utf8("wallace")) == nil)
    }
}
