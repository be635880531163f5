# pragma version 0.4.3
# pragma optimize codesize
"""
@title Staking
@notice Stakes of validators, GPU operators and checkers, delegations to
        validators, the unbonding queue and block rewards of the ATH chain, at
        0x0000000000000000000000000000000000001001.
@dev Roles: 1 validator, 2 operator, 3 checker, 4 delegation (to a validator).
     Rewards: each block the node credits `amount` to this contract and calls
     mintReward from SYSTEM. computeRewardShareBps goes to the epoch's
     work-unit pool (operators, by units the Oracle records),
     checkerRewardShareBps to the epoch's checker pool (checkers, per agreeing
     attestation); both pools are paid out after their epoch ends (a pool with
     no units rolls into the next epoch). The rest goes to the active set by
     power (self stake + delegations): each validator keeps its commission and
     the share of its self stake; its delegators share the remainder through a
     per-validator reward-per-share accumulator.
     Slashing takes from the bonded stake of the slashed role, then from that
     role's unbonding entries created at or after the infraction block, and
     sends what it took to Governance (the treasury). A validator's slash
     also cuts its delegations by the same fraction (slash, role 4):
     delegators hold shares of the validator's delegated pool, so each loses
     its pro-rata part at once, and their unbonding entries created at or
     after the infraction lose it when they are withdrawn.
     An account's weight (stakeAt) is all its bonded stake: validator self
     stake, operator stake, checker stake and its delegations, checkpointed at
     every change.
"""

interface IParams:
    def get(name: String[32]) -> uint256: view

PARAMS: constant(address) = 0x0000000000000000000000000000000000001000
SLASHING: constant(address) = 0x0000000000000000000000000000000000001002
ORACLE: constant(address) = 0x0000000000000000000000000000000000001004
GOVERNANCE: constant(address) = 0x0000000000000000000000000000000000001005
SYSTEM: constant(address) = 0xffffFFFfFFffffffffffffffFfFFFfffFFFfFFfE

BPS: constant(uint256) = 10_000
# The chain's ed25519 verify precompile (README, "The EVM").
ED25519_VERIFY: constant(address) = 0x0000000000000000000000000000000000000a02
POP_DOMAIN: constant(bytes32) = keccak256("ATH consensus key possession")
PRECISION: constant(uint256) = 10**18
MAX_GPUS: constant(uint256) = 1024         # per operator; keeps the required stake from overflowing
MAX_REGISTRY: constant(uint256) = 200    # registered validators
MAX_SET: constant(uint256) = 100         # active set (maxValidators <= 100)
MAX_UNBONDING: constant(uint256) = 16    # unbonding entries per account
MAX_DELEGATIONS: constant(uint256) = 16  # validators one account delegates to
MAX_GENESIS: constant(uint256) = 100

ROLE_VALIDATOR: constant(uint8) = 1
ROLE_OPERATOR: constant(uint8) = 2
ROLE_CHECKER: constant(uint8) = 3
ROLE_DELEGATION: constant(uint8) = 4

POOL_COMPUTE: constant(uint256) = 0
POOL_CHECKER: constant(uint256) = 1

struct Validator:
    consensusKey: bytes32
    commissionBps: uint256
    selfStake: uint256
    delegated: uint256      # sum of delegations to it
    jailedUntil: uint256    # block from which it may unjail (through Slashing)
    jailed: bool
    banned: bool
    registered: bool        # in the registry (false once its self stake is gone or it is banned)

struct Operator:
    gpuModel: String[64]
    gpuCount: uint256
    gpuMemoryGiB: uint256
    endpoint: String[128]
    stake: uint256
    registered: bool

struct Checker:
    endpoint: String[128]
    stake: uint256
    registered: bool
    active: bool            # stake >= checkerMinStake at its last change; counted in totalCheckerStake

struct UnbondingEntry:
    role: uint8
    amount: uint256
    createdBlock: uint256
    releaseBlock: uint256
    validator: address      # role 4: the validator delegated to
    slashIndex: uint256     # role 4: that validator's delegation slashes so far

struct DelegationSlash:
    infractionBlock: uint256
    slashBlock: uint256
    bps: uint256

struct ValidatorInfo:
    account: address
    consensusKey: bytes32
    power: uint256

struct GenesisValidator:
    account: address
    consensusKey: bytes32
    commissionBps: uint256
    stake: uint256

struct GenesisOperator:
    account: address
    gpuModel: String[64]
    gpuCount: uint256
    gpuMemoryGiB: uint256
    endpoint: String[128]
    stake: uint256

struct GenesisChecker:
    account: address
    endpoint: String[128]
    stake: uint256

event ValidatorRegistered:
    validator: indexed(address)
    consensusKey: bytes32
    commissionBps: uint256
    stake: uint256

event OperatorRegistered:
    operator: indexed(address)
    gpuModel: String[64]
    gpuCount: uint256
    gpuMemoryGiB: uint256
    endpoint: String[128]
    stake: uint256

event CheckerRegistered:
    checker: indexed(address)
    endpoint: String[128]
    stake: uint256

event StakeAdded:
    account: indexed(address)
    role: uint8
    amount: uint256

event Delegated:
    delegator: indexed(address)
    validator: indexed(address)
    amount: uint256

event Unbonded:
    account: indexed(address)
    role: uint8
    validator: address
    amount: uint256
    releaseBlock: uint256

event DelegationsSlashed:
    validator: indexed(address)
    bps: uint256
    amount: uint256

event Withdrawn:
    account: indexed(address)
    amount: uint256

event RewardsClaimed:
    account: indexed(address)
    amount: uint256

event RewardMinted:
    proposer: indexed(address)
    amount: uint256
    computeShare: uint256
    checkerShare: uint256
    validatorShare: uint256

