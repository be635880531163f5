import AthPrimitives
import AthCrypto

/// The 2048-bit logs bloom of a receipt or block (Yellow Paper 4.3.1): for
/// the address and each topic of each log, three bits chosen by the low 11
/// bits of the first three byte pairs of its Keccak-256 hash.
public struct Bloom: Hashable, Sendable {
    public static let byteCount = 256
    public private(set) var bytes: [UInt8]

    public static let empty = Bloom()

    public init() { bytes = [UInt8](repeating: 0, count: Self.byteCount) }

    /// A bloom from its 256 bytes; `nil` for any other length.
    public init?(_ bytes: some Collection<UInt8>) {
        guard bytes.count == Self.byteCount else { return nil }
        self.bytes = Array(bytes)
    }

    /// Adds the address and topics of `logs`.
    public init(logs: some Sequence<(address: Address, topics: [Hash32])>) {
        self.init()
        for log in logs {
            add(log.address.bytes)
            for t in log.topics { add(t.bytes) }
        }
    }

    public mutating func add(_ value: [UInt8]) {
        let h = Keccak256.hash(value).bytes
        for i in stride(from: 0, to: 6, by: 2) {
            let bit = (Int(h[i]) << 8 | Int(h[i + 1])) & 2047
            bytes[Self.byteCount - 1 - bit / 8] |= UInt8(1 << (bit % 8))
        }
    }

    public mutating func formUnion(_ other: Bloom) {
        for i in 0..<Self.byteCount { bytes[i] |= other.bytes[i] }
    }

    /// Whether `value` may have been added (false positives possible, no false negatives).
    public func mayContain(_ value: [UInt8]) -> Bool {
        var probe = Bloom()
        probe.add(value)
        for i in 0..<Self.byteCount where probe.bytes[i] & bytes[i] != probe.bytes[i] { return false }
        return true
    }
}
