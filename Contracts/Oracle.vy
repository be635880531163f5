# pragma version 0.4.3
# pragma optimize codesize
"""
@title Oracle
@notice Checker reports for the ATH compute chain, at
        0x0000000000000000000000000000000000001004: job verdicts and operator
        uptime, each signed by a quorum of staked checkers (EIP-712), in the
        manner of Chainlink OCR's transmit.
@dev EIP-712 domain {name: "ATH Oracle", version: "1", chainId: chain.id,
     verifyingContract: this contract}; typed data
       Attestation(uint256 jobId,bytes32 resultRoot,uint8 verdict,uint256 workUnits,uint256 round)
       Uptime(address operator,uint256 epoch,uint256 uptimeBps,uint256 round)
     digest = keccak256(0x1901 ++ domainSeparator() ++ hashStruct(message)).
     A report carries 65-byte signatures r ++ s ++ v (v 27 or 28, s in the
     lower half of the curve order); an uptime report carries each signer's
     own measured uptime beside its signature and settles on their
     stake-weighted median. Recovered signers must be strictly
     ascending by address (hence unique), each an active checker
     (Staking.isActiveChecker), and their Staking.checkerStake must sum to
     at least checkerQuorumBps of Staking.totalCheckerStake. The round must
     be newer than the last accepted one for the same job (or the same
     operator and epoch). Anyone may transmit.
     After Escrow.settle, a valid verdict's work units are recorded with
     Staking.recordWorkUnits(job operator, workUnits); then
     Staking.rewardCheckers(signers).
     Appeals (appeal): the operator against an INVALID or UNAVAILABLE
     verdict, with a bond, inside the challenge window; the customer or
     operator for a committed job with no report. Until appealDeadline a
     report from the jury (checkers staked at the commitment that did not
     sign the appealed verdict, holding more than half of that stake)
     decides: Escrow.decideAppeal replaces the held verdict (a VALID one is
     held for a new challenge window, so a lying jury is slashed by a fraud
     proof), or Escrow.settle settles the unreported job.
     Uptime (one quorum report per operator and epoch): a median below
     slaUptimeBps has Escrow hold each lease's refund; the operator may
     appeal it within the challenge window with the same bond
     (appealUptime). The jury is the checker stake at the epoch's start
     that did not sign; its report (submitUptimeReport, newer round, more
     than half the jury stake) replaces the median. Once the window (or
     the appeal) is over, settleUptime gives Escrow the share of each held
     refund that the customer gets (releaseDowntimeRefund); the bond
     returns to the operator if the jury raised the median, else it goes
     to the treasury.
"""

interface IParams:
    def get(name: String[32]) -> uint256: view

interface IStaking:
    def isActiveChecker(a: address) -> bool: view
    def checkerStakeAt(a: address, blockNumber: uint256) -> uint256: view
    def totalCheckerStakeAt(blockNumber: uint256) -> uint256: view
    def recordWorkUnits(operator: address, units: uint256): nonpayable
    def rewardCheckers(checkers: DynArray[address, 32]): nonpayable

# Escrow's Job, field for field (the ABI tuple Escrow.job returns).
struct Job:
    customer: address
    operator: address
    specHash: bytes32
    price: uint256
    deadline: uint256
    createdBlock: uint256
    resultRoot: bytes32
    verdict: uint8
    workUnits: uint256
    state: uint8

interface IEscrow:
    def job(jobId: uint256) -> Job: view
    def settle(jobId: uint256, verdict: uint8, workUnits: uint256): nonpayable
    def refundDowntime(operator: address, epoch: uint256, uptimeBps: uint256): nonpayable
    def acceptBlock(jobId: uint256) -> uint256: view
    def commitBlock(jobId: uint256) -> uint256: view
    def fraudRefund(jobId: uint256, prover: address) -> address: nonpayable
    def holdForAppeal(jobId: uint256, until: uint256): payable
    def decideAppeal(jobId: uint256, verdict: uint8, workUnits: uint256): nonpayable
    def heldPrice(jobId: uint256) -> uint256: view

interface ISlashing:
    def slashChecker(checker: address, infractionBlock: uint256, prover: address) -> uint256: nonpayable

event ReportAccepted:
    jobId: indexed(uint256)
    round: indexed(uint256)
    verdict: uint8
    resultRoot: bytes32
    workUnits: uint256
    signers: DynArray[address, MAX_SIGNERS]
    signedStake: uint256

event UptimeReportAccepted:
    operator: indexed(address)
    epoch: indexed(uint256)
    round: uint256
    uptimeBps: uint256
    signers: DynArray[address, MAX_SIGNERS]
    signedStake: uint256

