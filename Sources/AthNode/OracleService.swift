import AthClient
import AthCrypto
import AthExecution
import AthOracle
import AthP2P
import AthRPC
import AthPrimitives
import AthTypes
import Foundation
import Logging

/// The protocol contracts as the oracle reads them at the chain's head.
/// Each value is read once per view; a view serves one check or one block.
final class ChainOracleView: OracleChainView {
    let chain: Chain
    private var stakes: [Address: UInt256?] = [:]
    private var total: UInt256?
    private var quorum: UInt256?
    private var currentEpoch: UInt64?

    init(chain: Chain) { self.chain = chain }

    private func view(_ contract: ProtocolContract, _ f: ABIFunction, _ args: [ABIValue]) -> [ABIValue]? {
        guard let data = try? f.encodeCall(args), let out = chain.protocolView(contract.address, data) else { return nil }
        return try? f.decodeOutput(out)
    }

    private func uint(_ contract: ProtocolContract, _ f: ABIFunction, _ args: [ABIValue]) -> UInt256 {
        view(contract, f, args)?.first?.uintValue ?? .zero
    }

    func activeCheckerStake(_ checker: Address) -> UInt256? {
        if let known = stakes[checker] { return known }
        let active = view(.staking, OracleViews.isActiveChecker, [.address(checker)])?.first?.boolValue ?? false
        let stake: UInt256? = active ? uint(.staking, OracleViews.checkerStake, [.address(checker)]) : nil
        stakes[checker] = stake
        return stake
    }

    var totalCheckerStake: UInt256 {
        if let total { return total }
        let t = uint(.staking, OracleViews.totalCheckerStake, [])
        total = t
        return t
    }

    /// The block whose stake the Oracle contract weighs for `subject`: the
    /// one before the job's commitment (or acceptance), or before the epoch.
    private var asOf: [OracleSubject: UInt256] = [:]
    private var stakesAsOf: [OracleSubject: [Address: UInt256]] = [:]
    private var totalsAsOf: [OracleSubject: UInt256] = [:]

    private func referenceBlock(_ subject: OracleSubject) -> UInt256 {
        if let known = asOf[subject] { return known }
        var block = UInt256.zero
        switch subject {
        case .job(let id):
            var since = uint(.escrow, EscrowABI.commitBlock, [.uint(id)])
            if since.isZero { since = uint(.escrow, EscrowABI.acceptBlock, [.uint(id)]) }
            if !since.isZero { block = since &- UInt256(1) }
        case .uptime(_, let epoch):
            let length = uint(.params, ParamsABI.get, [.string("epochLength")])
            let (start, overflow) = UInt256(epoch).multipliedReportingOverflow(by: length)
            if !overflow && !start.isZero { block = start &- UInt256(1) }
        }
        asOf[subject] = block
        return block
    }

    func checkerStake(_ checker: Address, for subject: OracleSubject) -> UInt256? {
        guard activeCheckerStake(checker) != nil else { return nil }
        if let known = stakesAsOf[subject]?[checker] { return known }
        let stake = uint(.staking, OracleViews.checkerStakeAt, [.address(checker), .uint(referenceBlock(subject))])
        stakesAsOf[subject, default: [:]][checker] = stake
        return stake
    }

    func totalCheckerStake(for subject: OracleSubject) -> UInt256 {
        if let known = totalsAsOf[subject] { return known }
        let total = uint(.staking, OracleViews.totalCheckerStakeAt, [.uint(referenceBlock(subject))])
        totalsAsOf[subject] = total
        return total
    }

    func isActiveOperator(_ operator: Address) -> Bool {
        view(.staking, OracleViews.isActiveOperator, [.address(`operator`)])?.first?.boolValue ?? false
    }

    var quorumBps: UInt256 {
        if let quorum { return quorum }
        let q = uint(.params, ParamsABI.get, [.string("checkerQuorumBps")])
        quorum = q
        return q
    }

    func job(_ id: UInt256) -> OracleJobView? {
        guard let job = escrowJob(id), job.state != .unknown else { return nil }
        return OracleJobView(state: job.state.rawValue, resultRoot: job.resultRoot, appealJury: appealJury(id))
    }

    /// The jury stake while job `id`'s appeal is open: the Oracle takes the
    /// jury's report in the next block only up to its deadline.
    private var juries: [UInt256: UInt256?] = [:]
    private func appealJury(_ id: UInt256) -> UInt256? {
        if let known = juries[id] { return known }
        let jury = openJury(id)
        juries[id] = jury
        return jury
    }

    /// The jury stake of the appeal with Oracle key `key` while it is open.
    private func openJury(_ key: UInt256) -> UInt256? {
        let deadline = uint(.oracle, OracleABI.appealDeadline, [.uint(key)])
        guard !deadline.isZero, UInt256(chain.head.number) < deadline,
              view(.oracle, OracleABI.appealDecided, [.uint(key)])?.first?.boolValue == false else { return nil }
        let stake = uint(.oracle, OracleABI.juryStake, [.uint(key)])
        return stake.isZero ? nil : stake
    }

