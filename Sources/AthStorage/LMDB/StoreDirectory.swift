#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The directory that holds an LMDB environment: created on demand with
/// owner-only permissions, identified by device and inode so the same
/// directory is not opened twice in one process under two spellings.
struct StoreDirectory: Hashable, Sendable {
    let device: UInt64
    let inode: UInt64

    /// Creates `path` and any missing parents (mode 0700), then identifies it.
    static func prepare(_ path: String) throws(StorageError) -> StoreDirectory {
        guard !path.isEmpty else { throw .directory(path: path, reason: "the path is empty") }
        try createDirectories(path)
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw .directory(path: path, reason: String(cString: strerror(errno)))
        }
        guard (info.st_mode & S_IFMT) == S_IFDIR else {
            throw .directory(path: path, reason: "it exists and is not a directory")
        }
        return StoreDirectory(device: UInt64(truncatingIfNeeded: info.st_dev),
                              inode: UInt64(truncatingIfNeeded: info.st_ino))
    }

    private static func createDirectories(_ path: String) throws(StorageError) {
        // Each prefix ending before a "/" is a parent; create them in order.
        let bytes = Array(path.utf8)
        var ends: [Int] = []
        for i in 1..<max(bytes.count, 1) where bytes[i] == UInt8(ascii: "/") && bytes[i - 1] != UInt8(ascii: "/") {
            ends.append(i)
        }
        ends.append(bytes.count)
        for end in ends {
            let prefix = String(decoding: bytes[..<end], as: UTF8.self)
            if mkdir(prefix, 0o700) != 0 && errno != EEXIST {
                throw .directory(path: path, reason: "cannot create \(prefix): \(String(cString: strerror(errno)))")
            }
        }
    }
}

/// The directories this process has open as chain stores.
final class OpenDirectories: @unchecked Sendable {
    static let shared = OpenDirectories()

    private let mutex = PThreadMutex()
    private var open: Set<StoreDirectory> = []

    /// Claims `directory`; false if it is already open.
    func claim(_ directory: StoreDirectory) -> Bool {
        mutex.withLock { open.insert(directory).inserted }
    }

    func release(_ directory: StoreDirectory) {
        mutex.withLock { _ = open.remove(directory) }
    }
}
