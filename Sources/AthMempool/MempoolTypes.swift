import AthPrimitives

/// The committed head state the pool checks nonces and balances against.
/// Implementations must not call back into the pool.
public protocol MempoolStateView: Sendable {
    /// The account's next nonce.
    func nonce(of address: Address) -> UInt64
    /// The account's balance in wei.
    func balance(of address: Address) -> UInt256
}

/// Where an admitted transaction went.
public enum AdmissionResult: Sendable, Equatable {
    /// Executable: its nonce continues the sender's run from the state nonce.
    case pending
    /// Held for later: an earlier nonce of the sender is missing.
    case queued
    /// It took the place of the pooled transaction with the same sender and
    /// nonce, whose hash is given; `pending` says where the new one went.
    case replaced(Hash32, pending: Bool)

    /// True when the transaction is executable now.
    public var isPending: Bool {
        switch self {
        case .pending: return true
        case .queued: return false
        case .replaced(_, let pending): return pending
        }
    }
}

/// Counts for metrics and `txpool_status`.
public struct MempoolStats: Sendable, Equatable {
    /// Transactions executable now (contiguous nonces from each sender's state nonce).
    public var pending: Int
    /// Transactions waiting behind a nonce gap.
    public var queued: Int
    /// Encoded size of everything held.
    public var bytes: Int

    /// Pending and queued together.
    public var count: Int { pending + queued }

    public init(pending: Int, queued: Int, bytes: Int) {
        self.pending = pending; self.queued = queued; self.bytes = bytes
    }
}
