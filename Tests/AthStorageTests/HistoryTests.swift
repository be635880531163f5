import AthPrimitives
import Testing
@testable import AthStorage

/// State at past blocks: every read at block N equals what the chain held at
/// N, through account deletions, storage wipes, recreations and pruning.
@Suite struct HistoryTests {
    /// The whole flat state after one block, as a model.
    struct Model: Equatable {
        var accounts: [Address: AccountRecord] = [:]
        var storage: [Address: [UInt256: UInt256]] = [:]

        mutating func apply(_ changes: StateChanges) {
            for (address, record) in changes.accounts {
                if let record { accounts[address] = record } else {
                    accounts[address] = nil
                    storage[address] = nil
                }
            }
            for (address, slot, value) in changes.storage {
                storage[address, default: [:]][slot] = value.isZero ? nil : value
                if storage[address]?.isEmpty == true { storage[address] = nil }
            }
        }
    }

    /// Deterministic pseudo-random numbers (SplitMix64).
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9e37_79b9_7f4a_7c15
            var z = state
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    static let addresses = (1...12).map { Address(low: UInt64($0) * 0x1001) }

    /// A block's worth of random changes: new or changed accounts, deletions
    /// (which wipe storage), slot writes and clears, a slot written twice.
    static func randomChanges(_ r: inout Random, block: UInt64) -> StateChanges {
        var changes = StateChanges()
        for _ in 0..<r.below(4) {
            let a = addresses[r.below(addresses.count)]
            changes.accounts.append(r.below(6) == 0
                ? (a, nil) : (a, account(nonce: block, balance: UInt64(r.below(1000)))))
        }
        for _ in 0..<r.below(6) {
            let a = addresses[r.below(addresses.count)]
            let slot = UInt256(UInt64(r.below(8)))
            let value = r.below(3) == 0 ? UInt256.zero : UInt256(r.next())
            changes.storage.append((a, slot, value))
            if r.below(5) == 0 { changes.storage.append((a, slot, UInt256(block + 1))) }
        }
        return changes
    }

    /// Commits `blocks` random blocks, returning the model after each.
    static func buildChain(_ store: ChainStore, blocks: UInt64, seed: UInt64) throws -> [Model] {
        var r = Random(state: seed)
        var model = Model()
        var models: [Model] = []
        let genesis = StateChanges(accounts: addresses.prefix(6).map { ($0, account(nonce: 0, balance: 1)) },
                                   storage: addresses.prefix(3).map { ($0, 1, 7) })
        model.apply(genesis)
        try store.commit(block: makeBlock(0), state: genesis)
        models.append(model)
        for n in 1...blocks {
            let changes = randomChanges(&r, block: n)
            model.apply(changes)
            try store.commit(block: makeBlock(n), state: changes)
            models.append(model)
        }
        return models
    }

    /// What the store says the state was at `number`, read key by key and by the walks.
    static func read(_ snap: StoreSnapshot, at number: UInt64) throws -> (byKey: Model, walked: Model) {
        var byKey = Model(), walked = Model()
        for a in addresses {
            if let record = snap.account(a, at: number) { byKey.accounts[a] = record }
            for slot in 0..<8 {
                let v = snap.storage(a, UInt256(UInt64(slot)), at: number)
                if !v.isZero { byKey.storage[a, default: [:]][UInt256(UInt64(slot))] = v }
            }
        }
        try snap.forEachAccount(at: number) { a, record in walked.accounts[a] = record }
        for a in addresses {
            try snap.forEachStorageSlot(of: a, at: number) { slot, v in walked.storage[a, default: [:]][slot] = v }
        }
        return (byKey, walked)
    }

    @Test func everyPastBlockReadsAsItWasCommitted() throws {
        try withStore { store, _ in
            let models = try Self.buildChain(store, blocks: 150, seed: 17)
            try store.snapshot { snap in
                #expect(snap.historyFrom == 0)
                for (n, model) in models.enumerated() {
                    let (byKey, walked) = try Self.read(snap, at: UInt64(n))
                    #expect(byKey == model, "block \(n), read key by key")
                    #expect(walked == model, "block \(n), walked")
                }
                // At or past the head, reads are the head's.
                #expect(try Self.read(snap, at: 10_000).byKey == models.last!)
            }
            #expect(try store.historySize().entries > 0)
        }
    }