event LateSignersRewarded:
    jobId: indexed(uint256)
    signers: DynArray[address, MAX_SIGNERS]

event AppealOpened:
    jobId: indexed(uint256)
    appellant: indexed(address)
    verdict: uint8
    deadline: uint256
    juryStake: uint256
    bond: uint256

event AppealDecided:
    jobId: indexed(uint256)
    verdict: uint8
    overturned: bool
    jurors: DynArray[address, MAX_SIGNERS]
    signedStake: uint256

event UptimeAppealOpened:
    operator: indexed(address)
    epoch: indexed(uint256)
    uptimeBps: uint256
    deadline: uint256
    juryStake: uint256
    bond: uint256

event UptimeAppealDecided:
    operator: indexed(address)
    epoch: indexed(uint256)
    uptimeBps: uint256
    overturned: bool
    bondReturned: bool

event FraudProven:
    jobId: indexed(uint256)
    prover: indexed(address)
    row: uint256
    column: uint256
    committed: int256
    computed: int256
    checkersSlashed: uint256

PARAMS: constant(address) = 0x0000000000000000000000000000000000001000
STAKING: constant(address) = 0x0000000000000000000000000000000000001001
SLASHING: constant(address) = 0x0000000000000000000000000000000000001002
ESCROW: constant(address) = 0x0000000000000000000000000000000000001003
# The treasury, and the gas a returned appeal bond may use.
GOVERNANCE: constant(address) = 0x0000000000000000000000000000000000001005
PAY_GAS: constant(uint256) = 10_000
# The chain's gemm-i8 entry precompile (docs/gemm-i8.md): C[i][j] of a spec.
GEMM_I8_ENTRY: constant(address) = 0x0000000000000000000000000000000000000a01
GEMM_I8_KIND: constant(bytes32) = keccak256("ath/gemm-i8/v1")
MAX_DIM: constant(uint256) = 16_384
MAX_ROW_BYTES: constant(uint256) = 65_536     # n int32 entries, n <= 16384
MAX_PROOF: constant(uint256) = 16              # ceil(log2(16384)) = 14 levels

MAX_SIGNERS: constant(uint256) = 32
BPS: constant(uint256) = 10_000
# secp256k1 order / 2: larger s values are the malleable twins (EIP-2)
SECP256K1N_HALF: constant(uint256) = 57896044618658097711785492504343953926418782139537452191302581570759080747168

DOMAIN_TYPEHASH: constant(bytes32) = keccak256(
    "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
)
NAME_HASH: constant(bytes32) = keccak256("ATH Oracle")
VERSION_HASH: constant(bytes32) = keccak256("1")
ATTESTATION_TYPEHASH: constant(bytes32) = keccak256(
    "Attestation(uint256 jobId,bytes32 resultRoot,uint8 verdict,uint256 workUnits,uint256 round)"
)
UPTIME_TYPEHASH: constant(bytes32) = keccak256(
    "Uptime(address operator,uint256 epoch,uint256 uptimeBps,uint256 round)"
)

VERDICT_VALID: constant(uint8) = 1
VERDICT_INVALID: constant(uint8) = 2
VERDICT_UNAVAILABLE: constant(uint8) = 3

# jobId -> last accepted round
lastRound: public(HashMap[uint256, uint256])
# operator -> epoch -> last accepted uptime round
lastUptimeRound: public(HashMap[address, HashMap[uint256, uint256]])
# jobId -> keccak256(abi_encode(signers)) of its accepted report (late
# signers appended), the report's digest and the block it was accepted in
# (the infraction block if a VALID result is proven wrong)
reportSigners: public(HashMap[uint256, bytes32])
reportDigest: public(HashMap[uint256, bytes32])
reportBlock: public(HashMap[uint256, uint256])
# Appeals (one per job): the block after which the jury may no longer
# report, the jury's stake (checker stake at the commitment less the
# appealed verdict's signers'), whether it reported, and who may not sit.
appealDeadline: public(HashMap[uint256, uint256])
juryStake: public(HashMap[uint256, uint256])
appealDecided: public(HashMap[uint256, bool])
appealExcluded: public(HashMap[uint256, HashMap[address, bool]])
# Uptime, by subject uint256(keccak256(abi_encode(operator, epoch))) (the
# appeal maps above take the same key): the block of the quorum report, its signers' hash, its
# median, the median that stands (the jury's after an appeal), the bond.
uptimeReportBlock: public(HashMap[uint256, uint256])
uptimeSigners: HashMap[uint256, bytes32]
uptimeFirstBps: public(HashMap[uint256, uint256])
uptimeFinalBps: public(HashMap[uint256, uint256])
uptimeBond: HashMap[uint256, uint256]


