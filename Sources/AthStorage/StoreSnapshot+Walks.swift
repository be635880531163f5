import AthPrimitives

/// Walks over whole databases, in key order, inside the snapshot's one read
/// transaction (start-up uses them to rebuild in-memory state and the trie).
extension StoreSnapshot {
    /// Calls `body` for every account, in address order. Throws
    /// `StorageError.corrupt` on a damaged record, or what `body` throws.
    public func forEachAccount(_ body: (Address, AccountRecord) throws -> Void) throws {
        let cursor = try txn.openCursor(databases.accounts)
        var entry = try cursor.first()
        while let (key, value) = entry {
            guard key.count == 20, let address = Address(key) else {
                throw StorageError.corrupt("an account key is \(key.count) bytes, expected 20")
            }
            let account: AccountRecord
            do {
                account = try AccountRecord(decoding: Array(value))
            } catch {
                throw StorageError.corrupt("the account record of \(address) does not decode: \(error)")
            }
            try body(address, account)
            entry = try cursor.next()
        }
    }

    /// Calls `body(slot, value)` for every nonzero storage slot of
    /// `address`, in slot order.
    public func forEachStorageSlot(of address: Address, _ body: (UInt256, UInt256) throws -> Void) throws {
        let prefix = KeyBytes.address(address)
        let cursor = try txn.openCursor(databases.storage)
        var entry = try cursor.seek(atLeast: prefix)
        while let (key, value) = entry, prefix.isPrefix(of: key) {
            let (_, slot, word) = try Self.decodeSlot(key, value)
            try body(slot, word)
            entry = try cursor.next()
        }
    }

    /// Calls `body(address, slot, value)` for every nonzero storage slot of
    /// every account, in (address, slot) order.
    public func forEachStorageSlot(_ body: (Address, UInt256, UInt256) throws -> Void) throws {
        let cursor = try txn.openCursor(databases.storage)
        var entry = try cursor.first()
        while let (key, value) = entry {
            let (address, slot, word) = try Self.decodeSlot(key, value)
            try body(address, slot, word)
            entry = try cursor.next()
        }
    }

    private static func decodeSlot(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer)
        throws(StorageError) -> (Address, UInt256, UInt256) {
        guard key.count == 52, let address = Address(key[0..<20]) else {
            throw .corrupt("a storage key is \(key.count) bytes, expected 52")
        }
        let slot = UInt256(pointer: key.baseAddress! + 20)
        guard let word = UInt256(bigEndianBytes: value) else {
            throw .corrupt("storage slot \(slot) of \(address) holds \(value.count) bytes, more than 32")
        }
        return (address, slot, word)
    }
}
