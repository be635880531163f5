/// Addresses of non-persistent peers to dial: seeds from the configuration,
/// addresses learned through peer exchange and those inbound peers advertise.
/// Bounded: at most `capacity` entries; an address that keeps failing is
/// forgotten (seeds excepted), so junk from peers drains away.
struct AddressBook: Sendable {
    /// Most entries kept; new addresses are ignored while full.
    static let capacity = 1000
    /// Consecutive failed dials (or connections that dropped within
    /// `PeerManager.stableConnection`) after which a non-seed entry is forgotten.
    static let maxFailures = 5

    struct Entry: Sendable {
        var address: PeerAddress
        /// We connected to it and it proved its node id.
        var verified = false
        var isSeed = false
        var failures = 0
        var nextDial: ContinuousClock.Instant
        /// Insertion order, for a deterministic choice among equal candidates.
        let order: UInt64
    }

    private(set) var entries: [NodeID: Entry] = [:]
    private var nextOrder: UInt64 = 0

    var count: Int { entries.count }

    func entry(_ id: NodeID) -> Entry? { entries[id] }

    /// Adds a seed from the configuration (seeds do not count against `capacity`).
    mutating func addSeed(_ address: PeerAddress, now: ContinuousClock.Instant) {
        insert(Entry(address: address, isSeed: true, nextDial: now, order: nextOrder))
    }

    /// Remembers an address we have not dialled yet; false when it is already
    /// known or the book is full.
    @discardableResult
    mutating func learn(_ address: PeerAddress, now: ContinuousClock.Instant) -> Bool {
        guard entries[address.nodeID] == nil, entries.count < Self.capacity, address.isValid else { return false }
        insert(Entry(address: address, nextDial: now, order: nextOrder))
        return true
    }

    private mutating func insert(_ entry: Entry) {
        entries[entry.address.nodeID] = entry
        nextOrder += 1
    }

    /// Records that `address` was dialled and authenticated.
    mutating func dialSucceeded(_ address: PeerAddress) {
        entries[address.nodeID]?.verified = true
        entries[address.nodeID]?.address = address
    }

    /// Records a failed dial (or a connection that dropped at once): the next
    /// dial waits `backoff(failures)`; past `maxFailures` the entry is forgotten.
    mutating func dialFailed(_ id: NodeID, now: ContinuousClock.Instant, backoffMax: Duration) {
        guard var entry = entries[id] else { return }
        entry.failures += 1
        if entry.failures >= Self.maxFailures && !entry.isSeed {
            entries[id] = nil
            return
        }
        entry.verified = false
        entry.nextDial = now + PeerManager.backoff(afterFailures: entry.failures, max: backoffMax)
        entries[id] = entry
    }

    /// Records that a connection ended after it had stayed up: redial soon.
    mutating func disconnected(_ id: NodeID, now: ContinuousClock.Instant) {
        entries[id]?.failures = 0
        entries[id]?.nextDial = now + PeerManager.initialBackoff
    }

    /// Not dialled before `instant` (a seed that has answered).
    mutating func postpone(_ id: NodeID, until instant: ContinuousClock.Instant) {
        entries[id]?.nextDial = instant
    }

    /// Up to `limit` addresses due for a dial that `skip` does not rule out:
    /// non-seeds before seeds, fewest failures first, then oldest first.
    func candidates(now: ContinuousClock.Instant, limit: Int, skip: (NodeID) -> Bool) -> [PeerAddress] {
        guard limit > 0 else { return [] }
        return entries.values
            .filter { $0.nextDial <= now && !skip($0.address.nodeID) }
            .sorted { a, b in
                (a.isSeed ? 1 : 0, a.failures, a.order) < (b.isSeed ? 1 : 0, b.failures, b.order)
            }
            .prefix(limit)
            .map(\.address)
    }
}
