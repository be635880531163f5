/// A 32-byte hash (keccak256 output, block and transaction hashes, storage keys).
/// Stored inline as four big-endian 64-bit words so it is cheap to copy,
/// compare and hash.
public struct Hash32: Hashable, Sendable, Comparable, CustomStringConvertible {
    @usableFromInline var w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    public static let zero = Hash32(w0: 0, w1: 0, w2: 0, w3: 0)

    @inlinable init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
        self.w0 = w0; self.w1 = w1; self.w2 = w2; self.w3 = w3
    }

    /// Builds a hash from exactly 32 bytes; `nil` for any other length.
    @inlinable public init?(_ bytes: some Collection<UInt8>) {
        guard bytes.count == 32 else { return nil }
        var words = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        var i = 0
        for b in bytes {
            switch i >> 3 {
            case 0: words.0 = words.0 << 8 | UInt64(b)
            case 1: words.1 = words.1 << 8 | UInt64(b)
            case 2: words.2 = words.2 << 8 | UInt64(b)
            default: words.3 = words.3 << 8 | UInt64(b)
            }
            i += 1
        }
        self.init(w0: words.0, w1: words.1, w2: words.2, w3: words.3)
    }

    /// Builds a hash from a pointer to 32 bytes.
    @inlinable public init(pointer p: UnsafeRawPointer) {
        self.init(w0: UInt64(bigEndian: p.loadUnaligned(as: UInt64.self)),
                  w1: UInt64(bigEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
                  w2: UInt64(bigEndian: p.loadUnaligned(fromByteOffset: 16, as: UInt64.self)),
                  w3: UInt64(bigEndian: p.loadUnaligned(fromByteOffset: 24, as: UInt64.self)))
    }

    /// Parses `0x`-prefixed (or bare) hex of exactly 32 bytes.
    public init(hex: some StringProtocol) throws(HexError) {
        let bytes = try Hex.decode(hex, count: 32)
        self.init(bytes)!
    }

    /// The 32 bytes, big-endian.
    @inlinable public var bytes: [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        out.withUnsafeMutableBytes { store(to: $0.baseAddress!) }
        return out
    }

    /// Writes the 32 bytes to `p`.
    @inlinable public func store(to p: UnsafeMutableRawPointer) {
        p.storeBytes(of: w0.bigEndian, as: UInt64.self)
        p.storeBytes(of: w1.bigEndian, toByteOffset: 8, as: UInt64.self)
        p.storeBytes(of: w2.bigEndian, toByteOffset: 16, as: UInt64.self)
        p.storeBytes(of: w3.bigEndian, toByteOffset: 24, as: UInt64.self)
    }

    public static func < (a: Hash32, b: Hash32) -> Bool {
        (a.w0, a.w1, a.w2, a.w3) < (b.w0, b.w1, b.w2, b.w3)
    }

    public var description: String { Hex.encode(bytes) }
}
