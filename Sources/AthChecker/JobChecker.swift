import Logging
import AthPrimitives
import AthRPC
import AthCrypto
import AthTypes
import AthClient

/// The jobs thread of a `CheckerService`: reads new `ResultCommitted` logs
/// into a queue and checks each job once the block after its commitment
/// exists (its hash seeds Freivalds' vectors). Used by that thread alone.
final class JobChecker: @unchecked Sendable {
    /// Blocks per `eth_getLogs` call: the node serves at most 10,000; halved
    /// after a failure (a window with too many logs), doubled after a success.
    static let maxLogWindow: UInt64 = 2000, minLogWindow: UInt64 = 8
    /// How long a job whose check keeps failing on node errors stays first in line.
    static let retryLimit: Duration = .seconds(60)

    private let service: CheckerService
    private let chain: CheckerChain
    private let fetcher: ResultFetcher
    private var config: CheckerConfig { service.config }
    private var logger: Logger { service.logger }

    private var queue = JobQueue()
    /// The first block not read yet; nil until the head is known.
    private var nextBlock: UInt64?
    private var window = maxLogWindow
    private var chainID: UInt64?
    /// When checking the queue's first job first failed on a node error.
    private var failingSince: ContinuousClock.Instant?
    private var scanFailures = FailureLog()
    private var checkFailures = FailureLog()

    init(service: CheckerService, chain: CheckerChain) {
        self.service = service
        self.chain = chain
        fetcher = ResultFetcher(connectTimeout: min(.seconds(2), service.config.fetchTimeout))
    }

    func run() {
        repeat {
            scan()
            drain()
        } while service.signal.sleep(config.pollInterval)
    }

    /// Reads the next window of `ResultCommitted` logs into the queue
    /// (starting `lookbackBlocks` before the head at start-up).
    private func scan() {
        do {
            let head = try chain.client.blockNumber()
            let from = nextBlock ?? (head > config.lookbackBlocks ? head - config.lookbackBlocks : 0)
            guard from <= head else { return }
            let to = from + min(window - 1, head - from)
            let results = try (chain.committedResults(from: from, to: to) + chain.appealsOpened(from: from, to: to))
                .sorted { $0.block < $1.block }
            scanFailures.recovered(logger, "reading committed results")
            window = min(window * 2, Self.maxLogWindow)
            nextBlock = to + 1
            for r in results {
                switch queue.offer(r) {
                case .duplicate: continue
                case .full:
                    // Read this block again once the queue has room.
                    nextBlock = r.block
                    logger.warning("job queue full; later committed results wait", metadata: ["job": "\(r.jobID)"])
                    return
                case .queued where r.appeal:
                    logger.info("appeal opened", metadata: ["job": "\(r.jobID)", "block": "\(r.block)"])
                case .queued:
                    logger.info("result committed", metadata: ["job": "\(r.jobID)", "operator": "\(r.operator)",
                                                               "block": "\(r.block)", "root": "\(r.root)"])
                    service.committingOperators.withLock { ops in
                        if ops.count < UptimeTally.maxOperators { ops.insert(r.operator) }
                    }
                }
            }
        } catch {
            window = max(window / 2, Self.minLogWindow)
            scanFailures.failed(error.description, logger, "reading committed results")
        }
    }

    /// Checks queued jobs in order until one waits for its seed block.
    private func drain() {
        while let r = queue.first, !service.signal.isStopped {
            do {
                let done = try check(r)
                failingSince = nil
                checkFailures.recovered(logger, "checking jobs")
                guard done else { return }
            } catch {
                let clock = ContinuousClock()
                let since = failingSince ?? clock.now
                failingSince = since
                guard clock.now - since >= Self.retryLimit else {
                    checkFailures.failed(error.description, logger, "checking jobs")
                    return
                }
                logger.error("job check abandoned after \(Self.retryLimit) of node errors",
                             metadata: ["job": "\(r.jobID)", "error": "\(error)"])
            }
            queue.removeFirst()
            failingSince = nil
        }
    }