@deploy
def __init__():
    pass


@internal
@view
def _domain_separator() -> bytes32:
    return keccak256(abi_encode(DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, chain.id, self))


@internal
@view
def _attestation_digest(jobId: uint256, resultRoot: bytes32, verdict: uint8, workUnits: uint256, round: uint256) -> bytes32:
    structHash: bytes32 = keccak256(abi_encode(ATTESTATION_TYPEHASH, jobId, resultRoot, verdict, workUnits, round))
    return keccak256(concat(b"\x19\x01", self._domain_separator(), structHash))


@internal
@view
def _uptime_digest(operator: address, epoch: uint256, uptimeBps: uint256, round: uint256) -> bytes32:
    structHash: bytes32 = keccak256(abi_encode(UPTIME_TYPEHASH, operator, epoch, uptimeBps, round))
    return keccak256(concat(b"\x19\x01", self._domain_separator(), structHash))


@internal
@view
def _verify(digests: DynArray[bytes32, MAX_SIGNERS], signatures: DynArray[Bytes[65], MAX_SIGNERS], asOf: uint256, subject: uint256, jury: uint256) -> (DynArray[address, MAX_SIGNERS], DynArray[uint256, MAX_SIGNERS], uint256):
    # Recovers signature i over digest i and checks order, checker status and
    # quorum; returns the signers, their stakes and the sum. Stake counts as
    # of block `asOf` (before the result existed): checker stake bought once
    # the result is known weighs nothing. With a jury (an open appeal of a
    # job or uptime `subject`), the signers must not have signed the
    # appealed report and must hold more than half the jury stake.
    assert len(signatures) > 0, "Oracle: no signatures"
    signers: DynArray[address, MAX_SIGNERS] = []
    stakes: DynArray[uint256, MAX_SIGNERS] = []
    prev: uint256 = 0
    signed: uint256 = 0
    for i: uint256 in range(MAX_SIGNERS):
        if i == len(signatures):
            break
        signer: address = self._recover(digests[i], signatures[i])
        assert convert(signer, uint256) > prev, "Oracle: signers must be unique and in ascending order"
        prev = convert(signer, uint256)
        assert staticcall IStaking(STAKING).isActiveChecker(signer), "Oracle: signer is not an active checker"
        assert jury == 0 or not self.appealExcluded[subject][signer], "Oracle: a signer of the appealed report cannot sit on its jury"
        stake: uint256 = staticcall IStaking(STAKING).checkerStakeAt(signer, asOf)
        signed += stake
        signers.append(signer)
        stakes.append(stake)
    if jury > 0:
        assert signed * 2 > jury, "Oracle: the appeal jury's majority not reached"
        return signers, stakes, signed
    total: uint256 = staticcall IStaking(STAKING).totalCheckerStakeAt(asOf)
    quorum: uint256 = staticcall IParams(PARAMS).get("checkerQuorumBps")
    assert total > 0 and signed * BPS >= quorum * total, "Oracle: checker quorum not reached"
    return signers, stakes, signed


@internal
@view
def _since(jobId: uint256) -> uint256:
    # The block whose end the job's checker stake is weighed after: the
    # commitment's, or for a job never committed, the acceptance's.
    since: uint256 = staticcall IEscrow(ESCROW).commitBlock(jobId)
    if since == 0:
        since = staticcall IEscrow(ESCROW).acceptBlock(jobId)
    assert since > 0, "Oracle: job has not been accepted"
    return since


