import CLMDB

/// An open LMDB transaction, read-only or read-write (writing through a
/// read-only one fails with LMDB's EACCES). Valid only inside the closure
/// given to `LMDBEnvironment.read` or `write`; byte buffers it returns point
/// into the map and are valid only until then.
struct LMDBTransaction {
    let raw: OpaquePointer

    /// The value stored under `key` (pointing into the map), or nil.
    func get(_ db: LMDBDatabase, _ key: KeyBytes) throws(StorageError) -> UnsafeRawBufferPointer? {
        var v = MDB_val()
        let rc = key.withMDBVal { k in mdb_get(raw, db.handle, &k, &v) }
        if rc == MDB_NOTFOUND { return nil }
        try lmdbCheck(rc, "read from \(db.name)")
        return UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size)
    }

    /// Stores `value` under `key`, replacing any value. `MDB_APPEND` in
    /// `flags` asserts the key sorts after every key in `db` (faster).
    func put(_ db: LMDBDatabase, _ key: KeyBytes, _ value: UnsafeRawBufferPointer, flags: Int32 = 0) throws(StorageError) {
        var v = MDB_val(mv_size: value.count, mv_data: UnsafeMutableRawPointer(mutating: value.baseAddress))
        let rc = key.withMDBVal { k in mdb_put(raw, db.handle, &k, &v, UInt32(flags)) }
        try lmdbCheck(rc, "write to \(db.name)")
    }

    func put(_ db: LMDBDatabase, _ key: KeyBytes, _ value: [UInt8], flags: Int32 = 0) throws(StorageError) {
        var v = MDB_val(mv_size: value.count, mv_data: nil)
        let rc = value.withUnsafeBytes { buf in
            v.mv_data = UnsafeMutableRawPointer(mutating: buf.baseAddress)
            return key.withMDBVal { k in mdb_put(raw, db.handle, &k, &v, UInt32(flags)) }
        }
        try lmdbCheck(rc, "write to \(db.name)")
    }

    /// Stores `value` under `key` unless the key exists; false if it did.
    @discardableResult
    func putIfAbsent(_ db: LMDBDatabase, _ key: KeyBytes, _ value: [UInt8]) throws(StorageError) -> Bool {
        var v = MDB_val(mv_size: value.count, mv_data: nil)
        let rc = value.withUnsafeBytes { buf in
            v.mv_data = UnsafeMutableRawPointer(mutating: buf.baseAddress)
            return key.withMDBVal { k in mdb_put(raw, db.handle, &k, &v, UInt32(MDB_NOOVERWRITE)) }
        }
        if rc == MDB_KEYEXIST { return false }
        try lmdbCheck(rc, "write to \(db.name)")
        return true
    }

    /// Deletes `key`; false if it was absent.
    @discardableResult
    func delete(_ db: LMDBDatabase, _ key: KeyBytes) throws(StorageError) -> Bool {
        let rc = key.withMDBVal { k in mdb_del(raw, db.handle, &k, nil) }
        if rc == MDB_NOTFOUND { return false }
        try lmdbCheck(rc, "delete from \(db.name)")
        return true
    }

    /// Deletes every record whose key starts with `prefix`; returns how many.
    @discardableResult
    func deleteAll(_ db: LMDBDatabase, prefix: KeyBytes) throws(StorageError) -> Int {
        let cursor = try openCursor(db)
        var deleted = 0
        var entry = try cursor.seek(atLeast: prefix)
        while let e = entry, prefix.isPrefix(of: e.key) {
            try cursor.deleteCurrent()
            deleted += 1
            // After a delete the cursor already rests on the following record;
            // LMDB documents that MDB_NEXT then returns that record.
            entry = try cursor.next()
        }
        return deleted
    }

    /// How many records `db` holds and the bytes of its pages.
    func stat(_ db: LMDBDatabase) throws(StorageError) -> (entries: Int, bytes: Int) {
        var s = MDB_stat()
        try lmdbCheck(mdb_stat(raw, db.handle, &s), "read the statistics of \(db.name)")
        let pages = Int(s.ms_branch_pages) + Int(s.ms_leaf_pages) + Int(s.ms_overflow_pages)
        return (Int(s.ms_entries), pages * Int(s.ms_psize))
    }

    /// A cursor over `db`, closed when the value goes away.
    func openCursor(_ db: LMDBDatabase) throws(StorageError) -> LMDBCursor {
        var cursor: OpaquePointer?
        let rc = mdb_cursor_open(raw, db.handle, &cursor)
        guard rc == MDB_SUCCESS, let cursor else { throw .lmdb("open a cursor on \(db.name)", rc) }
        return LMDBCursor(raw: cursor, database: db)
    }
}

/// A cursor in one transaction. Non-copyable so it is closed exactly once,
/// when it goes out of scope (which must be before its transaction ends).
struct LMDBCursor: ~Copyable {
    typealias Entry = (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)

    let raw: OpaquePointer
    let database: LMDBDatabase

    deinit { mdb_cursor_close(raw) }

    /// Moves to the first record whose key is >= `key`.
    func seek(atLeast key: KeyBytes) throws(StorageError) -> Entry? {
        var v = MDB_val()
        var found = MDB_val()
        let rc = key.withMDBVal { k in
            let rc = mdb_cursor_get(raw, &k, &v, MDB_SET_RANGE)
            found = k  // LMDB points k at the found key inside the map
            return rc
        }
        return try entry(rc, found, v)
    }

    /// Moves to the first record.
    func first() throws(StorageError) -> Entry? { try move(MDB_FIRST) }

    /// Moves to the next record.
    func next() throws(StorageError) -> Entry? { try move(MDB_NEXT) }

    /// Deletes the record under the cursor.
    func deleteCurrent() throws(StorageError) {
        try lmdbCheck(mdb_cursor_del(raw, 0), "delete from \(database.name)")
    }

    private func move(_ op: MDB_cursor_op) throws(StorageError) -> Entry? {
        var k = MDB_val()
        var v = MDB_val()
        let rc = mdb_cursor_get(raw, &k, &v, op)
        return try entry(rc, k, v)
    }

    private func entry(_ rc: Int32, _ k: MDB_val, _ v: MDB_val) throws(StorageError) -> Entry? {
        if rc == MDB_NOTFOUND { return nil }
        try lmdbCheck(rc, "walk \(database.name)")
        return (UnsafeRawBufferPointer(start: k.mv_data, count: k.mv_size),
                UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size))
    }
}
