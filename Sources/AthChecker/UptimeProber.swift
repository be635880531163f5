import Logging
import AthPrimitives
import AthRPC
import AthCrypto
import AthTypes
import AthClient

/// The uptime thread of a `CheckerService`: every probe interval, asks each
/// active operator's `/health` (all at once, each with the probe timeout)
/// and counts the answers per epoch; when the chain enters a new epoch,
/// signs and submits the finished epoch's uptime of every operator probed
/// at least `UptimeTally.minimumProbes` times. It keeps the measurements of
/// the last few epochs, and when an operator appeals the uptime report of
/// one of them (`UptimeAppealOpened`), a checker that did not sign that
/// report attests its own measurement again in the next round, for the
/// jury. Used by that thread alone.
final class UptimeProber: @unchecked Sendable {
    /// Blocks per `eth_getLogs` call while collecting registrations, and calls per tick.
    static let logWindow: UInt64 = 5000, windowsPerTick = 8

    private let service: CheckerService
    private let chain: CheckerChain
    private let fetcher: ResultFetcher
    private var config: CheckerConfig { service.config }
    private var logger: Logger { service.logger }

    private var tally = UptimeTally()
    private var epochLength: UInt64?
    private var chainID: UInt64?
    /// Operators from `OperatorRegistered` logs, and the first block not read for them.
    private var registered: Set<Address> = []
    private var nextRegistrationBlock: UInt64 = 0
    private var failures = FailureLog()
    /// Measured uptime (bps) by operator and epoch, for as many epochs as
    /// an appeal of their reports may come: see `knownKeptEpochs`.
    private var measured: [MeasuredKey: UInt64] = [:]
    private struct MeasuredKey: Hashable { var `operator`: Address; var epoch: UInt64 }
    private var keptEpochs: UInt64?
    /// At most this many epochs of measurements are kept, whatever the window.
    static let maxKeptEpochs: UInt64 = 2048
    /// The first block not yet read for `UptimeAppealOpened` logs.
    private var nextAppealBlock: UInt64?

    init(service: CheckerService, chain: CheckerChain) {
        self.service = service
        self.chain = chain
        fetcher = ResultFetcher(connectTimeout: service.config.probeTimeout)
    }

    func run() {
        repeat {
            do {
                try tick()
                failures.recovered(logger, "uptime probes")
            } catch {
                failures.failed(error.description, logger, "uptime probes")
            }
        } while service.signal.sleep(config.probeInterval)
    }

    private func tick() throws(ChainClientError) {
        let domain = OracleDomain(chainID: try knownChainID(), oracle: ProtocolContract.oracle.address)
        let head = try chain.client.blockNumber()
        let epoch = head / (try knownEpochLength())
        for measurement in tally.enter(epoch: epoch) {
            measured[MeasuredKey(operator: measurement.operator, epoch: measurement.epoch)] = measurement.uptimeBps
            attest(measurement, domain: domain)
        }
        let kept = try knownKeptEpochs()
        measured = measured.filter { $0.key.epoch + kept >= epoch }
        try collectRegistrations(upTo: head)
        try hearAppeals(upTo: head, domain: domain)

        var targets: [(Address, HTTPEndpoint?)] = []
        for op in candidates() {
            guard try chain.isActiveOperator(op) else { continue }
            let endpoint = try chain.endpoint(of: op)
            targets.append((op, try? HTTPEndpoint(endpoint)))
        }
        // All probes at once; an operator whose registered endpoint is no URL cannot be reached: down.
        let probes = targets.map { op, endpoint in
            (op, endpoint.map { fetcher.probeHealth(of: $0, timeout: config.probeTimeout) })
        }
        var up = 0
        for (op, probe) in probes {
            let ok = (try? probe?.wait()) ?? false
            if ok { up += 1 }
            tally.record(operator: op, up: ok)
        }
        logger.debug("uptime probes", metadata: ["epoch": "\(epoch)", "operators": "\(probes.count)", "up": "\(up)"])
    }

    /// The operators to probe: configured, registered (logs) and seen
    /// committing results, in address order, at most `UptimeTally.maxOperators`.
    private func candidates() -> [Address] {
        var all = registered.union(config.operators)
        all.formUnion(service.committingOperators.withLock { $0 })
        return Array(all.sorted().prefix(UptimeTally.maxOperators))
    }