@external
@nonreentrant
def submitReport(
    jobId: uint256,
    resultRoot: bytes32,
    verdict: uint8,
    workUnits: uint256,
    round: uint256,
    signatures: DynArray[Bytes[65], MAX_SIGNERS],
):
    """
    @notice Transmits a checker-signed job verdict (1 valid, 2 invalid, 3
            unavailable); settles the job in Escrow, records a valid job's
            work units and rewards the signers. While the job's appeal is
            open (until appealDeadline) this is the jury's report: signers
            of the appealed verdict may not sign, more than half the jury
            stake must, and the jury's verdict replaces the appealed one
            (Escrow.decideAppeal) or settles a job that had no report.
    @param resultRoot The root the checkers judged; for verdicts 1 and 2 it
           must be the job's committed root.
    @param signatures 65-byte signatures of the Attestation, signers ascending.
    """
    assert verdict >= VERDICT_VALID and verdict <= VERDICT_UNAVAILABLE, "Oracle: unknown verdict"
    assert round > self.lastRound[jobId], "Oracle: report round is not newer than the last"
    jury: uint256 = 0
    deadline: uint256 = self.appealDeadline[jobId]
    if deadline != 0 and not self.appealDecided[jobId]:
        assert block.number <= deadline, "Oracle: the appeal's deadline has passed"
        jury = self.juryStake[jobId]
    j: Job = staticcall IEscrow(ESCROW).job(jobId)
    if verdict != VERDICT_UNAVAILABLE:
        assert j.resultRoot == resultRoot, "Oracle: result root does not match the committed one"
    # Stake as of the block before the commitment (or, for a job never
    # committed, before its acceptance).
    since: uint256 = self._since(jobId)
    digest: bytes32 = self._attestation_digest(jobId, resultRoot, verdict, workUnits, round)
    digests: DynArray[bytes32, MAX_SIGNERS] = []
    for _sig: Bytes[65] in signatures:
        digests.append(digest)
    signers: DynArray[address, MAX_SIGNERS] = []
    stakes: DynArray[uint256, MAX_SIGNERS] = []
    signed: uint256 = 0
    signers, stakes, signed = self._verify(digests, signatures, since - 1, jobId, jury)
    self.lastRound[jobId] = round
    self.reportSigners[jobId] = keccak256(abi_encode(signers))
    self.reportDigest[jobId] = digest
    self.reportBlock[jobId] = block.number
    log ReportAccepted(jobId=jobId, round=round, verdict=verdict, resultRoot=resultRoot, workUnits=workUnits, signers=signers, signedStake=signed)
    if jury > 0:
        self.appealDecided[jobId] = True
        log AppealDecided(jobId=jobId, verdict=verdict, overturned=j.state == 4 and verdict != j.verdict, jurors=signers, signedStake=signed)
    if jury > 0 and j.state == 4:
        extcall IEscrow(ESCROW).decideAppeal(jobId, verdict, workUnits)
    else:
        extcall IEscrow(ESCROW).settle(jobId, verdict, workUnits)
    if verdict == VERDICT_VALID:
        # The compute pool is shared by the fees paid, not by raw work units:
        # 1-wei jobs farm nothing.
        fee: uint256 = j.price * staticcall IParams(PARAMS).get("protocolFeeBps") // BPS
        if fee > 0:
            extcall IStaking(STAKING).recordWorkUnits(j.operator, fee)
    extcall IStaking(STAKING).rewardCheckers(signers)


@external
@nonreentrant
def submitUptimeReport(
    operator: address,
    epoch: uint256,
    round: uint256,
    uptimes: DynArray[uint256, MAX_SIGNERS],
    signatures: DynArray[Bytes[65], MAX_SIGNERS],
):
    """
    @notice Transmits checker-signed uptimes of `operator` in `epoch`, each
            checker signing the uptime it measured (uptimes[i] with
            signatures[i], signers ascending); once their stake makes the
            quorum, the stake-weighted median settles the epoch: Escrow
            holds a refund for each of the operator's lease customers below
            slaUptimeBps. Checkers need not agree on one exact value, and a
            minority cannot move the median outside what the others
            measured. One report per operator and epoch; while its appeal
            is open (appealUptime) this is the jury's report, whose median
            replaces the first.
    """
    assert len(uptimes) == len(signatures), "Oracle: one uptime per signature"
    assert len(signatures) > 0, "Oracle: no signatures"
    assert round > self.lastUptimeRound[operator][epoch], "Oracle: report round is not newer than the last"
    key: uint256 = self._uptime_key(operator, epoch)
    jury: uint256 = 0
    deadline: uint256 = self.appealDeadline[key]
    if deadline != 0 and not self.appealDecided[key]:
        assert block.number <= deadline, "Oracle: the appeal's deadline has passed"
        jury = self.juryStake[key]
    else:
        assert self.uptimeReportBlock[key] == 0, "Oracle: this epoch's uptime was reported already"
    asOf: uint256 = self._epoch_as_of(epoch)
    digests: DynArray[bytes32, MAX_SIGNERS] = []
    for u: uint256 in uptimes:
        assert u <= BPS, "Oracle: uptime above 100%"
        digests.append(self._uptime_digest(operator, epoch, u, round))
    signers: DynArray[address, MAX_SIGNERS] = []
    stakes: DynArray[uint256, MAX_SIGNERS] = []
    signed: uint256 = 0
    signers, stakes, signed = self._verify(digests, signatures, asOf, key, jury)
    median: uint256 = self._weighted_median(uptimes, stakes, signed)
    self.lastUptimeRound[operator][epoch] = round
    log UptimeReportAccepted(operator=operator, epoch=epoch, round=round, uptimeBps=median, signers=signers, signedStake=signed)
    self.uptimeFinalBps[key] = median
    if jury > 0:
        self.appealDecided[key] = True
        self._close_uptime_appeal(operator, epoch, key, median > self.uptimeFirstBps[key])
    else:
        self.uptimeReportBlock[key] = block.number
        self.uptimeSigners[key] = keccak256(abi_encode(signers))
        self.uptimeFirstBps[key] = median
        extcall IEscrow(ESCROW).refundDowntime(operator, epoch, median)
    extcall IStaking(STAKING).rewardCheckers(signers)