    /// The jury stake while the uptime report of `operator` in `epoch` is under appeal.
    private var uptimeJuries: [UInt256: UInt256?] = [:]
    func uptimeJury(_ operator: Address, _ epoch: UInt64) -> UInt256? {
        let key = OracleSubject.uptime(operator: `operator`, epoch: epoch).appealKey
        if let known = uptimeJuries[key] { return known }
        let jury = openJury(key)
        uptimeJuries[key] = jury
        return jury
    }

    func appealExcludes(_ id: UInt256, _ checker: Address) -> Bool {
        view(.oracle, OracleABI.appealExcluded, [.uint(id), .address(checker)])?.first?.boolValue ?? false
    }

    func escrowJob(_ id: UInt256) -> EscrowJob? {
        view(.escrow, EscrowABI.job, [.uint(id)]).flatMap { EscrowJob($0) }
    }

    func lastRound(_ subject: OracleSubject) -> UInt256 {
        switch subject {
        case .job(let id): return uint(.oracle, OracleABI.lastRound, [.uint(id)])
        case .uptime(let op, let epoch): return uint(.oracle, OracleABI.lastUptimeRound, [.address(op), .uint(UInt256(epoch))])
        }
    }

    var epoch: UInt64 {
        if let currentEpoch { return currentEpoch }
        let length = uint(.params, ParamsABI.get, [.string("epochLength")]).uint64IfFits ?? 0
        let e = length == 0 ? 0 : chain.head.number / length
        currentEpoch = e
        return e
    }
}

/// Staking views the oracle needs beyond the CLI's.
enum OracleViews {
    static let isActiveChecker = ABIFunction("isActiveChecker", [.address], returns: [.bool])
    static let isActiveOperator = ABIFunction("isActiveOperator", [.address], returns: [.bool])
    static let checkerStake = ABIFunction("checkerStake", [.address], returns: [.uint256])
    static let totalCheckerStake = ABIFunction("totalCheckerStake", returns: [.uint256])
    static let checkerStakeAt = ABIFunction("checkerStakeAt", [.address, .uint256], returns: [.uint256])
    static let totalCheckerStakeAt = ABIFunction("totalCheckerStakeAt", [.uint256], returns: [.uint256])
}

/// The node's oracle module: pools checker attestations that arrive over
/// JSON-RPC (`ath_submitAttestation`) and P2P gossip, passes new ones on to
/// peers, and once checkers holding the quorum agree on a subject, sends the
/// report (`Oracle.submitReport` or `submitUptimeReport`) from the node's
/// transmitter key. Among validators the report's designated transmitter
/// (subject hash modulo the set) sends first; the others wait two blocks per
/// place behind it, and nobody sends a report the chain would refuse.
public final class OracleService: @unchecked Sendable {
    let chain: Chain
    public let pool: AttestationPool
    let transmitter: Secp256k1PrivateKey?
    let logger: Logger
    /// Passes a newly pooled attestation to peers (all but the one it came from).
    var gossip: (@Sendable (_ message: [UInt8], _ except: NodeID?) -> Void)?
    /// How many blocks after a report is ready this node waits before sending it.
    var transmitDelay: (@Sendable (OracleSubject) -> UInt64)?
    /// Admits a signed transaction to the mempool (and gossips it).
    var submitTransaction: (@Sendable ([UInt8]) throws -> Void)?
    /// Where the module counts attestations, refusals and reports.
    var metrics: MetricsRegistry?

    private let queue = DispatchQueue(label: "ath.oracle")
    /// Guarded by `queue`: when each ready report was first seen, and what was sent.
    private var readySince: [OracleSubject: UInt64] = [:]
    private var sent: [OracleSubject: (round: UInt256, block: UInt64)] = [:]
    /// Blocks after which an unsettled report is sent again.
    static let resendBlocks: UInt64 = 10
    /// Blocks each place in the transmitter order waits.
    public static let backoffBlocks: UInt64 = 2

    public init(chain: Chain, transmitter: Secp256k1PrivateKey?, logger: Logger) {
        self.chain = chain
        self.transmitter = transmitter
        self.logger = logger
        pool = AttestationPool(domain: OracleDomain(chainID: chain.rules.chainID, oracle: ProtocolContract.oracle.address))
    }

    public var transmitterAddress: Address? { transmitter?.address }

    /// Verifies and pools one attestation and gossips it when it is new.
    @discardableResult
    public func submit(_ statement: OracleStatement, signature: [UInt8], from peer: NodeID? = nil) throws(AttestationError) -> PoolAdmission {
        let via = peer == nil ? "rpc" : "p2p"
        let admission: PoolAdmission
        do { admission = try pool.add(statement, signature: signature, view: ChainOracleView(chain: chain)) } catch {
            metrics?.counter("ath_oracle_attestations_refused_total", help: "Attestations refused, by reason",
                             labels: [("reason", error.reason)]).increment()
            throw error
        }
        metrics?.counter("ath_oracle_attestations_pooled_total", help: "Attestations pooled, by how they arrived",
                         labels: [("via", via)]).increment()
        logger.log(level: admission.quorum ? .info : .debug, "attestation pooled", metadata: [
            "subject": "\(statement.subject)", "signer": "\(admission.signer)", "pooled": "\(admission.attestations)",
            "quorum": "\(admission.quorum)", "via": "\(peer == nil ? "rpc" : "p2p")",
        ])
        gossip?(OracleWire.encode(statement, signature: signature), peer)
        if admission.quorum && transmitter != nil { queue.async { [self] in transmitDue(head: chain.head.number) } }
        return admission
    }

