import AthCrypto
import AthPrimitives

/// One account as the state trie holds it.
public struct AccountRecord: Sendable, Equatable {
    /// keccak256 of empty code: the code hash of an account without code.
    public static let emptyCodeHash = Keccak256.hash([UInt8]())
    /// keccak256(rlp("")): the storage root of an account without storage.
    public static let emptyStorageRoot = Keccak256.hash([0x80])

    public var nonce: UInt64
    public var balance: UInt256
    public var storageRoot: Hash32
    public var codeHash: Hash32

    public init(nonce: UInt64 = 0, balance: UInt256 = .zero,
                storageRoot: Hash32 = AccountRecord.emptyStorageRoot,
                codeHash: Hash32 = AccountRecord.emptyCodeHash) {
        self.nonce = nonce
        self.balance = balance
        self.storageRoot = storageRoot
        self.codeHash = codeHash
    }

    /// The Ethereum state-trie account encoding:
    /// `rlp([nonce, balance, storageRoot, codeHash])`, integers minimal
    /// big-endian, hashes as 32-byte strings.
    public var encoded: [UInt8] {
        var w = RLPWriter(capacity: 80)
        w.appendList { l in
            l.append(nonce)
            l.append(balance)
            l.append(storageRoot)
            l.append(codeHash)
        }
        return w.bytes
    }

    /// Decodes `encoded`, refusing anything non-canonical or with extra
    /// bytes or fields, so `AccountRecord(decoding: b).encoded == b`.
    public init(decoding bytes: [UInt8]) throws(RLPError) {
        var outer = RLPDecoder(bytes)
        var fields = try outer.readList()
        try outer.finish()
        nonce = try fields.readUInt64()
        balance = try fields.readUInt256()
        storageRoot = try fields.readHash()
        codeHash = try fields.readHash()
        try fields.finish()
    }
}