@internal
@pure
def _uptime_key(operator: address, epoch: uint256) -> uint256:
    return convert(keccak256(abi_encode(operator, epoch)), uint256)


@internal
@view
def _epoch_as_of(epoch: uint256) -> uint256:
    # Stake as of the block before the epoch began (uptime epoch 0: block 0).
    start: uint256 = epoch * staticcall IParams(PARAMS).get("epochLength")
    assert start < block.number, "Oracle: uptime epoch has not begun"
    if start > 0:
        return start - 1
    return 0


@internal
def _close_uptime_appeal(operator: address, epoch: uint256, key: uint256, overturned: bool):
    # Returns the bond if the jury raised the median, else forfeits it.
    bond: uint256 = self.uptimeBond[key]
    self.uptimeBond[key] = 0
    returned: bool = False
    if overturned and bond > 0:
        returned = raw_call(operator, b"", value=bond, gas=PAY_GAS, revert_on_failure=False)
    if bond > 0 and not returned:
        raw_call(GOVERNANCE, b"", value=bond)
    log UptimeAppealDecided(operator=operator, epoch=epoch, uptimeBps=self.uptimeFinalBps[key], overturned=overturned, bondReturned=returned)


@external
@payable
@nonreentrant
def appealUptime(operator: address, epoch: uint256, signers: DynArray[address, MAX_SIGNERS]):
    """
    @notice The operator appeals the uptime report of one of its epochs whose
            median is below slaUptimeBps, once, within the report's
            challenge window, with a bond of exactly Params appealBond. The
            held lease refunds wait; the jury is every checker with stake at
            the epoch's start that did not sign the report, and until
            appealBlocks have passed a report signed by more than half of
            its stake (submitUptimeReport, newer round) sets the median.
    @param signers The report's signers (its UptimeReportAccepted log).
    """
    key: uint256 = self._uptime_key(operator, epoch)
    assert msg.sender == operator, "Oracle: only the operator may appeal its uptime report"
    reported: uint256 = self.uptimeReportBlock[key]
    assert reported > 0, "Oracle: no uptime report to appeal"
    assert self.appealDeadline[key] == 0, "Oracle: this uptime report was appealed already"
    assert self.uptimeFirstBps[key] < staticcall IParams(PARAMS).get("slaUptimeBps"), \
        "Oracle: the reported uptime meets the SLA; nothing to appeal"
    assert block.number <= reported + staticcall IParams(PARAMS).get("challengeWindowBlocks"), \
        "Oracle: the uptime report's challenge window has closed"
    assert keccak256(abi_encode(signers)) == self.uptimeSigners[key], "Oracle: signers differ from the uptime report's"
    bond: uint256 = self._check_bond()
    deadline: uint256 = 0
    jury: uint256 = 0
    deadline, jury = self._open_appeal(key, signers, self._epoch_as_of(epoch))
    self.uptimeBond[key] = bond
    log UptimeAppealOpened(operator=operator, epoch=epoch, uptimeBps=self.uptimeFirstBps[key], deadline=deadline, juryStake=jury, bond=bond)


@internal
@payable
def _check_bond() -> uint256:
    bond: uint256 = staticcall IParams(PARAMS).get("appealBond")
    assert msg.value == bond, concat("Oracle: an appeal takes a bond of exactly ", uint2str(bond), " wei (Params appealBond)")
    return bond


@internal
def _open_appeal(key: uint256, signers: DynArray[address, MAX_SIGNERS], asOf: uint256) -> (uint256, uint256):
    # The jury: checker stake as of `asOf` less the appealed report's signers'.
    jury: uint256 = staticcall IStaking(STAKING).totalCheckerStakeAt(asOf)
    for s: address in signers:
        self.appealExcluded[key][s] = True
        jury -= staticcall IStaking(STAKING).checkerStakeAt(s, asOf)
    assert jury > 0, "Oracle: every checker staked at the time signed the report; no stake is left to hear an appeal"
    deadline: uint256 = block.number + staticcall IParams(PARAMS).get("appealBlocks")
    self.appealDeadline[key] = deadline
    self.juryStake[key] = jury
    return deadline, jury


