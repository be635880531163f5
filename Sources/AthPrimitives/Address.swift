/// A 20-byte account address. The text form is EIP-55 mixed-case hex
/// (the checksum needs Keccak-256, so it lives in AthCrypto as `Address.checksummed`).
public struct Address: Hashable, Sendable, Comparable, CustomStringConvertible {
    @usableFromInline var hi: UInt64, mid: UInt64, lo: UInt32

    public static let zero = Address(hi: 0, mid: 0, lo: 0)

    @inlinable init(hi: UInt64, mid: UInt64, lo: UInt32) {
        self.hi = hi; self.mid = mid; self.lo = lo
    }

    /// Builds an address from exactly 20 bytes; `nil` for any other length.
    @inlinable public init?(_ bytes: some Collection<UInt8>) {
        guard bytes.count == 20 else { return nil }
        var hi: UInt64 = 0, mid: UInt64 = 0, lo: UInt32 = 0
        var i = 0
        for b in bytes {
            if i < 8 { hi = hi << 8 | UInt64(b) } else if i < 16 { mid = mid << 8 | UInt64(b) } else { lo = lo << 8 | UInt32(b) }
            i += 1
        }
        self.init(hi: hi, mid: mid, lo: lo)
    }

    /// The address whose last two bytes are `n` (`0x…1000` and friends).
    public init(low n: UInt64) { self.init(hi: 0, mid: n >> 32, lo: UInt32(truncatingIfNeeded: n)) }

    /// Parses 20 bytes of hex, with or without `0x`. Any letter case is
    /// accepted; use `init(checksummed:)` to enforce EIP-55.
    public init(hex: some StringProtocol) throws(HexError) {
        let bytes = try Hex.decode(hex, count: 20)
        self.init(bytes)!
    }

    /// The 20 bytes, big-endian.
    @inlinable public var bytes: [UInt8] {
        var out = [UInt8](repeating: 0, count: 20)
        out.withUnsafeMutableBytes { store(to: $0.baseAddress!) }
        return out
    }

    /// Writes the 20 bytes to `p`.
    @inlinable public func store(to p: UnsafeMutableRawPointer) {
        p.storeBytes(of: hi.bigEndian, as: UInt64.self)
        p.storeBytes(of: mid.bigEndian, toByteOffset: 8, as: UInt64.self)
        p.storeBytes(of: lo.bigEndian, toByteOffset: 16, as: UInt32.self)
    }

    public static func < (a: Address, b: Address) -> Bool { (a.hi, a.mid, a.lo) < (b.hi, b.mid, b.lo) }

    /// Lower-case `0x` hex (the EIP-55 form is `checksummed`, in AthCrypto).
    public var description: String { Hex.encode(bytes) }
}
