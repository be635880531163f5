import AthCrypto
import AthPrimitives
import AthTypes
import Synchronization

/// What a pool of attestations is about: one job's verdict, or one
/// operator's uptime in one epoch. Reports are made per subject.
public enum OracleSubject: Hashable, Sendable, CustomStringConvertible {
    case job(UInt256)
    case uptime(operator: Address, epoch: UInt64)

    public var description: String {
        switch self {
        case .job(let id): return "job \(id)"
        case .uptime(let op, let epoch): return "uptime of \(op) in epoch \(epoch)"
        }
    }

    /// The Oracle's key for this subject's appeal (appealDeadline,
    /// juryStake, appealExcluded): the job id, or for uptime
    /// keccak256(abi.encode(operator, epoch)).
    public var appealKey: UInt256 {
        switch self {
        case .job(let id): return id
        case .uptime(let op, let epoch):
            let word = [UInt8](repeating: 0, count: 12) + op.bytes + UInt256(epoch).bigEndianBytes
            return UInt256(bigEndianBytes: Keccak256.hash(word).bytes) ?? .zero
        }
    }
}

/// The statement checkers sign, either kind.
public enum OracleStatement: Hashable, Sendable {
    case job(JobAttestation)
    case uptime(UptimeAttestation)

    public var subject: OracleSubject {
        switch self {
        case .job(let a): return .job(a.jobID)
        case .uptime(let u): return .uptime(operator: u.operator, epoch: u.epoch)
        }
    }

    public var round: UInt256 {
        switch self {
        case .job(let a): return a.round
        case .uptime(let u): return u.round
        }
    }

    public func digest(_ domain: OracleDomain) -> Hash32 {
        switch self {
        case .job(let a): return a.digest(domain)
        case .uptime(let u): return u.digest(domain)
        }
    }
}

/// An escrow job as far as the oracle judges attestations about it.
public struct OracleJobView: Sendable, Equatable {
    /// Escrow's job states: 1 open, 2 accepted, 3 committed, 4 settled, 5 reclaimed.
    public var state: UInt8
    public var resultRoot: Hash32
    /// The jury stake while the job's appeal is open (Oracle.appeal), else
    /// nil: a settled job under appeal awaits the jury's report.
    public var appealJury: UInt256?
    public init(state: UInt8, resultRoot: Hash32, appealJury: UInt256? = nil) {
        self.state = state; self.resultRoot = resultRoot; self.appealJury = appealJury
    }

    public static let accepted: UInt8 = 2, committed: UInt8 = 3, settled: UInt8 = 4

    /// Whether a report on the job is awaited: accepted or committed, or
    /// settled with its appeal open.
    var awaitsReport: Bool {
        state == Self.accepted || state == Self.committed || (state == Self.settled && appealJury != nil)
    }
}

/// The chain state the pool checks attestations against (the node reads it
/// from the protocol contracts at its head).
public protocol OracleChainView {
    /// The checker's stake when Staking lists it as an active checker, else nil.
    func activeCheckerStake(_ checker: Address) -> UInt256?
    var totalCheckerStake: UInt256 { get }
    /// Params `checkerQuorumBps`.
    var quorumBps: UInt256 { get }
    /// The job, nil when Escrow does not know it.
    func job(_ id: UInt256) -> OracleJobView?
    /// The last report round the Oracle contract accepted for the subject (0: none).
    func lastRound(_ subject: OracleSubject) -> UInt256
    /// The current epoch (block number / epochLength).
    var epoch: UInt64 { get }
    /// The checker's stake as the Oracle contract weighs it for `subject`
    /// (as of the block before the job's commitment or the epoch's start);
    /// nil when it is not an active checker now.
    func checkerStake(_ checker: Address, for subject: OracleSubject) -> UInt256?
    /// All active checker stake as of the same block.
    func totalCheckerStake(for subject: OracleSubject) -> UInt256
    /// Whether Staking lists `operator` as an active operator (uptime is
    /// only attested for those).
    func isActiveOperator(_ operator: Address) -> Bool
    /// Whether `checker` signed the report whose open appeal has key `id`
    /// (`OracleSubject.appealKey`; Oracle.appealExcluded): it may not sit
    /// on the jury.
    func appealExcludes(_ id: UInt256, _ checker: Address) -> Bool
    /// The jury stake while the uptime report of `operator` in `epoch` is
    /// under appeal (Oracle.appealUptime), else nil.
    func uptimeJury(_ operator: Address, _ epoch: UInt64) -> UInt256?
}

