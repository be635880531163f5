import AthClient
import AthCrypto
import AthPrimitives
import AthTypes
import Logging

/// The steps of one job: examine (and accept), compute, commit.
extension JobLoop {
    /// Runs `job` from its stage to the end; on a thrown error `job.stage`
    /// says where to resume.
    func carryOut(_ job: inout PendingJob) throws(JobStepError) {
        while true {
            switch job.stage {
            case .examine:
                guard let next = try examine(job) else { return }
                job.stage = next
            case .compute(let spec, let committedRoot):
                let result = try compute(job.id, spec)
                if let committedRoot {
                    guard result.root == committedRoot else {
                        throw .abandon("recomputed root \(result.root) differs from the committed \(committedRoot)")
                    }
                    keep(result)
                    logger.info("restored committed result", metadata: ["job": "\(job.id)", "root": "\(result.root)"])
                    return
                }
                keep(result)
                guard fault != .noCommit else {
                    logger.warning("fault no-commit: not committing", metadata: ["job": "\(job.id)"])
                    return
                }
                job.stage = .commit(result)
            case .commit(let result):
                try commit(result)
                return
            }
        }
    }

    /// Checks the spec and the job on chain; accepts an open job. Returns the
    /// next stage, or nil when there is nothing for this worker to do.
    func examine(_ job: PendingJob) throws(JobStepError) -> PendingJob.Stage? {
        let bytes: [UInt8]
        if let seen = job.spec { bytes = seen } else { bytes = try publishedSpec(job) }
        let hash = Keccak256.hash(bytes)
        guard hash == job.specHash else {
            throw .abandon("its published spec hashes to \(hash), not to the job's specHash \(job.specHash)")
        }
        let spec: GemmSpec
        do { spec = try GemmSpec(decoding: bytes) } catch { throw .abandon("its spec is not a valid gemm-i8 spec: \(error)") }
        guard backend.accepts(spec) else {
            throw .abandon("\(spec.m)×\(spec.k)·\(spec.k)×\(spec.n) is larger than the \(backend.name) backend takes")
        }
        let onChain = try escrowJob(job.id)
        let mine = onChain.operator == operatorAddress
        let meta: Logger.Metadata = ["job": "\(job.id)", "m": "\(spec.m)", "n": "\(spec.n)", "k": "\(spec.k)",
                                     "deadline": "\(onChain.deadline)"]
        switch onChain.state {
        case .open where onChain.operator == .zero || mine:
            let head = try chain { () throws(ChainClientError) in try client.blockNumber() }
            guard head < onChain.deadline else {
                logger.info("not accepting job: its deadline has passed", metadata: meta.merging(["head": "\(head)"]) { $1 })
                return nil
            }
            // The operator's floor, as acceptJob enforces it: no transaction that would revert.
            let (units, floor) = try chain { () throws(ChainClientError) in
                (try client.view(.escrow, EscrowABI.jobUnits, [.uint(UInt256(job.id))]).first?.uintValue ?? .zero,
                 try client.view(.escrow, EscrowABI.jobMinPrice, [.address(operatorAddress)]).first?.uintValue ?? .zero)
            }
            let (least, overflow) = units.multipliedReportingOverflow(by: floor)
            if !floor.isZero, overflow || onChain.price < least {
                logger.info("not accepting job: its price is below this operator's minimum per work unit", metadata: meta.merging([
                    "price": "\(Amount.formatATH(onChain.price))", "workUnits": "\(units)",
                    "minPricePerUnit": "\(Amount.formatATH(floor))"]) { $1 })
                return nil
            }
            let receipt = try chain { () throws(ChainClientError) in
                try sender.transact(.escrow, EscrowABI.acceptJob, [.uint(UInt256(job.id))])
            }
            metrics?.counter("ath_worker_jobs_total", help: "Jobs the worker saw, by what became of them",
                             labels: [("state", "accepted")]).increment()
            logger.info("accepted job", metadata: meta.merging(["tx": "\(receipt.transactionHash)",
                                                                "block": "\(receipt.blockNumber)"]) { $1 })
            return .compute(spec, committedRoot: nil)
        case .accepted where mine:
            logger.info("resuming accepted job", metadata: meta)
            return .compute(spec, committedRoot: nil)
        case .committed where mine && store.result(job.id) == nil:
            logger.info("recomputing committed job to serve its result", metadata: meta)
            return .compute(spec, committedRoot: onChain.resultRoot)
        default:
            // Past jobs the first scan found are mostly settled: say so quietly.
            logger.log(level: job.past ? .debug : .info, "job is not for this worker now",
                       metadata: meta.merging(["state": "\(onChain.state)", "operator": "\(onChain.operator)"]) { $1 })
            return nil
        }
    }

