import AthPrimitives
import CLMDB
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A database key of up to 64 bytes built inline (no heap allocation), by
/// appending big-endian fields.
struct KeyBytes {
    static let capacity = 64

    private var storage: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    private(set) var count = 0

    init() {}

    /// A key of the given bytes; nil if longer than `capacity`.
    init?(_ bytes: some Collection<UInt8>) {
        guard bytes.count <= Self.capacity else { return nil }
        for b in bytes { append(b) }
    }

    private mutating func write(_ n: Int, _ body: (UnsafeMutableRawPointer) -> Void) {
        precondition(count + n <= Self.capacity, "key longer than \(Self.capacity) bytes")
        withUnsafeMutableBytes(of: &storage) { body($0.baseAddress! + count) }
        count += n
    }

    mutating func append(_ b: UInt8) { write(1) { $0.storeBytes(of: b, as: UInt8.self) } }
    mutating func append(_ v: UInt64) { write(8) { $0.storeBytes(of: v.bigEndian, as: UInt64.self) } }
    mutating func append(_ v: UInt32) { write(4) { $0.storeBytes(of: v.bigEndian, as: UInt32.self) } }
    mutating func append(_ a: Address) { write(20) { a.store(to: $0) } }
    mutating func append(_ h: Hash32) { write(32) { h.store(to: $0) } }
    /// Appends the full 32-byte big-endian form (keys must sort numerically).
    mutating func append(_ v: UInt256) { write(32) { v.store(to: $0) } }

    /// Runs `body` with the key's bytes.
    func withBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try withUnsafeBytes(of: storage) { buf throws(E) in try body(UnsafeRawBufferPointer(rebasing: buf[..<count])) }
    }

    /// Runs `body` with an `MDB_val` over the key (LMDB may repoint it).
    func withMDBVal<R>(_ body: (inout MDB_val) -> R) -> R {
        withBytes { buf in
            var v = MDB_val(mv_size: buf.count, mv_data: UnsafeMutableRawPointer(mutating: buf.baseAddress))
            return body(&v)
        }
    }

    /// True if `key` starts with these bytes.
    func isPrefix(of key: UnsafeRawBufferPointer) -> Bool {
        guard key.count >= count else { return false }
        if count == 0 { return true }
        return withBytes { memcmp($0.baseAddress!, key.baseAddress!, count) == 0 }
    }
}

/// Big-endian fixed-width reads from stored bytes.
extension UnsafeRawBufferPointer {
    func loadUInt64(at offset: Int) -> UInt64 {
        UInt64(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    func loadUInt32(at offset: Int) -> UInt32 {
        UInt32(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }
}