event EpochStarted:
    epoch: indexed(uint256)
    startBlock: uint256

event WorkUnitsRecorded:
    operator: indexed(address)
    epoch: indexed(uint256)
    units: uint256

event CheckersRewarded:
    epoch: indexed(uint256)
    checkers: DynArray[address, 32]

event Slashed:
    account: indexed(address)
    role: uint8
    requested: uint256
    fromBonded: uint256
    fromUnbonding: uint256

event JailChanged:
    validator: indexed(address)
    jailed: bool
    untilBlock: uint256

event Banned:
    validator: indexed(address)

event ValidatorRemoved:
    validator: indexed(address)

validators: public(HashMap[address, Validator])
operators: public(HashMap[address, Operator])
checkers: public(HashMap[address, Checker])
# A delegator holds shares of its validator's delegated pool
# (validators[v].delegated): shares[validator][delegator], totalShares[validator].
# A slash cuts the pool, so every share loses the same fraction.
shares: HashMap[address, HashMap[address, uint256]]
totalShares: HashMap[address, uint256]
# what bonded[delegator] holds for this delegation; synced down after a slash
delegationBonded: HashMap[address, HashMap[address, uint256]]
# each validator's delegation slashes, by index
delegationSlashes: HashMap[address, HashMap[uint256, DelegationSlash]]
delegationSlashCount: public(HashMap[address, uint256])
rewardDebt: HashMap[address, HashMap[address, uint256]]
accRewardPerShare: public(HashMap[address, uint256])   # per validator and share, scaled by 1e18
delegatedTo: HashMap[address, DynArray[address, MAX_DELEGATIONS]]

validatorList: public(DynArray[address, MAX_REGISTRY])
listIndex: HashMap[address, uint256]                   # position + 1; 0 = not listed
keyOwner: public(HashMap[bytes32, address])

unbonding: HashMap[address, DynArray[UnbondingEntry, MAX_UNBONDING]]
rewards: HashMap[address, uint256]                     # settled, unclaimed
totalCheckerStake: public(uint256)

# epochs and the work-unit / checker pools: [pool][epoch]
epoch: public(uint256)
nextEpochBlock: public(uint256)
# the block reward's multiplier after decay (1e18: none), compounded each epoch
rewardFactor: public(uint256)
# the validator set fixed at the start of the current epoch (consensus keys filled)
epochSet: DynArray[ValidatorInfo, MAX_SET]
poolAmount: public(HashMap[uint256, HashMap[uint256, uint256]])
poolUnits: public(HashMap[uint256, HashMap[uint256, uint256]])
accountEpoch: HashMap[uint256, HashMap[address, uint256]]
accountUnits: HashMap[uint256, HashMap[address, uint256]]

# checkpoints: (block << 160) | value, keyed by (series << 160) | account:
# series 0 is all bonded stake (weights for governance), series 1 active
# checker stake (the Oracle counts a signer's stake as of the block before
# the job's commitment, so stake bought after a result is known weighs
# nothing). The zero account holds each series' total.
bonded: public(HashMap[address, uint256])
totalBonded: public(uint256)
checkpoints: HashMap[uint256, HashMap[uint256, uint256]]
checkpointCount: HashMap[uint256, uint256]
TOTAL_KEY: constant(address) = empty(address)
BONDED: constant(uint256) = 0
CHECKER: constant(uint256) = 1 << 160

