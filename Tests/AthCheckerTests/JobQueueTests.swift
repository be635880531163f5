@testable import AthChecker
import AthPrimitives
import Testing

@Suite struct JobQueueTests {
    private func result(_ id: UInt64, block: UInt64, appeal: Bool = false) -> CommittedResult {
        CommittedResult(jobID: UInt256(id), operator: .zero, root: .zero, block: block, appeal: appeal)
    }

    /// A job is checked once for its first round and once more when it is
    /// appealed, however often either log is read again.
    @Test func aJobIsCheckedOnceAndOnceMoreOnAppeal() {
        var queue = JobQueue()
        #expect(queue.offer(result(7, block: 10)) == .queued)
        #expect(queue.offer(result(7, block: 10)) == .duplicate)
        #expect(queue.offer(result(7, block: 30, appeal: true)) == .queued)
        #expect(queue.offer(result(7, block: 30, appeal: true)) == .duplicate)
        #expect(queue.pending.map(\.appeal) == [false, true])
        queue.removeFirst()
        queue.removeFirst()
        #expect(queue.offer(result(7, block: 31, appeal: true)) == .duplicate)
    }

    @Test func aFullQueueRefusesMore() {
        var queue = JobQueue()
        for id in 0..<UInt64(JobQueue.capacity) { #expect(queue.offer(result(id, block: id)) == .queued) }
        #expect(queue.offer(result(9_999, block: 1, appeal: true)) == .full)
    }
}