@external
@nonreentrant
def settleUptime(operator: address, epoch: uint256) -> (uint256, uint256):
    """
    @notice Once an uptime report can no longer change (its challenge window
            closed unappealed, or its appeal decided or past its deadline,
            the bond then forfeited), returns (num, den): a lease customer
            gets num/den of the refund Escrow holds for it, the operator the
            rest. Reverts, saying why, while it can still change.
            Anyone may call it; Escrow.releaseDowntimeRefund does.
    """
    key: uint256 = self._uptime_key(operator, epoch)
    reported: uint256 = self.uptimeReportBlock[key]
    assert reported > 0, "Oracle: no uptime report"
    deadline: uint256 = self.appealDeadline[key]
    if deadline == 0:
        until: uint256 = reported + staticcall IParams(PARAMS).get("challengeWindowBlocks")
        assert block.number > until, "Oracle: the uptime report may still be appealed"
    elif not self.appealDecided[key]:
        assert block.number > deadline, "Oracle: the uptime report's appeal is open"
        self.appealDecided[key] = True
        self._close_uptime_appeal(operator, epoch, key, False)
    first: uint256 = self.uptimeFirstBps[key]
    final: uint256 = self.uptimeFinalBps[key]
    # Without an appeal final == first, so below the SLA first < 10000.
    if final >= staticcall IParams(PARAMS).get("slaUptimeBps"):
        return 0, 1
    # A jury that finds less uptime cannot take more than the held refund.
    return BPS - max(final, first), BPS - first


@internal
@pure
def _weighted_median(values: DynArray[uint256, MAX_SIGNERS], weights: DynArray[uint256, MAX_SIGNERS], total: uint256) -> uint256:
    # The least value whose cumulative weight (values ascending) reaches half
    # the total: the lower stake-weighted median.
    v: DynArray[uint256, MAX_SIGNERS] = values
    w: DynArray[uint256, MAX_SIGNERS] = weights
    n: uint256 = len(v)
    for i: uint256 in range(1, MAX_SIGNERS):
        if i >= n:
            break
        j: uint256 = i
        for _k: uint256 in range(MAX_SIGNERS):
            if j == 0 or v[j - 1] <= v[j]:
                break
            tv: uint256 = v[j - 1]
            v[j - 1] = v[j]
            v[j] = tv
            tw: uint256 = w[j - 1]
            w[j - 1] = w[j]
            w[j] = tw
            j -= 1
    acc: uint256 = 0
    for i: uint256 in range(MAX_SIGNERS):
        if i == n:
            break
        acc += w[i]
        if acc * 2 >= total:
            return v[i]
    return v[n - 1]


@internal
@view
def _recover(digest: bytes32, sig: Bytes[65]) -> address:
    assert len(sig) == 65, "Oracle: malformed signature"
    r: uint256 = convert(extract32(sig, 0), uint256)
    s: uint256 = convert(extract32(sig, 32), uint256)
    v: uint256 = convert(extract32(sig, 33), uint256) & 255
    assert (v == 27 or v == 28) and s <= SECP256K1N_HALF, "Oracle: malformed signature"
    signer: address = ecrecover(digest, v, r, s)
    assert signer != empty(address), "Oracle: invalid signature"
    return signer


@external
@view
def domainSeparator() -> bytes32:
    """
    @notice The EIP-712 domain separator of this chain and contract.
    """
    return self._domain_separator()


@external
@view
def attestationDigest(jobId: uint256, resultRoot: bytes32, verdict: uint8, workUnits: uint256, round: uint256) -> bytes32:
    """
    @notice The EIP-712 digest checkers sign for a job report.
    """
    return self._attestation_digest(jobId, resultRoot, verdict, workUnits, round)


@external
@view
def uptimeDigest(operator: address, epoch: uint256, uptimeBps: uint256, round: uint256) -> bytes32:
    """
    @notice The EIP-712 digest checkers sign for an uptime report.
    """
    return self._uptime_digest(operator, epoch, uptimeBps, round)


@internal
@pure
def _int32_le(row: Bytes[MAX_ROW_BYTES], j: uint256) -> int256:
    be: uint256 = convert(slice(row, 4 * j, 4), uint256)
    v: uint256 = ((be & 255) << 24) | (((be >> 8) & 255) << 16) | (((be >> 16) & 255) << 8) | (be >> 24)
    if v >= 2**31:
        return convert(v, int256) - 2**32
    return convert(v, int256)