@deploy
def __init__(
    initialValidators: DynArray[GenesisValidator, MAX_GENESIS],
    initialOperators: DynArray[GenesisOperator, MAX_GENESIS],
    initialCheckers: DynArray[GenesisChecker, MAX_GENESIS],
):
    """
    @notice Genesis stakes. The genesis allocation must give this contract a
            balance equal to the sum of the stakes (no value is sent here).
    """
    self.nextEpochBlock = (block.number // self._param("epochLength") + 1) * self._param("epochLength")
    for v: GenesisValidator in initialValidators:
        self._registerValidator(v.account, v.consensusKey, v.commissionBps, v.stake)
    for o: GenesisOperator in initialOperators:
        self._registerOperator(o.account, o.gpuModel, o.gpuCount, o.gpuMemoryGiB, o.endpoint, o.stake)
    for c: GenesisChecker in initialCheckers:
        self._registerChecker(c.account, c.endpoint, c.stake)
    self.rewardFactor = PRECISION
    self.epochSet = self._keyedSet()


# ---------------------------------------------------------------- helpers

@internal
@view
def _param(name: String[32]) -> uint256:
    return staticcall IParams(PARAMS).get(name)


@internal
@view
def _required(gpuCount: uint256, gpuMemoryGiB: uint256) -> uint256:
    if gpuMemoryGiB < 24:
        return gpuCount * self._param("operatorStakeClass0")
    if gpuMemoryGiB <= 80:
        return gpuCount * self._param("operatorStakeClass1")
    return gpuCount * self._param("operatorStakeClass2")


@internal
def _checkpoint(series: uint256, account: address, newValue: uint256):
    key: uint256 = series | convert(account, uint256)
    n: uint256 = self.checkpointCount[key]
    entry: uint256 = (block.number << 160) | newValue
    if n > 0 and self.checkpoints[key][n - 1] >> 160 == block.number:
        self.checkpoints[key][n - 1] = entry
    else:
        self.checkpoints[key][n] = entry
        self.checkpointCount[key] = n + 1


@internal
def _bond(account: address, amount: uint256, increase: bool):
    """Bonded stake of `account` (all roles and delegations) and the total."""
    if increase:
        self.bonded[account] += amount
        self.totalBonded += amount
    else:
        self.bonded[account] -= amount
        self.totalBonded -= amount
    self._checkpoint(BONDED, account, self.bonded[account])
    self._checkpoint(BONDED, TOTAL_KEY, self.totalBonded)


@internal
@view
def _valueAt(series: uint256, account: address, blockNumber: uint256) -> uint256:
    key: uint256 = series | convert(account, uint256)
    n: uint256 = self.checkpointCount[key]
    if n == 0:
        return 0
    last: uint256 = self.checkpoints[key][n - 1]
    if last >> 160 <= blockNumber:
        return last & (2**160 - 1)
    if self.checkpoints[key][0] >> 160 > blockNumber:
        return 0
    # invariant: checkpoint lo is at or before blockNumber, hi after it
    lo: uint256 = 0
    hi: uint256 = n - 1
    for _i: uint256 in range(64):
        if hi - lo <= 1:
            break
        mid: uint256 = (lo + hi) // 2
        if self.checkpoints[key][mid] >> 160 <= blockNumber:
            lo = mid
        else:
            hi = mid
    return self.checkpoints[key][lo] & (2**160 - 1)


@internal
def _setSelfStake(v: address, newStake: uint256):
    self.validators[v].selfStake = newStake
    if newStake == 0:
        self._delist(v)


@internal
def _delist(v: address):
    """Removes `v` from the registry (self stake gone, or banned)."""
    i: uint256 = self.listIndex[v]
    if i == 0:
        return
    last: address = self.validatorList.pop()
    if last != v:
        self.validatorList[i - 1] = last
        self.listIndex[last] = i
    self.listIndex[v] = 0
    self.validators[v].registered = False
    # The consensus key is free again (for its holder, or anyone else).
    key: bytes32 = self.validators[v].consensusKey
    if self.keyOwner[key] == v:
        self.keyOwner[key] = empty(address)
    log ValidatorRemoved(validator=v)


@internal
def _setCheckerStake(c: address, newStake: uint256):
    if self.checkers[c].active:
        self.totalCheckerStake -= self.checkers[c].stake
    active: bool = newStake > 0 and newStake >= self._param("checkerMinStake")
    self.checkers[c].stake = newStake
    self.checkers[c].active = active
    if active:
        self.totalCheckerStake += newStake
        self._checkpoint(CHECKER, c, newStake)
    else:
        self._checkpoint(CHECKER, c, 0)
    self._checkpoint(CHECKER, TOTAL_KEY, self.totalCheckerStake)
    if newStake == 0:
        self.checkers[c].registered = False


@internal
def _setOperatorStake(o: address, newStake: uint256):
    self.operators[o].stake = newStake
    if newStake == 0:
        self.operators[o].registered = False


@internal
@view
def _pendingDelegation(v: address, d: address) -> uint256:
    return self.shares[v][d] * self.accRewardPerShare[v] // PRECISION - self.rewardDebt[v][d]


@internal
@view
def _delegationValue(v: address, d: address) -> uint256:
    total: uint256 = self.totalShares[v]
    if total == 0:
        return 0
    return self.shares[v][d] * self.validators[v].delegated // total


@internal
def _syncDelegation(v: address, d: address) -> uint256:
    """Settles d's rewards from v and drops from bonded[d] what slashes took
    from this delegation; returns the delegation's value."""
    self._settleDelegation(v, d)
    value: uint256 = self._delegationValue(v, d)
    recorded: uint256 = self.delegationBonded[v][d]
    if recorded > value:
        self._bond(d, recorded - value, False)
        self.delegationBonded[v][d] = value
    return value


@internal
def _settleDelegation(v: address, d: address):
    self.rewards[d] += self._pendingDelegation(v, d)


@internal
@view
def _pendingPool(pool: uint256, a: address) -> uint256:
    units: uint256 = self.accountUnits[pool][a]
    e: uint256 = self.accountEpoch[pool][a]
    if units == 0 or e >= self.epoch:
        return 0
    return self.poolAmount[pool][e] * units // self.poolUnits[pool][e]


@internal
def _settlePool(pool: uint256, a: address):
    if self.accountUnits[pool][a] > 0 and self.accountEpoch[pool][a] < self.epoch:
        self.rewards[a] += self._pendingPool(pool, a)
        self.accountUnits[pool][a] = 0


@internal
def _addUnits(pool: uint256, a: address, units: uint256):
    self._settlePool(pool, a)
    e: uint256 = self.epoch
    self.accountEpoch[pool][a] = e
    self.accountUnits[pool][a] += units
    self.poolUnits[pool][e] += units


@internal
def _registerValidator(v: address, key: bytes32, commissionBps: uint256, stake: uint256):
    assert key != empty(bytes32), "Staking: consensus key is empty"
    assert commissionBps <= BPS, "Staking: commission above 10000 bps"
    assert not self.validators[v].banned, "Staking: validator is banned"
    assert not self.validators[v].registered, "Staking: already a validator"
    assert self.validators[v].selfStake == 0, "Staking: unbond the remaining self stake first"
    assert self.keyOwner[key] == empty(address) or self.keyOwner[key] == v, "Staking: consensus key already in use"
    assert stake >= self._param("validatorMinStake"), "Staking: stake below the validator minimum"
    assert len(self.validatorList) < MAX_REGISTRY, "Staking: validator registry is full"
    self.keyOwner[key] = v
    self.validators[v].consensusKey = key
    self.validators[v].commissionBps = commissionBps
    self.validators[v].selfStake = stake
    self.validators[v].registered = True  # a jail outlives re-registration
    self.validatorList.append(v)
    self.listIndex[v] = len(self.validatorList)
    self._bond(v, stake, True)
    log ValidatorRegistered(validator=v, consensusKey=key, commissionBps=commissionBps, stake=stake)


@internal
def _registerOperator(o: address, model: String[64], count: uint256, mem: uint256, endpoint: String[128], stake: uint256):
    assert not self.operators[o].registered, "Staking: already an operator"
    assert count > 0, "Staking: GPU count is zero"
    assert count <= MAX_GPUS, "Staking: GPU count above 1024"
    assert len(model) > 0, "Staking: GPU model is empty"
    assert mem > 0, "Staking: GPU memory is zero"
    assert len(endpoint) > 0, "Staking: endpoint is empty"
    assert stake >= self._required(count, mem), "Staking: stake below the operator's required stake"
    self.operators[o] = Operator(gpuModel=model, gpuCount=count, gpuMemoryGiB=mem, endpoint=endpoint, stake=stake, registered=True)
    self._bond(o, stake, True)
    log OperatorRegistered(operator=o, gpuModel=model, gpuCount=count, gpuMemoryGiB=mem, endpoint=endpoint, stake=stake)


@internal
def _registerChecker(c: address, endpoint: String[128], stake: uint256):
    assert not self.checkers[c].registered, "Staking: already a checker"
    assert stake >= self._param("checkerMinStake"), "Staking: stake below the checker minimum"
    assert len(endpoint) > 0, "Staking: endpoint is empty"
    self.checkers[c].endpoint = endpoint
    self.checkers[c].registered = True
    self._setCheckerStake(c, stake)
    self._bond(c, stake, True)
    log CheckerRegistered(checker=c, endpoint=endpoint, stake=stake)


@internal
@pure
def _mergeSort(keys: uint256[MAX_REGISTRY], m: uint256) -> uint256[MAX_REGISTRY]:
    """Bottom-up merge sort of keys[0:m], descending."""
    src: uint256[MAX_REGISTRY] = keys
    dst: uint256[MAX_REGISTRY] = empty(uint256[MAX_REGISTRY])
    width: uint256 = 1
    for _p: uint256 in range(8):  # 2**8 >= MAX_REGISTRY
        if width >= m:
            break
        lo: uint256 = 0
        for _q: uint256 in range(MAX_REGISTRY):
            if lo >= m:
                break
            mid: uint256 = min(lo + width, m)
            hi: uint256 = min(lo + 2 * width, m)
            a: uint256 = lo
            b: uint256 = mid
            for k: uint256 in range(lo, hi, bound=MAX_REGISTRY):
                if a < mid and (b >= hi or src[a] >= src[b]):
                    dst[k] = src[a]
                    a += 1
                else:
                    dst[k] = src[b]
                    b += 1
            lo = hi
        src = dst
        width *= 2
    return src


@internal
@view
def _activeSet(sort: bool) -> (DynArray[ValidatorInfo, MAX_SET], uint256):
    """
    @dev The top maxValidators eligible validators (registered, not jailed,
         self stake >= validatorMinStake) by power, ties by registry order;
         sorted only when asked or when there are more than maxValidators.
    """
    minStake: uint256 = self._param("validatorMinStake")
    limit: uint256 = min(self._param("maxValidators"), MAX_SET)
    # key = power << 8 | (255 - registry position): sorts by power, then position
    keys: uint256[MAX_REGISTRY] = empty(uint256[MAX_REGISTRY])
    m: uint256 = 0
    n: uint256 = len(self.validatorList)
    for i: uint256 in range(MAX_REGISTRY):
        if i == n:
            break
        v: address = self.validatorList[i]
        own: uint256 = self.validators[v].selfStake
        if own >= minStake and not self.validators[v].jailed:
            keys[m] = ((own + self.validators[v].delegated) << 8) | (255 - i)
            m += 1
    if sort or m > limit:
        keys = self._mergeSort(keys, m)
    out: DynArray[ValidatorInfo, MAX_SET] = []
    total: uint256 = 0
    for i: uint256 in range(MAX_SET):
        if i == m or i == limit:
            break
        k: uint256 = keys[i]
        out.append(ValidatorInfo(account=self.validatorList[255 - (k & 255)], consensusKey=empty(bytes32), power=k >> 8))
        total += k >> 8
    return out, total


@internal
@view
def _keyedSet() -> DynArray[ValidatorInfo, MAX_SET]:
    out: DynArray[ValidatorInfo, MAX_SET] = []
    total: uint256 = 0
    out, total = self._activeSet(True)
    for i: uint256 in range(MAX_SET):
        if i == len(out):
            break
        out[i].consensusKey = self.validators[out[i].account].consensusKey
    return out


@internal
@view
def _decayed() -> uint256:
    return self.rewardFactor * (BPS - self._param("blockRewardDecayBps")) // BPS


# ---------------------------------------------------------------- staking

@internal
@view
def _popDigest(account: address, consensusKey: bytes32) -> bytes32:
    return keccak256(abi_encode(POP_DOMAIN, chain.id, account, consensusKey))


@external
@view
def popDigest(account: address, consensusKey: bytes32) -> bytes32:
    """
    @notice What the consensus key signs (ed25519, these 32 bytes as the
            message) to prove `account` holds it: keccak256(abi_encode(
            keccak256("ATH consensus key possession"), chainId, account, key)).
    """
    return self._popDigest(account, consensusKey)


@external
@payable
def registerValidator(consensusKey: bytes32, commissionBps: uint256, proof: Bytes[64]):
    """
    @notice Registers the caller as a validator with msg.value as self stake.
    @param consensusKey The ed25519 consensus public key.
    @param commissionBps Share of its delegators' rewards it keeps (<= 10000).
    @param proof The key's ed25519 signature of popDigest(caller, key): only
           whoever holds the key can bind it to an account.
    """
    # The registration's own checks first (their reasons are the clearer),
    # then the proof; a failing proof reverts the whole registration.
    self._registerValidator(msg.sender, consensusKey, commissionBps, msg.value)
    ok: bool = False
    out: Bytes[32] = b""
    ok, out = raw_call(ED25519_VERIFY, concat(consensusKey, proof, self._popDigest(msg.sender, consensusKey)),
                       max_outsize=32, is_static_call=True, revert_on_failure=False)
    assert ok and len(proof) == 64 and len(out) == 32 and convert(out, uint256) == 1, \
        "Staking: the proof of possession does not verify (a 64-byte ed25519 signature of popDigest)"


@external
@payable
def registerOperator(gpuModel: String[64], gpuCount: uint256, gpuMemoryGiB: uint256, endpoint: String[128]):
    """
    @notice Registers the caller as a GPU operator; msg.value must cover
            requiredStake (gpuCount x operatorStakeClassN by memory).
    """
    self._registerOperator(msg.sender, gpuModel, gpuCount, gpuMemoryGiB, endpoint, msg.value)


@external
@payable
def registerChecker(endpoint: String[128]):
    """
    @notice Registers the caller as a checker with msg.value >= checkerMinStake.
    """
    self._registerChecker(msg.sender, endpoint, msg.value)


@external
@payable
def addStake(role: uint8):
    """
    @notice Adds msg.value to the caller's stake in `role` (1 validator,
            2 operator, 3 checker).
    """
    assert msg.value > 0, "Staking: no value sent"
    if role == ROLE_VALIDATOR:
        assert self.validators[msg.sender].registered, "Staking: not a registered validator"
        self.validators[msg.sender].selfStake += msg.value
    elif role == ROLE_OPERATOR:
        assert self.operators[msg.sender].registered, "Staking: not a registered operator"
        self.operators[msg.sender].stake += msg.value
    elif role == ROLE_CHECKER:
        assert self.checkers[msg.sender].registered, "Staking: not a registered checker"
        self._setCheckerStake(msg.sender, self.checkers[msg.sender].stake + msg.value)
    else:
        raise "Staking: unknown role"
    self._bond(msg.sender, msg.value, True)
    log StakeAdded(account=msg.sender, role=role, amount=msg.value)


@external
@payable
def delegate(validator: address):
    """
    @notice Delegates msg.value to a registered validator.
    """
    assert msg.value > 0, "Staking: no value sent"
    assert self.validators[validator].registered, "Staking: not a registered validator"
    pool: uint256 = self.validators[validator].delegated
    total: uint256 = self.totalShares[validator]
    minted: uint256 = msg.value
    if total > 0:
        assert pool > 0, "Staking: the validator's delegations were slashed to nothing"
        minted = msg.value * total // pool
    assert minted > 0, "Staking: amount is below one delegation share"
    old: uint256 = self.shares[validator][msg.sender]
    if old == 0:
        assert len(self.delegatedTo[msg.sender]) < MAX_DELEGATIONS, "Staking: delegations to too many validators"
        self.delegatedTo[msg.sender].append(validator)
    self._syncDelegation(validator, msg.sender)
    self.shares[validator][msg.sender] = old + minted
    self.totalShares[validator] = total + minted
    self.rewardDebt[validator][msg.sender] = (old + minted) * self.accRewardPerShare[validator] // PRECISION
    self.validators[validator].delegated = pool + msg.value
    self.delegationBonded[validator][msg.sender] += msg.value
    self._bond(msg.sender, msg.value, True)
    log Delegated(delegator=msg.sender, validator=validator, amount=msg.value)


@external
def unbond(role: uint8, validator: address, amount: uint256):
    """
    @notice Moves `amount` of the caller's stake in `role` (4 = delegation to
            `validator`) into the unbonding queue, withdrawable after
            unbondingBlocks. An operator or checker left below its required
            stake becomes inactive; a validator with no self stake leaves the
            registry.
    """
    assert amount > 0, "Staking: amount is zero"
    if role == ROLE_VALIDATOR:
        own: uint256 = self.validators[msg.sender].selfStake
        assert amount <= own, "Staking: amount exceeds the validator self stake"
        self._setSelfStake(msg.sender, own - amount)
        # Unbonding below the minimum leaves the registry: such a validator
        # can never be in the active set, and would hold one of the
        # MAX_REGISTRY slots for good. (A slash below the minimum does not
        # delist: the validator may top up with addStake.)
        if own - amount < self._param("validatorMinStake"):
            self._delist(msg.sender)
    elif role == ROLE_OPERATOR:
        stake: uint256 = self.operators[msg.sender].stake
        assert amount <= stake, "Staking: amount exceeds the operator stake"
        self._setOperatorStake(msg.sender, stake - amount)
    elif role == ROLE_CHECKER:
        stake: uint256 = self.checkers[msg.sender].stake
        assert amount <= stake, "Staking: amount exceeds the checker stake"
        self._setCheckerStake(msg.sender, stake - amount)
    elif role == ROLE_DELEGATION:
        value: uint256 = self._syncDelegation(validator, msg.sender)
        assert amount <= value, "Staking: amount exceeds the delegation"
        held: uint256 = self.shares[validator][msg.sender]
        pool: uint256 = self.validators[validator].delegated
        total: uint256 = self.totalShares[validator]
        burnt: uint256 = held
        if amount < value:
            burnt = min(held, (amount * total + pool - 1) // pool)   # rounds against the delegator
        left: uint256 = held - burnt
        self.shares[validator][msg.sender] = left
        self.totalShares[validator] = total - burnt
        self.rewardDebt[validator][msg.sender] = left * self.accRewardPerShare[validator] // PRECISION
        self.validators[validator].delegated = pool - amount
        # bonded[] drops by what it holds for this delegation (rounding can
        # leave the value a few wei off it), all of it once the shares are gone
        recorded: uint256 = self.delegationBonded[validator][msg.sender]
        drop: uint256 = min(amount, recorded)
        if left == 0:
            drop = recorded
            self._dropDelegation(msg.sender, validator)
        self.delegationBonded[validator][msg.sender] = recorded - drop
        self._bond(msg.sender, drop, False)
    else:
        raise "Staking: unknown role"
    assert len(self.unbonding[msg.sender]) < MAX_UNBONDING, "Staking: too many unbonding entries"
    # Params keeps unbondingBlocks >= challengeWindowBlocks: stake unbonded
    # after signing a verdict stays slashable until the window closes.
    release: uint256 = block.number + self._param("unbondingBlocks")
    entry: UnbondingEntry = UnbondingEntry(role=role, amount=amount, createdBlock=block.number, releaseBlock=release,
                                           validator=empty(address), slashIndex=0)
    if role == ROLE_DELEGATION:
        entry.validator = validator
        entry.slashIndex = self.delegationSlashCount[validator]
    else:
        self._bond(msg.sender, amount, False)
    self.unbonding[msg.sender].append(entry)
    log Unbonded(account=msg.sender, role=role, validator=validator, amount=amount, releaseBlock=release)


@internal
def _dropDelegation(d: address, v: address):
    vs: DynArray[address, MAX_DELEGATIONS] = self.delegatedTo[d]
    n: uint256 = len(vs)
    for i: uint256 in range(MAX_DELEGATIONS):
        if i == n:
            break
        if vs[i] == v:
            vs[i] = vs[n - 1]
            vs.pop()
            self.delegatedTo[d] = vs
            return


@internal
@view
def _unbondingValue(e: UnbondingEntry) -> uint256:
    """An entry's amount less the slashes of its validator's delegations for
    infractions at or before the entry's creation, made before it matured."""
    if e.role != ROLE_DELEGATION:
        return e.amount
    amount: uint256 = e.amount
    n: uint256 = self.delegationSlashCount[e.validator]
    for i: uint256 in range(64):   # a validator is jailed after each slash: few reach one entry
        k: uint256 = e.slashIndex + i
        if k >= n:
            break
        cut: DelegationSlash = self.delegationSlashes[e.validator][k]
        if cut.slashBlock > e.releaseBlock:
            break
        if cut.infractionBlock <= e.createdBlock:
            amount -= amount * cut.bps // BPS
    return amount


@external
@nonreentrant
def withdraw():
    """
    @notice Pays out the caller's matured unbonding entries.
    """
    entries: DynArray[UnbondingEntry, MAX_UNBONDING] = self.unbonding[msg.sender]
    assert len(entries) > 0, "Staking: nothing to withdraw"
    kept: DynArray[UnbondingEntry, MAX_UNBONDING] = []
    total: uint256 = 0
    slashed: uint256 = 0
    earliest: uint256 = max_value(uint256)
    for e: UnbondingEntry in entries:
        if e.releaseBlock <= block.number:
            value: uint256 = self._unbondingValue(e)
            total += value
            slashed += e.amount - value
        else:
            kept.append(e)
            earliest = min(earliest, e.releaseBlock)
    assert len(kept) < len(entries), concat("Staking: unbonding not matured until block ", uint2str(earliest))
    self.unbonding[msg.sender] = kept
    log Withdrawn(account=msg.sender, amount=total)
    if slashed > 0:
        raw_call(GOVERNANCE, b"", value=slashed)
    if total > 0:
        raw_call(msg.sender, b"", value=total)


@external
@nonreentrant
def claimRewards():
    """
    @notice Pays everything accrued to the caller: validator and delegation
            rewards, and work-unit and checker pools of ended epochs.
    """
    for v: address in self.delegatedTo[msg.sender]:
        self._settleDelegation(v, msg.sender)
        self.rewardDebt[v][msg.sender] = self.shares[v][msg.sender] * self.accRewardPerShare[v] // PRECISION
    self._settlePool(POOL_COMPUTE, msg.sender)
    self._settlePool(POOL_CHECKER, msg.sender)
    total: uint256 = self.rewards[msg.sender]
    assert total > 0, "Staking: no rewards to claim"
    self.rewards[msg.sender] = 0
    log RewardsClaimed(account=msg.sender, amount=total)
    raw_call(msg.sender, b"", value=total)


# ---------------------------------------------------------------- rewards

@external
def mintReward(proposer: address, amount: uint256):
    """
    @notice SYSTEM, each block, after crediting `amount` to this contract:
            splits it into the work-unit pool, the checker pool and the
            validators' share (by power; delegators after commission).
    """
    assert msg.sender == SYSTEM, "Staking: only the system may mint rewards"
    if block.number >= self.nextEpochBlock:
        old: uint256 = self.epoch
        e: uint256 = old + 1
        for p: uint256 in range(2):
            if self.poolUnits[p][old] == 0:
                self.poolAmount[p][e] += self.poolAmount[p][old]
                self.poolAmount[p][old] = 0
        self.epoch = e
        length: uint256 = self._param("epochLength")
        self.nextEpochBlock = (block.number // length + 1) * length
        self.rewardFactor = self._decayed()
        self.epochSet = self._keyedSet()
        log EpochStarted(epoch=e, startBlock=block.number)
    computeShare: uint256 = amount * self._param("computeRewardShareBps") // BPS
    checkerShare: uint256 = amount * self._param("checkerRewardShareBps") // BPS
    rest: uint256 = amount - computeShare - checkerShare
    self.poolAmount[POOL_COMPUTE][self.epoch] += computeShare
    self.poolAmount[POOL_CHECKER][self.epoch] += checkerShare
    # The epoch's set, by current power (self stake + delegations); members
    # jailed or banned since the epoch began earn nothing.
    active: DynArray[address, MAX_SET] = []
    powers: DynArray[uint256, MAX_SET] = []
    total: uint256 = 0
    for member: ValidatorInfo in self.epochSet:
        v: address = member.account
        if self.validators[v].jailed or self.validators[v].banned or not self.validators[v].registered:
            continue
        power: uint256 = self.validators[v].selfStake + self.validators[v].delegated
        if power == 0:
            continue
        active.append(v)
        powers.append(power)
        total += power
    paid: uint256 = 0
    if total > 0:
        for i: uint256 in range(MAX_SET):
            if i == len(active):
                break
            v: address = active[i]
            share: uint256 = rest * powers[i] // total
            paid += share
            commission: uint256 = share * self.validators[v].commissionBps // BPS
            remainder: uint256 = share - commission
            # delegators' part per share; all of it to the validator when
            # no shares are left (rounding dust in the pool has no owner)
            shares: uint256 = self.totalShares[v]
            toSelf: uint256 = remainder
            if shares > 0:
                toSelf = remainder * self.validators[v].selfStake // powers[i]
                self.accRewardPerShare[v] += (remainder - toSelf) * PRECISION // shares
            self.rewards[v] += commission + toSelf
    # rounding dust, or everything when no validator is active, to the proposer
    if rest > paid:
        self.rewards[proposer] += rest - paid
    log RewardMinted(proposer=proposer, amount=amount, computeShare=computeShare, checkerShare=checkerShare, validatorShare=rest)


@external
def recordWorkUnits(operator: address, units: uint256):
    """
    @notice Oracle only: credits verified work units to `operator` in the
            current epoch's work-unit pool.
    """
    self._onlyOracle()
    self._addUnits(POOL_COMPUTE, operator, units)
    log WorkUnitsRecorded(operator=operator, epoch=self.epoch, units=units)


@external
def rewardCheckers(checkers: DynArray[address, 32]):
    """
    @notice Oracle only: one share of the current epoch's checker pool per
            checker whose attestation agreed with the quorum.
    """
    self._onlyOracle()
    for c: address in checkers:
        self._addUnits(POOL_CHECKER, c, 1)
    log CheckersRewarded(epoch=self.epoch, checkers=checkers)


# ---------------------------------------------------------------- slashing

@internal
@view
def _onlyOracle():
    assert msg.sender == ORACLE, "Staking: only the Oracle may record work units or reward checkers"


@internal
@view
def _onlySlashing():
    assert msg.sender == SLASHING, "Staking: only Slashing may slash, jail or ban"


@external
@nonreentrant
def slash(account: address, role: uint8, amount: uint256, infractionBlock: uint256, prover: address) -> uint256:
    """
    @notice Slashing only: takes up to `amount` from the bonded stake of
            `role` (1-3), then from that role's unbonding entries created at
            or after `infractionBlock`, and sends it to Governance, less
            proverRewardBps of it paid to `prover` when one is named (whoever
            proved the fraud).
            Role 4 cuts the delegations to validator `account` by `amount`
            basis points: every delegator loses the same fraction, and
            delegations unbonded at or after `infractionBlock` lose it when
            withdrawn (the slash is recorded for them).
    @return What was taken.
    """
    self._onlySlashing()
    fromBonded: uint256 = 0
    if role == ROLE_DELEGATION:
        pool: uint256 = self.validators[account].delegated
        cut: uint256 = pool * amount // BPS
        self.validators[account].delegated = pool - cut
        n: uint256 = self.delegationSlashCount[account]
        self.delegationSlashes[account][n] = DelegationSlash(infractionBlock=infractionBlock, slashBlock=block.number, bps=amount)
        self.delegationSlashCount[account] = n + 1
        log DelegationsSlashed(validator=account, bps=amount, amount=cut)
        if cut > 0:
            raw_call(GOVERNANCE, b"", value=cut)
        return cut
    if role == ROLE_VALIDATOR:
        own: uint256 = self.validators[account].selfStake
        fromBonded = min(amount, own)
        self._setSelfStake(account, own - fromBonded)
    elif role == ROLE_OPERATOR:
        stake: uint256 = self.operators[account].stake
        fromBonded = min(amount, stake)
        self._setOperatorStake(account, stake - fromBonded)
    elif role == ROLE_CHECKER:
        stake: uint256 = self.checkers[account].stake
        fromBonded = min(amount, stake)
        self._setCheckerStake(account, stake - fromBonded)
    else:
        raise "Staking: only roles 1-4 can be slashed"
    if fromBonded > 0:
        self._bond(account, fromBonded, False)
    left: uint256 = amount - fromBonded
    n: uint256 = len(self.unbonding[account])
    for i: uint256 in range(MAX_UNBONDING):
        if i == n or left == 0:
            break
        e: UnbondingEntry = self.unbonding[account][i]
        if e.role == role and e.createdBlock >= infractionBlock and e.amount > 0:
            take: uint256 = min(left, e.amount)
            self.unbonding[account][i].amount = e.amount - take
            left -= take
    taken: uint256 = amount - left
    log Slashed(account=account, role=role, requested=amount, fromBonded=fromBonded, fromUnbonding=taken - fromBonded)
    toProver: uint256 = 0
    if prover != empty(address):
        toProver = taken * self._param("proverRewardBps") // BPS
    if toProver > 0:
        self.rewards[prover] += toProver   # claimRewards pays it
    if taken > toProver:
        raw_call(GOVERNANCE, b"", value=taken - toProver)
    return taken


@external
def setJailed(validator: address, untilBlock: uint256):
    """
    @notice Slashing only: jails `validator` until `untilBlock`; 0 unjails.
    """
    self._onlySlashing()
    self.validators[validator].jailed = untilBlock != 0
    self.validators[validator].jailedUntil = untilBlock
    log JailChanged(validator=validator, jailed=untilBlock != 0, untilBlock=untilBlock)


@external
def setBanned(validator: address):
    """
    @notice Slashing only: bans `validator` for good (it leaves the registry
            and can never register again; its stake can still unbond).
    """
    self._onlySlashing()
    self.validators[validator].banned = True
    self._delist(validator)
    log Banned(validator=validator)


# ---------------------------------------------------------------- views

@external
@view
def validatorSet() -> DynArray[ValidatorInfo, MAX_SET]:
    """
    @notice The active set: the top maxValidators by power (self stake +
            delegations) that are registered, not jailed and hold at least
            validatorMinStake, power descending.
    """
    return self._keyedSet()


@external
@view
def epochValidatorSet() -> DynArray[ValidatorInfo, MAX_SET]:
    """
    @notice The set fixed when the current epoch began (validatorSet() as of
            that block): the validators whose signatures the node records.
    """
    return self.epochSet


@external
@view
def blockRewardNow() -> uint256:
    """
    @notice What the node mints in this block: blockReward after the decay of
            every epoch so far (blockRewardDecayBps compounding per epoch).
    """
    f: uint256 = self.rewardFactor
    if block.number >= self.nextEpochBlock:
        f = self._decayed()
    return self._param("blockReward") * f // PRECISION


@external
@view
def requiredStake(operator: address) -> uint256:
    """
    @notice The stake `operator`'s GPUs require (0 when not registered).
    """
    return self._required(self.operators[operator].gpuCount, self.operators[operator].gpuMemoryGiB)


@external
@view
def isActiveOperator(a: address) -> bool:
    """
    @notice Registered and staking at least its required stake.
    """
    o: Operator = self.operators[a]
    return o.registered and o.stake >= self._required(o.gpuCount, o.gpuMemoryGiB)


@external
@view
def isActiveChecker(a: address) -> bool:
    """
    @notice Registered and staking at least checkerMinStake.
    """
    return self.checkers[a].active and self.checkers[a].stake >= self._param("checkerMinStake")


@external
@view
def bondedStake(account: address, role: uint8) -> uint256:
    """
    @notice The bonded stake of `account` in role 1, 2 or 3.
    """
    if role == ROLE_VALIDATOR:
        return self.validators[account].selfStake
    if role == ROLE_OPERATOR:
        return self.operators[account].stake
    if role == ROLE_CHECKER:
        return self.checkers[account].stake
    return 0


@external
@view
def slashableStake(account: address, role: uint8, infractionBlock: uint256) -> uint256:
    """
    @notice What slash() could take for an infraction at `infractionBlock`:
            the role's bonded stake plus its unbonding entries since then.
    """
    total: uint256 = 0
    if role == ROLE_VALIDATOR:
        total = self.validators[account].selfStake
    elif role == ROLE_OPERATOR:
        total = self.operators[account].stake
    elif role == ROLE_CHECKER:
        total = self.checkers[account].stake
    for e: UnbondingEntry in self.unbonding[account]:
        if e.role == role and e.createdBlock >= infractionBlock:
            total += e.amount
    return total


@external
@view
def stakeAt(account: address, blockNumber: uint256) -> uint256:
    """
    @notice All bonded stake of `account` (self, operator, checker stake and
            delegations) at the end of block `blockNumber`.
    """
    return self._valueAt(BONDED, account, blockNumber)


@external
@view
def checkerStakeAt(account: address, blockNumber: uint256) -> uint256:
    """
    @notice `account`'s active checker stake at the end of `blockNumber`
            (0 while it was below checkerMinStake or not a checker).
    """
    return self._valueAt(CHECKER, account, blockNumber)


@external
@view
def totalCheckerStakeAt(blockNumber: uint256) -> uint256:
    """
    @notice All active checker stake at the end of `blockNumber`.
    """
    return self._valueAt(CHECKER, TOTAL_KEY, blockNumber)


@external
@view
def totalStakeAt(blockNumber: uint256) -> uint256:
    """
    @notice All bonded stake at the end of block `blockNumber`.
    """
    return self._valueAt(BONDED, TOTAL_KEY, blockNumber)


@external
@view
def pendingRewards(account: address) -> uint256:
    """
    @notice What claimRewards would pay `account` now.
    """
    total: uint256 = self.rewards[account] + self._pendingPool(POOL_COMPUTE, account) + self._pendingPool(POOL_CHECKER, account)
    for v: address in self.delegatedTo[account]:
        total += self._pendingDelegation(v, account)
    return total


@external
@view
def unbondingEntries(account: address) -> DynArray[UnbondingEntry, MAX_UNBONDING]:
    """
    @notice `account`'s unbonding entries, delegations net of the slashes
            that reach them.
    """
    out: DynArray[UnbondingEntry, MAX_UNBONDING] = []
    for e: UnbondingEntry in self.unbonding[account]:
        f: UnbondingEntry = e
        f.amount = self._unbondingValue(e)
        out.append(f)
    return out


@external
@view
def delegation(validator: address, delegator: address) -> uint256:
    """
    @notice What `delegator`'s delegation to `validator` is worth now.
    """
    return self._delegationValue(validator, delegator)


@external
@view
def delegations(account: address) -> DynArray[address, MAX_DELEGATIONS]:
    """
    @notice The validators `account` delegates to.
    """
    return self.delegatedTo[account]


@external
@view
def validatorCount() -> uint256:
    return len(self.validatorList)
