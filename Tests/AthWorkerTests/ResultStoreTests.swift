import Testing
import AthWorker

struct ResultStoreTests {
    /// A result whose footprint is the same for every id.
    static func result(_ id: UInt64) -> JobResult { JobResult(jobId: id, m: 16, n: 64, c: [Int32](repeating: Int32(id), count: 1024)) }
    static let size = result(0).footprint

    @Test func storesAndFindsResultsByJob() {
        let store = ResultStore(maxBytes: 10 * Self.size)
        store.insert(Self.result(1))
        store.insert(Self.result(2))
        #expect(store.result(1)?.c.first == 1)
        #expect(store.result(2)?.c.first == 2)
        #expect(store.result(3) == nil)
        #expect(store.count == 2 && store.insertedCount == 2 && store.bytes == 2 * Self.size)
    }

    @Test func settledResultsAreEvictedBeforeUnsettledOnes() {
        let store = ResultStore(maxBytes: 3 * Self.size)
        for id in 1...3 { store.insert(Self.result(UInt64(id))) }
        store.markSettled(2)
        #expect(store.insert(Self.result(4)) == [2])
        #expect(store.result(1) != nil && store.result(2) == nil && store.result(3) != nil && store.result(4) != nil)
    }

    @Test func unsettledResultsGoOldestFirstOnlyWhenOverTheLimit() {
        let store = ResultStore(maxBytes: 2 * Self.size)
        #expect(store.insert(Self.result(1)).isEmpty)
        #expect(store.insert(Self.result(2)).isEmpty)
        #expect(store.insert(Self.result(3)) == [1])
        #expect(store.count == 2 && store.bytes <= 2 * Self.size)
    }

    @Test func theNewestResultIsKeptEvenAloneOverTheLimit() {
        let store = ResultStore(maxBytes: Self.size / 2)
        store.insert(Self.result(1))
        #expect(store.insert(Self.result(2)) == [1])
        #expect(store.result(2) != nil && store.count == 1)
    }

    @Test func reinsertingAJobReplacesItsResult() {
        let store = ResultStore(maxBytes: 10 * Self.size)
        store.insert(Self.result(1))
        store.insert(JobResult(jobId: 1, m: 1, n: 1, c: [42]))
        #expect(store.result(1)?.c == [42])
        #expect(store.count == 1 && store.bytes == JobResult(jobId: 1, m: 1, n: 1, c: [42]).footprint)
    }
}
