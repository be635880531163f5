import AthPrimitives
import AthTestSupport
import Testing
@testable import AthStorage

/// The log indexes against a brute-force filter over the same random blocks.
@Suite struct LogIndexTests {
    typealias Log = (address: Address, topics: [Hash32])

    static let addresses = (1...6).map { Address(low: UInt64(0x1000 + $0)) }
    static let topics = (0..<8).map(topicHash)

    /// 200 blocks of 0...4 logs, each from a small pool of addresses and topics so queries match.
    static func randomChain(_ rng: inout SplitMix64) -> [[Log]] {
        (0..<200).map { _ in
            (0..<Int(rng.next() % 5)).map { _ in
                let address = addresses[Int(rng.next() % UInt64(addresses.count))]
                let topicCount = Int(rng.next() % 5)
                return (address, (0..<topicCount).map { _ in topics[Int(rng.next() % UInt64(topics.count))] })
            }
        }
    }

    /// Block-level semantics: some log has a wanted address, and for each constrained
    /// position some log has a wanted topic there.
    static func bruteForce(_ chain: [[Log]], from: UInt64, to: UInt64, addresses: [Address],
                           topics: [[Hash32]?], limit: Int) -> [UInt64]? {
        guard !chain.isEmpty else { return [] }
        let upper = min(to, UInt64(chain.count - 1))
        guard from <= upper else { return [] }
        var out: [UInt64] = []
        for n in from...upper {
            let logs = chain[Int(n)]
            var ok = addresses.isEmpty || logs.contains { addresses.contains($0.address) }
            for (i, alternatives) in topics.enumerated() where ok {
                guard let alternatives, !alternatives.isEmpty else { continue }
                ok = logs.contains { $0.topics.count > i && alternatives.contains($0.topics[i]) }
            }
            if ok { out.append(n) }
        }
        return out.count > limit ? nil : out
    }

    static func commit(_ chain: [[Log]], to store: ChainStore) throws {
        for (n, logs) in chain.enumerated() {
            try store.commit(block: makeBlock(UInt64(n), logs: logs), state: StateChanges())
        }
    }

    @Test func randomQueriesMatchBruteForce() throws {
        var rng = SplitMix64(seed: 0x10_6b10c5)
        let chain = Self.randomChain(&rng)
        try withStore { store, _ in
            try Self.commit(chain, to: store)
            var mismatches: [String] = []
            var nonEmpty = 0, overLimit = 0
            for q in 0..<400 {
                let from = rng.next() % 230, to = from + rng.next() % 80
                let addresses = (0..<Int(rng.next() % 3)).map { _ in Self.addresses[Int(rng.next() % 6)] }
                let topics: [[Hash32]?] = (0..<Int(rng.next() % 4)).map { _ in
                    switch rng.next() % 4 {
                    case 0: return nil
                    case 1: return []
                    default: return (0...Int(rng.next() % 2)).map { _ in Self.topics[Int(rng.next() % 8)] }
                    }
                }
                let limit = q % 5 == 0 ? Int(rng.next() % 20) : 1000
                let got = store.logBlocks(from: from, to: to, addresses: addresses, topics: topics, limit: limit)
                let want = Self.bruteForce(chain, from: from, to: to, addresses: addresses, topics: topics, limit: limit)
                if got != want { mismatches.append("query \(q): got \(String(describing: got)), want \(String(describing: want))") }
                if let want, !want.isEmpty { nonEmpty += 1 }
                if want == nil { overLimit += 1 }
            }
            #expect(mismatches.isEmpty, "\(mismatches.prefix(3))")
            // The random queries really exercised both outcomes.
            #expect(nonEmpty > 100 && overLimit > 10)
        }
    }

    @Test func namedFilterShapes() throws {
        var rng = SplitMix64(seed: 42)
        let chain = Self.randomChain(&rng)
        let a = Self.addresses, t = Self.topics
        let cases: [(String, [Address], [[Hash32]?])] = [
            ("address only", [a[0]], []),
            ("two addresses", [a[1], a[2]], []),
            ("topic only", [], [[t[3]]]),
            ("topic at position 2", [], [nil, nil, [t[5]]]),
            ("address and topic alternatives", [a[0], a[4]], [[t[0], t[1]], nil, [t[2], t[7]]]),
            ("wildcards only", [], [nil, [], nil]),
            ("position beyond any log", [], [nil, nil, nil, nil, nil, [t[0]]]),
        ]
        try withStore { store, _ in
            try Self.commit(chain, to: store)
            for (name, addresses, topics) in cases {
                let got = store.logBlocks(from: 10, to: 150, addresses: addresses, topics: topics, limit: 10_000)
                let want = Self.bruteForce(chain, from: 10, to: 150, addresses: addresses, topics: topics, limit: 10_000)
                #expect(got == want, "\(name)")
            }
            let all = store.logBlocks(from: 10, to: 150, addresses: [], topics: [nil, []], limit: 10_000)
            #expect(all == Array(10...150))
        }
    }

    @Test func candidatesIncludeEveryBlockWithAMatchingLog() throws {
        var rng = SplitMix64(seed: 7)
        let chain = Self.randomChain(&rng)
        try withStore { store, _ in
            try Self.commit(chain, to: store)
            let address = Self.addresses[2], topic = Self.topics[4]
            let exact = chain.indices.filter { n in
                chain[n].contains { $0.address == address && $0.topics.count > 1 && $0.topics[1] == topic }
            }.map(UInt64.init)
            let got = try #require(store.logBlocks(from: 0, to: 199, addresses: [address], topics: [nil, [topic]], limit: 1000))
            #expect(!exact.isEmpty && Set(exact).isSubset(of: Set(got)))
        }
    }

    @Test func limitExceededReturnsNil() throws {
        try withStore { store, _ in
            let log: Log = (Self.addresses[0], [Self.topics[0]])
            for n in 0..<20 as Range<UInt64> {
                try store.commit(block: makeBlock(n, logs: n % 2 == 0 ? [log, log] : []), state: StateChanges())
            }
            #expect(store.logBlocks(from: 0, to: 19, addresses: [log.address], topics: [], limit: 10) == Array(stride(from: 0, to: 20, by: 2)))
            #expect(store.logBlocks(from: 0, to: 19, addresses: [log.address], topics: [], limit: 9) == nil)
            #expect(store.logBlocks(from: 0, to: 19, addresses: [], topics: [[log.topics[0]]], limit: 9) == nil)
            #expect(store.logBlocks(from: 0, to: 1000, addresses: [], topics: [], limit: 20) == Array(0...19))
            #expect(store.logBlocks(from: 0, to: 1000, addresses: [], topics: [], limit: 19) == nil)
            #expect(store.logBlocks(from: 5, to: 4, addresses: [], topics: [], limit: 19) == [])
            #expect(store.logBlocks(from: 25, to: 40, addresses: [], topics: [], limit: 19) == [])
        }
    }

    @Test func emptyStoreHasNoCandidates() throws {
        try withStore { store, _ in
            #expect(store.logBlocks(from: 0, to: 10, addresses: [], topics: [], limit: 1) == [])
        }
    }

    @Test func logWithTooManyTopicsIsRefused() throws {
        try withStore { store, _ in
            let log: Log = (Self.addresses[0], Array(repeating: Self.topics[0], count: 257))
            #expect(throws: StorageError.self) {
                try store.commit(block: makeBlock(0, logs: [log]), state: StateChanges())
            }
            #expect(store.head == nil)
        }
    }
}
