import CLMDB

/// A named LMDB database handle, valid for the environment's lifetime.
struct LMDBDatabase: Sendable {
    let handle: MDB_dbi
    let name: StaticString
}

/// One LMDB environment (a directory holding `data.mdb` and `lock.mdb`).
///
/// Reads run in read-only transactions from any thread (`MDB_NOTLS`), any
/// number at once. Writes are serialized by a lock, so concurrent writers
/// queue. Commits use LMDB's default durable sync: a committed write survives
/// a crash or SIGKILL. When a write fills the map, the environment waits for
/// readers to leave, doubles the map and runs the write again.
///
/// Only this process may write: the map growth and the read guard in
/// `beginRead` account for this process's commits only.
final class LMDBEnvironment: @unchecked Sendable {
    /// The largest map the environment grows to.
    static let maxMapSize = 1 << 44
    static let maxDatabases: UInt32 = 16
    static let maxReaders: UInt32 = 512

    let raw: OpaquePointer
    let path: String
    private let directory: StoreDirectory
    private let writeLock = PThreadMutex()
    private let gate = ReaderGate()
    /// Current map size; read and changed only under `writeLock`.
    private var mapSize: Int
    /// Guards `committingID` and `readRetries` (see `beginRead`).
    private let commitMark = PThreadMutex()
    /// The id of the latest write transaction that began to commit.
    private var committingID = 0
    private var retriedReads = 0

    /// How many read transactions were restarted because a commit raced them.
    var readRetries: Int { commitMark.withLock { retriedReads } }

    /// Opens (creating if needed) the environment in directory `path`.
    init(path: String, mapSize: Int) throws(StorageError) {
        let directory = try StoreDirectory.prepare(path)
        try DataFileCheck.check(path + "/data.mdb", name: Self.displayName(path) + "/data.mdb")
        guard OpenDirectories.shared.claim(directory) else { throw .alreadyOpen(path: path) }
        var env: OpaquePointer?
        var rc = mdb_env_create(&env)
        guard rc == MDB_SUCCESS, let env else {
            OpenDirectories.shared.release(directory)
            throw .lmdb("create an environment", rc)
        }
        rc = mdb_env_set_maxdbs(env, MDB_dbi(Self.maxDatabases))
        if rc == MDB_SUCCESS { rc = mdb_env_set_maxreaders(env, Self.maxReaders) }
        if rc == MDB_SUCCESS { rc = mdb_env_set_mapsize(env, max(mapSize, 1 << 16)) }
        if rc == MDB_SUCCESS { rc = mdb_env_open(env, path, UInt32(MDB_NOTLS), 0o600) }
        guard rc == MDB_SUCCESS else {
            mdb_env_close(env)
            OpenDirectories.shared.release(directory)
            throw .lmdb("open the environment in \(path)", rc)
        }
        var info = MDB_envinfo()
        mdb_env_info(env, &info)
        self.raw = env
        self.path = path
        self.directory = directory
        self.mapSize = info.me_mapsize
    }

    /// `path` as a message names it: "data" for a home's data directory (so "data/data.mdb"), else the whole path.
    static func displayName(_ path: String) -> String {
        let parts = path.split(separator: "/")
        return parts.count >= 2 && parts.last == "data" ? parts.suffix(1).joined(separator: "/") : path
    }

    deinit {
        mdb_env_close(raw)
        OpenDirectories.shared.release(directory)
    }

    /// The current map size in bytes.
    var currentMapSize: Int { writeLock.withLock { mapSize } }

    /// Runs `body` in a read-only transaction, aborted when `body` returns.
    /// Pointers `body` gets from the transaction are valid only inside it.
    func read<T>(_ body: (LMDBTransaction) throws(StorageError) -> T) throws(StorageError) -> T {
        gate.enterRead()
        defer { gate.exitRead() }
        let txn = try beginRead()
        defer { mdb_txn_abort(txn) }
        return try body(LMDBTransaction(raw: txn))
    }

