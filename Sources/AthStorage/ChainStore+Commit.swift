import AthPrimitives
import CLMDB

extension ChainStore {
    /// Stores `block`, its indexes, the state changes it made, the caller's
    /// `meta` entries and the new head, in one write transaction: all of it
    /// or (on any error) none of it.
    ///
    /// Refuses, changing nothing, a block whose number is not the head's
    /// plus one (0 for an empty store), a meta key that is reserved (`head`,
    /// `schema`), empty or longer than 64 bytes, more than 2^32 transactions,
    /// or a log with more than 255 topics.
    public func commit(block: BlockRecord, state: StateChanges, meta: [(String, [UInt8])] = []) throws(StorageError) {
        let plan = try CommitPlan(block: block, state: state, meta: meta)
        try environment.write { txn throws(StorageError) in
            try write(plan, block: block, state: state, meta: meta, in: txn)
        }
    }

    private func write(_ plan: CommitPlan, block: BlockRecord, state: StateChanges, meta: [(String, [UInt8])],
                       in txn: LMDBTransaction) throws(StorageError) {
        let db = databases
        let head = try StoreSnapshot(txn: txn, databases: db).loadHead()
        let extendsHead = head.map { $0.number != .max && block.number == $0.number + 1 } ?? (block.number == 0)
        guard extendsHead else { throw .blockOutOfOrder(got: block.number, head: head?.number) }

        // The block. Numbers only grow, so these keys append.
        let number = KeyBytes.number(block.number)
        try txn.put(db.headers, number, block.header, flags: MDB_APPEND)
        try txn.put(db.bodies, number, block.body, flags: MDB_APPEND)
        try txn.put(db.receipts, number, block.receipts, flags: MDB_APPEND)
        if !block.systemEvents.isEmpty { try txn.put(db.systemEvents, number, block.systemEvents, flags: MDB_APPEND) }
        try number.withBytes { n throws(StorageError) in try txn.put(db.hashes, .hash(block.hash), n) }
        try checkpoint(.blockWritten)

        // Indexes, each in key order.
        for i in plan.transactionOrder {
            var location = KeyBytes()
            location.append(block.number)
            location.append(UInt32(truncatingIfNeeded: i))
            try location.withBytes { v throws(StorageError) in
                try txn.put(db.transactions, .hash(block.transactionHashes[i]), v)
            }
        }
        for address in plan.logAddresses {
            var key = KeyBytes.address(address)
            key.append(block.number)
            try txn.put(db.logAddresses, key, UnsafeRawBufferPointer(start: nil, count: 0))
        }
        for (position, topic) in plan.logTopics {
            var key = KeyBytes.topic(position, topic)
            key.append(block.number)
            try txn.put(db.logTopics, key, UnsafeRawBufferPointer(start: nil, count: 0))
        }
        try checkpoint(.indexesWritten)

        // State: accounts (and deletions' storage) before storage writes.
        // Each key's value before the block goes to the history tables
        // first (not for genesis: no state is read before it).
        let keepsHistory = block.number > 0
        var changed: [UInt8] = []
        for i in plan.accountOrder {
            let (address, record) = state.accounts[i]
            let key = KeyBytes.address(address)
            if keepsHistory { try recordAccountHistory(key, address, number: block.number, in: txn, changed: &changed) }
            if let record {
                try txn.put(db.accounts, key, record.encoded)
            } else {
                try txn.delete(db.accounts, key)
                if keepsHistory { try recordStorageWipeHistory(key, number: block.number, in: txn, changed: &changed) }
                try txn.deleteAll(db.storage, prefix: key)
            }
        }
        for i in plan.storageOrder {
            let (address, slot, value) = state.storage[i]
            let key = KeyBytes.slot(address, slot)
            if keepsHistory { try recordSlotHistory(key, number: block.number, in: txn, changed: &changed) }
            if value.isZero {
                try txn.delete(db.storage, key)
            } else {
                // The value's minimal big-endian bytes: the tail of its 32-byte form.
                let word = KeyBytes.number256(value)
                try word.withBytes { full throws(StorageError) in
                    try txn.put(db.storage, key, UnsafeRawBufferPointer(rebasing: full[(32 - value.significantByteCount)...]))
                }
            }
        }
        for i in plan.codeOrder {
            try txn.putIfAbsent(db.code, .hash(state.code[i].0), state.code[i].1)
        }
        if !changed.isEmpty { try txn.put(db.historyBlocks, number, changed, flags: MDB_APPEND) }
        if let keep = historyRetention, block.number > keep { try pruneHistory(upTo: block.number - keep, in: txn) }
        try checkpoint(.stateWritten)

        for (i, (_, value)) in meta.enumerated() {
            try txn.put(db.meta, plan.metaKeys[i], value)
        }
        var headValue = KeyBytes.number(block.number)
        headValue.append(block.hash)
        try headValue.withBytes { v throws(StorageError) in try txn.put(db.meta, MetaKey.head, v) }
        try checkpoint(.headWritten)
    }