    /// The reports the pool could send now.
    public func readyReports() -> [OracleReport] { pool.readyReports(view: ChainOracleView(chain: chain)) }

    /// Called after each committed block: prunes settled subjects and sends due reports.
    public func blockCommitted(_ number: UInt64) {
        queue.async { [self] in transmitDue(head: number) }
    }

    private func transmitDue(head: UInt64) {
        let view = ChainOracleView(chain: chain)
        pool.prune(view: view)
        let reports = pool.readyReports(view: view)
        metrics?.gauge("ath_oracle_pooled_subjects", help: "Subjects (jobs, uptime epochs) with pooled attestations")
            .set(Double(pool.subjectCount))
        metrics?.gauge("ath_oracle_ready_reports", help: "Subjects whose attestations reach the quorum").set(Double(reports.count))
        let ready = Set(reports.map(\.statement.subject))
        readySince = readySince.filter { ready.contains($0.key) }
        sent = sent.filter { ready.contains($0.key) }
        guard let key = transmitter, let submitTransaction else { return }
        for report in reports {
            let subject = report.statement.subject
            let since = readySince[subject] ?? head
            readySince[subject] = since
            guard head >= since + (transmitDelay?(subject) ?? 0) else { continue }
            if let s = sent[subject], s.round == report.statement.round, head < s.block + Self.resendBlocks { continue }
            sent[subject] = (report.statement.round, head)
            do {
                let raw = try transaction(for: report, key: key)
                try submitTransaction(raw)
                metrics?.counter("ath_oracle_reports_sent_total", help: "Oracle reports sent from this node's transmitter").increment()
                logger.info("oracle report sent", metadata: [
                    "subject": "\(subject)", "statement": "\(Self.summary(report.statement))",
                    "signers": "\(report.signers.count)", "transmitter": "\(key.address)",
                ])
            } catch {
                metrics?.counter("ath_oracle_reports_failed_total", help: "Oracle reports this node could not send").increment()
                logger.warning("oracle report not sent", metadata: ["subject": "\(subject)", "reason": "\(error)"])
            }
        }
    }

    /// The signed report transaction, after a dry run on the head state
    /// shows the contract accepts it (its revert reason otherwise).
    func transaction(for report: OracleReport, key: Secp256k1PrivateKey) throws -> [UInt8] {
        let signatures = ABIValue.array(report.signatures.map { ABIValue.bytes($0) })
        let data: [UInt8]
        switch report.statement {
        case .job(let a):
            data = try OracleABI.submitReport.encodeCall([.uint(a.jobID), .fixedBytes(a.resultRoot.bytes),
                                                          .uint(UInt256(UInt64(a.verdict.rawValue))), .uint(a.workUnits),
                                                          .uint(a.round), signatures])
        case .uptime(let u):
            data = try OracleABI.submitUptimeReport.encodeCall([.address(u.operator), .uint(UInt256(u.epoch)), .uint(u.round),
                                                                .array(report.uptimes.map { .uint(UInt256($0)) }), signatures])
        }
        let sender = key.address
        let dryRun = ExecutableTransaction(sender: sender, to: ProtocolContract.oracle.address, nonce: chain.stateView.nonce(of: sender),
                                           gasLimit: 10_000_000, value: .zero, data: data, accessList: [],
                                           maxFeePerGas: .zero, maxPriorityFeePerGas: .zero)
        let outcome: TransactionOutcome
        switch chain.simulate(dryRun) {
        case .failure(let e): throw ChainError("the report cannot run: \(e)")
        case .success(let o): outcome = o
        }
        guard outcome.status == .success else {
            throw ChainError("the Oracle would refuse the report: \(ChainClient.revertReason(outcome.output) ?? "\(outcome.status)")")
        }
        let tip = EthAPI.suggestedTip
        let base = chain.nextBaseFee
        let tx = Transaction.dynamicFee(chainID: chain.rules.chainID,
                                        nonce: chain.mempool.pendingNonce(of: sender, state: chain.stateView),
                                        maxPriorityFeePerGas: tip, maxFeePerGas: base &+ base &+ tip,
                                        gasLimit: outcome.gasUsed + outcome.gasUsed / 2 + 50_000,
                                        to: ProtocolContract.oracle.address, value: .zero, data: data)
        return tx.signed(with: key).encoded
    }

    static func summary(_ s: OracleStatement) -> String {
        switch s {
        case .job(let a):
            return "job \(a.jobID) \(a.verdict) root \(a.resultRoot) work units \(a.workUnits) round \(a.round)"
        case .uptime(let u):
            return "operator \(u.operator) epoch \(u.epoch) uptime \(u.uptimeBps) bps round \(u.round)"
        }
    }
}
