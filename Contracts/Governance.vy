# pragma version 0.4.3
"""
@title Governance
@notice Stake-weighted proposals, votes, timelock and the treasury of the ATH
        chain, at 0x0000000000000000000000000000000000001005.
@dev Life of a proposal:
     DepositPeriod: propose() with a deposit; anyone may add with deposit()
       until depositEndBlock (= submit block + govDepositBlocks). Once the
       total reaches govMinDeposit the proposal enters Voting at once; if the
       period ends short of it the proposal is Dropped and every depositor
       may take their deposit back with refundDeposit().
     Voting: votes are taken in blocks votingStartBlock+1 .. votingEndBlock
       (= start + govVotingBlocks). The snapshot is submitBlock - 1, the
       block before the proposal was submitted, so stake bonded once it is
       known does not vote on it.
       Weight = Staking.stakeAt(voter, submitBlock - 1); one vote per address.
     A proposal calling Params.set is checked when submitted: the name must
     exist and the value lie in its bounds (Params.bounds).
     tally() after votingEndBlock, with the Params values of that moment:
       quorum   (yes+no+abstain+veto) * 10000 >= govQuorumBps * totalStakeAt(snapshot)
                (and at least one vote), else Rejected;
       veto     veto * 10000 >= govVetoBps * all votes -> Vetoed, deposit burned;
       threshold yes * 10000 > govThresholdBps * (yes + no) -> Passed, else Rejected.
     Passed: execute() by anyone from executableBlock (= tally block +
       govTimelockBlocks): raw_call(target, callData, value=value) from this
       contract; once. A failing call reverts the whole execute, so it can be
       retried.
     Deposits of Passed, Rejected, Executed and Dropped proposals are
     returned by pull (refundDeposit) to keep every loop bounded.
     Burning: a vetoed proposal's deposit is sent to
     0x000000000000000000000000000000000000dEaD, an address nobody holds a key
     for, so it leaves circulation visibly.
     Treasury: this contract's balance minus the deposits it holds
     (heldDeposits). Protocol fees and slashed stake arrive by plain
     transfers (__default__); only executed proposals spend it, and never
     the held deposits.
"""

interface ParamsI:
    def get(name: String[32]) -> uint256: view

interface StakingI:
    def stakeAt(account: address, blockNumber: uint256) -> uint256: view
    def totalStakeAt(blockNumber: uint256) -> uint256: view

struct Proposal:
    proposer: address
    target: address
    value: uint256
    callData: Bytes[2048]
    description: String[256]
    totalDeposit: uint256
    submitBlock: uint256
    depositEndBlock: uint256
    votingStartBlock: uint256
    votingEndBlock: uint256
    executableBlock: uint256
    yesVotes: uint256
    noVotes: uint256
    abstainVotes: uint256
    vetoVotes: uint256
    totalStake: uint256  # Staking.totalStakeAt(votingStartBlock), set by tally
    state: uint8

struct Vote:
    option: uint8  # 0 = not voted
    weight: uint256

event ProposalSubmitted:
    proposalId: indexed(uint256)
    proposer: indexed(address)
    target: indexed(address)
    value: uint256
    callData: Bytes[2048]
    description: String[256]
    depositEndBlock: uint256

event DepositAdded:
    proposalId: indexed(uint256)
    depositor: indexed(address)
    amount: uint256
    totalDeposit: uint256

event VotingStarted:
    proposalId: indexed(uint256)
    votingStartBlock: uint256
    votingEndBlock: uint256

event Voted:
    proposalId: indexed(uint256)
    voter: indexed(address)
    option: uint8
    weight: uint256

event ProposalTallied:
    proposalId: indexed(uint256)
    state: uint8
    yesVotes: uint256
    noVotes: uint256
    abstainVotes: uint256
    vetoVotes: uint256
    totalStake: uint256

event ProposalQueued:
    proposalId: indexed(uint256)
    executableBlock: uint256

event DepositBurned:
    proposalId: indexed(uint256)
    amount: uint256

event ProposalExecuted:
    proposalId: indexed(uint256)

event ProposalDropped:
    proposalId: indexed(uint256)

event DepositRefunded:
    proposalId: indexed(uint256)
    depositor: indexed(address)
    amount: uint256

event TreasuryReceived:
    sender: indexed(address)
    amount: uint256