    /// Reads `OperatorRegistered` logs from block 0 up to `head`, a few windows per tick.
    private func collectRegistrations(upTo head: UInt64) throws(ChainClientError) {
        for _ in 0..<Self.windowsPerTick where nextRegistrationBlock <= head && registered.count < UptimeTally.maxOperators {
            let to = nextRegistrationBlock + min(Self.logWindow - 1, head - nextRegistrationBlock)
            for op in try chain.registeredOperators(from: nextRegistrationBlock, to: to) where registered.count < UptimeTally.maxOperators {
                registered.insert(op)
            }
            nextRegistrationBlock = to + 1
        }
    }

    /// Reads `UptimeAppealOpened` logs up to `head` (from `lookbackBlocks`
    /// back at first) and, for each appeal this checker may sit on, signs
    /// its measurement of that epoch in the round after the last reported.
    private func hearAppeals(upTo head: UInt64, domain: OracleDomain) throws(ChainClientError) {
        var from = nextAppealBlock ?? (head > config.lookbackBlocks ? head - config.lookbackBlocks : 0)
        for _ in 0..<Self.windowsPerTick where from <= head {
            let to = from + min(Self.logWindow - 1, head - from)
            for (op, epoch) in try chain.uptimeAppealsOpened(from: from, to: to) {
                let meta: Logger.Metadata = ["operator": "\(op)", "epoch": "\(epoch)"]
                guard let bps = measured[MeasuredKey(operator: op, epoch: epoch)] else {
                    logger.info("uptime appeal skipped: this checker did not measure that epoch", metadata: meta)
                    continue
                }
                let appeal = try chain.uptimeAppeal(op, epoch: epoch, checker: config.key.address, head: head)
                guard appeal.open, !appeal.excluded else {
                    logger.info(appeal.excluded ? "uptime appeal skipped: this checker signed the report under appeal"
                                                : "uptime appeal skipped: it is no longer open", metadata: meta)
                    continue
                }
                let round = appeal.lastRound &+ UInt256(1)
                logger.info("uptime appeal: attesting the measured uptime again", metadata: meta.merging(
                    ["uptime_bps": "\(bps)", "round": "\(round)"]) { a, _ in a })
                let attestation = UptimeAttestation(operator: op, epoch: epoch, uptimeBps: bps, round: round)
                let params = AttestationRPC.params(attestation, signature: attestation.sign(domain, key: config.key))
                let outcome = AttestationRPC.submit(chain.client.rpc, method: AttestationRPC.submitUptimeAttestation, params: params,
                                                    pause: service.signal.sleep)
                service.log(outcome, "uptime appeal attestation", metadata: meta)
            }
            from = to + 1
        }
        nextAppealBlock = from
    }

    private func attest(_ m: UptimeMeasurement, domain: OracleDomain) {
        let attestation = UptimeAttestation(operator: m.operator, epoch: m.epoch, uptimeBps: m.uptimeBps, round: config.round)
        let meta: Logger.Metadata = ["operator": "\(m.operator)", "epoch": "\(m.epoch)", "up": "\(m.up)", "probes": "\(m.total)",
                                     "uptime_bps": "\(m.uptimeBps)"]
        logger.info("uptime measured", metadata: meta)
        let params = AttestationRPC.params(attestation, signature: attestation.sign(domain, key: config.key))
        let outcome = AttestationRPC.submit(chain.client.rpc, method: AttestationRPC.submitUptimeAttestation, params: params,
                                            pause: service.signal.sleep)
        service.log(outcome, "uptime attestation", metadata: ["operator": "\(m.operator)", "epoch": "\(m.epoch)"])
    }

    /// Params epochLength, read once (it is fixed at genesis).
    private func knownEpochLength() throws(ChainClientError) -> UInt64 {
        if let epochLength { return epochLength }
        let value = try chain.param("epochLength")
        guard let length = value.uint64IfFits, length > 0 else {
            throw ChainClientError("Params epochLength is \(value), not a block count")
        }
        epochLength = length
        return length
    }

    /// Epochs of measurements to keep: a report may come up to two epochs
    /// after its epoch and be appealed for challengeWindowBlocks after that
    /// (read once), plus one epoch of slack; at most `maxKeptEpochs`.
    private func knownKeptEpochs() throws(ChainClientError) -> UInt64 {
        if let keptEpochs { return keptEpochs }
        let length = try knownEpochLength()
        let window = try chain.param("challengeWindowBlocks").uint64IfFits ?? .max
        let kept = min(window / length + 4, Self.maxKeptEpochs)
        keptEpochs = kept
        return kept
    }

    private func knownChainID() throws(ChainClientError) -> UInt64 {
        if let chainID { return chainID }
        let id = try chain.client.chainID()
        chainID = id
        return id
    }
}
