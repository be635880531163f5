import AthPrimitives

/// The results a worker holds for serving, by job id, within a memory budget.
///
/// When an insert takes the total past `maxBytes`, the oldest results whose
/// jobs are settled go first; results of unsettled jobs (which checkers may
/// still ask for) go, oldest first, only if that is not enough. The result
/// just inserted is always kept. Safe to use from any thread.
public final class ResultStore: Sendable {
    public let maxBytes: Int
    private let state = Locked(State())

    private struct State {
        var entries: [UInt64: Entry] = [:]
        /// Job ids, oldest insert first.
        var order: [UInt64] = []
        var bytes = 0
        var inserted = 0
    }

    private struct Entry {
        var result: JobResult
        var settled: Bool
    }

    public init(maxBytes: Int = 2 << 30) { self.maxBytes = maxBytes }

    /// Stores `result` (replacing an earlier one for the job) and returns the
    /// job ids evicted to stay within budget.
    @discardableResult
    public func insert(_ result: JobResult) -> [UInt64] {
        state.withLock { s in
            if let old = s.entries.removeValue(forKey: result.jobId) {
                s.bytes -= old.result.footprint
                s.order.removeAll { $0 == result.jobId }
            }
            s.entries[result.jobId] = Entry(result: result, settled: false)
            s.order.append(result.jobId)
            s.bytes += result.footprint
            s.inserted += 1
            var evicted: [UInt64] = []
            for settledOnly in [true, false] {
                var i = 0
                while s.bytes > maxBytes, i < s.order.count - 1 {
                    let id = s.order[i]
                    guard let entry = s.entries[id], entry.settled || !settledOnly else { i += 1; continue }
                    s.entries[id] = nil
                    s.order.remove(at: i)
                    s.bytes -= entry.result.footprint
                    evicted.append(id)
                }
            }
            return evicted
        }
    }

    /// The stored result of `jobId`, if any.
    public func result(_ jobId: UInt64) -> JobResult? { state.withLock { $0.entries[jobId]?.result } }

    /// Records that `jobId` was settled or reclaimed, so its result may be evicted first.
    public func markSettled(_ jobId: UInt64) { state.withLock { $0.entries[jobId]?.settled = true } }

    /// Results held now.
    public var count: Int { state.withLock { $0.entries.count } }
    /// Bytes the held results take.
    public var bytes: Int { state.withLock { $0.bytes } }
    /// Results stored since the store was made, evicted ones included.
    public var insertedCount: Int { state.withLock { $0.inserted } }
}
