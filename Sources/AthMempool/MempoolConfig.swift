import AthPrimitives

/// Limits and policy of a transaction pool. Defaults follow geth's
/// legacy pool where it has an equivalent (`txMaxSize`, `AccountQueue`,
/// `PriceBump`); the total limits are sized for one node's memory.
public struct MempoolConfig: Sendable, Equatable {
    /// Transactions for another chain are refused ("invalid chain id for signer").
    public var chainID: UInt64
    /// A transaction whose gas limit exceeds this can never be included.
    public var blockGasLimit: UInt64
    /// Most transactions held, pending and queued together.
    public var maxTransactions: Int
    /// Most encoded bytes held, pending and queued together.
    public var maxBytes: Int
    /// Most transactions held per sender, pending and queued. There is no
    /// separate limit on how far ahead a nonce may be (as in geth): a future
    /// nonce waits in the queue, and the sender's slots and its balance
    /// (which must cover all its pooled transactions) bound what it can hold.
    public var maxPerSender: Int
    /// Largest accepted envelope in bytes (geth's `txMaxSize`, 4 × 32 KiB).
    public var maxTransactionSize: Int
    /// A same-nonce replacement must raise both fee cap and tip by this many percent.
    public var priceBumpPercent: UInt64
    /// Smallest accepted priority fee per gas.
    public var minTip: UInt256
    /// Whether legacy transactions without EIP-155 replay protection are accepted.
    public var allowUnprotected: Bool

    public init(chainID: UInt64, blockGasLimit: UInt64, maxTransactions: Int = 8192,
                maxBytes: Int = 32 << 20, maxPerSender: Int = 64, maxTransactionSize: Int = 128 << 10,
                priceBumpPercent: UInt64 = 10, minTip: UInt256 = .zero, allowUnprotected: Bool = true) {
        self.chainID = chainID; self.blockGasLimit = blockGasLimit
        self.maxTransactions = maxTransactions; self.maxBytes = maxBytes; self.maxPerSender = maxPerSender
        self.maxTransactionSize = maxTransactionSize; self.priceBumpPercent = priceBumpPercent
        self.minTip = minTip; self.allowUnprotected = allowUnprotected
    }
}