extension OracleChainView {
    public func checkerStake(_ checker: Address, for subject: OracleSubject) -> UInt256? { activeCheckerStake(checker) }
    public func totalCheckerStake(for subject: OracleSubject) -> UInt256 { totalCheckerStake }
    public func isActiveOperator(_ operator: Address) -> Bool { true }
    public func appealExcludes(_ id: UInt256, _ checker: Address) -> Bool { false }
    public func uptimeJury(_ operator: Address, _ epoch: UInt64) -> UInt256? { nil }
}

/// Why an attestation was refused. Each reads as one sentence for the submitter.
public enum AttestationError: Error, Equatable, Sendable, CustomStringConvertible {
    case malformedSignature
    case notActiveChecker(Address)
    /// The checker signed the verdict under appeal.
    case excludedFromJury(OracleSubject, Address)
    case unknownJob(UInt256)
    case jobNotAwaitingReport(UInt256, state: UInt8)
    case rootMismatch(job: UInt256, committed: Hash32, attested: Hash32)
    case staleRound(OracleSubject, round: UInt256, last: UInt256)
    case epochNotFinished(epoch: UInt64, current: UInt64)
    /// Uptime of an epoch too old to be reported any more.
    case epochTooOld(epoch: UInt64, current: UInt64, window: UInt64)
    /// Uptime of an address that is not an active operator.
    case notActiveOperator(Address)
    case uptimeAbove100(UInt64)
    case duplicate(OracleSubject, Address)
    case conflicting(OracleSubject, Address)
    case poolFull(Int)
    /// The round is further above the last reported round than the pool looks ahead.
    case roundTooFar(OracleSubject, round: UInt256, last: UInt256, window: UInt64)
    /// The checker already has its most rounds pooled for the subject.
    case tooManyRounds(OracleSubject, Address, limit: Int)
    /// The checker already has its most statements pooled in all.
    case signerLimit(Address, limit: Int)

    static let stateNames = ["unknown", "open", "accepted", "committed", "settled", "reclaimed"]

    /// A short name of the refusal, for metrics labels.
    public var reason: String {
        switch self {
        case .malformedSignature: return "malformed_signature"
        case .notActiveChecker: return "not_active_checker"
        case .excludedFromJury: return "excluded_from_jury"
        case .unknownJob: return "unknown_job"
        case .jobNotAwaitingReport: return "job_not_awaiting_report"
        case .rootMismatch: return "root_mismatch"
        case .staleRound: return "stale_round"
        case .epochNotFinished: return "epoch_not_finished"
        case .epochTooOld: return "epoch_too_old"
        case .notActiveOperator: return "not_active_operator"
        case .uptimeAbove100: return "uptime_above_100"
        case .duplicate: return "duplicate"
        case .conflicting: return "conflicting"
        case .poolFull: return "pool_full"
        case .roundTooFar: return "round_too_far"
        case .tooManyRounds: return "too_many_rounds"
        case .signerLimit: return "signer_limit"
        }
    }

    public var description: String {
        switch self {
        case .malformedSignature:
            return "the signature is not a 65-byte r‖s‖v with v 27 or 28 and low s, or it does not recover a signer"
        case .notActiveChecker(let a): return "\(a) is not an active checker in Staking"
        case .excludedFromJury(let subject, let a): return "\(a) signed the report of \(subject) under appeal and cannot sit on its jury"
        case .unknownJob(let id): return "Escrow has no job \(id)"
        case .jobNotAwaitingReport(let id, let s):
            return "job \(id) is \(s < Self.stateNames.count ? Self.stateNames[Int(s)] : "in state \(s)"), not awaiting a report"
        case .rootMismatch(let id, let committed, let attested):
            return "the attested root \(attested) of job \(id) is not the committed root \(committed)"
        case .staleRound(let subject, let round, let last):
            return "round \(round) of \(subject) is not newer than the last reported round \(last)"
        case .epochTooOld(let epoch, let current, let window):
            return "epoch \(epoch) is too old: the pool takes uptime for the last \(window) finished epochs (the current epoch is \(current))"
        case .notActiveOperator(let a): return "\(a) is not an active operator in Staking"
        case .epochNotFinished(let epoch, let current):
            return "epoch \(epoch) is not finished (the current epoch is \(current))"
        case .uptimeAbove100(let bps): return "uptime \(bps) bps is above 10000"
        case .duplicate(let subject, let a): return "\(a) already attested \(subject) in this round"
        case .conflicting(let subject, let a):
            return "\(a) already attested \(subject) in this round with a different statement"
        case .poolFull(let n): return "the attestation pool holds its maximum of \(n) subjects; try again later"
        case .roundTooFar(let subject, let round, let last, let window):
            return "round \(round) of \(subject) is too far ahead: the pool takes rounds up to \(window) above the last reported round \(last)"
        case .tooManyRounds(let subject, let a, let limit):
            return "\(a) already has \(limit) rounds of \(subject) pooled"
        case .signerLimit(let a, let limit):
            return "\(a) already has \(limit) attestations pooled; wait until some are reported"
        }
    }
}

