import AthPrimitives

/// Single reads, each in its own snapshot. See `StoreSnapshot` for the
/// same getters over one consistent view.
extension ChainStore {
    /// The last committed block, or nil for an empty store.
    public var head: (number: UInt64, hash: Hash32)? { view { $0.head } }

    /// The encoded header of block `number`.
    public func header(number: UInt64) -> [UInt8]? { view { $0.header(number: number) } }

    /// The number of the block with hash `hash`.
    public func number(ofHash hash: Hash32) -> UInt64? { view { $0.number(ofHash: hash) } }

    /// The encoded body of block `number`.
    public func body(number: UInt64) -> [UInt8]? { view { $0.body(number: number) } }

    /// The encoded receipts of block `number`.
    public func receipts(number: UInt64) -> [UInt8]? { view { $0.receipts(number: number) } }

    /// The encoded system-call logs of block `number`; nil when it has none.
    public func systemEvents(number: UInt64) -> [UInt8]? { view { $0.systemEvents(number: number) } }

    /// The block and position of the transaction with hash `hash`.
    public func transactionLocation(_ hash: Hash32) -> (number: UInt64, index: UInt32)? {
        view { $0.transactionLocation(hash) }
    }

    /// The meta entry `key`.
    public func meta(_ key: String) -> [UInt8]? { view { $0.meta(key) } }

    /// The account at `address`.
    public func account(_ address: Address) -> AccountRecord? { view { $0.account(address) } }

    /// The value of storage slot `slot` of `address`; zero if unset.
    public func storage(_ address: Address, _ slot: UInt256) -> UInt256 {
        view { $0.storage(address, slot) } ?? .zero
    }

    /// The code with keccak256 hash `hash`.
    public func code(_ hash: Hash32) -> [UInt8]? { view { $0.code(hash) } }

    /// Candidate blocks for a log filter; see `StoreSnapshot.logBlocks`.
    public func logBlocks(from: UInt64, to: UInt64, addresses: [Address], topics: [[Hash32]?], limit: Int) -> [UInt64]? {
        do {
            return try environment.read { txn throws(StorageError) in
                StoreSnapshot(txn: txn, databases: databases)
                    .logBlocks(from: from, to: to, addresses: addresses, topics: topics, limit: limit)
            }
        } catch {
            // As in the snapshot: a failed read yields no candidates (nil means "over the limit").
            return []
        }
    }

    /// Calls `body` for every account in address order, in one snapshot.
    public func forEachAccount(_ body: (Address, AccountRecord) throws -> Void) throws {
        try snapshot { try $0.forEachAccount(body) }
    }

    /// Calls `body(slot, value)` for every nonzero slot of `address`, in one snapshot.
    public func forEachStorageSlot(of address: Address, _ body: (UInt256, UInt256) throws -> Void) throws {
        try snapshot { try $0.forEachStorageSlot(of: address, body) }
    }

    /// Calls `body(address, slot, value)` for every nonzero slot, in key order, in one snapshot.
    public func forEachStorageSlot(_ body: (Address, UInt256, UInt256) throws -> Void) throws {
        try snapshot { try $0.forEachStorageSlot(body) }
    }
}
