import AthPrimitives
import CLMDB

/// The node's chain store: blocks, receipts, indexes and state in one LMDB
/// environment, committed one block per write transaction, so a crash at any
/// instant leaves the last committed block and its state intact.
///
/// Database layout (all integers big-endian, so keys sort numerically):
///
/// | database       | key                                   | value                                  |
/// | -------------- | ------------------------------------- | -------------------------------------- |
/// | `meta`         | UTF-8 name (1–64 bytes)               | caller's bytes; reserved: `head` (number u64 + hash 32), `schema` (u32) |
/// | `accounts`     | address (20)                          | `AccountRecord.encoded` (RLP)          |
/// | `storage`      | address (20) + slot (32)              | value, minimal big-endian (never zero) |
/// | `code`         | keccak256 of the code (32)            | code                                   |
/// | `headers`      | number (8)                            | encoded header                         |
/// | `hashes`       | block hash (32)                       | number (8)                             |
/// | `bodies`       | number (8)                            | encoded body                           |
/// | `receipts`     | number (8)                            | encoded receipts                       |
/// | `transactions` | transaction hash (32)                 | number (8) + index in block (u32, 4)   |
/// | `logAddresses` | address (20) + number (8)             | empty                                  |
/// | `logTopics`    | position (1) + topic (32) + number (8)| empty                                  |
/// | `systemEvents` | number (8)                            | the block's system-call logs, encoded by the caller (only when any) |
///
/// The two log indexes let `logBlocks` range-scan the blocks in which an
/// address logged, or a topic appeared at a position, without reading blocks.
///
/// `accountHistory`, `storageHistory` and `historyBlocks` keep the state of
/// past blocks (see `ChainStore+History.swift`); `meta["historyFrom"]` is the
/// lowest block whose state can be read.
///
/// Thread safety: any number of concurrent readers and one writer (further
/// writers queue). Every getter reads one consistent committed state; use
/// `snapshot` to make several reads against the same state. Getters return
/// nil both for absent records and for records that cannot be read or
/// decoded; `snapshot`, the `forEach…` walks, `commit` and `init` throw
/// instead, so a damaged store surfaces as a `StorageError` there.
public final class ChainStore: @unchecked Sendable {
    /// The layout version written to `meta["schema"]`.
    /// Version 2 added the history tables; a version-1 store is upgraded on
    /// open, its history starting at its head.
    public static let schemaVersion: UInt32 = 2
    /// The initial map size of a store opened by `init(directory:)`. The map
    /// is virtual address space; it doubles when a write fills it.
    public static let defaultMapSize = 1 << 30

    let environment: LMDBEnvironment
    let databases: Databases

    /// Test hook: called at each stage of a commit; a returned error aborts
    /// the commit there. Set it only while no commit is running.
    var faultInjection: (@Sendable (CommitStage) -> StorageError?)?

    /// How many blocks of state history to keep below the head; nil keeps
    /// all of it. Set before the first commit (the node's `--history`).
    public var historyRetention: UInt64?

    /// Opens the store in `directory`, creating the directory (mode 0700) and
    /// the databases if needed.
    public convenience init(directory: String) throws(StorageError) {
        try self.init(directory: directory, initialMapSize: Self.defaultMapSize)
    }

    /// Opens the store with a given initial map size (tests use a tiny one to
    /// exercise map growth).
    init(directory: String, initialMapSize: Int) throws(StorageError) {
        let environment = try LMDBEnvironment(path: directory, mapSize: initialMapSize)
        self.environment = environment
        databases = try environment.write { txn throws(StorageError) in
            let dbs = try Databases(opening: environment, in: txn)
            try StoreSnapshot(txn: txn, databases: dbs).checkSchema(writingIn: txn)
            return dbs
        }
    }

    /// Registers what to call before the store remaps its file, which waits
    /// for every open snapshot to close (read-only calls stop early then).
    /// Call once, before the store is shared between threads.
    public func setBeforeRemap(_ body: @escaping @Sendable () -> Void) { environment.beforeRemap = body }

    /// The directory the store lives in.
    public var directory: String { environment.path }

    /// The current size of the memory map in bytes.
    var mapSize: Int { environment.currentMapSize }

    /// Runs `body` against one consistent read-only view of the store.
    /// The snapshot must not escape `body`, and `body` must not commit
    /// (a commit that has to grow the map waits for every reader). Throws
    /// `StorageError` if the view cannot be opened, or what `body` throws.
    @discardableResult
    public func snapshot<T>(_ body: (StoreSnapshot) throws -> T) throws -> T {
        let outcome: Result<T, any Error> = try environment.read { txn throws(StorageError) in
            Result { try body(StoreSnapshot(txn: txn, databases: databases)) }
        }
        return try outcome.get()
    }

    /// Runs a getter in its own snapshot; nil when the read fails.
    func view<T>(_ body: (StoreSnapshot) -> T?) -> T? {
        let result = try? environment.read { txn throws(StorageError) in
            body(StoreSnapshot(txn: txn, databases: databases))
        }
        return result ?? nil
    }
}

/// The stages of `ChainStore.commit`, for fault-injection tests.
enum CommitStage: Sendable, CaseIterable {
    case blockWritten, indexesWritten, stateWritten, headWritten
}

/// The handles of the store's named databases.
struct Databases: Sendable {
    let meta, accounts, storage, code, headers, hashes, bodies, receipts, transactions: LMDBDatabase
    let logAddresses, logTopics: LMDBDatabase
    let accountHistory, storageHistory, historyBlocks: LMDBDatabase
    let systemEvents: LMDBDatabase

    init(opening env: LMDBEnvironment, in txn: LMDBTransaction) throws(StorageError) {
        meta = try env.openDatabase("meta", in: txn)
        accounts = try env.openDatabase("accounts", in: txn)
        storage = try env.openDatabase("storage", in: txn)
        code = try env.openDatabase("code", in: txn)
        headers = try env.openDatabase("headers", in: txn)
        hashes = try env.openDatabase("hashes", in: txn)
        bodies = try env.openDatabase("bodies", in: txn)
        receipts = try env.openDatabase("receipts", in: txn)
        transactions = try env.openDatabase("transactions", in: txn)
        logAddresses = try env.openDatabase("logAddresses", in: txn)
        logTopics = try env.openDatabase("logTopics", in: txn)
        accountHistory = try env.openDatabase("accountHistory", in: txn)
        storageHistory = try env.openDatabase("storageHistory", in: txn)
        historyBlocks = try env.openDatabase("historyBlocks", in: txn)
        systemEvents = try env.openDatabase("systemEvents", in: txn)
    }
}