PARAMS: constant(address) = 0x0000000000000000000000000000000000001000
STAKING: constant(address) = 0x0000000000000000000000000000000000001001
BURN: constant(address) = 0x000000000000000000000000000000000000dEaD
BPS: constant(uint256) = 10_000

# Proposal states
DEPOSIT_PERIOD: constant(uint8) = 0
VOTING: constant(uint8) = 1
PASSED: constant(uint8) = 2
REJECTED: constant(uint8) = 3
VETOED: constant(uint8) = 4
EXECUTED: constant(uint8) = 5
DROPPED: constant(uint8) = 6

# Vote options
YES: constant(uint8) = 1
NO: constant(uint8) = 2
ABSTAIN: constant(uint8) = 3
VETO: constant(uint8) = 4

proposalCount: public(uint256)
# Deposits of undecided or not yet refunded proposals: not treasury money.
heldDeposits: public(uint256)
_proposals: HashMap[uint256, Proposal]
# weight << 8 | option, one slot per vote (0 = not voted)
_votes: HashMap[uint256, HashMap[address, uint256]]
deposits: public(HashMap[uint256, HashMap[address, uint256]])


@deploy
def __init__():
    pass


@internal
@view
def _param(name: String[32]) -> uint256:
    return staticcall ParamsI(PARAMS).get(name)


@internal
@view
def _exists(proposalId: uint256):
    assert proposalId != 0 and proposalId <= self.proposalCount, "Governance: unknown proposal"


@internal
@view
def _state(proposalId: uint256) -> uint8:
    # A proposal still short of its deposit after the deposit period is Dropped.
    s: uint8 = self._proposals[proposalId].state
    if s == DEPOSIT_PERIOD and block.number > self._proposals[proposalId].depositEndBlock:
        return DROPPED
    return s


@internal
def _add_deposit(proposalId: uint256, depositor: address, amount: uint256):
    total: uint256 = self._proposals[proposalId].totalDeposit + amount
    self._proposals[proposalId].totalDeposit = total
    self.deposits[proposalId][depositor] += amount
    self.heldDeposits += amount
    log DepositAdded(proposalId=proposalId, depositor=depositor, amount=amount, totalDeposit=total)
    if total >= self._param("govMinDeposit"):
        start: uint256 = block.number
        end: uint256 = start + self._param("govVotingBlocks")
        self._proposals[proposalId].state = VOTING
        self._proposals[proposalId].votingStartBlock = start
        self._proposals[proposalId].votingEndBlock = end
        log VotingStarted(proposalId=proposalId, votingStartBlock=start, votingEndBlock=end)


@internal
@view
def _snapshot(proposalId: uint256) -> uint256:
    # Weights are taken at the block before the proposal was submitted:
    # stake bonded once a proposal is known (even in its deposit block)
    # cannot vote on it.
    return self._proposals[proposalId].submitBlock - 1


@internal
@view
def _check_params_call(callData: Bytes[2048]):
    # A proposal to Params.set must name a known parameter and a value in
    # its bounds: one that could never execute would lock its deposit.
    if len(callData) < 4 or slice(callData, 0, 4) != method_id("set(string,uint256)"):
        return
    name: String[32] = ""
    value: uint256 = 0
    name, value = abi_decode(slice(callData, 4, len(callData) - 4), (String[32], uint256))
    ok: bool = False
    response: Bytes[64] = b""
    ok, response = raw_call(PARAMS, abi_encode(name, method_id=method_id("bounds(string)")), max_outsize=64,
                            is_static_call=True, revert_on_failure=False)
    assert ok and len(response) == 64, concat("Governance: Params has no parameter named ", name)
    lo: uint256 = convert(extract32(response, 0), uint256)
    hi: uint256 = convert(extract32(response, 32), uint256)
    assert value >= lo and value <= hi, concat("Governance: ", name, " must be from ", uint2str(lo), " to ", uint2str(hi))
    assert keccak256(name) != keccak256("epochLength"), "Governance: epochLength is fixed at genesis"