@external
@nonreentrant
def proveFraud(
    jobId: uint256,
    spec: Bytes[192],
    i: uint256,
    j: uint256,
    row: Bytes[MAX_ROW_BYTES],
    proof: DynArray[bytes32, MAX_PROOF],
    signers: DynArray[address, MAX_SIGNERS],
):
    """
    @notice Proves one entry of a gemm-i8 job's committed result wrong, while
            the job's payment is held (challengeWindowBlocks after its VALID
            report). The chain recomputes C[i][j] from the spec (precompile
            0x…0a01); if the committed row says otherwise, the customer is
            refunded, the operator slashed operatorFraudPenaltyBps and every
            checker that signed VALID slashed checkerFraudSlashBps; the
            caller earns proverRewardBps of everything slashed.
    @param spec The job's spec (keccak256 must be its specHash).
    @param row Row i of the committed result: n int32 little-endian.
    @param proof The row's Merkle siblings, leaf up (docs/gemm-i8.md).
    @param signers The VALID report's signers, as in its ReportAccepted log.
    """
    jb: Job = staticcall IEscrow(ESCROW).job(jobId)
    assert jb.state == 4 and jb.verdict == VERDICT_VALID, "Oracle: job was not settled as valid"
    assert keccak256(abi_encode(signers)) == self.reportSigners[jobId], "Oracle: signers differ from the job's VALID report"
    assert keccak256(spec) == jb.specHash, "Oracle: spec does not match the job's specHash"
    assert len(spec) == 192 and extract32(spec, 0) == GEMM_I8_KIND, "Oracle: only gemm-i8 results can be proven wrong by one entry"
    m: uint256 = convert(extract32(spec, 32), uint256)
    n: uint256 = convert(extract32(spec, 64), uint256)
    k: uint256 = convert(extract32(spec, 96), uint256)
    assert m >= 1 and m <= MAX_DIM and n >= 1 and n <= MAX_DIM and k >= 1 and k <= MAX_DIM, "Oracle: spec dimensions out of range"
    assert i < m and j < n, "Oracle: entry outside the result"
    assert len(row) == 4 * n, "Oracle: row must hold n int32 entries"
    # The row against the committed root.
    node: bytes32 = keccak256(concat(slice(convert(i, bytes32), 24, 8), row))
    index: uint256 = i
    count: uint256 = m
    used: uint256 = 0
    for _level: uint256 in range(MAX_PROOF):
        if count <= 1:
            break
        if index % 2 == 1:
            assert used < len(proof), "Oracle: Merkle proof too short"
            node = keccak256(concat(proof[used], node))
            used += 1
        elif index + 1 < count:
            assert used < len(proof), "Oracle: Merkle proof too short"
            node = keccak256(concat(node, proof[used]))
            used += 1
        index //= 2
        count = (count + 1) // 2
    assert used == len(proof), "Oracle: Merkle proof too long"
    assert node == jb.resultRoot, "Oracle: row is not in the committed result"
    # The entry, recomputed by the chain.
    out: Bytes[32] = raw_call(
        GEMM_I8_ENTRY, abi_encode(extract32(spec, 128), m, n, k, i, j), max_outsize=32, is_static_call=True)
    assert len(out) == 32, "Oracle: entry precompile failed"
    computed: int256 = convert(convert(out, bytes32), int256)
    committed: int256 = self._int32_le(row, j)
    assert computed != committed, concat("Oracle: the committed entry is correct (", uint2str(convert(abs(computed), uint256)), " in absolute value)")
    extcall IEscrow(ESCROW).fraudRefund(jobId, msg.sender)
    infraction: uint256 = self.reportBlock[jobId]
    self.reportSigners[jobId] = empty(bytes32)
    for c: address in signers:
        extcall ISlashing(SLASHING).slashChecker(c, infraction, msg.sender)
    log FraudProven(jobId=jobId, prover=msg.sender, row=i, column=j, committed=committed, computed=computed, checkersSlashed=len(signers))


