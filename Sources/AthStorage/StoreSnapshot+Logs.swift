import AthPrimitives

extension StoreSnapshot {
    /// The sorted block numbers in `from...to` (clamped to the head) that
    /// may hold a log matching the filter, found by range scans of the log
    /// indexes rather than by reading blocks.
    ///
    /// A block is a candidate when some log in it was emitted by one of
    /// `addresses` (empty: any address) and, for each position `i` whose
    /// entry of `topics` is non-nil and non-empty, some log in it has one of
    /// those alternatives at position `i` (nil or empty: any topic, as geth
    /// treats them). The logs satisfying different constraints may differ,
    /// so the caller still filters the candidates' logs. With no constraint
    /// at all, every block in the range is a candidate.
    ///
    /// Returns nil when there are more than `limit` candidates (the caller
    /// reports "query returned more than N results"), and an empty list when
    /// the indexes cannot be read.
    public func logBlocks(from: UInt64, to: UInt64, addresses: [Address], topics: [[Hash32]?], limit: Int) -> [UInt64]? {
        do {
            return try candidateBlocks(from: from, to: to, addresses: addresses, topics: topics, limit: limit)
        } catch {
            return []
        }
    }

    func candidateBlocks(from: UInt64, to: UInt64, addresses: [Address], topics: [[Hash32]?],
                         limit: Int) throws(StorageError) -> [UInt64]? {
        let limit = UInt64(max(limit, 0))
        guard let head = try loadHead() else { return [] }
        let upper = min(to, head.number)
        guard from <= upper else { return [] }

        var constraints: [[KeyBytes]] = []
        if !addresses.isEmpty {
            constraints.append(Set(addresses).sorted().map(KeyBytes.address))
        }
        for (position, alternatives) in topics.enumerated() {
            guard let alternatives, !alternatives.isEmpty else { continue }
            // No log has this many topics, so nothing can match.
            guard position <= Int(UInt8.max) else { return [] }
            constraints.append(Set(alternatives).sorted().map { KeyBytes.topic(UInt8(position), $0) })
        }
        if constraints.isEmpty {
            return upper - from >= limit ? nil : Array(from...upper)
        }

        var candidates: [UInt64]?
        for prefixes in constraints {
            let db = prefixes[0].count == 20 ? databases.logAddresses : databases.logTopics
            var matches: [UInt64] = []
            for prefix in prefixes {
                try scan(db, prefix: prefix, from: from, through: upper, into: &matches)
            }
            if prefixes.count > 1 {
                matches.sort()
                matches = matches.uniqued()
            }
            let narrowed = candidates.map { intersect($0, matches) } ?? matches
            if narrowed.isEmpty { return [] }
            candidates = narrowed
        }
        guard let candidates, UInt64(candidates.count) <= limit else { return nil }
        return candidates
    }

    /// Appends the block numbers in `from...through` indexed under `prefix`.
    private func scan(_ db: LMDBDatabase, prefix: KeyBytes, from: UInt64, through upper: UInt64,
                      into out: inout [UInt64]) throws(StorageError) {
        var start = prefix
        start.append(from)
        let cursor = try txn.openCursor(db)
        var entry = try cursor.seek(atLeast: start)
        while let key = entry?.key, prefix.isPrefix(of: key) {
            guard key.count == prefix.count + 8 else {
                throw .corrupt("a key in \(db.name) is \(key.count) bytes, expected \(prefix.count + 8)")
            }
            let number = key.loadUInt64(at: prefix.count)
            if number > upper { break }
            out.append(number)
            entry = try cursor.next()
        }
    }

    private func intersect(_ a: [UInt64], _ b: [UInt64]) -> [UInt64] {
        var out: [UInt64] = []
        var i = 0, j = 0
        while i < a.count && j < b.count {
            if a[i] < b[j] { i += 1 } else if b[j] < a[i] { j += 1 } else {
                out.append(a[i])
                i += 1
                j += 1
            }
        }
        return out
    }
}

extension [UInt64] {
    /// A sorted array without repeats.
    fileprivate func uniqued() -> [UInt64] {
        var out: [UInt64] = []
        out.reserveCapacity(count)
        for v in self where out.last != v { out.append(v) }
        return out
    }
}

extension KeyBytes {
    /// The log-topic index prefix: position (1) + topic (32).
    static func topic(_ position: UInt8, _ topic: Hash32) -> KeyBytes {
        var k = KeyBytes()
        k.append(position)
        k.append(topic)
        return k
    }
}