@external
@payable
def propose(target: address, callValue: uint256, callData: Bytes[2048], description: String[256]) -> uint256:
    """
    @notice Submits a proposal to call `target` with `callData` and
            `callValue` wei from the treasury; msg.value is the proposer's
            deposit. It enters voting once the deposits reach govMinDeposit.
    @return The new proposal's id (from 1).
    """
    assert msg.value > 0, "Governance: a proposal needs a deposit"
    if target == PARAMS:
        self._check_params_call(callData)
    proposalId: uint256 = self.proposalCount + 1
    self.proposalCount = proposalId
    depositEnd: uint256 = block.number + self._param("govDepositBlocks")
    # Field by field: the zero fields are left untouched (cheaper than a
    # whole-struct write).
    self._proposals[proposalId].proposer = msg.sender
    self._proposals[proposalId].target = target
    self._proposals[proposalId].value = callValue
    self._proposals[proposalId].callData = callData
    self._proposals[proposalId].description = description
    self._proposals[proposalId].submitBlock = block.number
    self._proposals[proposalId].depositEndBlock = depositEnd
    log ProposalSubmitted(
        proposalId=proposalId,
        proposer=msg.sender,
        target=target,
        value=callValue,
        callData=callData,
        description=description,
        depositEndBlock=depositEnd,
    )
    self._add_deposit(proposalId, msg.sender, msg.value)
    return proposalId


@external
@payable
def deposit(proposalId: uint256):
    """
    @notice Adds msg.value to a proposal's deposit during its deposit period.
    """
    self._exists(proposalId)
    assert msg.value > 0, "Governance: deposit must be more than zero"
    assert self._state(proposalId) == DEPOSIT_PERIOD, "Governance: proposal is not taking deposits"
    self._add_deposit(proposalId, msg.sender, msg.value)


@external
def vote(proposalId: uint256, option: uint8):
    """
    @notice Votes once, weighted by the caller's bonded stake at the
            proposal's voting start.
    @param option 1 yes, 2 no, 3 abstain, 4 veto.
    """
    self._exists(proposalId)
    assert option >= YES and option <= VETO, "Governance: option must be 1 (yes), 2 (no), 3 (abstain) or 4 (veto)"
    start: uint256 = self._proposals[proposalId].votingStartBlock
    assert self._proposals[proposalId].state == VOTING, "Governance: proposal is not in voting"
    assert block.number > start, "Governance: voting opens the block after the proposal enters voting"
    assert block.number <= self._proposals[proposalId].votingEndBlock, "Governance: voting period has ended"
    assert self._votes[proposalId][msg.sender] == 0, "Governance: already voted"
    weight: uint256 = staticcall StakingI(STAKING).stakeAt(msg.sender, self._snapshot(proposalId))
    assert weight > 0, "Governance: no stake at the proposal's snapshot (the block before it was submitted)"
    assert weight < 2**248, "Governance: stake too large to count"

    self._votes[proposalId][msg.sender] = (weight << 8) | convert(option, uint256)
    if option == YES:
        self._proposals[proposalId].yesVotes += weight
    elif option == NO:
        self._proposals[proposalId].noVotes += weight
    elif option == ABSTAIN:
        self._proposals[proposalId].abstainVotes += weight
    else:
        self._proposals[proposalId].vetoVotes += weight
    log Voted(proposalId=proposalId, voter=msg.sender, option=option, weight=weight)


@external
@nonreentrant
def tally(proposalId: uint256):
    """
    @notice Decides a proposal after its voting period: Passed (queued for
            govTimelockBlocks), Rejected, or Vetoed (deposit burned).
    """
    self._exists(proposalId)
    assert self._proposals[proposalId].state == VOTING, "Governance: proposal is not in voting"
    assert block.number > self._proposals[proposalId].votingEndBlock, "Governance: voting period has not ended"

    yes: uint256 = self._proposals[proposalId].yesVotes
    no: uint256 = self._proposals[proposalId].noVotes
    abstain: uint256 = self._proposals[proposalId].abstainVotes
    veto: uint256 = self._proposals[proposalId].vetoVotes
    votes: uint256 = yes + no + abstain + veto
    totalStake: uint256 = staticcall StakingI(STAKING).totalStakeAt(self._snapshot(proposalId))

    outcome: uint8 = REJECTED
    if votes > 0 and votes * BPS >= self._param("govQuorumBps") * totalStake:
        if veto * BPS >= self._param("govVetoBps") * votes:
            outcome = VETOED
        elif yes * BPS > self._param("govThresholdBps") * (yes + no):
            outcome = PASSED

    self._proposals[proposalId].state = outcome
    self._proposals[proposalId].totalStake = totalStake
    log ProposalTallied(
        proposalId=proposalId,
        state=outcome,
        yesVotes=yes,
        noVotes=no,
        abstainVotes=abstain,
        vetoVotes=veto,
        totalStake=totalStake,
    )
    if outcome == PASSED:
        eta: uint256 = block.number + self._param("govTimelockBlocks")
        self._proposals[proposalId].executableBlock = eta
        log ProposalQueued(proposalId=proposalId, executableBlock=eta)
    elif outcome == VETOED:
        burned: uint256 = self._proposals[proposalId].totalDeposit
        self.heldDeposits -= burned
        log DepositBurned(proposalId=proposalId, amount=burned)
        send(BURN, burned)