/// One pooled, verified attestation.
public struct PooledAttestation: Sendable, Equatable {
    public var statement: OracleStatement
    public var signer: Address
    public var signature: [UInt8]
    public var stake: UInt256
}

/// A report ready for `Oracle.submitReport` or `submitUptimeReport`: one
/// statement and the signatures of checkers holding the quorum, ascending by
/// signer as the contract requires. For uptime each checker signs the value
/// it measured (`uptimes`, one per signer) and the statement carries their
/// stake-weighted median, the value the contract settles on.
public struct OracleReport: Sendable, Equatable {
    public var statement: OracleStatement
    public var signers: [Address]
    public var signatures: [[UInt8]]
    public var signedStake: UInt256
    public var uptimes: [UInt64] = []
}

extension OracleStatement {
    /// What checkers must agree on to be counted together: the whole
    /// statement for a job; for uptime the operator, epoch and round (each
    /// signs its own measurement, and the median settles).
    var agreementKey: OracleStatement {
        switch self {
        case .job: return self
        case .uptime(var u):
            u.uptimeBps = 0
            return .uptime(u)
        }
    }
}

/// The outcome of a pooled attestation.
public struct PoolAdmission: Sendable, Equatable {
    public var signer: Address
    /// Attestations pooled for the subject, this one included.
    public var attestations: Int
    /// Whether checkers agreeing with this statement now hold the quorum.
    public var quorum: Bool

    public init(signer: Address, attestations: Int, quorum: Bool) {
        self.signer = signer; self.attestations = attestations; self.quorum = quorum
    }
}

/// Checker attestations per subject: verified on arrival (signature,
/// active checker, the job's state and root, round, epoch), de-duplicated
/// per checker and round, and grouped by statement until checkers holding
/// the quorum agree. Thread-safe; signature recovery runs outside the lock.
public final class AttestationPool: Sendable {
    public let domain: OracleDomain
    /// The most subjects held at once, and attestations per subject.
    public let maxSubjects: Int
    public static let maxSigners = 32
    /// Rounds accepted above the last reported round of a subject: a report
    /// the contract refuses is retried with the next round, so honest
    /// checkers need only a few.
    public static let roundWindow: UInt64 = 8
    /// Rounds one checker may have pooled for one subject.
    public static let maxRoundsPerSigner = 4
    /// Statements one checker may have pooled in all.
    public let maxPerSigner: Int
    /// Finished epochs whose uptime the pool takes: the last two (Escrow
    /// holds lease earnings two epochs, so later reports refund nothing);
    /// older uptime subjects are dropped by `prune`.
    public static let uptimeEpochs: UInt64 = 2

    private struct Entry {
        var attestations: [PooledAttestation] = []
    }

    private let entries = Mutex<[OracleSubject: Entry]>([:])
    /// Statements pooled per signer (in `entries`).
    private let perSigner = Mutex<[Address: Int]>([:])
    /// The attestations of the most recently pruned subjects, oldest first,
    /// so a settled job still shows who attested it.
    private let archive = Mutex<(order: [OracleSubject], attestations: [OracleSubject: [PooledAttestation]])>(([], [:]))
    public static let archivedSubjects = 4096

    public init(domain: OracleDomain, maxSubjects: Int = 65_536, maxPerSigner: Int = 4_096) {
        self.domain = domain
        self.maxSubjects = maxSubjects
        self.maxPerSigner = maxPerSigner
    }

