import AthClient
import AthPrimitives
import AthRPC
import AthTypes
import Foundation
import Logging

/// Follows the escrow's events and carries out this operator's jobs: check
/// the published spec, accept, compute, commit, keep the result for serving.
///
/// `run()` blocks on a thread of its own: every chain call blocks, and jobs
/// are computed on that thread one at a time, in the order they were
/// created. On start it also looks `lookbackBlocks` back, so jobs created
/// while the worker was down are taken up if they are still open or
/// accepted by it (and results it committed before are recomputed to serve).
/// Only the stop flag is shared with other threads; everything else belongs
/// to the loop thread.
final class JobLoop: @unchecked Sendable {
    let client: ChainClient
    let sender: TransactionSender
    let backend: any ComputeBackend
    let store: ResultStore
    let pollInterval: Duration
    let fault: WorkerFault?
    /// Where jobs and compute rates are counted (set before `start`).
    var metrics: MetricsRegistry?
    let logger: Logger
    let operatorAddress: Address
    /// Called after each successful commit, with the job id.
    let onCommitted: @Sendable (UInt64) -> Void

    static let lookbackBlocks: UInt64 = 1000
    /// Blocks per eth_getLogs call (the node allows 10,000); halved while calls fail.
    static let maxBlocksPerQuery: UInt64 = 1000
    /// Passing failures after which a job is given up.
    static let maxFailures = 5
    static let maxQueuedJobs = 1024
    static let rememberedJobs = 65_536
    static let escrow = ProtocolContract.escrow.address

    private let wake = NSCondition()
    /// Guarded by `wake`.
    private var stopRequested = false
    private let finished = DispatchSemaphore(value: 0)

    // Loop thread only.
    private var nextBlock: UInt64?
    private var span = maxBlocksPerQuery
    private var queue: [PendingJob] = []
    private var finishedJobs = RecentJobs(capacity: rememberedJobs)
    private var nodeFailing = false
    /// Jobs the first scan found, while it runs (nil once it is done).
    private var catchUp: Int? = 0

    init(client: ChainClient, sender: TransactionSender, backend: any ComputeBackend, store: ResultStore,
         pollInterval: Duration, fault: WorkerFault?, logger: Logger, onCommitted: @escaping @Sendable (UInt64) -> Void) {
        self.client = client
        self.sender = sender
        self.backend = backend
        self.store = store
        self.pollInterval = pollInterval
        self.fault = fault
        self.logger = logger
        self.operatorAddress = sender.address
        self.onCommitted = onCommitted
    }

    // MARK: Running and stopping

    /// Polls and works until `requestStop()`.
    func run() {
        defer { finished.signal() }
        while !isStopping {
            poll()
            work()
            pause()
        }
    }

    /// Asks the loop to stop after its current step (a computation in progress runs to its end).
    func requestStop() {
        wake.lock()
        stopRequested = true
        wake.broadcast()
        wake.unlock()
    }

    /// Waits up to `timeout` for `run()` to return; false if it is still busy.
    func waitUntilFinished(timeout: Duration) -> Bool {
        let ok = finished.wait(timeout: .now() + timeout.seconds) == .success
        if ok { finished.signal() }  // later waiters see it finished too
        return ok
    }

    var isStopping: Bool {
        wake.lock()
        defer { wake.unlock() }
        return stopRequested
    }

    private func pause() {
        wake.lock()
        let until = Date(timeIntervalSinceNow: pollInterval.seconds)
        while !stopRequested, wake.wait(until: until) {}
        wake.unlock()
    }

    // MARK: Following the chain

    /// Reads the escrow logs of the blocks not seen yet and queues new jobs.
    func poll() {
        do throws(ChainClientError) {
            let head = try client.blockNumber()
            var from = nextBlock ?? (head > Self.lookbackBlocks ? head - Self.lookbackBlocks : 0)
            while from <= head, !isStopping {
                let to = min(head, from + span - 1)
                let logs: [ChainLog]
                do { logs = try client.logs(address: Self.escrow, topics: [], from: from, to: to) } catch {
                    span = max(1, span / 2)  // too many logs in the range is one way to fail
                    throw error
                }
                span = min(Self.maxBlocksPerQuery, span * 2)
                absorb(logs)
                from = to + 1
                nextBlock = from
            }
            if let found = catchUp, !isStopping {
                // One line for the past instead of one per job.
                logger.info("caught up with the chain", metadata: [
                    "head": "\(head)", "past_jobs": "\(found)"])
                catchUp = nil
            }
            if nodeFailing {
                nodeFailing = false
                logger.info("the node answers again", metadata: ["node": "\(client.url)"])
            }
        } catch {
            // Warn once per outage, not at every poll.
            if !nodeFailing { logger.warning("cannot read the chain; retrying", metadata: ["error": "\(error.description)"]) }
            nodeFailing = true
        }
    }