    @Test func pruningKeepsTheRetainedBlocksReadableAndDropsTheRest() throws {
        try withStore { full, _ in
            try withStore { pruned, _ in
                pruned.historyRetention = 20
                let models = try Self.buildChain(pruned, blocks: 120, seed: 5)
                _ = try Self.buildChain(full, blocks: 120, seed: 5)
                #expect(pruned.historyFrom == 100)
                try pruned.snapshot { snap in
                    for n in 100...120 {
                        let (byKey, walked) = try Self.read(snap, at: UInt64(n))
                        #expect(byKey == models[n] && walked == models[n], "block \(n)")
                    }
                }
                let kept = try pruned.historySize().entries, all = try full.historySize().entries
                #expect(kept * 3 < all, "pruned \(kept) entries, full \(all)")
            }
        }
    }

    /// Turning pruning on over a long history catches up a bounded number of blocks per commit.
    @Test func pruningCatchesUpInBoundedSteps() throws {
        try withStore { store, _ in
            var models = try Self.buildChain(store, blocks: 200, seed: 9)
            store.historyRetention = 10
            var r = Random(state: 99)
            var model = models.last!
            for n in UInt64(201)...203 {
                let changes = Self.randomChanges(&r, block: n)
                model.apply(changes)
                try store.commit(block: makeBlock(n), state: changes)
                models.append(model)
                #expect(store.historyFrom == (n - 200) * ChainStore.pruneBlocksPerCommit)
            }
            try store.snapshot { snap in
                for n in Int(snap.historyFrom)...203 {
                    let got = try Self.read(snap, at: UInt64(n))
                    #expect(got.byKey == models[n] && got.walked == models[n], "block \(n)")
                }
            }
        }
    }

    /// A failed commit writes no history either.
    @Test func aFailedCommitLeavesNoHistory() throws {
        try withStore { store, _ in
            _ = try Self.buildChain(store, blocks: 5, seed: 3)
            let before = try store.historySize()
            store.faultInjection = { $0 == .headWritten ? .corrupt("injected") : nil }
            #expect(throws: StorageError.self) {
                try store.commit(block: makeBlock(6), state: StateChanges(accounts: [(Self.addresses[0], nil)],
                                                                          storage: [(Self.addresses[1], 3, 3)]))
            }
            let after = try store.historySize()
            #expect(after.entries == before.entries)
        }
    }

    /// A store written before the history tables existed opens with its
    /// history starting at its head; older blocks are not readable.
    @Test func aVersionOneStoreIsUpgradedWithHistoryFromItsHead() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        do {
            let store = try ChainStore(directory: dir.path)
            _ = try Self.buildChain(store, blocks: 7, seed: 1)
            try store.environment.write { txn throws(StorageError) in
                try txn.delete(store.databases.meta, MetaKey.historyFrom)
                var version = UInt32(1).bigEndian
                try withUnsafeBytes(of: &version) { b throws(StorageError) in try txn.put(store.databases.meta, MetaKey.schema, b) }
            }
        }
        let reopened = try ChainStore(directory: dir.path)
        #expect(reopened.historyFrom == 7)
        #expect(reopened.meta("schema") == [0, 0, 0, 2])
        try reopened.snapshot { snap in
            #expect(snap.account(Self.addresses[0], at: 7) == snap.account(Self.addresses[0]))
        }
    }

    @Test func historyFromIsAReservedMetaKey() throws {
        try withStore { store, _ in
            #expect(throws: StorageError.invalidRecord("meta key \"historyFrom\" is reserved for the store")) {
                try store.commit(block: makeBlock(0), state: StateChanges(), meta: [("historyFrom", [0])])
            }
            #expect(store.head == nil)
        }
    }
}
