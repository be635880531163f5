import AthCrypto
import AthOracle
import AthPrimitives
import AthTypes
import Testing

/// A chain with three equal checkers (100 each, quorum 6666 bps) and one committed job.
struct FakeChain: OracleChainView {
    var stakes: [Address: UInt256]
    var jobs: [UInt256: OracleJobView]
    var rounds: [OracleSubject: UInt256] = [:]
    var quorumBps = UInt256(6_666)
    var epoch: UInt64 = 5

    func activeCheckerStake(_ checker: Address) -> UInt256? { stakes[checker] }
    var totalCheckerStake: UInt256 { stakes.values.reduce(.zero) { $0 &+ $1 } }
    func job(_ id: UInt256) -> OracleJobView? { jobs[id] }
    func lastRound(_ subject: OracleSubject) -> UInt256 { rounds[subject] ?? .zero }
    /// Active operators (nil: every address is one).
    var operators: Set<Address>?
    func isActiveOperator(_ operator: Address) -> Bool { operators?.contains(`operator`) ?? true }
    /// Stake as the contract weighs it for a subject (stake bonded before the
    /// result existed); missing: the stake now.
    var stakesBefore: [Address: UInt256]?
    func checkerStake(_ checker: Address, for subject: OracleSubject) -> UInt256? {
        guard let now = stakes[checker] else { return nil }
        return stakesBefore.map { $0[checker] ?? .zero } ?? now
    }
    func totalCheckerStake(for subject: OracleSubject) -> UInt256 {
        stakesBefore.map { $0.values.reduce(.zero) { $0 &+ $1 } } ?? totalCheckerStake
    }
    /// Signers of appealed verdicts, by job.
    var excluded: [UInt256: Set<Address>] = [:]
    func appealExcludes(_ id: UInt256, _ checker: Address) -> Bool { excluded[id]?.contains(checker) ?? false }
    /// Open uptime appeals: their jury stake.
    var uptimeJuries: [OracleSubject: UInt256] = [:]
    func uptimeJury(_ operator: Address, _ epoch: UInt64) -> UInt256? { uptimeJuries[.uptime(operator: `operator`, epoch: epoch)] }
}

private let domain = OracleDomain(chainID: 7331, oracle: Address(low: 0x1004))
private let checkers = (2...4).map { i in try! Secp256k1PrivateKey(Keccak256.hash(Array("ath devnet account \(i)".utf8)).bytes) }
private let outsider = try! Secp256k1PrivateKey(Keccak256.hash(Array("not a checker".utf8)).bytes)
private let root = Keccak256.hash(Array("root".utf8))

private func chain() -> FakeChain {
    FakeChain(stakes: Dictionary(uniqueKeysWithValues: checkers.map { ($0.address, UInt256(100)) }),
              jobs: [UInt256(1): OracleJobView(state: 3, resultRoot: root), UInt256(2): OracleJobView(state: 4, resultRoot: root),
                     UInt256(3): OracleJobView(state: 2, resultRoot: .zero)])
}

private func attestation(job: UInt64 = 1, root r: Hash32 = root, verdict: Verdict = .valid, units: UInt64 = 16,
                         round: UInt64 = 1) -> JobAttestation {
    JobAttestation(jobID: UInt256(job), resultRoot: r, verdict: verdict, workUnits: UInt256(units), round: UInt256(round))
}

private func statement(_ a: JobAttestation) -> OracleStatement { .job(a) }

@Suite struct AttestationPoolTests {
    @Test func twoOfThreeEqualCheckersMakeAReportSortedBySigner() throws {
        let pool = AttestationPool(domain: domain)
        let view = chain()
        let a = attestation()
        let first = try pool.add(.job(a), signature: a.sign(domain, key: checkers[0]), view: view)
        #expect(first == PoolAdmission(signer: checkers[0].address, attestations: 1, quorum: false))
        #expect(pool.readyReports(view: view).isEmpty)
        let second = try pool.add(.job(a), signature: a.sign(domain, key: checkers[2]), view: view)
        #expect(second.quorum && second.attestations == 2)
        let reports = pool.readyReports(view: view)
        #expect(reports.count == 1)
        let report = try #require(reports.first)
        #expect(report.statement == .job(a))
        #expect(report.signers == [checkers[0].address, checkers[2].address].sorted())
        #expect(report.signedStake == UInt256(200))
        for (signer, sig) in zip(report.signers, report.signatures) {
            #expect(a.signer(of: sig, domain: domain) == signer)
        }
    }

