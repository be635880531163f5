import Logging
import AthPrimitives
import AthCrypto
import AthTypes
import AthClient

/// The uptime thread of a `CheckerService`: every probe interval, asks each
/// active operator's `/health` (all at once, each with the probe timeout)
/// and counts the answers per epoch; when the chain enters a new epoch,
/// signs and submits the finished epoch's uptime of every operator probed
/// at least `UptimeTally.minimumProbes` times. Used by that thread alone.
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
        for measurement in tally.enter(epoch: epoch) { attest(measurement, domain: domain) }
        try collectRegistrations(upTo: head)

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

    private func knownChainID() throws(ChainClientError) -> UInt64 {
        if let chainID { return chainID }
        let id = try chain.client.chainID()
        chainID = id
        return id
    }
}