    /// Verifies and pools one attestation; nothing changes when it is refused.
    @discardableResult
    public func add(_ statement: OracleStatement, signature: [UInt8],
                    view: some OracleChainView) throws(AttestationError) -> PoolAdmission {
        guard let signer = OracleSignature.recover(signature, digest: statement.digest(domain)) else {
            throw .malformedSignature
        }
        try check(statement, view: view)
        guard view.activeCheckerStake(signer) != nil else { throw .notActiveChecker(signer) }
        let subject = statement.subject
        let jury = Self.jury(subject, view)
        if jury != nil, view.appealExcludes(subject.appealKey, signer) {
            throw .excludedFromJury(subject, signer)
        }
        let weighed = view.checkerStake(signer, for: subject) ?? .zero
        let total = view.totalCheckerStake(for: subject)
        let pooled = PooledAttestation(statement: statement, signer: signer, signature: signature, stake: weighed)
        let result: Result<PoolAdmission, AttestationError> = entries.withLock { map in
            if map[subject] == nil && map.count >= maxSubjects { return .failure(.poolFull(maxSubjects)) }
            var entry = map[subject] ?? Entry()
            if let prior = entry.attestations.first(where: { $0.signer == signer && $0.statement.round == statement.round }) {
                return .failure(prior.statement == statement ? .duplicate(subject, signer) : .conflicting(subject, signer))
            }
            if entry.attestations.lazy.filter({ $0.signer == signer }).count >= Self.maxRoundsPerSigner {
                return .failure(.tooManyRounds(subject, signer, limit: Self.maxRoundsPerSigner))
            }
            let full = perSigner.withLock { counts -> Bool in
                let n = counts[signer, default: 0]
                guard n < maxPerSigner else { return true }
                counts[signer] = n + 1
                return false
            }
            if full { return .failure(.signerLimit(signer, limit: maxPerSigner)) }
            entry.attestations.append(pooled)
            map[subject] = entry
            let agreeing = entry.attestations.filter { $0.statement.agreementKey == statement.agreementKey }
            let quorum = Self.reachesQuorum(agreeing.reduce(UInt256.zero) { $0 &+ $1.stake }, total: total, jury: jury, view)
            return .success(PoolAdmission(signer: signer, attestations: entry.attestations.count, quorum: quorum))
        }
        return try result.get()
    }

    /// The checks that need no signer: the job's state and root, the round, the epoch.
    private func check(_ statement: OracleStatement, view: some OracleChainView) throws(AttestationError) {
        let subject = statement.subject
        switch statement {
        case .job(let a):
            guard let job = view.job(a.jobID) else { throw .unknownJob(a.jobID) }
            let appealed = job.state == OracleJobView.settled && job.appealJury != nil
            if a.verdict == .unavailable {
                guard job.state == OracleJobView.accepted || job.state == OracleJobView.committed || appealed else {
                    throw .jobNotAwaitingReport(a.jobID, state: job.state)
                }
            } else {
                guard job.state == OracleJobView.committed || appealed else { throw .jobNotAwaitingReport(a.jobID, state: job.state) }
                guard job.resultRoot == a.resultRoot else {
                    throw .rootMismatch(job: a.jobID, committed: job.resultRoot, attested: a.resultRoot)
                }
            }
        case .uptime(let u):
            guard u.uptimeBps <= 10_000 else { throw .uptimeAbove100(u.uptimeBps) }
            let current = view.epoch
            guard u.epoch < current else { throw .epochNotFinished(epoch: u.epoch, current: current) }
            // An epoch under appeal is heard until the appeal's deadline, however old.
            guard u.epoch + Self.uptimeEpochs >= current || view.uptimeJury(u.operator, u.epoch) != nil else {
                throw .epochTooOld(epoch: u.epoch, current: current, window: Self.uptimeEpochs)
            }
            guard view.isActiveOperator(u.operator) else { throw .notActiveOperator(u.operator) }
        }
        let last = view.lastRound(subject)
        guard statement.round > last else { throw .staleRound(subject, round: statement.round, last: last) }
        let (limit, overflow) = last.addingReportingOverflow(UInt256(Self.roundWindow))
        guard overflow || statement.round <= limit else {
            throw .roundTooFar(subject, round: statement.round, last: last, window: Self.roundWindow)
        }
    }

    /// The contract's median: the least value whose cumulative weight (values
    /// ascending) reaches half of `total`.
    static func weightedMedian(_ values: [UInt64], _ weights: [UInt256], total: UInt256) -> UInt64 {
        var acc = UInt256.zero
        for (v, w) in zip(values, weights).sorted(by: { $0.0 < $1.0 }) {
            acc = acc &+ w
            let (twice, overflow) = acc.multipliedReportingOverflow(by: UInt256(2))
            if overflow || twice >= total { return v }
        }
        return values.max() ?? 0
    }

    /// The jury stake of a subject whose appeal is open, else nil.
    static func jury(_ subject: OracleSubject, _ view: some OracleChainView) -> UInt256? {
        switch subject {
        case .job(let id): return view.job(id)?.appealJury
        case .uptime(let op, let epoch): return view.uptimeJury(op, epoch)
        }
    }

