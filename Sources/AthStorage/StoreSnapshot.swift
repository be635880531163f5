import AthPrimitives

/// A consistent read-only view of the store: every read through one
/// snapshot sees the same committed state. Valid only inside the closure
/// given to `ChainStore.snapshot`; do not keep it.
///
/// Getters return nil for absent records and also for records that cannot
/// be read or decoded; the `forEach…` walks throw `StorageError.corrupt`.
public struct StoreSnapshot {
    let txn: LMDBTransaction
    let databases: Databases

    /// The last committed block, or nil for an empty store.
    public var head: (number: UInt64, hash: Hash32)? { (try? loadHead()) ?? nil }

    /// The encoded header of block `number`.
    public func header(number: UInt64) -> [UInt8]? { bytes(databases.headers, .number(number)) }

    /// The number of the block with hash `hash`.
    public func number(ofHash hash: Hash32) -> UInt64? {
        guard let v = value(databases.hashes, .hash(hash)), v.count == 8 else { return nil }
        return v.loadUInt64(at: 0)
    }

    /// The encoded body of block `number`.
    public func body(number: UInt64) -> [UInt8]? { bytes(databases.bodies, .number(number)) }

    /// The encoded receipts of block `number`.
    public func receipts(number: UInt64) -> [UInt8]? { bytes(databases.receipts, .number(number)) }

    /// The encoded system-call logs of block `number`; nil when it has none.
    public func systemEvents(number: UInt64) -> [UInt8]? { bytes(databases.systemEvents, .number(number)) }

    /// The block and position of the transaction with hash `hash`.
    public func transactionLocation(_ hash: Hash32) -> (number: UInt64, index: UInt32)? {
        guard let v = value(databases.transactions, .hash(hash)), v.count == 12 else { return nil }
        return (v.loadUInt64(at: 0), v.loadUInt32(at: 8))
    }

    /// The meta entry `key` (one the caller stored with `commit`).
    public func meta(_ key: String) -> [UInt8]? {
        guard let k = KeyBytes(key.utf8) else { return nil }
        return bytes(databases.meta, k)
    }

    /// The account at `address`.
    public func account(_ address: Address) -> AccountRecord? {
        guard let raw = bytes(databases.accounts, .address(address)) else { return nil }
        return try? AccountRecord(decoding: raw)
    }

    /// The value of storage slot `slot` of `address`; zero if unset.
    public func storage(_ address: Address, _ slot: UInt256) -> UInt256 {
        guard let v = value(databases.storage, .slot(address, slot)) else { return .zero }
        return UInt256(bigEndianBytes: v) ?? .zero
    }

    /// The code with keccak256 hash `hash`.
    public func code(_ hash: Hash32) -> [UInt8]? { bytes(databases.code, .hash(hash)) }

    // MARK: Helpers

    private func value(_ db: LMDBDatabase, _ key: KeyBytes) -> UnsafeRawBufferPointer? {
        (try? txn.get(db, key)) ?? nil
    }

    private func bytes(_ db: LMDBDatabase, _ key: KeyBytes) -> [UInt8]? {
        value(db, key).map { Array($0) }
    }

    /// The head, throwing if the stored pointer is damaged.
    func loadHead() throws(StorageError) -> (number: UInt64, hash: Hash32)? {
        guard let v = try txn.get(databases.meta, MetaKey.head) else { return nil }
        guard v.count == 40 else { throw .corrupt("the head pointer is \(v.count) bytes, expected 40") }
        return (v.loadUInt64(at: 0), Hash32(pointer: v.baseAddress! + 8))
    }

    /// Checks the layout version and the head pointer of a store being
    /// opened, recording the version in a new store.
    func checkSchema(writingIn txn: LMDBTransaction) throws(StorageError) {
        if let v = try txn.get(databases.meta, MetaKey.schema) {
            guard v.count == 4 else { throw .corrupt("the schema version is \(v.count) bytes, expected 4") }
            let found = v.loadUInt32(at: 0)
            if found == 1 {
                // Version 1 kept no history: reads go back to the head at the upgrade.
                let from = try loadHead()?.number ?? 0
                try KeyBytes.number(from).withBytes { b throws(StorageError) in try txn.put(databases.meta, MetaKey.historyFrom, b) }
                try writeSchemaVersion(in: txn)
            } else if found != ChainStore.schemaVersion {
                throw .incompatibleSchema(found: found, expected: ChainStore.schemaVersion)
            }
        } else {
            try writeSchemaVersion(in: txn)
        }
        _ = try loadHead()
    }

    private func writeSchemaVersion(in txn: LMDBTransaction) throws(StorageError) {
        var version = ChainStore.schemaVersion.bigEndian
        try withUnsafeBytes(of: &version) { buf throws(StorageError) in
            try txn.put(databases.meta, MetaKey.schema, buf)
        }
    }
}

/// The store's own meta entries; `commit` refuses caller entries with these names.
enum MetaKey {
    static let head = KeyBytes("head".utf8)!
    static let schema = KeyBytes("schema".utf8)!
    static let historyFrom = KeyBytes("historyFrom".utf8)!
    static let reserved: Set<String> = ["head", "schema", "historyFrom"]
}

extension KeyBytes {
    static func number(_ n: UInt64) -> KeyBytes {
        var k = KeyBytes()
        k.append(n)
        return k
    }

    static func hash(_ h: Hash32) -> KeyBytes {
        var k = KeyBytes()
        k.append(h)
        return k
    }

    static func address(_ a: Address) -> KeyBytes {
        var k = KeyBytes()
        k.append(a)
        return k
    }

    static func slot(_ a: Address, _ slot: UInt256) -> KeyBytes {
        var k = KeyBytes()
        k.append(a)
        k.append(slot)
        return k
    }
}