@external
@nonreentrant
def execute(proposalId: uint256):
    """
    @notice Carries out a passed proposal once its timelock has expired:
            raw_call(target, callData, value=value) from the treasury.
            Anyone may call it; it runs once.
    """
    self._exists(proposalId)
    state: uint8 = self._proposals[proposalId].state
    assert state != EXECUTED, "Governance: proposal already executed"
    assert state == PASSED, "Governance: proposal has not passed"
    assert block.number >= self._proposals[proposalId].executableBlock, "Governance: timelock has not expired"
    callValue: uint256 = self._proposals[proposalId].value
    assert self.balance >= self.heldDeposits + callValue, "Governance: treasury cannot cover the proposal's value"

    self._proposals[proposalId].state = EXECUTED
    log ProposalExecuted(proposalId=proposalId)
    ok: bool = raw_call(
        self._proposals[proposalId].target,
        self._proposals[proposalId].callData,
        value=callValue,
        revert_on_failure=False,
    )
    assert ok, "Governance: proposal execution failed"


@external
@nonreentrant
def refundDeposit(proposalId: uint256):
    """
    @notice Returns the caller's deposit on a Passed, Rejected, Executed or
            Dropped proposal (a Vetoed proposal's deposit was burned).
    """
    self._exists(proposalId)
    state: uint8 = self._state(proposalId)
    assert state != VETOED, "Governance: the deposit of a vetoed proposal was burned"
    assert state != DEPOSIT_PERIOD and state != VOTING, "Governance: proposal is not decided yet"
    amount: uint256 = self.deposits[proposalId][msg.sender]
    assert amount > 0, "Governance: no deposit to refund"

    if state == DROPPED and self._proposals[proposalId].state != DROPPED:
        self._proposals[proposalId].state = DROPPED
        log ProposalDropped(proposalId=proposalId)
    self.deposits[proposalId][msg.sender] = 0
    self.heldDeposits -= amount
    log DepositRefunded(proposalId=proposalId, depositor=msg.sender, amount=amount)
    raw_call(msg.sender, b"", value=amount)


@external
@view
def proposal(proposalId: uint256) -> Proposal:
    """
    @notice Every field of a proposal; `state` is 0 DepositPeriod, 1 Voting,
            2 Passed, 3 Rejected, 4 Vetoed, 5 Executed, 6 Dropped (a deposit
            period that ended short of govMinDeposit reads Dropped).
    """
    self._exists(proposalId)
    p: Proposal = self._proposals[proposalId]
    p.state = self._state(proposalId)
    return p


@external
@view
def votes(proposalId: uint256, voter: address) -> Vote:
    """
    @notice A voter's option (0 = not voted, 1 yes, 2 no, 3 abstain, 4 veto)
            and weight on a proposal.
    """
    packed: uint256 = self._votes[proposalId][voter]
    return Vote(option=convert(packed & 255, uint8), weight=packed >> 8)


@external
@view
def treasury() -> uint256:
    """
    @notice The spendable treasury: this contract's balance less held deposits.
    """
    return self.balance - self.heldDeposits


@external
@payable
def __default__():
    """
    @notice Accepts plain ATH transfers into the treasury (protocol fees,
            slashed stake, donations). A call naming an unknown function
            reverts, so a mistyped proposal cannot pass as a transfer.
    """
    assert len(msg.data) == 0, "Governance: unknown function"
    log TreasuryReceived(sender=msg.sender, amount=msg.value)
