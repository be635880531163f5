import AthPrimitives
import Foundation
import Testing
@testable import AthStorage

@Suite struct ChainStoreTests {
    let alice = Address(low: 0xa11ce)
    let bob = Address(low: 0xb0b)

    @Test func systemEventsAreKeptPerBlockAndIndexed() throws {
        try withStore { store, _ in
            try store.commit(block: makeBlock(0), state: StateChanges())
            var block = makeBlock(1, logs: [(alice, [topicHash(7)])])
            block.systemEvents = [1, 2, 3]
            try store.commit(block: block, state: StateChanges())
            try store.commit(block: makeBlock(2), state: StateChanges())
            #expect(store.systemEvents(number: 1) == [1, 2, 3])
            #expect(store.systemEvents(number: 2) == nil && store.systemEvents(number: 0) == nil)
            #expect(store.logBlocks(from: 0, to: 2, addresses: [alice], topics: [], limit: 10) == [1])
        }
    }

    @Test func emptyStoreHasNoHead() throws {
        try withStore { store, _ in
            #expect(store.head == nil)
            #expect(store.header(number: 0) == nil)
            #expect(store.account(alice) == nil)
            #expect(store.storage(alice, 1) == .zero)
        }
    }

    @Test func committedBlockAndStateSurviveReopen() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let code: [UInt8] = [0x60, 0x00, 0x60, 0x00, 0xf3]
        let codeHash = hash("0x" + String(repeating: "ab", count: 32))
        let genesis = makeBlock(0, transactions: 0)
        let block1 = makeBlock(1, transactions: 3)
        do {
            let store = try ChainStore(directory: dir.path)
            try store.commit(block: genesis, state: StateChanges(accounts: [(alice, account(nonce: 0, balance: 1000))]))
            try store.commit(
                block: block1,
                state: StateChanges(accounts: [(alice, account(nonce: 1, balance: 900)), (bob, account(nonce: 0, balance: 100))],
                                    storage: [(bob, 7, 0x1234), (bob, UInt256.max, 1)],
                                    code: [(codeHash, code)]),
                meta: [("validators", [1, 2, 3])])
        }
        let store = try ChainStore(directory: dir.path)
        let head = try #require(store.head)
        #expect(head.number == 1 && head.hash == block1.hash)
        #expect(store.header(number: 0) == genesis.header)
        #expect(store.header(number: 1) == block1.header)
        #expect(store.body(number: 1) == block1.body)
        #expect(store.receipts(number: 1) == block1.receipts)
        #expect(store.header(number: 2) == nil)
        #expect(store.number(ofHash: block1.hash) == 1)
        #expect(store.number(ofHash: genesis.hash) == 0)
        #expect(store.number(ofHash: .zero) == nil)
        let location = try #require(store.transactionLocation(block1.transactionHashes[2]))
        #expect(location.number == 1 && location.index == 2)
        #expect(store.transactionLocation(.zero) == nil)
        #expect(store.meta("validators") == [1, 2, 3])
        #expect(store.meta("absent") == nil)
        #expect(store.account(alice) == account(nonce: 1, balance: 900))
        #expect(store.account(bob) == account(nonce: 0, balance: 100))
        #expect(store.storage(bob, 7) == 0x1234)
        #expect(store.storage(bob, UInt256.max) == 1)
        #expect(store.storage(bob, 8) == .zero)
        #expect(store.code(codeHash) == code)
        #expect(store.meta("schema") == [0, 0, 0, 2])
    }

    @Test func storageValuesAreStoredMinimalBigEndian() throws {
        try withStore { store, _ in
            try store.commit(block: makeBlock(0), state: StateChanges(storage: [(alice, 1, 0x0102), (alice, 2, UInt256.max)]))
            let raw = try store.snapshot { s in
                try s.txn.get(s.databases.storage, .slot(alice, 1)).map { Array($0) }
            }
            #expect(raw == [0x01, 0x02])
            #expect(store.storage(alice, 2) == UInt256.max)
        }
    }

    @Test func outOfOrderBlockIsRefusedAndChangesNothing() throws {
        try withStore { store, _ in
            #expect(throws: StorageError.blockOutOfOrder(got: 1, head: nil)) {
                try store.commit(block: makeBlock(1), state: StateChanges(accounts: [(alice, account(nonce: 1, balance: 1))]))
            }
            #expect(store.head == nil && store.account(alice) == nil && store.header(number: 1) == nil)

            try store.commit(block: makeBlock(0), state: StateChanges())
            for bad: UInt64 in [0, 2, 7] {
                #expect(throws: StorageError.blockOutOfOrder(got: bad, head: 0)) {
                    try store.commit(block: makeBlock(bad, salt: 9), state: StateChanges(storage: [(alice, 1, 1)]),
                                     meta: [("k", [1])])
                }
            }
            #expect(store.head?.hash == makeBlock(0).hash)
            #expect(store.header(number: 0) == makeBlock(0).header)
            #expect(store.number(ofHash: makeBlock(0, salt: 9).hash) == nil)
            #expect(store.storage(alice, 1) == .zero && store.meta("k") == nil)
            #expect(store.transactionLocation(txHash(2, 0, salt: 9)) == nil)
        }
    }

    @Test func errorMessagesSayWhatIsExpected() {
        #expect(StorageError.blockOutOfOrder(got: 5, head: 3).description
            == "block 5 does not extend the chain: the head is block 3, so the next block must be 4")
        #expect(StorageError.blockOutOfOrder(got: 1, head: nil).description.contains("first block must be genesis (0)"))
        #expect(StorageError.lmdb("grow the map", -30792).description
            .hasPrefix("LMDB failed to grow the map: MDB_MAP_FULL"))
    }

    @Test func reservedOrBadMetaKeysAreRefused() throws {
        try withStore { store, _ in
            for key in ["head", "schema", "", String(repeating: "k", count: 65)] {
                #expect(throws: StorageError.self) {
                    try store.commit(block: makeBlock(0), state: StateChanges(), meta: [(key, [1])])
                }
            }
            #expect(store.head == nil)
            try store.commit(block: makeBlock(0), state: StateChanges(), meta: [(String(repeating: "k", count: 64), [1])])
            #expect(store.meta(String(repeating: "k", count: 64)) == [1])
        }
    }

    @Test func deletingAnAccountRemovesAllItsStorageOnly() throws {
        try withStore { store, _ in
            // Neighbouring addresses share a 19-byte prefix with alice.
            let before = Address(low: 0xa11cd), after = Address(low: 0xa11cf)
            var slots: [(Address, UInt256, UInt256)] = []
            for s in 0..<300 { slots.append((alice, UInt256(UInt64(s)) << 200 | UInt256(UInt64(s)), UInt256(UInt64(s + 1)))) }
            slots += [(before, 1, 1), (after, 1, 2), (bob, 1, 3)]
            try store.commit(block: makeBlock(0),
                             state: StateChanges(accounts: [(alice, account(nonce: 1, balance: 5)), (bob, account(nonce: 0, balance: 1))],
                                                 storage: slots))
            var aliceSlots = 0
            try store.forEachStorageSlot(of: alice) { _, _ in aliceSlots += 1 }
            #expect(aliceSlots == 300)

            // Delete alice and, in the same change set, write one slot afresh.
            try store.commit(block: makeBlock(1),
                             state: StateChanges(accounts: [(alice, nil)], storage: [(alice, 42, 9)]))
            var remaining: [(UInt256, UInt256)] = []
            try store.forEachStorageSlot(of: alice) { remaining.append(($0, $1)) }
            #expect(remaining.count == 1 && remaining.first?.0 == 42 && remaining.first?.1 == 9)
            #expect(store.account(alice) == nil)
            #expect(store.storage(before, 1) == 1 && store.storage(after, 1) == 2 && store.storage(bob, 1) == 3)
            #expect(store.account(bob) == account(nonce: 0, balance: 1))
        }
    }

    @Test func zeroValueDeletesSlotAndLaterWriteWins() throws {
        try withStore { store, _ in
            try store.commit(block: makeBlock(0), state: StateChanges(storage: [(alice, 1, 10), (alice, 2, 20), (alice, 1, 11)]))
            #expect(store.storage(alice, 1) == 11)
            try store.commit(block: makeBlock(1), state: StateChanges(storage: [(alice, 1, 0), (alice, 3, 0)]))
            var all: [(Address, UInt256, UInt256)] = []
            try store.forEachStorageSlot { all.append(($0, $1, $2)) }
            #expect(all.count == 1 && all.first?.1 == 2 && all.first?.2 == 20)
        }
    }

    @Test func codeIsPutOnlyIfAbsent() throws {
        try withStore { store, _ in
            let h = hash("0x" + String(repeating: "11", count: 32))
            try store.commit(block: makeBlock(0), state: StateChanges(code: [(h, [1, 2, 3])]))
            try store.commit(block: makeBlock(1), state: StateChanges(code: [(h, [9])]))
            #expect(store.code(h) == [1, 2, 3])
        }
    }

    @Test func walksVisitAccountsAndSlotsInKeyOrder() throws {
        try withStore { store, _ in
            let addresses = [Address(low: 3), Address(low: 1), Address(low: 2)]
            try store.commit(block: makeBlock(0), state: StateChanges(
                accounts: addresses.enumerated().map { ($1, account(nonce: UInt64($0), balance: 7)) },
                storage: [(Address(low: 2), 5, 1), (Address(low: 1), 9, 2), (Address(low: 1), 4, 3)]))
            var seen: [Address] = []
            try store.forEachAccount { address, _ in seen.append(address) }
            #expect(seen == addresses.sorted())
            var slots: [String] = []
            try store.forEachStorageSlot { slots.append("\($0.description.suffix(1)):\($1):\($2)") }
            #expect(slots == ["1:4:3", "1:9:2", "2:5:1"])
        }
    }

    @Test func snapshotSeesOneState() throws {
        try withStore { store, _ in
            try store.commit(block: makeBlock(0), state: StateChanges(accounts: [(alice, account(nonce: 0, balance: 1))]))
            let (head, balance) = try store.snapshot { s in (s.head?.number, s.account(alice)?.balance) }
            #expect(head == 0 && balance == 1)
        }
    }

    @Test func sameDirectoryCannotBeOpenedTwice() throws {
        try withStore { store, dir in
            #expect(throws: StorageError.alreadyOpen(path: dir.path + "/.")) {
                _ = try ChainStore(directory: dir.path + "/.")
            }
            _ = store
        }
    }

    @Test func directoryIsCreatedOwnerOnly() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let nested = dir.path + "/a/b/data"
        _ = try ChainStore(directory: nested)
        var info = stat()
        #expect(stat(nested, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o700)
    }

    @Test func fileInPlaceOfDirectoryIsRefused() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        _ = try ChainStore(directory: dir.path)
        let file = dir.path + "/data.mdb"
        #expect(throws: StorageError.directory(path: file, reason: "it exists and is not a directory")) {
            _ = try ChainStore(directory: file)
        }
    }
}
