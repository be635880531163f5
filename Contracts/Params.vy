# pragma version 0.4.3
"""
@title Params
@notice Every protocol parameter of the ATH chain, by name, at
        0x0000000000000000000000000000000000001000. Only Governance
        (0x0000000000000000000000000000000000001005) changes them, through an
        executed proposal; every change logs ParamChanged.
@dev Amounts are wei of ATH, rates basis points (10,000 = 100%), durations
     blocks. Each parameter carries sanity bounds [lo, hi] that keep the
     protocol working (no division by zero, no impossible governance
     condition); `bounds(name)` returns them.
"""

struct Override:
    name: String[32]
    value: uint256

struct Param:
    value: uint256
    lo: uint256
    hi: uint256  # hi > 0 for every defined parameter: hi == 0 means unknown

event ParamChanged:
    name: String[32]
    oldValue: uint256
    newValue: uint256

GOVERNANCE: constant(address) = 0x0000000000000000000000000000000000001005
MAX_PARAMS: constant(uint256) = 64
BPS: constant(uint256) = 10_000
ATH: constant(uint256) = 10**18
DAY: constant(uint256) = 86_400         # blocks at one block a second
# Ten million ATH: above any stake a role could need, far below overflow.
MAX_STAKE: constant(uint256) = 10_000_000 * ATH
# Longest governance period (deposit, voting, timelock): a larger value, e.g.
# a wei amount typed into a block count, would freeze governance for good.
MAX_GOV_BLOCKS: constant(uint256) = 30 * DAY

_params: HashMap[String[32], Param]
_names: DynArray[String[32], MAX_PARAMS]


