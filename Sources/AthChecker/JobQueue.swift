import AthPrimitives

/// Committed results waiting for their check, in chain order, and the job
/// ids seen lately, so a job is checked once (and once more on appeal)
/// however often its log is read.
/// Bounded: a full queue refuses more, and the reader reads those logs again
/// later.
struct JobQueue {
    static let capacity = 256
    /// More than `capacity`, so every queued job stays remembered.
    static let rememberedIDs = 4096

    enum Offer { case queued, duplicate, full }

    private(set) var pending: [CommittedResult] = []
    private var seen: Set<CommittedResult.Key> = []
    private var seenOrder: [CommittedResult.Key] = []

    var first: CommittedResult? { pending.first }

    mutating func offer(_ result: CommittedResult) -> Offer {
        guard !seen.contains(result.key) else { return .duplicate }
        guard pending.count < Self.capacity else { return .full }
        pending.append(result)
        seen.insert(result.key)
        seenOrder.append(result.key)
        if seenOrder.count > Self.rememberedIDs { seen.remove(seenOrder.removeFirst()) }
        return .queued
    }

    mutating func removeFirst() {
        if !pending.isEmpty { pending.removeFirst() }
    }
}
