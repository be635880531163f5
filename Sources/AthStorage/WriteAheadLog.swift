import Foundation
import AthPrimitives
import AthCrypto

/// An append-only log of opaque records (the consensus engine's messages
/// and timeouts for the height in progress), replayed after a restart.
///
/// Record: 4-byte big-endian payload length, the first 4 bytes of
/// keccak256(payload), the payload. A crash can leave a torn last record:
/// `open` keeps the records before it and cuts the file there. `sync()`
/// makes what was appended durable; the caller syncs before acting on a
/// record (e.g. before a vote leaves the node).
public final class WriteAheadLog: @unchecked Sendable {
    public let path: String
    public static let maxRecord = 8 << 20
    /// The log holds one height; past this size appends are refused.
    public static let maxFile = 256 << 20

    private let fd: Int32
    /// Bytes in the file; its lock also serializes the file operations.
    private let size: Locked<Int>

    /// Opens (creating if needed) the log at `path` and returns it with the
    /// intact records it holds.
    ///
    /// A torn tail, which a crash leaves (the last record short, or a last
    /// record the file system padded with zeros), is cut. Damage before the
    /// end (a record whose checksum fails with bytes after it, a length no
    /// writer makes) is not a crash's doing: it is refused with a
    /// `FileError` unless `repair`, which cuts the log there too.
    public static func open(_ path: String, repair: Bool = false) throws(FileError) -> (log: WriteAheadLog, records: [[UInt8]], cutBytes: Int) {
        let bytes = try DurableFile.read(path, limit: maxFile + maxRecord + 8) ?? []
        var records: [[UInt8]] = []
        var off = 0
        while bytes.count - off >= 8 {
            let length = bytes[off..<off + 4].reduce(0) { $0 << 8 | Int($1) }
            let remaining = bytes.count - off - 8
            if length <= maxRecord && remaining < length { break }  // torn: the last record is short
            var damage: String?
            if length > maxRecord {
                damage = "a record claims \(length) bytes, more than any record holds"
            } else {
                let payload = Array(bytes[off + 8..<off + 8 + length])
                if Keccak256.hash(payload).bytes.prefix(4).elementsEqual(bytes[off + 4..<off + 8]) {
                    records.append(payload)
                    off += 8 + length
                    continue
                }
                // A last record that is all zeros past its length is a torn append.
                let isLast = remaining == length
                if isLast && bytes[(off + 4)...].allSatisfy({ $0 == 0 }) { break }
                damage = isLast ? "the last record's checksum fails" : "a record's checksum fails before the end of the log"
            }
            if let damage, !repair {
                throw FileError(path: path, reason: "is damaged at byte \(off) of \(bytes.count) (\(damage)): "
                    + "it is not a torn tail a crash leaves; start with --repair-wal to cut the log there "
                    + "(the \(bytes.count - off) bytes from there on are dropped)")
            }
            break
        }
        let fd = Foundation.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .errno(path, "cannot open the write-ahead log") }
        if off < bytes.count {
            guard ftruncate(fd, off_t(off)) == 0, fsync(fd) == 0 else {
                let error = FileError.errno(path, "cannot cut the torn tail of the write-ahead log")
                close(fd)
                throw error
            }
        }
        guard lseek(fd, off_t(off), SEEK_SET) >= 0 else {
            let error = FileError.errno(path, "cannot seek in the write-ahead log")
            close(fd)
            throw error
        }
        if bytes.isEmpty { try DurableFile.syncDirectory(of: path) }
        return (WriteAheadLog(path: path, fd: fd, size: off), records, bytes.count - off)
    }

    private init(path: String, fd: Int32, size: Int) {
        self.path = path; self.fd = fd; self.size = Locked(size)
    }

    deinit { close(fd) }

    /// Bytes in the log.
    public var byteCount: Int { size.withLock { $0 } }

    /// Appends one record (not yet durable: see `sync`).
    public func append(_ payload: [UInt8]) throws(FileError) {
        guard payload.count <= Self.maxRecord else {
            throw FileError(path: path, reason: "a write-ahead log record of \(payload.count) bytes is over \(Self.maxRecord)")
        }
        var record = withUnsafeBytes(of: UInt32(payload.count).bigEndian, Array.init)
        record += Keccak256.hash(payload).bytes.prefix(4)
        record += payload
        try size.withLock { (size: inout Int) throws(FileError) in
            guard size + record.count <= Self.maxFile else {
                throw FileError(path: path, reason: "the write-ahead log is over \(Self.maxFile) bytes")
            }
            guard DurableFile.writeAll(fd, record) else {
                let error = FileError.errno(path, "cannot append to the write-ahead log")
                // Drop a partial record so the log stays well formed.
                _ = ftruncate(fd, off_t(size))
                _ = lseek(fd, off_t(size), SEEK_SET)
                throw error
            }
            size += record.count
        }
    }

    /// Makes every appended record durable.
    public func sync() throws(FileError) {
        try size.withLock { (_: inout Int) throws(FileError) in
            guard fsync(fd) == 0 else { throw .errno(path, "cannot sync the write-ahead log") }
        }
    }

    /// Appends and syncs.
    public func appendDurably(_ payload: [UInt8]) throws(FileError) {
        try append(payload)
        try sync()
    }

    /// Empties the log (the height it held is committed in the chain store).
    public func reset() throws(FileError) {
        try size.withLock { (size: inout Int) throws(FileError) in
            guard ftruncate(fd, 0) == 0, lseek(fd, 0, SEEK_SET) >= 0, fsync(fd) == 0 else {
                throw .errno(path, "cannot empty the write-ahead log")
            }
            size = 0
        }
    }
}