    /// The contract's rule: signed · 10000 ≥ quorumBps · total, with some
    /// stake at all; for an appeal's jury, signed · 2 > the jury stake.
    static func reachesQuorum(_ signed: UInt256, total: UInt256, jury: UInt256? = nil, _ view: some OracleChainView) -> Bool {
        if let jury {
            let (twice, overflow) = signed.multipliedReportingOverflow(by: UInt256(2))
            return !jury.isZero && (overflow || twice > jury)
        }
        guard !total.isZero else { return false }
        let (lhs, o1) = signed.multipliedReportingOverflow(by: UInt256(10_000))
        let (rhs, o2) = view.quorumBps.multipliedReportingOverflow(by: total)
        return !o1 && !o2 && lhs >= rhs
    }

    /// The attestations pooled for `subject`, in arrival order (those of a
    /// recently pruned subject from the archive).
    public func attestations(_ subject: OracleSubject) -> [PooledAttestation] {
        if let live = entries.withLock({ $0[subject]?.attestations }) { return live }
        return archive.withLock { $0.attestations[subject] ?? [] }
    }

    public var subjectCount: Int { entries.withLock { $0.count } }

    /// Reports for every subject where checkers holding the quorum (by their
    /// stake as the contract weighs it: before the result existed) agree on one statement of a round newer than the last
    /// reported. At most 32 signers, the largest stakes first.
    public func readyReports(view: some OracleChainView) -> [OracleReport] {
        let snapshot = entries.withLock { $0 }
        var out: [OracleReport] = []
        for (subject, entry) in snapshot {
            let last = view.lastRound(subject)
            var groups: [OracleStatement: [PooledAttestation]] = [:]
            for a in entry.attestations where a.statement.round > last { groups[a.statement.agreementKey, default: []].append(a) }
            var best: OracleReport?
            let total = groups.isEmpty ? UInt256.zero : view.totalCheckerStake(for: subject)
            let jury = groups.isEmpty ? nil : Self.jury(subject, view)
            for (statement, list) in groups {
                var members: [(PooledAttestation, UInt256)] = []
                for a in list {
                    if jury != nil, view.appealExcludes(subject.appealKey, a.signer) { continue }
                    guard let stake = view.checkerStake(a.signer, for: subject), !stake.isZero else { continue }
                    members.append((a, stake))
                }
                members.sort { $0.1 > $1.1 }
                let chosen = members.prefix(Self.maxSigners).sorted { $0.0.signer.bytes.lexicographicallyPrecedes($1.0.signer.bytes) }
                let signed = chosen.reduce(UInt256.zero) { $0 &+ $1.1 }
                guard Self.reachesQuorum(signed, total: total, jury: jury, view) else { continue }
                var report = OracleReport(statement: statement, signers: chosen.map(\.0.signer),
                                          signatures: chosen.map(\.0.signature), signedStake: signed)
                if case .uptime(var u) = statement {
                    let values = chosen.map { member -> UInt64 in
                        if case .uptime(let mine) = member.0.statement { return mine.uptimeBps }
                        return 0
                    }
                    report.uptimes = values
                    u.uptimeBps = Self.weightedMedian(values, chosen.map(\.1), total: signed)
                    report.statement = .uptime(u)
                }
                if best.map({ signed > $0.signedStake }) ?? true { best = report }
            }
            if let best { out.append(best) }
        }
        return out
    }

    /// Drops subjects the chain has settled: jobs no longer awaiting a report,
    /// and subjects whose pooled rounds are all reported. Returns how many went.
    @discardableResult
    public func prune(view: some OracleChainView) -> Int {
        let subjects = entries.withLock { Array($0.keys) }
        var done: [OracleSubject] = []
        for subject in subjects {
            if case .job(let id) = subject, let job = view.job(id), !job.awaitsReport {
                done.append(subject)
                continue
            }
            // Uptime subjects expire once their epoch is too old to report.
            if case .uptime(let op, let epoch) = subject, epoch + Self.uptimeEpochs < view.epoch, view.uptimeJury(op, epoch) == nil {
                done.append(subject)
                continue
            }
            let last = view.lastRound(subject)
            let pending = attestations(subject).contains { $0.statement.round > last }
            if !pending { done.append(subject) }
        }
        let removed = entries.withLock { map in done.compactMap { s in map.removeValue(forKey: s).map { (s, $0.attestations) } } }
        perSigner.withLock { counts in
            for (_, list) in removed {
                for a in list {
                    let left = counts[a.signer, default: 1] - 1
                    counts[a.signer] = left > 0 ? left : nil
                }
            }
        }
        archive.withLock { a in
            for (subject, list) in removed {
                if a.attestations.updateValue(list, forKey: subject) == nil { a.order.append(subject) }
            }
            if a.order.count > Self.archivedSubjects {
                let drop = a.order.count - Self.archivedSubjects
                for s in a.order.prefix(drop) { a.attestations[s] = nil }
                a.order.removeFirst(drop)
            }
        }
        return done.count
    }
}