@deploy
def __init__(overrides: DynArray[Override, MAX_PARAMS]):
    """
    @notice Defines every parameter with its default, then applies `overrides`
            (each logged as a ParamChanged); an unknown name reverts.
    @param overrides Genesis values that replace defaults, in order.
    """
    # name, default, lo, hi. Durations assume 1-second blocks (DAY blocks a
    # day); every bound keeps the chain working: no division by zero, no
    # overflow in the contracts' arithmetic, no period that freezes a role.
    self._define("validatorMinStake", 1_000 * ATH, ATH, MAX_STAKE)
    self._define("operatorStakeClass0", 100 * ATH, ATH, MAX_STAKE)
    self._define("operatorStakeClass1", 500 * ATH, ATH, MAX_STAKE)
    self._define("operatorStakeClass2", 2_000 * ATH, ATH, MAX_STAKE)
    self._define("checkerMinStake", 100 * ATH, ATH, MAX_STAKE)
    # Two weeks; never shorter than the challenge window (checked below), so
    # a checker that signed a wrong verdict cannot leave before the proof.
    self._define("unbondingBlocks", 14 * DAY, 10, 90 * DAY)
    self._define("maxValidators", 100, 1, 100)
    self._define("epochLength", 100, 1, DAY)
    self._define("blockReward", 2 * ATH, 0, 100 * ATH)
    self._define("blockRewardDecayBps", 10, 0, 1_000)
    self._define("computeRewardShareBps", 3_000, 0, BPS)
    self._define("checkerRewardShareBps", 1_000, 0, BPS)
    self._define("protocolFeeBps", 2_000, 0, 5_000)
    self._define("doubleSignSlashBps", 500, 0, BPS)
    self._define("downtimeSlashBps", 100, 0, BPS)
    self._define("downtimeWindow", 100, 1, DAY)
    self._define("minSignedBps", 5_000, 0, BPS)
    self._define("jailBlocks", 600, 0, 30 * DAY)
    self._define("operatorDowntimePenaltyBps", 3_333, 0, BPS)
    self._define("operatorFraudPenaltyBps", 10_000, 0, BPS)
    # Two thirds of the checker stake, rounded down so that two of three
    # equal checkers make a quorum; above half, so that two disjoint quorums
    # cannot both sign.
    self._define("checkerQuorumBps", 6_666, 5_001, BPS)
    self._define("freivaldsRounds", 20, 1, 256)
    self._define("slaUptimeBps", 9_500, 0, BPS)
    # Below two thirds: a quorum above the stake that ever votes stalls
    # governance for good.
    self._define("govQuorumBps", 3_340, 1, 6_667)
    # At least a simple majority; below 100% or nothing could ever pass.
    self._define("govThresholdBps", 5_000, 5_000, BPS - 1)
    # Zero would veto every proposal, even one with no veto votes.
    self._define("govVetoBps", 3_340, 1, BPS)
    self._define("govMinDeposit", 100 * ATH, ATH, 1_000_000 * ATH)
    self._define("govDepositBlocks", 2 * DAY, 0, MAX_GOV_BLOCKS)
    self._define("govVotingBlocks", 3 * DAY, 1, MAX_GOV_BLOCKS)
    self._define("govTimelockBlocks", DAY, 0, MAX_GOV_BLOCKS)
    # Fraud proofs: a settled job's payment is held this long, during which
    # anyone may prove one entry of its result wrong (Oracle.proveFraud).
    self._define("challengeWindowBlocks", DAY, 1, 30 * DAY)
    # Share of a checker's slashable stake taken for signing VALID for a
    # result proven wrong; and the prover's share of everything slashed.
    self._define("checkerFraudSlashBps", 10_000, 1_000, BPS)
    self._define("proverRewardBps", 1_000, 0, 5_000)
    # Appeals (Oracle.appeal): the operator's bond against an INVALID or
    # UNAVAILABLE verdict (forfeit if the jury does not find it VALID), and
    # how long the jury has to report.
    self._define("appealBond", 10 * ATH, 0, 1_000_000 * ATH)
    self._define("appealBlocks", DAY // 4, 1, 30 * DAY)
    # The value of jobs awaiting a report or inside their challenge window
    # may not exceed this share of the eligible checker stake (cost of
    # corrupting a quorum above what it could steal; checked below).
    self._define("jobValueCapBps", 5_000, 1, BPS)

    for o: Override in overrides:
        self._set(o.name, o.value)
    self._check_shares()


@internal
def _define(name: String[32], initial: uint256, lo: uint256, hi: uint256):
    self._params[name] = Param(value=initial, lo=lo, hi=hi)
    self._names.append(name)


@internal
def _set(name: String[32], newValue: uint256):
    p: Param = self._params[name]
    assert p.hi != 0, "Params: unknown parameter"
    assert newValue >= p.lo, concat("Params: ", name, " must be at least ", uint2str(p.lo))
    assert newValue <= p.hi, concat("Params: ", name, " must be at most ", uint2str(p.hi))
    self._params[name].value = newValue
    log ParamChanged(name=name, oldValue=p.value, newValue=newValue)


@internal
@view
def _check_shares():
    # The compute and checker pools are both carved out of one block reward.
    assert self._params["computeRewardShareBps"].value + self._params["checkerRewardShareBps"].value <= BPS, \
        "Params: computeRewardShareBps + checkerRewardShareBps must be at most 10000"
    # A checker (or operator) that unbonds right after signing is still
    # slashable when a fraud proof arrives at the end of the window.
    assert self._params["unbondingBlocks"].value >= self._params["challengeWindowBlocks"].value, \
        "Params: unbondingBlocks must be at least challengeWindowBlocks"
    # What a bought quorum can steal (jobValueCapBps of the checker stake)
    # stays below what it loses (checkerQuorumBps x checkerFraudSlashBps).
    assert self._params["jobValueCapBps"].value * BPS < self._params["checkerQuorumBps"].value * self._params["checkerFraudSlashBps"].value, \
        "Params: jobValueCapBps must be below checkerQuorumBps x checkerFraudSlashBps"


@external
def set(name: String[32], newValue: uint256):
    """
    @notice Changes a parameter; only Governance (an executed proposal).
    @param name The parameter's name, e.g. "protocolFeeBps".
    @param newValue The new value, within the parameter's bounds.
    """
    assert msg.sender == GOVERNANCE, "Params: only Governance may change parameters"
    # Lease bookings, SLA reports and reward pools are numbered by epoch.
    assert keccak256(name) != keccak256("epochLength"), "Params: epochLength is fixed at genesis"
    self._set(name, newValue)
    self._check_shares()


@external
@view
def get(name: String[32]) -> uint256:
    """
    @notice The current value of a parameter; reverts for an unknown name.
    """
    assert self._params[name].hi != 0, "Params: unknown parameter"
    return self._params[name].value


@external
@view
def bounds(name: String[32]) -> (uint256, uint256):
    """
    @notice The least and greatest value `set` accepts for a parameter.
    """
    p: Param = self._params[name]
    assert p.hi != 0, "Params: unknown parameter"
    return p.lo, p.hi


@external
@view
def names() -> DynArray[String[32], MAX_PARAMS]:
    """
    @notice Every parameter's name, in definition order.
    """
    return self._names
