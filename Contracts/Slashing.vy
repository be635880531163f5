# pragma version 0.4.3
"""
@title Slashing
@notice Jail, ban, missed-signature windows and the slashing entry points of
        the ATH chain, at 0x0000000000000000000000000000000000001002. Every
        slashed wei goes to Governance (the treasury) through Staking.slash.
@dev Downtime: for each validator a ring of downtimeWindow bits (1 = missed)
     in storage words, with the position, the blocks recorded (up to the
     window) and the missed count packed in one word. Once the window is
     full, a validator that signed less than minSignedBps of it is slashed
     downtimeSlashBps of its self stake and of its delegations (each delegator
     pro rata, as in the Cosmos SDK), jailed for jailBlocks, and its window
     restarts. A change of downtimeWindow restarts every window on its next
     record. Operators are slashed penaltyBps of their required stake, taken
     from their bonded operator stake and then any pending operator unbonding
     entries (infraction block 0: a job's block is not known here).
"""

interface IParams:
    def get(name: String[32]) -> uint256: view

interface IStaking:
    def slash(account: address, role: uint8, amount: uint256, infractionBlock: uint256, prover: address) -> uint256: nonpayable
    def setJailed(validator: address, untilBlock: uint256): nonpayable
    def setBanned(validator: address): nonpayable
    def slashableStake(account: address, role: uint8, infractionBlock: uint256) -> uint256: view
    def bondedStake(account: address, role: uint8) -> uint256: view
    def requiredStake(operator: address) -> uint256: view

PARAMS: constant(address) = 0x0000000000000000000000000000000000001000
STAKING: constant(address) = 0x0000000000000000000000000000000000001001
ESCROW: constant(address) = 0x0000000000000000000000000000000000001003
ORACLE: constant(address) = 0x0000000000000000000000000000000000001004
SYSTEM: constant(address) = 0xffffFFFfFFffffffffffffffFfFFFfffFFFfFFfE

BPS: constant(uint256) = 10_000
ROLE_VALIDATOR: constant(uint8) = 1
ROLE_DELEGATION: constant(uint8) = 4  # Staking.slash: the validator's delegations, amount in bps
ROLE_OPERATOR: constant(uint8) = 2
ROLE_CHECKER: constant(uint8) = 3
MAX_SIGNERS: constant(uint256) = 100
M64: constant(uint256) = 2**64 - 1

struct SigningInfo:
    windowSize: uint256
    position: uint256
    recorded: uint256
    missed: uint256

event DoubleSignSlashed:
    validator: indexed(address)
    infractionBlock: uint256
    evidenceHash: indexed(bytes32)
    slashed: uint256

event DowntimeJailed:
    validator: indexed(address)
    missed: uint256
    windowSize: uint256
    slashed: uint256
    untilBlock: uint256

event SignaturesRecorded:
    blockNumber: indexed(uint256)
    validators: uint256
    missed: uint256

event OperatorSlashed:
    operator: indexed(address)
    penaltyBps: uint256
    reason: uint8
    requested: uint256
    slashed: uint256

event CheckerSlashed:
    checker: indexed(address)
    infractionBlock: uint256
    requested: uint256
    slashed: uint256

event Unjailed:
    validator: indexed(address)

evidenceApplied: public(HashMap[bytes32, bool])
banned: public(HashMap[address, bool])
jailed: public(HashMap[address, bool])
jailedUntil: public(HashMap[address, uint256])
# (windowSize << 192) | (position << 128) | (recorded << 64) | missed
window: HashMap[address, uint256]
missedBits: HashMap[address, HashMap[uint256, uint256]]


@internal
@view
def _param(name: String[32]) -> uint256:
    return staticcall IParams(PARAMS).get(name)


