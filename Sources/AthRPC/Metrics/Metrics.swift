import AthPrimitives

/// A monotonically increasing value (Prometheus counter).
public final class MetricsCounter: Sendable {
    private let value = Locked<Double>(0)

    init() {}

    /// Adds `amount`; negative amounts are ignored (counters never go down).
    public func increment(by amount: Double = 1) {
        guard amount > 0 else { return }
        value.withLock { $0 += amount }
    }

    public var current: Double { value.withLock { $0 } }
}

/// A value that goes up and down (Prometheus gauge).
public final class MetricsGauge: Sendable {
    private let value = Locked<Double>(0)

    init() {}

    public func set(_ newValue: Double) { value.withLock { $0 = newValue } }
    public func increment(by amount: Double = 1) { value.withLock { $0 += amount } }
    public func decrement(by amount: Double = 1) { value.withLock { $0 -= amount } }
    public var current: Double { value.withLock { $0 } }
}

/// Observations counted into fixed buckets (Prometheus histogram).
public final class MetricsHistogram: Sendable {
    /// Upper bounds in seconds, suited to RPC latencies.
    public static let defaultBuckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    /// Sorted, finite upper bounds; `+Inf` is implied.
    public let buckets: [Double]
    private let state: Locked<Snapshot>

    struct Snapshot {
        /// Per-bucket (not cumulative) counts; the last entry is the `+Inf` bucket.
        var counts: [UInt64]
        var sum: Double = 0
        var count: UInt64 = 0
    }

    init(buckets: [Double]) {
        let sorted = Array(Set(buckets.filter { $0.isFinite })).sorted()
        self.buckets = sorted
        state = Locked(Snapshot(counts: Array(repeating: 0, count: sorted.count + 1)))
    }

    public func observe(_ value: Double) {
        guard !value.isNaN else { return }
        var i = 0
        while i < buckets.count && value > buckets[i] { i += 1 }
        state.withLock { s in
            s.counts[i] &+= 1
            s.sum += value
            s.count &+= 1
        }
    }

    /// Observes a duration given in nanoseconds, as seconds.
    public func observe(nanoseconds: Int64) { observe(Double(nanoseconds) / 1e9) }

    var snapshot: Snapshot { state.withLock { $0 } }
}