@external
@nonreentrant
def submitLateSignatures(jobId: uint256, signers: DynArray[address, MAX_SIGNERS], signatures: DynArray[Bytes[65], MAX_SIGNERS]):
    """
    @notice Within challengeWindowBlocks of a job's report, anyone may add
            signatures of the same attestation by active checkers the
            transmitter left out: each earns the same checker-pool share
            (the transmitter cannot choose who is paid), and a late VALID
            signer is as slashable as the first ones if the result is
            proven wrong.
    @param signers The signers recorded so far (the ReportAccepted log,
           then any LateSignersRewarded logs, in order).
    @param signatures New signatures of the report's digest, any order.
    """
    assert keccak256(abi_encode(signers)) == self.reportSigners[jobId] and len(signers) > 0, \
        "Oracle: signers differ from the job's report"
    assert self.appealDeadline[jobId] == 0, "Oracle: the job was appealed; its verdict takes no late signatures"
    assert block.number <= self.reportBlock[jobId] + staticcall IParams(PARAMS).get("challengeWindowBlocks"), \
        "Oracle: the window for late signatures has closed"
    since: uint256 = self._since(jobId)
    digest: bytes32 = self.reportDigest[jobId]
    all: DynArray[address, MAX_SIGNERS] = signers
    added: DynArray[address, MAX_SIGNERS] = []
    for sig: Bytes[65] in signatures:
        signer: address = self._recover(digest, sig)
        assert signer not in all, "Oracle: signer already counted for this report"
        assert staticcall IStaking(STAKING).isActiveChecker(signer), "Oracle: signer is not an active checker"
        assert staticcall IStaking(STAKING).checkerStakeAt(signer, since - 1) > 0, "Oracle: signer had no stake when the result was committed"
        assert len(all) < MAX_SIGNERS, "Oracle: a report counts at most 32 signers"
        all.append(signer)
        added.append(signer)
    assert len(added) > 0, "Oracle: no signatures"
    self.reportSigners[jobId] = keccak256(abi_encode(all))
    log LateSignersRewarded(jobId=jobId, signers=added)
    extcall IStaking(STAKING).rewardCheckers(added)


@external
@payable
@nonreentrant
def appeal(jobId: uint256, signers: DynArray[address, MAX_SIGNERS]):
    """
    @notice Escalates a job to a second round, once per job. The operator may
            appeal an INVALID or UNAVAILABLE verdict within its challenge
            window, with a bond of exactly Params appealBond (returned if
            the jury finds the result VALID, to the treasury otherwise); the
            refund and the operator's slash wait for the appeal. The
            customer or operator may appeal a committed job that got no
            report 2 epochs after its deadline (no bond). The jury is every
            checker with stake at the commitment that did not sign the
            appealed verdict; until appealBlocks have passed, a report
            signed by more than half of its stake (submitReport) decides.
            A VALID verdict is disputed with a fraud proof, not an appeal.
    @param signers The appealed verdict's signers (its ReportAccepted log,
           then any LateSignersRewarded logs, in order); empty without a report.
    """
    assert self.appealDeadline[jobId] == 0, "Oracle: this job was appealed already (one appeal per job)"
    jb: Job = staticcall IEscrow(ESCROW).job(jobId)
    since: uint256 = self._since(jobId)
    if jb.state == 4:
        assert jb.verdict != VERDICT_VALID, "Oracle: a VALID verdict is disputed with a fraud proof (proveFraud), not an appeal"
        assert msg.sender == jb.operator, "Oracle: only the job's operator may appeal its verdict"
        assert staticcall IEscrow(ESCROW).heldPrice(jobId) > 0 and block.number <= self.reportBlock[jobId] + staticcall IParams(PARAMS).get("challengeWindowBlocks"), \
            "Oracle: the verdict's challenge window has closed"
        assert keccak256(abi_encode(signers)) == self.reportSigners[jobId], "Oracle: signers differ from the job's report"
        self._check_bond()
    else:
        assert jb.state == 3, "Oracle: only an INVALID or UNAVAILABLE verdict, or a committed job without a report, can be appealed"
        assert msg.sender == jb.customer or msg.sender == jb.operator, "Oracle: only the job's customer or operator may appeal it"
        wait: uint256 = jb.deadline + 2 * staticcall IParams(PARAMS).get("epochLength")
        assert block.number > wait, concat("Oracle: a committed job awaits its report until block ", uint2str(wait))
        assert len(signers) == 0 and msg.value == 0, "Oracle: a job without a report has no signers and takes no bond"
    deadline: uint256 = 0
    jury: uint256 = 0
    deadline, jury = self._open_appeal(jobId, signers, since - 1)
    if jb.state == 4:
        extcall IEscrow(ESCROW).holdForAppeal(jobId, deadline, value=msg.value)
    log AppealOpened(jobId=jobId, appellant=msg.sender, verdict=jb.verdict, deadline=deadline, juryStake=jury, bond=msg.value)