    private func checkpoint(_ stage: CommitStage) throws(StorageError) {
        if let hook = faultInjection, let error = hook(stage) { throw error }
    }
}

/// What `commit` validates and sorts before it takes the write lock.
/// Orders are stable (ties keep the caller's order), so a later change to the
/// same key still wins.
struct CommitPlan {
    let metaKeys: [KeyBytes]
    let transactionOrder: [Int]
    let logAddresses: [Address]
    let logTopics: [(UInt8, Hash32)]
    let accountOrder: [Int]
    let storageOrder: [Int]
    let codeOrder: [Int]

    init(block: BlockRecord, state: StateChanges, meta: [(String, [UInt8])]) throws(StorageError) {
        var metaKeys: [KeyBytes] = []
        metaKeys.reserveCapacity(meta.count)
        for (name, _) in meta {
            guard !MetaKey.reserved.contains(name) else {
                throw .invalidRecord("meta key \"\(name)\" is reserved for the store")
            }
            guard !name.isEmpty, let key = KeyBytes(name.utf8) else {
                throw .invalidRecord("meta key \"\(name)\" must be 1 to \(KeyBytes.capacity) bytes of UTF-8")
            }
            metaKeys.append(key)
        }
        self.metaKeys = metaKeys

        let hashes = block.transactionHashes
        guard UInt64(hashes.count) <= UInt64(UInt32.max) + 1 else {
            throw .invalidRecord("block \(block.number) has \(hashes.count) transactions, more than 2^32")
        }
        transactionOrder = hashes.indices.sorted { (hashes[$0], $0) < (hashes[$1], $1) }

        var addresses = Set<Address>()
        var positionedTopics: [(UInt8, Hash32)] = []
        for log in block.logs {
            addresses.insert(log.address)
            guard log.topics.count <= Int(UInt8.max) + 1 else {
                throw .invalidRecord("a log of block \(block.number) has \(log.topics.count) topics, more than 256")
            }
            for (position, topic) in log.topics.enumerated() {
                positionedTopics.append((UInt8(position), topic))
            }
        }
        logAddresses = addresses.sorted()
        // Many logs repeat a (position, topic) pair; write each once.
        positionedTopics.sort { ($0.0, $0.1) < ($1.0, $1.1) }
        var uniqueTopics: [(UInt8, Hash32)] = []
        uniqueTopics.reserveCapacity(positionedTopics.count)
        for pair in positionedTopics where uniqueTopics.last.map({ $0 != pair }) ?? true {
            uniqueTopics.append(pair)
        }
        logTopics = uniqueTopics

        let accounts = state.accounts
        accountOrder = accounts.indices.sorted { (accounts[$0].0, $0) < (accounts[$1].0, $1) }
        let storage = state.storage
        storageOrder = storage.indices.sorted { (storage[$0].0, storage[$0].1, $0) < (storage[$1].0, storage[$1].1, $1) }
        let code = state.code
        codeOrder = code.indices.sorted { (code[$0].0, $0) < (code[$1].0, $1) }
    }
}

extension KeyBytes {
    /// The 32-byte big-endian form of `v`.
    static func number256(_ v: UInt256) -> KeyBytes {
        var k = KeyBytes()
        k.append(v)
        return k
    }
}
