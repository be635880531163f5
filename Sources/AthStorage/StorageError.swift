import CLMDB

/// Why the chain store refused a request or could not serve it.
///
/// `blockOutOfOrder` and `invalidRecord` reject the caller's input and change
/// nothing. The other cases are node faults (disk, damaged database,
/// exhausted resources): the node should stop cleanly and say why.
public enum StorageError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An LMDB call failed. `operation` says what the store was doing;
    /// `message` is LMDB's own text for `code` (`mdb_strerror`).
    case lmdb(operation: String, code: Int32, message: String)
    /// The store's directory could not be created or is not usable.
    case directory(path: String, reason: String)
    /// The directory is already open as a chain store in this process
    /// (LMDB forbids opening one environment twice in a process).
    case alreadyOpen(path: String)
    /// Stored bytes do not decode: the database is damaged or was written by
    /// an incompatible version.
    case corrupt(String)
    /// The database was written with another layout version.
    case incompatibleSchema(found: UInt32, expected: UInt32)
    /// `commit` was given a block that does not extend the head by one
    /// (`head` is nil for an empty store, whose first block must be 0).
    case blockOutOfOrder(got: UInt64, head: UInt64?)
    /// A record cannot be stored as given (reserved or oversized meta key,
    /// too many transactions or topics to index).
    case invalidRecord(String)
    /// The memory map could not grow enough to hold a write.
    case mapFull(mapSize: Int)
    /// The map had to grow while this thread held a read transaction;
    /// growing waits for every reader, so it would wait forever.
    case writeInsideRead

    public var description: String {
        switch self {
        case let .lmdb(operation, code, message):
            return "LMDB failed to \(operation): \(message) (code \(code))"
        case let .directory(path, reason):
            return "chain store directory \(path) is not usable: \(reason)"
        case let .alreadyOpen(path):
            return "chain store directory \(path) is already open in this process"
        case let .corrupt(what):
            return "chain store is damaged: \(what)"
        case let .incompatibleSchema(found, expected):
            return "chain store uses layout version \(found), this node reads version \(expected)"
        case let .blockOutOfOrder(got, head?):
            let next = head == .max ? "no further block fits" : "the next block must be \(head + 1)"
            return "block \(got) does not extend the chain: the head is block \(head), so \(next)"
        case let .blockOutOfOrder(got, nil):
            return "block \(got) does not extend the chain: the store is empty, so the first block must be genesis (0)"
        case let .invalidRecord(why):
            return "record cannot be stored: \(why)"
        case let .mapFull(size):
            return "chain store map cannot grow beyond \(size) bytes to hold the write"
        case .writeInsideRead:
            return "the chain store map must grow, but this thread is inside a read (snapshot) and growing waits for all reads to end"
        }
    }

    /// LMDB's code `rc` as an error about `operation`.
    static func lmdb(_ operation: String, _ rc: Int32) -> StorageError {
        .lmdb(operation: operation, code: rc, message: String(cString: mdb_strerror(rc)))
    }

    /// True for LMDB's "map is full" (the write needs a larger map).
    var isMapFull: Bool {
        if case .lmdb(_, MDB_MAP_FULL, _) = self { return true }
        return false
    }
}

/// Throws `StorageError.lmdb` unless `rc` is `MDB_SUCCESS`. The operation text
/// is built only on failure.
@inline(__always)
func lmdbCheck(_ rc: Int32, _ operation: @autoclosure () -> String) throws(StorageError) {
    if rc != MDB_SUCCESS { throw StorageError.lmdb(operation(), rc) }
}
