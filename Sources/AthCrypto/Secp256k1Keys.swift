import AthPrimitives
import CSecp256k1

/// A secp256k1 private key: a scalar in 1..<n, checked by `secp256k1_ec_seckey_verify`.
public struct Secp256k1PrivateKey: Hashable, Sendable, CustomStringConvertible {
    /// The scalar, 32 bytes big-endian (`Hash32` is only the storage).
    let value: Hash32

    /// Builds a key from 32 big-endian bytes; refuses zero and values ≥ n.
    public init(_ bytes: [UInt8]) throws(KeyError) {
        guard bytes.count == 32 else { throw .wrongLength(got: bytes.count, expected: [32]) }
        guard secp256k1_ec_seckey_verify(Secp256k1.context, bytes) == 1 else { throw .privateKeyOutOfRange }
        value = Hash32(bytes)!
    }

    /// A fresh key from the operating system's secure random source.
    public static func generate() -> Secp256k1PrivateKey {
        while true {
            // All but a 2^-128 fraction of 32-byte strings are valid keys.
            if let key = try? Secp256k1PrivateKey(SecureRandom.bytes(32)) { return key }
        }
    }

    /// The 32 bytes, big-endian. Keep them secret.
    public var bytes: [UInt8] { value.bytes }

    /// The matching public key.
    public var publicKey: Secp256k1PublicKey {
        var point = secp256k1_pubkey()
        let created = secp256k1_ec_pubkey_create(Secp256k1.context, &point, value.bytes)
        precondition(created == 1, "secp256k1_ec_pubkey_create failed for a verified key")
        return Secp256k1PublicKey(point)
    }

    /// The Ethereum address of this key.
    public var address: Address { publicKey.address }

    /// Names the address only, so that logging a key never prints the secret.
    public var description: String { "Secp256k1PrivateKey(address: \(address.checksummed))" }
}

/// A point on secp256k1, held as its affine coordinates x and y.
public struct Secp256k1PublicKey: Hashable, Sendable {
    /// x and y, 32 bytes big-endian each (`Hash32` is only the storage).
    let x: Hash32, y: Hash32

    init(x: Hash32, y: Hash32) {
        self.x = x
        self.y = y
    }

    /// Takes the coordinates of a parsed libsecp256k1 point.
    init(_ point: secp256k1_pubkey) {
        var point = point
        var length = 65
        let (x, y) = withUnsafeTemporaryAllocation(byteCount: 65, alignment: 8) { buffer in
            let out = buffer.baseAddress!.bindMemory(to: UInt8.self, capacity: 65)
            _ = secp256k1_ec_pubkey_serialize(Secp256k1.context, out, &length, &point,
                                              UInt32(SECP256K1_EC_UNCOMPRESSED))
            return (Hash32(pointer: buffer.baseAddress! + 1), Hash32(pointer: buffer.baseAddress! + 33))
        }
        self.init(x: x, y: y)
    }

    /// Parses a SEC1 encoding: 33 bytes compressed (`02`/`03` ‖ x) or 65 bytes
    /// uncompressed (`04` ‖ x ‖ y). Refuses points that are not on the curve.
    public init(sec1 bytes: [UInt8]) throws(KeyError) {
        guard bytes.count == 33 || bytes.count == 65 else {
            throw .wrongLength(got: bytes.count, expected: [33, 65])
        }
        var point = secp256k1_pubkey()
        guard secp256k1_ec_pubkey_parse(Secp256k1.context, &point, bytes, bytes.count) == 1 else {
            throw .invalidPublicKey
        }
        self.init(point)
    }

    /// Parses the 64-byte raw form x ‖ y (Ethereum's "public key" without the `04` prefix).
    public init(xy bytes: [UInt8]) throws(KeyError) {
        guard bytes.count == 64 else { throw .wrongLength(got: bytes.count, expected: [64]) }
        try self.init(sec1: [0x04] + bytes)
    }

    /// x ‖ y, 64 bytes.
    public var xy: [UInt8] { x.bytes + y.bytes }
    /// The SEC1 uncompressed form `04` ‖ x ‖ y, 65 bytes.
    public var uncompressed: [UInt8] { [0x04] + x.bytes + y.bytes }
    /// The SEC1 compressed form (`02` for even y, `03` for odd) ‖ x, 33 bytes.
    public var compressed: [UInt8] { [y.bytes[31] & 1 == 0 ? 0x02 : 0x03] + x.bytes }

    /// The Ethereum address: the last 20 bytes of keccak256(x ‖ y).
    public var address: Address {
        withUnsafeTemporaryAllocation(byteCount: 64, alignment: 8) { buffer in
            let base = buffer.baseAddress!
            x.store(to: base)
            y.store(to: base + 32)
            Keccak256.hash(UnsafeRawBufferPointer(buffer)).store(to: base)
            return Address(UnsafeRawBufferPointer(rebasing: buffer[12..<32]))!
        }
    }
}