    /// Checks one job and submits the attestation. False when the seed block
    /// does not exist yet (or the service stopped mid-fetch): try again later.
    private func check(_ r: CommittedResult) throws(ChainClientError) -> Bool {
        var meta: Logger.Metadata = ["job": "\(r.jobID)"]
        var round = config.round
        var seedBlock = r.block
        if r.appeal {
            // A juror re-checks the job as a first-round checker would,
            // unless it signed the verdict under appeal.
            meta["appeal"] = "yes"
            let appeal = try chain.appeal(r.jobID, checker: service.address, head: try chain.client.blockNumber())
            guard appeal.open, !appeal.excluded else {
                logger.info(appeal.excluded ? "appeal skipped: this checker signed the verdict under appeal"
                                            : "appeal skipped: it is no longer open", metadata: meta)
                return true
            }
            round = max(round, appeal.lastRound &+ UInt256(1))
            seedBlock = try chain.commitBlock(r.jobID)
            guard seedBlock > 0 else {
                logger.info("appeal skipped: the job has no committed result", metadata: meta)
                return true
            }
        }
        guard seedBlock < UInt64.max, let blockHash = try chain.client.blockHash(seedBlock + 1) else { return false }
        guard let job = try chain.job(r.jobID) else {
            logger.warning("job skipped: Escrow.job returned malformed data", metadata: meta)
            return true
        }
        meta["operator"] = "\(job.operator)"
        guard job.state == .committed || (r.appeal && job.state == .settled) else {
            logger.info("job skipped: it no longer awaits a verdict", metadata: meta.merging(["state": "\(job.state)"]) { $1 })
            return true
        }
        let spec: GemmSpec
        switch try chain.spec(of: job, id: r.jobID) {
        case .gemm(let s): spec = s
        case .unusable(let reason):
            logger.info("job skipped: \(reason)", metadata: meta)
            return true
        }
        meta["spec"] = "\(spec.m)×\(spec.k)·\(spec.k)×\(spec.n)"
        guard max(spec.m * spec.k, spec.k * spec.n, spec.m * spec.n) <= config.maxMatrixElements else {
            logger.warning("job skipped: larger than this checker verifies (\(config.maxMatrixElements) elements per matrix)",
                           metadata: meta)
            return true
        }
        let rounds = try self.rounds(for: spec)
        let domain = OracleDomain(chainID: try knownChainID(), oracle: ProtocolContract.oracle.address)
        let endpoint = try chain.endpoint(of: job.operator)
        meta["endpoint"] = "\(endpoint.prefix(HTTPEndpoint.maxLength))"

        let fetched: [UInt8]?
        switch fetchResult(of: r.jobID, spec: spec, from: endpoint, meta: &meta) {
        case .served(let bytes): fetched = bytes
        case .notServed: fetched = nil
        case .stopped: return false
        }
        let clock = ContinuousClock()
        let start = clock.now
        let seed = Freivalds.seed(blockHash: blockHash, checker: service.address)
        let honest = CheckerVerdict.judge(spec: spec, committedRoot: job.resultRoot, fetched: fetched, seed: seed, rounds: rounds)
        let judgement = config.fault.map { $0.apply(to: honest, spec: spec) } ?? honest
        meta["check_ms"] = "\((clock.now - start).milliseconds)"
        meta["root_ok"] = "\(judgement.rootMatches.map { $0 ? "yes" : "no" } ?? "n/a")"
        meta["rounds"] = "\(rounds)"
        meta["verdict"] = "\(judgement.verdict)"
        meta["work_units"] = "\(judgement.workUnits)"
        config.metrics?.counter("ath_checker_verdicts_total", help: "Job verdicts this checker signed, by verdict",
                                labels: [("verdict", "\(judgement.verdict)")]).increment()
        config.metrics?.histogram("ath_checker_freivalds_seconds", help: "Seconds to check a result (root and Freivalds' rounds)")
            .observe(Double((clock.now - start).milliseconds) / 1000)
        logger.info("job checked: \(judgement.reason)", metadata: meta)

        let attestation = JobAttestation(jobID: r.jobID, resultRoot: job.resultRoot, verdict: judgement.verdict,
                                         workUnits: judgement.workUnits, round: round)
        let params = AttestationRPC.params(attestation, signature: attestation.sign(domain, key: config.key))
        let outcome = AttestationRPC.submit(chain.client.rpc, method: AttestationRPC.submitAttestation, params: params,
                                            pause: service.signal.sleep)
        service.log(outcome, "attestation", metadata: ["job": "\(r.jobID)", "verdict": "\(judgement.verdict)"])
        return true
    }

    private enum Fetch {
        case served([UInt8])
        /// The reason is in the log metadata.
        case notServed
        /// The service stopped meanwhile: no reason to call the result unavailable.
        case stopped
    }

    /// C's bytes from the operator's endpoint, tried for the window its size
    /// allows (`CheckerConfig.fetchWindow`).
    private func fetchResult(of jobID: UInt256, spec: GemmSpec, from endpoint: String,
                             meta: inout Logger.Metadata) -> Fetch {
        let clock = ContinuousClock()
        let start = clock.now
        defer {
            meta["fetch_ms"] = "\((clock.now - start).milliseconds)"
            config.metrics?.histogram("ath_checker_fetch_seconds", help: "Seconds to fetch a result from its operator")
                .observe(Double((clock.now - start).milliseconds) / 1000)
        }
        let window = config.fetchWindow(resultBytes: spec.m * spec.n * 4)   // GemmSpec bounds each dimension to 16,384
        meta["fetch_window_ms"] = "\(window.milliseconds)"
        do {
            let bytes = try fetcher.fetch(from: try HTTPEndpoint(endpoint), jobID: jobID, rows: spec.m, columns: spec.n,
                                          within: window, retryEvery: config.fetchRetryInterval,
                                          shouldStop: { [signal = service.signal] in signal.isStopped })
            meta["bytes"] = "\(bytes.count)"
            return .served(bytes)
        } catch {
            if service.signal.isStopped { return .stopped }
            meta["fetch_error"] = "\(error)"
            return .notServed
        }
    }

    /// max(spec rounds, Params freivaldsRounds), at most `Freivalds.maxRounds`.
    private func rounds(for spec: GemmSpec) throws(ChainClientError) -> Int {
        let param = try chain.param("freivaldsRounds")
        let wanted = max(spec.rounds, param.intIfFits ?? Int.max)
        if wanted > Freivalds.maxRounds {
            logger.warning("freivaldsRounds \(param) is above \(Freivalds.maxRounds); running \(Freivalds.maxRounds) rounds")
        }
        return min(wanted, Freivalds.maxRounds)
    }

    private func knownChainID() throws(ChainClientError) -> UInt64 {
        if let chainID { return chainID }
        let id = try chain.client.chainID()
        chainID = id
        return id
    }
}

extension Duration {
    /// Whole milliseconds, for log lines.
    var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}
