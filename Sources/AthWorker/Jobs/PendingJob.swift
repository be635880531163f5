import AthPrimitives
import AthTypes

/// A job the loop has taken up, and how far it got: a step that failed for
/// a passing reason is tried again from where it stopped.
struct PendingJob {
    let id: UInt64
    /// The specHash of the JobCreated event.
    let specHash: Hash32
    /// The spec from the JobSpecPublished log of the creating transaction, when seen with it.
    var spec: [UInt8]?
    /// Block and transaction that created the job.
    let block: UInt64
    let transaction: Hash32
    var stage = Stage.examine
    /// Found by the first scan of past blocks at start (logged quietly).
    var past = false
    /// Passing failures so far.
    var failures = 0

    enum Stage {
        /// Check the spec and the job's state on chain; accept it when open.
        case examine
        /// Compute C. With `committedRoot` the job was committed before (by a
        /// previous run of this worker): the result is only kept for serving,
        /// and only if its root is the committed one.
        case compute(GemmSpec, committedRoot: Hash32?)
        /// Commit the root of a computed result.
        case commit(JobResult)
    }
}

/// How a step of a job failed.
enum JobStepError: Error {
    /// A node or network failure: the step is tried again at the next poll.
    case retry(String)
    /// This worker cannot do the job (bad spec, too large, lost a race, deadline passed).
    case abandon(String)
}

/// The ids of the last `capacity` jobs finished with, so none is taken up twice.
struct RecentJobs {
    let capacity: Int
    private var members: Set<UInt64> = []
    private var order: [UInt64] = []
    private var oldest = 0

    init(capacity: Int) { self.capacity = capacity }

    func contains(_ id: UInt64) -> Bool { members.contains(id) }

    mutating func insert(_ id: UInt64) {
        guard members.insert(id).inserted else { return }
        if order.count < capacity {
            order.append(id)
        } else {
            // A ring: overwrite the oldest.
            members.remove(order[oldest])
            order[oldest] = id
            oldest = (oldest + 1) % capacity
        }
    }
}
