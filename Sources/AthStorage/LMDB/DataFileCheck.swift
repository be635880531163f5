#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Checks an LMDB data file before LMDB maps it. LMDB trusts the file: a
/// file shorter than the pages its meta page names makes a read of those
/// pages fault (SIGBUS) inside the library, with no message. This reads the
/// two meta pages (LMDB's on-disk layout on 64-bit hosts) and refuses a
/// file that is empty, carries no valid meta page, or ends before its last
/// page.
enum DataFileCheck {
    /// LMDB's meta page magic (MDB_MAGIC).
    static let magic: UInt32 = 0xBEEF_C0DE
    /// Page header size, then the meta fields' offsets within a meta page.
    static let pageHeader = 16
    static let pageSizeOffset = pageHeader + 24        // mm_dbs[FREE_DBI].md_pad holds the page size
    static let lastPageOffset = pageHeader + 24 + 96   // mm_last_pg
    static let transactionOffset = lastPageOffset + 8  // mm_txnid

    /// Throws `StorageError.corrupt` with one sentence when `path` (an
    /// existing data file) cannot be a whole LMDB file. A missing file passes.
    static func check(_ path: String, name: String) throws(StorageError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }  // absent: a new environment
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return }
        let size = Int(info.st_size)
        let advice = "restore it from a backup or `athd import` an export"
        guard size > 0 else { throw .corrupt("\(name) is damaged (empty): \(advice)") }
        func read(_ offset: Int, _ count: Int) -> [UInt8]? {
            var buffer = [UInt8](repeating: 0, count: count)
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(offset)) }
            return n == count ? buffer : nil
        }
        func meta(at offset: Int) -> (pageSize: Int, lastPage: UInt64, txn: UInt64)? {
            guard let page = read(offset, transactionOffset + 8) else { return nil }
            func u32(_ i: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(page[i + $1]) << (8 * $1) } }
            func u64(_ i: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(page[i + $1]) << (8 * UInt64($1)) } }
            guard u32(pageHeader) == magic else { return nil }
            let pageSize = Int(u32(pageSizeOffset))
            guard pageSize >= 512, pageSize <= 1 << 16, pageSize & (pageSize - 1) == 0 else { return nil }
            return (pageSize, u64(lastPageOffset), u64(transactionOffset))
        }
        guard let first = meta(at: 0) else {
            throw .corrupt("\(name) is damaged (no valid LMDB meta page at its start): \(advice)")
        }
        let second = meta(at: first.pageSize)
        let newest = second.map { $0.txn > first.txn ? $0 : first } ?? first
        let (needed, overflow) = (newest.lastPage &+ 1).multipliedReportingOverflow(by: UInt64(newest.pageSize))
        guard !overflow, needed <= UInt64(Int.max) else {
            throw .corrupt("\(name) is damaged (its meta page names an impossible last page): \(advice)")
        }
        if UInt64(size) < needed {
            throw .corrupt("\(name) is damaged (shorter than its last page: \(size) bytes, its pages need \(needed)): \(advice)")
        }
    }
}