    @Test func aDissenterIsLeftOutOfTheMajorityReport() throws {
        let pool = AttestationPool(domain: domain)
        let view = chain()
        let valid = attestation(), invalid = attestation(verdict: .invalid, units: 0)
        try pool.add(.job(valid), signature: valid.sign(domain, key: checkers[0]), view: view)
        try pool.add(.job(invalid), signature: invalid.sign(domain, key: checkers[1]), view: view)
        #expect(pool.readyReports(view: view).isEmpty)
        try pool.add(.job(valid), signature: valid.sign(domain, key: checkers[2]), view: view)
        let report = try #require(pool.readyReports(view: view).first)
        #expect(report.statement == .job(valid))
        #expect(!report.signers.contains(checkers[1].address))
        #expect(pool.attestations(.job(UInt256(1))).count == 3)
    }

    @Test func badAttestationsAreRefusedAndChangeNothing() throws {
        let pool = AttestationPool(domain: domain)
        let view = chain()
        let a = attestation()
        var sig = a.sign(domain, key: checkers[0])
        // Wrong signature: a flipped bit recovers another address, which is no checker.
        sig[5] ^= 1
        #expect(throws: AttestationError.self) { try pool.add(.job(a), signature: sig, view: view) }
        // Malformed: short, bad v, high s.
        #expect(throws: AttestationError.malformedSignature) { try pool.add(.job(a), signature: [1, 2, 3], view: view) }
        var badV = a.sign(domain, key: checkers[0]); badV[64] = 29
        #expect(throws: AttestationError.malformedSignature) { try pool.add(.job(a), signature: badV, view: view) }
        // Unregistered checker.
        #expect(throws: AttestationError.notActiveChecker(outsider.address)) {
            try pool.add(.job(a), signature: a.sign(domain, key: outsider), view: view)
        }
        // Another job: unknown, settled, or a root that is not the committed one.
        let unknown = attestation(job: 9)
        #expect(throws: AttestationError.unknownJob(UInt256(9))) {
            try pool.add(.job(unknown), signature: unknown.sign(domain, key: checkers[0]), view: view)
        }
        let settled = attestation(job: 2)
        #expect(throws: AttestationError.jobNotAwaitingReport(UInt256(2), state: 4)) {
            try pool.add(.job(settled), signature: settled.sign(domain, key: checkers[0]), view: view)
        }
        let otherRoot = attestation(root: Keccak256.hash([1]))
        #expect(throws: AttestationError.rootMismatch(job: UInt256(1), committed: root, attested: Keccak256.hash([1]))) {
            try pool.add(.job(otherRoot), signature: otherRoot.sign(domain, key: checkers[0]), view: view)
        }
        // A valid verdict on a job never committed.
        let uncommitted = attestation(job: 3, root: .zero)
        #expect(throws: AttestationError.jobNotAwaitingReport(UInt256(3), state: 2)) {
            try pool.add(.job(uncommitted), signature: uncommitted.sign(domain, key: checkers[0]), view: view)
        }
        // Signed for another chain: recovers a stranger.
        let foreign = OracleDomain(chainID: 1, oracle: Address(low: 0x1004))
        #expect(throws: AttestationError.self) { try pool.add(.job(a), signature: a.sign(foreign, key: checkers[0]), view: view) }
        #expect(pool.subjectCount == 0)
    }

    @Test func replaysDuplicatesAndStaleRoundsAreRefused() throws {
        let pool = AttestationPool(domain: domain)
        var view = chain()
        let a = attestation()
        let sig = a.sign(domain, key: checkers[0])
        try pool.add(.job(a), signature: sig, view: view)
        #expect(throws: AttestationError.duplicate(.job(UInt256(1)), checkers[0].address)) {
            try pool.add(.job(a), signature: sig, view: view)
        }
        let changed = attestation(verdict: .invalid, units: 0)
        #expect(throws: AttestationError.conflicting(.job(UInt256(1)), checkers[0].address)) {
            try pool.add(.job(changed), signature: changed.sign(domain, key: checkers[0]), view: view)
        }
        view.rounds[.job(UInt256(1))] = UInt256(1)
        #expect(throws: AttestationError.staleRound(.job(UInt256(1)), round: UInt256(1), last: UInt256(1))) {
            try pool.add(.job(a), signature: a.sign(domain, key: checkers[1]), view: view)
        }
        #expect(pool.attestations(.job(UInt256(1))).count == 1)
        // Once the round is reported the subject is pruned; its attestations stay readable.
        #expect(pool.prune(view: view) == 1)
        #expect(pool.subjectCount == 0)
        #expect(pool.attestations(.job(UInt256(1))).map(\.signer) == [checkers[0].address])
    }

    @Test func uptimeAttestationsNeedAFinishedEpoch() throws {
        let pool = AttestationPool(domain: domain)
        let view = chain()
        let op = Address(low: 0xabc)
        let current = UptimeAttestation(operator: op, epoch: 5, uptimeBps: 9_000, round: UInt256(1))
        #expect(throws: AttestationError.epochNotFinished(epoch: 5, current: 5)) {
            try pool.add(.uptime(current), signature: current.sign(domain, key: checkers[0]), view: view)
        }
        let over = UptimeAttestation(operator: op, epoch: 4, uptimeBps: 10_001, round: UInt256(1))
        #expect(throws: AttestationError.uptimeAbove100(10_001)) {
            try pool.add(.uptime(over), signature: over.sign(domain, key: checkers[0]), view: view)
        }
        let done = UptimeAttestation(operator: op, epoch: 4, uptimeBps: 9_000, round: UInt256(1))
        for key in checkers { try pool.add(.uptime(done), signature: done.sign(domain, key: key), view: view) }
        let report = try #require(pool.readyReports(view: view).first)
        #expect(report.statement == .uptime(done) && report.signers.count == 3)
    }

    /// Uptime is pooled only for active operators and the last two finished
    /// epochs (a flood of uptime for random addresses pools nothing), and an
    /// uptime subject leaves the pool once its epoch is too old.
    @Test func uptimeOnlyForActiveOperatorsAndRecentEpochs() throws {
        let pool = AttestationPool(domain: domain)
        var view = chain()
        let op = Address(low: 0xabc)
        view.operators = [op]
        let stranger = UptimeAttestation(operator: Address(low: 0xdef), epoch: 4, uptimeBps: 0, round: UInt256(1))
        #expect(throws: AttestationError.notActiveOperator(Address(low: 0xdef))) {
            try pool.add(.uptime(stranger), signature: stranger.sign(domain, key: checkers[0]), view: view)
        }
        let old = UptimeAttestation(operator: op, epoch: 2, uptimeBps: 0, round: UInt256(1))
        #expect(throws: AttestationError.epochTooOld(epoch: 2, current: 5, window: 2)) {
            try pool.add(.uptime(old), signature: old.sign(domain, key: checkers[0]), view: view)
        }
        #expect(pool.subjectCount == 0)
        let recent = UptimeAttestation(operator: op, epoch: 3, uptimeBps: 0, round: UInt256(1))
        try pool.add(.uptime(recent), signature: recent.sign(domain, key: checkers[0]), view: view)
        #expect(pool.subjectCount == 1 && pool.prune(view: view) == 0)
        view.epoch = 6
        #expect(pool.prune(view: view) == 1 && pool.subjectCount == 0)
    }

    /// Stake bought after the result existed weighs nothing: two late
    /// checkers holding two thirds now make no report, and do not dilute the
    /// honest quorum either.
    @Test func lateStakeNeitherReportsNorDilutes() throws {
        let pool = AttestationPool(domain: domain)
        var view = chain()
        let late = (5...6).map { i in try! Secp256k1PrivateKey(Keccak256.hash(Array("late checker \(i)".utf8)).bytes) }
        view.stakesBefore = view.stakes
        for k in late { view.stakes[k.address] = UInt256(300) }
        let bad = attestation(verdict: .invalid, units: 0)
        for k in late {
            let admission = try pool.add(.job(bad), signature: bad.sign(domain, key: k), view: view)
            #expect(!admission.quorum)
        }
        #expect(pool.readyReports(view: view).isEmpty)
        let good = attestation(round: 2)
        for k in checkers.prefix(2) { try pool.add(.job(good), signature: good.sign(domain, key: k), view: view) }
        let report = try #require(pool.readyReports(view: view).first)
        #expect(report.statement == .job(good) && report.signedStake == UInt256(200))
    }

    /// Checkers that measured different uptimes are reported together; the
    /// report carries each signer's value and settles on the stake-weighted
    /// median (the contract's rule).
    @Test func differingUptimesMakeOneReportOnTheMedian() throws {
        let pool = AttestationPool(domain: domain)
        let view = chain()
        let op = Address(low: 0xabc)
        let values: [UInt64] = [9_800, 9_300, 9_400]
        for (key, v) in zip(checkers, values) {
            let u = UptimeAttestation(operator: op, epoch: 4, uptimeBps: v, round: UInt256(1))
            try pool.add(.uptime(u), signature: u.sign(domain, key: key), view: view)
        }
        let report = try #require(pool.readyReports(view: view).first)
        #expect(report.signers.count == 3)
        #expect(report.statement == .uptime(UptimeAttestation(operator: op, epoch: 4, uptimeBps: 9_400, round: UInt256(1))))
        let bySigner = Dictionary(uniqueKeysWithValues: zip(checkers.map(\.address), values))
        #expect(report.uptimes == report.signers.map { bySigner[$0]! })
        for (i, signer) in report.signers.enumerated() {
            let mine = UptimeAttestation(operator: op, epoch: 4, uptimeBps: report.uptimes[i], round: UInt256(1))
            #expect(mine.signer(of: report.signatures[i], domain: domain) == signer)
        }
    }

    @Test func thePoolIsBounded() throws {
        let pool = AttestationPool(domain: domain, maxSubjects: 1)
        var view = chain()
        view.jobs[UInt256(4)] = OracleJobView(state: 3, resultRoot: root)
        let a = attestation(), b = attestation(job: 4)
        try pool.add(.job(a), signature: a.sign(domain, key: checkers[0]), view: view)
        #expect(throws: AttestationError.poolFull(1)) { try pool.add(.job(b), signature: b.sign(domain, key: checkers[0]), view: view) }
    }

    /// A hostile checker signs rounds 2 … 20,001 of one job and a round of
    /// 2^256 − 1: only a few rounds just above the last reported one pool.
    @Test func aCheckerCannotFloodRoundsOfOneJob() throws {
        let pool = AttestationPool(domain: domain)
        let view = chain()
        let subject = OracleSubject.job(UInt256(1))
        let far = attestation(round: 9)
        #expect(throws: AttestationError.roundTooFar(subject, round: UInt256(9), last: .zero, window: 8)) {
            try pool.add(.job(far), signature: far.sign(domain, key: checkers[0]), view: view)
        }
        let maxRound = JobAttestation(jobID: UInt256(1), resultRoot: root, verdict: .valid, workUnits: UInt256(16), round: .max)
        #expect(throws: AttestationError.roundTooFar(subject, round: .max, last: .zero, window: 8)) {
            try pool.add(.job(maxRound), signature: maxRound.sign(domain, key: checkers[0]), view: view)
        }
        var pooled = 0, refused = 0
        for round in 2...20_001 where round <= 40 || round % 1_000 == 0 {
            let a = attestation(round: UInt64(round))
            do {
                try pool.add(.job(a), signature: a.sign(domain, key: checkers[0]), view: view)
                pooled += 1
            } catch { refused += 1 }
        }
        #expect(pooled == AttestationPool.maxRoundsPerSigner)
        #expect(pool.attestations(subject).count == AttestationPool.maxRoundsPerSigner)
        let fifth = attestation(round: 6)
        #expect(throws: AttestationError.tooManyRounds(subject, checkers[0].address, limit: 4)) {
            try pool.add(.job(fifth), signature: fifth.sign(domain, key: checkers[0]), view: view)
        }
        // Another checker is not held back by the flooder.
        let honest = attestation(round: 2)
        try pool.add(.job(honest), signature: honest.sign(domain, key: checkers[1]), view: view)
        #expect(pool.attestations(subject).count == AttestationPool.maxRoundsPerSigner + 1)
    }

    @Test func oneCheckersPooledStatementsAreCappedAcrossSubjects() throws {
        let pool = AttestationPool(domain: domain, maxPerSigner: 2)
        var view = chain()
        for id in 10...12 as ClosedRange<UInt64> { view.jobs[UInt256(id)] = OracleJobView(state: 3, resultRoot: root) }
        for id in 10...11 {
            let a = attestation(job: UInt64(id))
            try pool.add(.job(a), signature: a.sign(domain, key: checkers[0]), view: view)
        }
        let third = attestation(job: 12)
        #expect(throws: AttestationError.signerLimit(checkers[0].address, limit: 2)) {
            try pool.add(.job(third), signature: third.sign(domain, key: checkers[0]), view: view)
        }
        #expect(pool.subjectCount == 2)
        // Once a subject is settled and pruned, the checker may pool again.
        view.jobs[UInt256(10)] = OracleJobView(state: 4, resultRoot: root)
        #expect(pool.prune(view: view) == 1)
        try pool.add(.job(third), signature: third.sign(domain, key: checkers[0]), view: view)
    }

    /// Job 2 was settled INVALID by checkers 0 and 1 and its operator
    /// appealed: the jury is checker 2 alone (stake 100). The first round's
    /// signers are refused, and the jury's lone VALID is a report.
    @Test func anAppealIsHeardByTheStakeThatDidNotSign() throws {
        let pool = AttestationPool(domain: domain)
        var view = chain()
        let settled = attestation(job: 2, round: 2)
        #expect(throws: AttestationError.jobNotAwaitingReport(UInt256(2), state: 4)) {
            try pool.add(.job(settled), signature: settled.sign(domain, key: checkers[2]), view: view)
        }
        view.rounds[.job(UInt256(2))] = UInt256(1)
        view.jobs[UInt256(2)] = OracleJobView(state: 4, resultRoot: root, appealJury: UInt256(100))
        view.excluded[UInt256(2)] = [checkers[0].address, checkers[1].address]
        #expect(throws: AttestationError.excludedFromJury(.job(UInt256(2)), checkers[0].address)) {
            try pool.add(.job(settled), signature: settled.sign(domain, key: checkers[0]), view: view)
        }
        #expect(pool.readyReports(view: view).isEmpty)
        let juror = try pool.add(.job(settled), signature: settled.sign(domain, key: checkers[2]), view: view)
        #expect(juror.quorum)
        let report = try #require(pool.readyReports(view: view).first)
        #expect(report.signers == [checkers[2].address] && report.signedStake == UInt256(100))
        // Half the jury is not a majority.
        view.jobs[UInt256(2)] = OracleJobView(state: 4, resultRoot: root, appealJury: UInt256(200))
        #expect(pool.readyReports(view: view).isEmpty)
        // Kept while the appeal is open, dropped once it is decided.
        #expect(pool.prune(view: view) == 0)
        view.jobs[UInt256(2)] = OracleJobView(state: 4, resultRoot: root)
        #expect(pool.prune(view: view) == 1)
    }

    /// The Oracle's appeal key of an uptime subject is keccak256(abi.encode(operator, epoch))
    /// (value from eth_abi and pycryptodome).
    @Test func anUptimeSubjectsAppealKeyIsTheOraclesKey() throws {
        let subject = OracleSubject.uptime(operator: checkers[0].address, epoch: 1)
        #expect(subject.appealKey == UInt256(hex: "0x0ba0d25d5ddf128d470713cd163ccfbe0c56c9f30c914065724d13f90b342493"))
        #expect(OracleSubject.job(UInt256(7)).appealKey == UInt256(7))
    }

    /// Operator X's uptime in epoch 1 (too old for a first report at epoch 5)
    /// was reported by checkers 0 and 1 and appealed: the jury is checker 2
    /// (stake 100). The signers are refused, the juror's value is a report,
    /// and the subject stays pooled until the appeal closes.
    @Test func anUptimeAppealIsHeardByTheStakeThatDidNotSign() throws {
        let pool = AttestationPool(domain: domain)
        var view = chain()
        let op = Address(low: 0xabc)
        let subject = OracleSubject.uptime(operator: op, epoch: 1)
        let again = UptimeAttestation(operator: op, epoch: 1, uptimeBps: 9_990, round: 2)
        #expect(throws: AttestationError.epochTooOld(epoch: 1, current: 5, window: AttestationPool.uptimeEpochs)) {
            try pool.add(.uptime(again), signature: again.sign(domain, key: checkers[2]), view: view)
        }
        view.rounds[subject] = UInt256(1)
        view.uptimeJuries[subject] = UInt256(100)
        view.excluded[subject.appealKey] = [checkers[0].address, checkers[1].address]
        #expect(throws: AttestationError.excludedFromJury(subject, checkers[0].address)) {
            try pool.add(.uptime(again), signature: again.sign(domain, key: checkers[0]), view: view)
        }
        let juror = try pool.add(.uptime(again), signature: again.sign(domain, key: checkers[2]), view: view)
        #expect(juror.quorum)
        let report = try #require(pool.readyReports(view: view).first)
        #expect(report.signers == [checkers[2].address] && report.uptimes == [9_990] && report.statement == .uptime(again))
        view.uptimeJuries[subject] = UInt256(200)
        #expect(pool.readyReports(view: view).isEmpty)
        #expect(pool.prune(view: view) == 0)
        view.uptimeJuries[subject] = nil
        #expect(pool.prune(view: view) == 1)
    }
}
