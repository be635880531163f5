import AthPrimitives
import CLMDB

/// State at past blocks: per-block change sets of the flat state.
///
/// Each commit (after genesis) records, for every account and storage slot
/// the block changes, the value it had before the block:
///
/// | database         | key                                    | value                                        |
/// | ---------------- | -------------------------------------- | -------------------------------------------- |
/// | `accountHistory` | address (20) + number (8)              | the account record before block `number` (empty: no account) |
/// | `storageHistory` | address (20) + slot (32) + number (8)  | the value before block `number`, minimal big-endian (empty: zero) |
/// | `historyBlocks`  | number (8)                             | the keys block `number` changed: kind (1: 0 account, 1 slot) + key, repeated |
///
/// The state of block N is read with one seek: the first history entry of
/// the key at a block above N holds the value the key had at N (nothing
/// changed it in between); with no such entry the current value is the one.
/// `historyBlocks` lets pruning find a block's entries without a scan.
///
/// `meta["historyFrom"]` (u64) is the lowest block whose state can be read:
/// 0 on a store that kept history from genesis, the head at the time a store
/// of layout version 1 was upgraded, and it rises as pruning drops entries.
extension ChainStore {
    /// How many blocks of history a commit keeps when `historyRetention` is
    /// set: entries below head − retention are dropped, at most this many
    /// blocks' worth per commit (so turning pruning on over a long chain
    /// catches up over several blocks, not in one long write).
    public static let pruneBlocksPerCommit: UInt64 = 64

    /// Writes the history entry of account `key` for block `number` (unless
    /// the block already wrote one: the first holds the value before the block).
    func recordAccountHistory(_ key: KeyBytes, _ address: Address, number: UInt64, in txn: LMDBTransaction,
                              changed: inout [UInt8]) throws(StorageError) {
        var historyKey = key
        historyKey.append(number)
        guard try txn.get(databases.accountHistory, historyKey) == nil else { return }
        let old = try txn.get(databases.accounts, key).map { Array($0) } ?? []
        try txn.put(databases.accountHistory, historyKey, old)
        changed.append(0)
        changed.append(contentsOf: address.bytes)
    }

    /// Writes the history entry of storage slot `key` (address + slot) for
    /// block `number`, unless the block already wrote one.
    func recordSlotHistory(_ key: KeyBytes, number: UInt64, in txn: LMDBTransaction,
                           changed: inout [UInt8]) throws(StorageError) {
        var historyKey = key
        historyKey.append(number)
        guard try txn.get(databases.storageHistory, historyKey) == nil else { return }
        let old = try txn.get(databases.storage, key).map { Array($0) } ?? []
        try txn.put(databases.storageHistory, historyKey, old)
        changed.append(1)
        key.withBytes { changed.append(contentsOf: $0) }
    }

    /// Records the history of every slot `address` holds (its account is
    /// being deleted, and its storage with it).
    func recordStorageWipeHistory(_ prefix: KeyBytes, number: UInt64, in txn: LMDBTransaction,
                                  changed: inout [UInt8]) throws(StorageError) {
        var slots: [KeyBytes] = []
        do {
            let cursor = try txn.openCursor(databases.storage)
            var entry = try cursor.seek(atLeast: prefix)
            while let e = entry, prefix.isPrefix(of: e.key) {
                guard e.key.count == 52, let key = KeyBytes(e.key) else {
                    throw StorageError.corrupt("a storage key is \(e.key.count) bytes, expected 52")
                }
                slots.append(key)
                entry = try cursor.next()
            }
        }
        for key in slots { try recordSlotHistory(key, number: number, in: txn, changed: &changed) }
    }

    /// Drops the history entries of blocks above `historyFrom` up to
    /// `target` (at most `pruneBlocksPerCommit` of them) and raises
    /// `historyFrom`: reads at blocks from the new `historyFrom` on need
    /// only entries of later blocks.
    func pruneHistory(upTo target: UInt64, in txn: LMDBTransaction) throws(StorageError) {
        let db = databases
        var from = try StoreSnapshot(txn: txn, databases: db).loadHistoryFrom()
        guard from < target else { return }
        let stop = min(target, from + Self.pruneBlocksPerCommit)
        while from < stop {
            from += 1
            let blockKey = KeyBytes.number(from)
            guard let raw = try txn.get(db.historyBlocks, blockKey) else { continue }
            let list = Array(raw)
            var i = 0
            while i < list.count {
                let isSlot = list[i] == 1
                let width = isSlot ? 52 : 20
                guard i + 1 + width <= list.count, var key = KeyBytes(list[(i + 1)..<(i + 1 + width)]) else {
                    throw .corrupt("the change list of block \(from) is damaged at byte \(i)")
                }
                key.append(from)
                try txn.delete(isSlot ? db.storageHistory : db.accountHistory, key)
                i += 1 + width
            }
            try txn.delete(db.historyBlocks, blockKey)
        }
        try KeyBytes.number(from).withBytes { v throws(StorageError) in try txn.put(db.meta, MetaKey.historyFrom, v) }
    }

