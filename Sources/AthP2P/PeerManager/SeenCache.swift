import AthPrimitives

/// A bounded set of recently seen message hashes, for gossip de-duplication.
/// Once full, inserting forgets the oldest hash (first in, first out), so
/// memory stays at `capacity` hashes whatever peers send. Thread-safe.
public final class SeenCache: Sendable {
    public let capacity: Int
    private let state: Locked<Ring>

    private struct Ring {
        var members: Set<Hash32> = []
        /// Insertion order; `oldest` is the next slot to overwrite once full.
        var order: [Hash32] = []
        var oldest = 0
    }

    /// `capacity` must be at least 1.
    public init(capacity: Int) {
        precondition(capacity >= 1, "SeenCache capacity must be at least 1, got \(capacity)")
        self.capacity = capacity
        state = Locked(Ring())
    }

    /// True the first time `hash` is inserted (and remembers it), false if already seen.
    public func insert(_ hash: Hash32) -> Bool {
        state.withLock { r in
            guard r.members.insert(hash).inserted else { return false }
            if r.order.count < capacity {
                r.order.append(hash)
            } else {
                r.members.remove(r.order[r.oldest])
                r.order[r.oldest] = hash
                r.oldest = r.oldest + 1 == capacity ? 0 : r.oldest + 1
            }
            return true
        }
    }

    public func contains(_ hash: Hash32) -> Bool {
        state.withLock { $0.members.contains(hash) }
    }

    /// Hashes remembered now (at most `capacity`).
    public var count: Int { state.withLock { $0.members.count } }
}