@external
def slashDoubleSign(validator: address, infractionBlock: uint256, evidenceHash: bytes32):
    """
    @notice SYSTEM: slashes doubleSignSlashBps of the validator's self stake
            and of its delegations (bonded, and unbonding since the
            infraction) and bans it for good. Each piece of evidence applies
            once.
    """
    assert msg.sender == SYSTEM, "Slashing: only the system may report double signing"
    assert not self.evidenceApplied[evidenceHash], "Slashing: evidence already applied"
    assert infractionBlock <= block.number, "Slashing: infraction block is in the future"
    self.evidenceApplied[evidenceHash] = True
    self.banned[validator] = True
    stake: uint256 = staticcall IStaking(STAKING).slashableStake(validator, ROLE_VALIDATOR, infractionBlock)
    bps: uint256 = self._param("doubleSignSlashBps")
    taken: uint256 = extcall IStaking(STAKING).slash(validator, ROLE_VALIDATOR, stake * bps // BPS, infractionBlock, empty(address))
    # its delegators share the slash pro rata (their stake gave it its power)
    extcall IStaking(STAKING).slash(validator, ROLE_DELEGATION, bps, infractionBlock, empty(address))
    extcall IStaking(STAKING).setBanned(validator)
    log DoubleSignSlashed(validator=validator, infractionBlock=infractionBlock, evidenceHash=evidenceHash, slashed=taken)


@external
def recordSignatures(validators: DynArray[address, MAX_SIGNERS], signed: DynArray[bool, MAX_SIGNERS]):
    """
    @notice SYSTEM, each block: whether each active validator signed. Jailed
            and banned validators are skipped.
    """
    assert msg.sender == SYSTEM, "Slashing: only the system may record signatures"
    assert len(validators) == len(signed), "Slashing: validators and signed differ in length"
    size: uint256 = self._param("downtimeWindow")
    minSigned: uint256 = self._param("minSignedBps")
    missedNow: uint256 = 0
    for i: uint256 in range(MAX_SIGNERS):
        if i == len(validators):
            break
        v: address = validators[i]
        missed: bool = not signed[i]
        if missed:
            missedNow += 1
        if self.jailed[v] or self.banned[v]:
            continue
        st: uint256 = self.window[v]
        pos: uint256 = 0
        recorded: uint256 = 0
        misses: uint256 = 0
        if st >> 192 == size:
            pos = (st >> 128) & M64
            recorded = (st >> 64) & M64
            misses = st & M64
        word: uint256 = self.missedBits[v][pos // 256]
        bit: uint256 = pos % 256
        stored: bool = (word >> bit) & 1 == 1
        if recorded == size:
            if stored:
                misses -= 1      # the oldest block leaves the window
        else:
            recorded += 1        # the bit there is stale: not counted
        if missed:
            misses += 1
        if stored != missed:
            self.missedBits[v][pos // 256] = word ^ (1 << bit)
        pos = (pos + 1) % size
        if recorded == size and (size - misses) * BPS < minSigned * size:
            self.window[v] = size << 192
            self._jailForDowntime(v, misses, size)
        else:
            self.window[v] = (size << 192) | (pos << 128) | (recorded << 64) | misses
    log SignaturesRecorded(blockNumber=block.number, validators=len(validators), missed=missedNow)


@internal
def _jailForDowntime(v: address, misses: uint256, size: uint256):
    until: uint256 = block.number + self._param("jailBlocks")
    self.jailed[v] = True
    self.jailedUntil[v] = until
    stake: uint256 = staticcall IStaking(STAKING).bondedStake(v, ROLE_VALIDATOR)
    bps: uint256 = self._param("downtimeSlashBps")
    taken: uint256 = extcall IStaking(STAKING).slash(v, ROLE_VALIDATOR, stake * bps // BPS, block.number, empty(address))
    extcall IStaking(STAKING).slash(v, ROLE_DELEGATION, bps, block.number, empty(address))
    extcall IStaking(STAKING).setJailed(v, until)
    log DowntimeJailed(validator=v, missed=misses, windowSize=size, slashed=taken, untilBlock=until)


@external
def slashOperator(operator: address, penaltyBps: uint256, reason: uint8, base: uint256, prover: address) -> uint256:
    """
    @notice Escrow or Oracle: slashes penaltyBps of the operator's required
            stake (the larger of `base`, its required stake when it accepted
            the job, and its required stake now: re-registering with fewer
            GPUs after accepting does not shrink the penalty), capped by what
            it has (bonded, then pending unbonding). With a `prover` (a fraud
            proof), proverRewardBps of what was taken is paid to it.
    @param reason 2 invalid result (fraud), 3 unavailable (downtime), 4 not
           committed by the deadline; logged.
    @return What was taken.
    """
    assert msg.sender == ESCROW or msg.sender == ORACLE, "Slashing: only Escrow or the Oracle may slash operators"
    assert penaltyBps <= BPS, "Slashing: penalty above 10000 bps"
    amount: uint256 = max(base, staticcall IStaking(STAKING).requiredStake(operator)) * penaltyBps // BPS
    taken: uint256 = extcall IStaking(STAKING).slash(operator, ROLE_OPERATOR, amount, 0, prover)
    log OperatorSlashed(operator=operator, penaltyBps=penaltyBps, reason=reason, requested=amount, slashed=taken)
    return taken


@external
def slashChecker(checker: address, infractionBlock: uint256, prover: address) -> uint256:
    """
    @notice Oracle only: slashes checkerFraudSlashBps of the checker's stake
            slashable for an infraction at `infractionBlock` (bonded, and
            unbonding since then): it signed VALID for a result proven wrong.
            proverRewardBps of what was taken is paid to `prover`.
    @return What was taken.
    """
    assert msg.sender == ORACLE, "Slashing: only the Oracle may slash checkers"
    stake: uint256 = staticcall IStaking(STAKING).slashableStake(checker, ROLE_CHECKER, infractionBlock)
    amount: uint256 = stake * self._param("checkerFraudSlashBps") // BPS
    taken: uint256 = extcall IStaking(STAKING).slash(checker, ROLE_CHECKER, amount, infractionBlock, prover)
    log CheckerSlashed(checker=checker, infractionBlock=infractionBlock, requested=amount, slashed=taken)
    return taken


@external
def unjail():
    """
    @notice A jailed, not banned validator whose jail period is over and who
            still holds validatorMinStake rejoins the candidates.
    """
    assert not self.banned[msg.sender], "Slashing: validator is banned"
    assert self.jailed[msg.sender], "Slashing: validator is not jailed"
    until: uint256 = self.jailedUntil[msg.sender]
    assert block.number >= until, concat("Slashing: jailed until block ", uint2str(until))
    assert staticcall IStaking(STAKING).bondedStake(msg.sender, ROLE_VALIDATOR) >= self._param("validatorMinStake"), \
        "Slashing: self stake below the validator minimum"
    self.jailed[msg.sender] = False
    self.jailedUntil[msg.sender] = 0
    self.window[msg.sender] = 0
    extcall IStaking(STAKING).setJailed(msg.sender, 0)
    log Unjailed(validator=msg.sender)


@external
@view
def signingInfo(validator: address) -> SigningInfo:
    """
    @notice The validator's current window: size, next position, blocks
            recorded (up to the size) and blocks missed in it.
    """
    st: uint256 = self.window[validator]
    return SigningInfo(windowSize=st >> 192, position=(st >> 128) & M64, recorded=(st >> 64) & M64, missed=st & M64)
