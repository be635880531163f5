import AthCrypto
import AthPrimitives

/// A node's identity on the network: the first 20 bytes of keccak256 of its
/// ed25519 node public key, written as hex.
public struct NodeID: Hashable, Sendable, CustomStringConvertible {
    public static let byteCount = 20
    /// The 20 bytes.
    public let bytes: [UInt8]

    /// The identity of the node holding `publicKey`.
    public init(publicKey: Ed25519PublicKey) {
        bytes = Array(Keccak256.hash(publicKey.bytes).bytes.prefix(Self.byteCount))
    }

    /// Wraps 20 bytes; nil for any other length.
    public init?(bytes: [UInt8]) {
        guard bytes.count == Self.byteCount else { return nil }
        self.bytes = bytes
    }

    /// Parses 40 hex digits (`0x` optional), as in a persistent-peer address.
    public init(hex: some StringProtocol) throws(HexError) {
        bytes = try Hex.decode(hex, count: Self.byteCount)
    }

    /// Lower-case hex without a prefix.
    public var description: String { Hex.encode(bytes, prefix: false) }
}
