import AthCrypto
import AthPrimitives
import AthTestSupport
import Testing
@testable import AthStorage

@Suite struct RecordTests {
    @Test func emptyHashesAreEthereums() {
        #expect(AccountRecord.emptyCodeHash == hash("0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"))
        #expect(AccountRecord.emptyStorageRoot == hash("0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421"))
    }

    @Test func accountEncodingIsTheStateTrieForm() throws {
        let empty = AccountRecord()
        let expectedEmpty = [0xf8, 0x44, 0x80, 0x80, 0xa0] + AccountRecord.emptyStorageRoot.bytes
            + [0xa0] + AccountRecord.emptyCodeHash.bytes
        #expect(empty.encoded == expectedEmpty)
        // nonce 1, balance 1 ether (0x0de0b6b3a7640000).
        let rich = AccountRecord(nonce: 1, balance: UInt256(1_000_000_000_000_000_000))
        let expectedRich = [0xf8, 0x4c, 0x01, 0x88, 0x0d, 0xe0, 0xb6, 0xb3, 0xa7, 0x64, 0x00, 0x00, 0xa0]
            + AccountRecord.emptyStorageRoot.bytes + [0xa0] + AccountRecord.emptyCodeHash.bytes
        #expect(rich.encoded == expectedRich)
        #expect(try AccountRecord(decoding: rich.encoded) == rich)
    }

    @Test func accountDecodingRoundTripsRandomRecords() throws {
        var rng = SplitMix64(seed: 3)
        var failures = 0
        for _ in 0..<200 {
            let record = AccountRecord(nonce: rng.next() >> (rng.next() % 64),
                                       balance: UInt256(limbs: rng.next(), rng.next() % 3, 0, rng.next() % 2),
                                       storageRoot: Hash32(rng.bytes(32))!, codeHash: Hash32(rng.bytes(32))!)
            if (try? AccountRecord(decoding: record.encoded)) != record { failures += 1 }
        }
        #expect(failures == 0)
    }

    @Test func accountDecodingRefusesMalformedBytes() {
        let good = AccountRecord(nonce: 5, balance: 7).encoded
        var leadingZero = good
        leadingZero.replaceSubrange(2...2, with: [0x81, 0x05])  // nonce 5 as a wrapped single byte
        let cases: [[UInt8]] = [
            [], [0xc0], good + [0x00], Array(good.dropLast()), leadingZero,
            RLP.encode(.list([.bytes([5]), .bytes([7]), .bytes(AccountRecord.emptyStorageRoot.bytes),
                              .bytes(AccountRecord.emptyCodeHash.bytes), .bytes([])])),
            RLP.encode(.list([.bytes([5]), .bytes([7]), .bytes([1, 2]), .bytes(AccountRecord.emptyCodeHash.bytes)])),
        ]
        var accepted = 0
        for bytes in cases where (try? AccountRecord(decoding: bytes)) != nil { accepted += 1 }
        #expect(accepted == 0)
    }

    /// Damaged records never trap: getters answer nil or zero, walks and open throw.
    @Test func corruptRecordsAreReportedNotTrapped() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let alice = Address(low: 1)
        do {
            let store = try ChainStore(directory: dir.path)
            try store.commit(block: makeBlock(0), state: StateChanges())
            let db = store.databases
            try store.environment.write { txn throws(StorageError) in
                try txn.put(db.accounts, .address(alice), [0xc3, 0x01, 0x02])
                try txn.put(db.storage, .slot(alice, 1), [UInt8](repeating: 1, count: 40))
                try txn.put(db.hashes, .hash(.zero), [1, 2, 3])
                try txn.put(db.transactions, .hash(.zero), [1])
                try txn.put(db.logAddresses, .address(alice), [])
            }
            #expect(store.account(alice) == nil)
            #expect(store.storage(alice, 1) == .zero)
            #expect(store.number(ofHash: .zero) == nil)
            #expect(store.transactionLocation(.zero) == nil)
            #expect(store.logBlocks(from: 0, to: 0, addresses: [alice], topics: [], limit: 10) == [])
            #expect(throws: StorageError.self) { try store.forEachAccount { _, _ in } }
            #expect(throws: StorageError.self) { try store.forEachStorageSlot(of: alice) { _, _ in } }
            #expect(throws: StorageError.self) { try store.forEachStorageSlot { _, _, _ in } }

            try store.environment.write { txn throws(StorageError) in
                try txn.put(db.meta, MetaKey.head, [1, 2, 3, 4, 5])
            }
            #expect(store.head == nil)
            #expect(throws: StorageError.corrupt("the head pointer is 5 bytes, expected 40")) {
                try store.commit(block: makeBlock(1), state: StateChanges())
            }
        }
        #expect(throws: StorageError.corrupt("the head pointer is 5 bytes, expected 40")) {
            _ = try ChainStore(directory: dir.path)
        }
    }

    @Test func otherSchemaVersionIsRefused() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        do {
            let store = try ChainStore(directory: dir.path)
            try store.environment.write { txn throws(StorageError) in
                try txn.put(store.databases.meta, MetaKey.schema, [0, 0, 0, 9])
            }
        }
        #expect(throws: StorageError.incompatibleSchema(found: 9, expected: ChainStore.schemaVersion)) {
            _ = try ChainStore(directory: dir.path)
        }
    }

    @Test func valueTypesCompareByContent() {
        let a = makeBlock(3, logs: [(Address(low: 1), [topicHash(1)])])
        var b = a
        #expect(a == b)
        b.logs[0].topics = []
        #expect(a != b)
        let s = StateChanges(accounts: [(Address(low: 1), nil)], storage: [(Address(low: 1), 1, 2)])
        var t = s
        #expect(s == t)
        t.storage[0].2 = 3
        #expect(s != t)
    }
}
