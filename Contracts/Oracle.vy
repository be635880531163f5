# pragma version 0.4.3
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
     lower half of the curve order). Recovered signers must be strictly
     ascending by address (hence unique), each an active checker
     (Staking.isActiveChecker), and their Staking.checkerStake must sum to
     at least checkerQuorumBps of Staking.totalCheckerStake. The round must
     be newer than the last accepted one for the same job (or the same
     operator and epoch). Anyone may transmit.
     After Escrow.settle, a valid verdict's work units are recorded with
     Staking.recordWorkUnits(job operator, workUnits); then
     Staking.rewardCheckers(signers).
"""

interface IParams:
    def get(name: String[32]) -> uint256: view

interface IStaking:
    def isActiveChecker(a: address) -> bool: view
    def checkerStake(a: address) -> uint256: view
    def totalCheckerStake() -> uint256: view
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

PARAMS: constant(address) = 0x0000000000000000000000000000000000001000
STAKING: constant(address) = 0x0000000000000000000000000000000000001001
ESCROW: constant(address) = 0x0000000000000000000000000000000000001003

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
def _verify(digest: bytes32, signatures: DynArray[Bytes[65], MAX_SIGNERS]) -> (DynArray[address, MAX_SIGNERS], uint256):
    # Recovers the signers and checks order, checker status and quorum.
    assert len(signatures) > 0, "Oracle: no signatures"
    signers: DynArray[address, MAX_SIGNERS] = []
    prev: uint256 = 0
    signed: uint256 = 0
    for sig: Bytes[65] in signatures:
        assert len(sig) == 65, "Oracle: malformed signature"
        r: uint256 = convert(extract32(sig, 0), uint256)
        s: uint256 = convert(extract32(sig, 32), uint256)
        v: uint256 = convert(extract32(sig, 33), uint256) & 255
        assert (v == 27 or v == 28) and s <= SECP256K1N_HALF, "Oracle: malformed signature"
        signer: address = ecrecover(digest, v, r, s)
        assert signer != empty(address), "Oracle: invalid signature"
        assert convert(signer, uint256) > prev, "Oracle: signers must be unique and in ascending order"
        prev = convert(signer, uint256)
        assert staticcall IStaking(STAKING).isActiveChecker(signer), "Oracle: signer is not an active checker"
        signed += staticcall IStaking(STAKING).checkerStake(signer)
        signers.append(signer)
    total: uint256 = staticcall IStaking(STAKING).totalCheckerStake()
    quorum: uint256 = staticcall IParams(PARAMS).get("checkerQuorumBps")
    assert total > 0 and signed * BPS >= quorum * total, "Oracle: checker quorum not reached"
    return signers, signed


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
            work units and rewards the signers.
    @param resultRoot The root the checkers judged; for verdicts 1 and 2 it
           must be the job's committed root.
    @param signatures 65-byte signatures of the Attestation, signers ascending.
    """
    assert verdict >= VERDICT_VALID and verdict <= VERDICT_UNAVAILABLE, "Oracle: unknown verdict"
    assert round > self.lastRound[jobId], "Oracle: report round is not newer than the last"
    j: Job = staticcall IEscrow(ESCROW).job(jobId)
    if verdict != VERDICT_UNAVAILABLE:
        assert j.resultRoot == resultRoot, "Oracle: result root does not match the committed one"
    signers: DynArray[address, MAX_SIGNERS] = []
    signed: uint256 = 0
    signers, signed = self._verify(self._attestation_digest(jobId, resultRoot, verdict, workUnits, round), signatures)
    self.lastRound[jobId] = round
    log ReportAccepted(jobId=jobId, round=round, verdict=verdict, resultRoot=resultRoot, workUnits=workUnits, signers=signers, signedStake=signed)
    extcall IEscrow(ESCROW).settle(jobId, verdict, workUnits)
    if verdict == VERDICT_VALID:
        extcall IStaking(STAKING).recordWorkUnits(j.operator, workUnits)
    extcall IStaking(STAKING).rewardCheckers(signers)


@external
@nonreentrant
def submitUptimeReport(
    operator: address,
    epoch: uint256,
    uptimeBps: uint256,
    round: uint256,
    signatures: DynArray[Bytes[65], MAX_SIGNERS],
):
    """
    @notice Transmits a checker-signed uptime of `operator` in `epoch`;
            Escrow refunds its lease customers below slaUptimeBps.
    """
    assert uptimeBps <= BPS, "Oracle: uptime above 100%"
    assert round > self.lastUptimeRound[operator][epoch], "Oracle: report round is not newer than the last"
    signers: DynArray[address, MAX_SIGNERS] = []
    signed: uint256 = 0
    signers, signed = self._verify(self._uptime_digest(operator, epoch, uptimeBps, round), signatures)
    self.lastUptimeRound[operator][epoch] = round
    log UptimeReportAccepted(operator=operator, epoch=epoch, round=round, uptimeBps=uptimeBps, signers=signers, signedStake=signed)
    extcall IEscrow(ESCROW).refundDowntime(operator, epoch, uptimeBps)
    extcall IStaking(STAKING).rewardCheckers(signers)


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
