import AthPrimitives

/// A committed block as the store keeps it: opaque encodings (the store does
/// not parse blocks) plus what the indexes need.
public struct BlockRecord: Sendable, Equatable {
    public var number: UInt64
    public var hash: Hash32
    /// The encoded header.
    public var header: [UInt8]
    /// The encoded body (transactions and whatever else the block carries).
    public var body: [UInt8]
    /// The encoded receipts.
    public var receipts: [UInt8]
    /// Transaction hashes in block order; the index of each is its position.
    public var transactionHashes: [Hash32]
    /// Every log of the block, for the address and topic indexes.
    public var logs: [(address: Address, topics: [Hash32])]
    /// The encoded logs of the block's system calls (the caller's format);
    /// empty when they emitted none.
    public var systemEvents: [UInt8]

    public init(number: UInt64, hash: Hash32, header: [UInt8], body: [UInt8], receipts: [UInt8],
                transactionHashes: [Hash32] = [], logs: [(address: Address, topics: [Hash32])] = [],
                systemEvents: [UInt8] = []) {
        self.number = number
        self.hash = hash
        self.header = header
        self.body = body
        self.receipts = receipts
        self.transactionHashes = transactionHashes
        self.logs = logs
        self.systemEvents = systemEvents
    }

    public static func == (a: BlockRecord, b: BlockRecord) -> Bool {
        a.number == b.number && a.hash == b.hash && a.header == b.header && a.body == b.body
            && a.receipts == b.receipts && a.transactionHashes == b.transactionHashes && a.systemEvents == b.systemEvents
            && a.logs.elementsEqual(b.logs) { $0.address == $1.address && $0.topics == $1.topics }
    }
}
