import AthPrimitives

/// One operator's measured uptime in one epoch.
public struct UptimeMeasurement: Sendable, Equatable {
    public var `operator`: Address
    public var epoch: UInt64
    public var up: Int
    public var total: Int

    public init(operator: Address, epoch: UInt64, up: Int, total: Int) {
        self.operator = `operator`; self.epoch = epoch; self.up = up; self.total = total
    }

    /// up·10000 / total, rounded down.
    public var uptimeBps: UInt64 { total == 0 ? 0 : UInt64(up) * 10_000 / UInt64(total) }
}

/// Counts health probes per operator in the current epoch. A value type:
/// `enter(epoch:)` when the chain's epoch is known, `record` after each
/// probe; entering a later epoch hands back the finished epoch's
/// measurements for the operators probed often enough to attest.
public struct UptimeTally: Sendable {
    /// Fewer probes than this in an epoch say too little to attest.
    public static let minimumProbes = 3
    /// Operators tracked at once, so a chain full of registrations cannot grow the tally without end.
    public static let maxOperators = 1024

    public private(set) var epoch: UInt64?
    private var counts: [Address: (up: Int, total: Int)] = [:]

    public init() {}

    /// Moves to `epoch`. From an earlier epoch, returns its measurements with
    /// at least `minimumProbes` probes, ordered by operator address; an
    /// earlier `epoch` than the current one (the node went back) drops the counts.
    public mutating func enter(epoch: UInt64) -> [UptimeMeasurement] {
        guard let current = self.epoch else { self.epoch = epoch; return [] }
        guard epoch != current else { return [] }
        defer { self.epoch = epoch; counts = [:] }
        guard epoch > current else { return [] }
        return counts.filter { $0.value.total >= Self.minimumProbes }
            .map { UptimeMeasurement(operator: $0.key, epoch: current, up: $0.value.up, total: $0.value.total) }
            .sorted { $0.operator < $1.operator }
    }

    /// Counts one probe of `operator` in the current epoch; ignored before
    /// the first `enter` or past `maxOperators` operators.
    public mutating func record(operator: Address, up: Bool) {
        guard epoch != nil, counts[`operator`] != nil || counts.count < Self.maxOperators else { return }
        var c = counts[`operator`] ?? (0, 0)
        c.total += 1
        if up { c.up += 1 }
        counts[`operator`] = c
    }
}