    /// Computes C (with the configured fault) and logs the rate.
    func compute(_ id: UInt64, _ spec: GemmSpec) throws(JobStepError) -> JobResult {
        let timed: JobResult.Timed
        do { timed = try JobResult.computeTimed(jobId: id, spec: spec, backend: backend, fault: fault) } catch {
            throw .abandon("computing failed: \(error.description)")
        }
        let seconds = max(timed.product.seconds, 1e-9)
        let gflops = 2 * Double(spec.m) * Double(spec.n) * Double(spec.k) / seconds / 1e9
        metrics?.counter("ath_worker_jobs_total", help: "Jobs the worker saw, by what became of them",
                         labels: [("state", "computed")]).increment()
        metrics?.gauge("ath_worker_gflops", help: "GFLOP/s of the last computed job").set(gflops)
        metrics?.histogram("ath_worker_compute_seconds", help: "Seconds to compute C of a job").observe(seconds)
        logger.info("computed job", metadata: [
            "job": "\(id)", "m": "\(spec.m)", "n": "\(spec.n)", "k": "\(spec.k)", "backend": "\(backend.name)",
            "ms": "\(Self.oneDecimal(seconds * 1000))", "gflops": "\(Self.oneDecimal(gflops))",
            "treeMs": "\(Self.oneDecimal(timed.tree.seconds * 1000))", "root": "\(timed.result.root)",
        ])
        if fault == .corruptResult {
            logger.warning("fault corrupt-result: C[0] was changed; the wrong root will be committed", metadata: ["job": "\(id)"])
        }
        return timed.result
    }

    static func oneDecimal(_ x: Double) -> Double { (x * 10).rounded() / 10 }

    /// Stores a result for serving and logs what the budget pushed out.
    func keep(_ result: JobResult) {
        for evicted in store.insert(result) {
            logger.notice("dropped a stored result to stay within the memory budget", metadata: ["job": "\(evicted)"])
        }
    }

    /// Commits the root of `result` if the job still awaits it and the deadline allows.
    func commit(_ result: JobResult) throws(JobStepError) {
        let id = result.jobId
        let onChain = try escrowJob(id)
        let mine = onChain.operator == operatorAddress
        if onChain.state == .committed && mine && onChain.resultRoot == result.root {
            // An earlier attempt got through although its receipt did not reach us.
            logger.info("result already committed", metadata: ["job": "\(id)", "root": "\(result.root)"])
            onCommitted(id)
            return
        }
        guard onChain.state == .accepted, mine else {
            throw .abandon("the job is \(onChain.state) (operator \(onChain.operator)) and no longer awaits this worker's result")
        }
        let head = try chain { () throws(ChainClientError) in try client.blockNumber() }
        guard head < onChain.deadline else {
            throw .abandon("its deadline block \(onChain.deadline) passed (head \(head)) before the result was ready")
        }
        let receipt = try chain { () throws(ChainClientError) in
            try sender.transact(.escrow, EscrowABI.commitResult, [.uint(UInt256(id)), .fixedBytes(result.root.bytes)])
        }
        metrics?.counter("ath_worker_jobs_total", help: "Jobs the worker saw, by what became of them",
                         labels: [("state", "committed")]).increment()
        logger.info("committed result", metadata: ["job": "\(id)", "root": "\(result.root)",
                                                   "tx": "\(receipt.transactionHash)", "block": "\(receipt.blockNumber)"])
        onCommitted(id)
    }

    // MARK: Chain reads

    /// The spec from the JobSpecPublished log of the job's creating transaction.
    func publishedSpec(_ job: PendingJob) throws(JobStepError) -> [UInt8] {
        let topics: [Hash32?] = [JobEvents.jobSpecPublished.topic0, Hash32(UInt256(job.id).bigEndianBytes)]
        let logs = try chain { () throws(ChainClientError) in
            try client.logs(address: Self.escrow, topics: topics, from: job.block, to: job.block)
        }
        for log in logs where log.transactionHash == job.transaction {
            if let (id, spec) = Self.decodeSpecLog(log), id == job.id { return spec }
        }
        throw .abandon("its transaction published no spec (created with createJob rather than createJobWithSpec?)")
    }

    func escrowJob(_ id: UInt64) throws(JobStepError) -> EscrowJob {
        let values = try chain { () throws(ChainClientError) in try client.view(.escrow, EscrowABI.job, [.uint(UInt256(id))]) }
        guard let job = EscrowJob(values) else { throw .retry("Escrow.job(\(id)) returned values that do not decode") }
        return job
    }

    /// Runs a chain call: a revert means the job cannot be done, anything else may pass.
    func chain<T>(_ body: () throws(ChainClientError) -> T) throws(JobStepError) -> T {
        do { return try body() } catch {
            throw error.reverted ? .abandon(error.description) : .retry(error.description)
        }
    }
}