    /// The size of the history tables: their entries and the bytes of their pages.
    public func historySize() throws -> (entries: Int, bytes: Int) {
        try environment.read { txn throws(StorageError) in
            var entries = 0, bytes = 0
            for db in [databases.accountHistory, databases.storageHistory, databases.historyBlocks] {
                let s = try txn.stat(db)
                entries += s.entries
                bytes += s.bytes
            }
            return (entries, bytes)
        }
    }

    /// The lowest block whose state can be read.
    public var historyFrom: UInt64 { view { try? $0.loadHistoryFrom() } ?? 0 }
}

extension StoreSnapshot {
    /// The lowest block whose state this snapshot can read.
    public var historyFrom: UInt64 { (try? loadHistoryFrom()) ?? 0 }

    func loadHistoryFrom() throws(StorageError) -> UInt64 {
        guard let v = try txn.get(databases.meta, MetaKey.historyFrom) else { return 0 }
        guard v.count == 8 else { throw .corrupt("historyFrom is \(v.count) bytes, expected 8") }
        return v.loadUInt64(at: 0)
    }

    /// The account at `address` as block `number` left it (the head's when
    /// `number` is the head or later). The caller checks that `number` is
    /// not below `historyFrom`.
    public func account(_ address: Address, at number: UInt64) -> AccountRecord? {
        let key = KeyBytes.address(address)
        if let old = historical(databases.accountHistory, key, after: number) {
            return old.isEmpty ? nil : try? AccountRecord(decoding: old)
        }
        return account(address)
    }

    /// The value of storage slot `slot` of `address` as block `number` left it.
    public func storage(_ address: Address, _ slot: UInt256, at number: UInt64) -> UInt256 {
        let key = KeyBytes.slot(address, slot)
        if let old = historical(databases.storageHistory, key, after: number) {
            return UInt256(bigEndianBytes: old) ?? .zero
        }
        return storage(address, slot)
    }

    /// The value `key` had before the first block above `number` that
    /// changed it; nil when no later block did.
    private func historical(_ db: LMDBDatabase, _ key: KeyBytes, after number: UInt64) -> [UInt8]? {
        guard number < UInt64.max, let head, number < head.number else { return nil }
        var probe = key
        probe.append(number + 1)
        guard let cursor = try? txn.openCursor(db), let found = try? cursor.seek(atLeast: probe),
              found.key.count == key.count + 8, key.isPrefix(of: found.key) else { return nil }
        return Array(found.value)
    }

    /// Calls `body` for every account that existed at block `number`, in
    /// address order: the current accounts and those a later block changed,
    /// each as it was at `number`.
    public func forEachAccount(at number: UInt64, _ body: (Address, AccountRecord) throws -> Void) throws {
        var changedLater = Set<Address>()
        let cursor = try txn.openCursor(databases.accountHistory)
        var entry = try cursor.first()
        while let (key, _) = entry {
            guard key.count == 28, let address = Address(key[0..<20]) else {
                throw StorageError.corrupt("an account history key is \(key.count) bytes, expected 28")
            }
            if key.loadUInt64(at: 20) > number { changedLater.insert(address) }
            entry = try cursor.next()
        }
        var addresses = changedLater
        try forEachAccount { address, _ in addresses.insert(address) }
        for address in addresses.sorted() {
            if let record = account(address, at: number) { try body(address, record) }
        }
    }

    /// Calls `body(slot, value)` for every nonzero slot `address` held at block `number`.
    public func forEachStorageSlot(of address: Address, at number: UInt64,
                                   _ body: (UInt256, UInt256) throws -> Void) throws {
        var slots = Set<UInt256>()
        let prefix = KeyBytes.address(address)
        let cursor = try txn.openCursor(databases.storageHistory)
        var entry = try cursor.seek(atLeast: prefix)
        while let (key, _) = entry, prefix.isPrefix(of: key) {
            guard key.count == 60 else {
                throw StorageError.corrupt("a storage history key is \(key.count) bytes, expected 60")
            }
            if key.loadUInt64(at: 52) > number { slots.insert(UInt256(pointer: key.baseAddress! + 20)) }
            entry = try cursor.next()
        }
        try forEachStorageSlot(of: address) { slot, _ in slots.insert(slot) }
        for slot in slots.sorted() {
            let value = storage(address, slot, at: number)
            if !value.isZero { try body(slot, value) }
        }
    }
}