    /// Begins a read transaction on a meta page that no commit overwrote
    /// while the transaction copied it.
    ///
    /// A reader takes the last committed id T, then copies meta page T % 2.
    /// The commit of T + 2 rewrites that page; a reader descheduled across
    /// two commits would copy the newer (or a half-written) meta and see a
    /// state later than its id, so a following read could see an earlier
    /// one. Each commit records its id before writing its meta page; a
    /// reader that finds T + 2 or later recorded after copying retries.
    private func beginRead() throws(StorageError) -> OpaquePointer {
        while true {
            var txn: OpaquePointer?
            let rc = mdb_txn_begin(raw, nil, UInt32(MDB_RDONLY), &txn)
            guard rc == MDB_SUCCESS, let txn else { throw .lmdb("begin a read transaction", rc) }
            let id = mdb_txn_id(txn)
            let overwritten = commitMark.withLock { () -> Bool in
                if committingID < id + 2 { return false }
                retriedReads += 1
                return true
            }
            if !overwritten { return txn }
            mdb_txn_abort(txn)
        }
    }

    /// Runs `body` in the write transaction and commits it; aborts if `body`
    /// throws. `body` may run more than once: when the map fills, the
    /// transaction is aborted, the map doubled and `body` run again, so it
    /// must only act through the transaction.
    func write<T>(_ body: (LMDBTransaction) throws(StorageError) -> T) throws(StorageError) -> T {
        writeLock.lock()
        defer { writeLock.unlock() }
        while true {
            do {
                return try writeOnce(body)
            } catch where error.isMapFull {
                try grow()
            } catch let .lmdb(_, code, _) where code == MDB_MAP_RESIZED {
                // Another process grew the map: adopt its size and retry.
                try gate.exclusive { () throws(StorageError) in
                    try lmdbCheck(mdb_env_set_mapsize(raw, 0), "adopt the map size another process set")
                }
                mapSize = readMapSize()
            }
        }
    }

    private func writeOnce<T>(_ body: (LMDBTransaction) throws(StorageError) -> T) throws(StorageError) -> T {
        var txn: OpaquePointer?
        let rc = mdb_txn_begin(raw, nil, 0, &txn)
        guard rc == MDB_SUCCESS, let txn else { throw .lmdb("begin a write transaction", rc) }
        let result: T
        do {
            result = try body(LMDBTransaction(raw: txn))
        } catch {
            mdb_txn_abort(txn)
            throw error
        }
        let id = mdb_txn_id(txn)
        commitMark.withLock { committingID = id }
        // On failure mdb_txn_commit frees the transaction itself.
        try lmdbCheck(mdb_txn_commit(txn), "commit a write transaction")
        return result
    }

    /// Called before the map is remapped, which waits for every reader to
    /// leave: long readers (read-only calls) use it to stop at once. Set once,
    /// before the environment is shared.
    nonisolated(unsafe) var beforeRemap: (@Sendable () -> Void)?

    /// Doubles the map. Called under `writeLock` with no write transaction.
    private func grow() throws(StorageError) {
        guard mapSize <= Self.maxMapSize / 2 else { throw .mapFull(mapSize: mapSize) }
        let newSize = mapSize * 2
        beforeRemap?()
        try gate.exclusive { () throws(StorageError) in
            try lmdbCheck(mdb_env_set_mapsize(raw, newSize), "grow the map to \(newSize) bytes")
        }
        mapSize = readMapSize()
    }

    private func readMapSize() -> Int {
        var info = MDB_envinfo()
        mdb_env_info(raw, &info)
        return info.me_mapsize
    }

    /// Opens (creating) the named database inside write transaction `txn`.
    func openDatabase(_ name: StaticString, in txn: LMDBTransaction) throws(StorageError) -> LMDBDatabase {
        var dbi = MDB_dbi()
        let rc = name.withUTF8Buffer { buf in
            // StaticString is not NUL-terminated in general; copy it to a C string.
            let cName = Array(buf) + [0]
            return cName.withUnsafeBufferPointer { p in
                p.withMemoryRebound(to: CChar.self) { mdb_dbi_open(txn.raw, $0.baseAddress, UInt32(MDB_CREATE), &dbi) }
            }
        }
        try lmdbCheck(rc, "open database \(name)")
        return LMDBDatabase(handle: dbi, name: name)
    }
}