    /// Queues the jobs created for this operator (or open to all) and notes settlements.
    func absorb(_ logs: [ChainLog]) {
        var specs: [UInt64: [(transaction: Hash32, spec: [UInt8])]] = [:]
        var created: [PendingJob] = []
        for log in logs where log.address == Self.escrow {
            guard let topic = log.topics.first else { continue }
            if topic == JobEvents.jobSpecPublished.topic0 {
                if let (id, spec) = Self.decodeSpecLog(log) { specs[id, default: []].append((log.transactionHash, spec)) }
            } else if topic == JobEvents.jobCreated.topic0 {
                if let job = decodeCreated(log) { created.append(job) }
            } else if topic == JobEvents.jobSettled.topic0 || topic == JobEvents.jobReclaimed.topic0 {
                guard let id = Self.indexedJobID(log) else { continue }
                store.markSettled(id)
                queue.removeAll { $0.id == id }
            }
        }
        for var job in created where !finishedJobs.contains(job.id) && !queue.contains(where: { $0.id == job.id }) {
            guard queue.count < Self.maxQueuedJobs else {
                logger.warning("too many jobs waiting; skipping one", metadata: ["job": "\(job.id)"])
                continue
            }
            job.spec = specs[job.id]?.first { $0.transaction == job.transaction }?.spec
            if catchUp != nil {
                job.past = true
                catchUp! += 1
            }
            metrics?.counter("ath_worker_jobs_total", help: "Jobs the worker saw, by what became of them",
                             labels: [("state", "seen")]).increment()
            metrics?.gauge("ath_worker_queued_jobs", help: "Jobs waiting in the worker's queue").set(Double(queue.count + 1))
            logger.log(level: job.past ? .debug : .info, "new job",
                       metadata: ["job": "\(job.id)", "block": "\(job.block)", "tx": "\(job.transaction)"])
            queue.append(job)
        }
    }

    /// A JobCreated log for this operator or for any operator; nil otherwise.
    private func decodeCreated(_ log: ChainLog) -> PendingJob? {
        guard let values = try? JobEvents.jobCreated.decode(topics: log.topics, data: log.data), values.count == 6 else {
            logger.warning("malformed JobCreated log", metadata: ["tx": "\(log.transactionHash)"])
            return nil
        }
        let named = values[2].1.addressValue
        guard named == .zero || named == operatorAddress else { return nil }
        guard let id = values[0].1.uintValue.uint64IfFits, let specHash = Hash32(values[3].1.bytesValue) else {
            logger.warning("JobCreated with an out-of-range job id", metadata: ["tx": "\(log.transactionHash)"])
            return nil
        }
        return PendingJob(id: id, specHash: specHash, block: log.blockNumber, transaction: log.transactionHash)
    }

    static func decodeSpecLog(_ log: ChainLog) -> (UInt64, [UInt8])? {
        guard let values = try? JobEvents.jobSpecPublished.decode(topics: log.topics, data: log.data), values.count == 2,
              let id = values[0].1.uintValue.uint64IfFits else { return nil }
        return (id, values[1].1.bytesValue)
    }

    /// The job id in topic 1 (every job event indexes it first).
    static func indexedJobID(_ log: ChainLog) -> UInt64? {
        guard log.topics.count >= 2 else { return nil }
        return UInt256(bigEndianBytes: log.topics[1].bytes)?.uint64IfFits
    }

    // MARK: Working

    /// Carries out the queued jobs; ones that failed for a passing reason wait for the next poll.
    func work() {
        var again: [PendingJob] = []
        while !isStopping, !queue.isEmpty {
            var job = queue.removeFirst()
            do throws(JobStepError) {
                try carryOut(&job)
                finishedJobs.insert(job.id)
            } catch {
                switch error {
                case .retry(let reason):
                    job.failures += 1
                    if job.failures < Self.maxFailures {
                        logger.notice("job step failed; will retry",
                                      metadata: ["job": "\(job.id)", "failures": "\(job.failures)", "reason": "\(reason)"])
                        again.append(job)
                    } else {
                        logger.warning("giving up on job", metadata: ["job": "\(job.id)", "failures": "\(job.failures)",
                                                                      "reason": "\(reason)"])
                        finishedJobs.insert(job.id)
                    }
                case .abandon(let reason):
                    logger.warning("skipping job", metadata: ["job": "\(job.id)", "reason": "\(reason)"])
                    finishedJobs.insert(job.id)
                }
            }
        }
        queue = again + queue
    }
}

extension Duration {
    /// The duration in seconds, as a Double (for timeouts and rates, never for consensus).
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
