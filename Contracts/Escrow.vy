# pragma version 0.4.3
"""
@title Escrow
@notice Jobs and leases of the ATH compute chain, holding customer payments,
        at 0x0000000000000000000000000000000000001003.
@dev Jobs. createJob (price = msg.value) -> Open; acceptJob by the named
     operator, or by any active operator when the job is open -> Accepted;
     commitResult by that operator while block.number <= deadline ->
     Committed; the Oracle (0x...1004) settles once -> Settled, and the
     price is held for challengeWindowBlocks (longer under appeal), then
     released by the verdict:
       verdict 1 valid (job Committed): operator gets price - fee, where
         fee = price * protocolFeeBps / 10000 goes to Governance (treasury);
         the work units are stored in the job, and the Oracle records them
         with Staking.recordWorkUnits (only the Oracle may call it);
       verdict 2 invalid (job Committed): the customer gets the price back;
         Slashing.slashOperator(operator, operatorFraudPenaltyBps, 2);
       verdict 3 unavailable (job Accepted or Committed): refund;
         Slashing.slashOperator(operator, operatorDowntimePenaltyBps, 3).
     A fraud proof refunds a held VALID price at once; an appeal's jury
     may replace the held verdict (decideAppeal).
     reclaim by the customer once block.number > deadline if the job is
     still Open or Accepted (nothing committed; the operator pays the
     downtime penalty), or Committed with no report once its appeal ended
     without a verdict -> Reclaimed.
     Payments to operators and customers are pushed with a gas-capped call;
     a recipient that refuses is credited instead and takes it with
     withdraw(), so no recipient can block a settlement.

     Leases. openLease(operator, pricePerBlock) with a deposit covering at
     least one block. Blocks [startBlock, paidUntil) are paid; touching a
     lease (settleLease, topUp, closeLease, refundDowntime, and the node's
     settleDueLeases each block) pays n = min(block.number - paidUntil,
     deposit / pricePerBlock) more blocks from the deposit: fee
     (protocolFeeBps) to the treasury, the rest to the operator's held
     earnings. If n falls short the lease turns Overdrawn: accrual stops at
     the last fully paid block and nothing is owed. topUp on an Overdrawn
     lease (new deposit >= pricePerBlock) resumes it from the current block;
     the blocks in between are never charged. closeLease (customer or
     operator) settles and returns the remaining deposit to the customer.

     SLA refund rule. Every paid block is booked to its epoch
     (block / epochLength) in leasePaidBlocks(leaseId, epoch). For a
     finished epoch e, refundDowntime(operator, e, uptimeBps) (Oracle only,
     once per operator and epoch) settles each lease in the operator's list
     and, if uptimeBps < slaUptimeBps, owes each lease's customer
         paidBlocks(lease, e) * pricePerBlock * (10000 - uptimeBps) / 10000
     (the downtime share of the gross payment for that epoch). The refund is
     taken from the operator's lease earnings: first those still held, then
     its withdrawable credit; what is not there is not owed (no debt). It is
     held (downtimeHeld) while the report may be appealed (Oracle.appealUptime);
     then releaseDowntimeRefund (anyone) credits the customer its share by
     the median that stands (Oracle.settleUptime) and the rest, if a jury
     raised it, to the operator (withdraw()). Lease earnings are held: those
     booked in epoch E become withdrawable from epoch E + 2, so a report
     that arrives in the epoch after the one it covers always finds them.
     Closed leases stay in the operator's list (cap 64) until two epochs
     after the epoch they closed in, so they are covered too.
"""

interface IParams:
    def get(name: String[32]) -> uint256: view

interface IStaking:
    def isActiveOperator(a: address) -> bool: view
    def requiredStake(operator: address) -> uint256: view
    def totalCheckerStake() -> uint256: view

interface IOracle:
    def appealDeadline(jobId: uint256) -> uint256: view
    def settleUptime(operator: address, epoch: uint256) -> (uint256, uint256): nonpayable

interface ISlashing:
    def slashOperator(operator: address, penaltyBps: uint256, reason: uint8, base: uint256, prover: address) -> uint256: nonpayable

struct Job:
    customer: address
    operator: address       # empty while an open job awaits an operator
    specHash: bytes32
    price: uint256
    deadline: uint256       # last block at which a result may be committed
    createdBlock: uint256
    resultRoot: bytes32
    verdict: uint8          # 0 until settled; 1 valid, 2 invalid, 3 unavailable
    workUnits: uint256
    state: uint8            # 1 Open, 2 Accepted, 3 Committed, 4 Settled, 5 Reclaimed

struct Lease:
    customer: address
    operator: address
    pricePerBlock: uint256
    deposit: uint256        # not yet streamed
    startBlock: uint256
    paidUntil: uint256      # blocks before this one are paid
    totalPaid: uint256      # gross streamed (operator share + fee)
    refunded: uint256       # SLA refunds credited to the customer
    closedBlock: uint256
    state: uint8            # 1 Active, 2 Overdrawn, 3 Closed

struct Held:
    epoch: uint256          # epoch in which `current` was booked
    current: uint256        # lease earnings booked in `epoch`
    previous: uint256       # lease earnings booked in `epoch - 1`

event JobCreated:
    jobId: indexed(uint256)
    customer: indexed(address)
    operator: indexed(address)
    specHash: bytes32
    price: uint256
    deadline: uint256

event JobSpecPublished:
    jobId: indexed(uint256)
    spec: Bytes[MAX_SPEC_BYTES]

event JobAccepted:
    jobId: indexed(uint256)
    operator: indexed(address)

event ResultCommitted:
    jobId: indexed(uint256)
    operator: indexed(address)
    resultRoot: bytes32

event JobSettled:
    jobId: indexed(uint256)
    verdict: uint8
    workUnits: uint256
    operatorPayout: uint256
    fee: uint256
    refund: uint256

event JobReclaimed:
    jobId: indexed(uint256)
    customer: indexed(address)
    amount: uint256

event LeaseOpened:
    leaseId: indexed(uint256)
    customer: indexed(address)
    operator: indexed(address)
    pricePerBlock: uint256
    deposit: uint256

event LeaseSettled:
    leaseId: indexed(uint256)
    blocks: uint256
    amount: uint256
    fee: uint256
    depositLeft: uint256
    paidUntil: uint256

event LeaseOverdrawn:
    leaseId: indexed(uint256)
    paidUntil: uint256

event LeaseToppedUp:
    leaseId: indexed(uint256)
    sender: indexed(address)
    amount: uint256
    deposit: uint256

event LeaseResumed:
    leaseId: indexed(uint256)
    fromBlock: uint256

event LeaseClosed:
    leaseId: indexed(uint256)
    closedBy: indexed(address)
    refund: uint256

event DowntimeReported:
    operator: indexed(address)
    epoch: indexed(uint256)
    uptimeBps: uint256
    totalRefunded: uint256

event DowntimeRefunded:
    leaseId: indexed(uint256)
    epoch: indexed(uint256)
    paidBlocks: uint256
    owed: uint256
    refunded: uint256

event DowntimeRefundReleased:
    leaseId: indexed(uint256)
    epoch: indexed(uint256)
    refund: uint256
    returned: uint256

event EarningsReleased:
    operator: indexed(address)
    amount: uint256

event PaymentDeferred:
    account: indexed(address)
    amount: uint256

event LeaseMinPriceSet:
    operator: indexed(address)
    pricePerBlock: uint256

event Withdrawal:
    account: indexed(address)
    amount: uint256

event PayoutReleased:
    jobId: indexed(uint256)
    operator: indexed(address)
    payout: uint256
    fee: uint256

event RefundReleased:
    jobId: indexed(uint256)
    customer: indexed(address)
    operator: indexed(address)
    refund: uint256
    operatorSlashed: uint256

event FraudRefunded:
    jobId: indexed(uint256)
    customer: indexed(address)
    operator: indexed(address)
    refund: uint256
    operatorSlashed: uint256

event JobMinPriceSet:
    operator: indexed(address)
    pricePerUnit: uint256

PARAMS: constant(address) = 0x0000000000000000000000000000000000001000
STAKING: constant(address) = 0x0000000000000000000000000000000000001001
SLASHING: constant(address) = 0x0000000000000000000000000000000000001002
ORACLE: constant(address) = 0x0000000000000000000000000000000000001004
GOVERNANCE: constant(address) = 0x0000000000000000000000000000000000001005
SYSTEM: constant(address) = 0xffffFFFfFFffffffffffffffFfFFFfffFFFfFFfE  # the node's system calls

BPS: constant(uint256) = 10_000
# Largest job spec createJobWithSpec publishes (gemm-i8 takes 192 bytes).
MAX_SPEC_BYTES: constant(uint256) = 1024
MAX_OPERATOR_LEASES: constant(uint256) = 64
# Open leases the node's per-block settlement visits: each is settled once
# it is an epoch behind, so every lease is settled at least once per epoch
# while there are at most MAX_SETTLE_VISITS * epochLength open leases.
MAX_SETTLE_VISITS: constant(uint256) = 16
# Epochs one settlement books blocks into; the node settles every epoch, so a
# stretch longer than this only happens if it failed to: the blocks beyond
# are paid but not booked (no SLA refund for them).
MAX_BOOKED_EPOCHS: constant(uint256) = 16
PAY_GAS: constant(uint256) = 50_000

JOB_OPEN: constant(uint8) = 1
JOB_ACCEPTED: constant(uint8) = 2
JOB_COMMITTED: constant(uint8) = 3
JOB_SETTLED: constant(uint8) = 4
JOB_RECLAIMED: constant(uint8) = 5

VERDICT_VALID: constant(uint8) = 1
VERDICT_INVALID: constant(uint8) = 2
VERDICT_UNAVAILABLE: constant(uint8) = 3

LEASE_ACTIVE: constant(uint8) = 1
LEASE_OVERDRAWN: constant(uint8) = 2
LEASE_CLOSED: constant(uint8) = 3

# Slashing reasons passed to Slashing.slashOperator (equal to the verdicts).
REASON_FRAUD: constant(uint8) = 2
REASON_UNAVAILABLE: constant(uint8) = 3
REASON_NOT_COMMITTED: constant(uint8) = 4

# Job kind gemm-i8 (docs/gemm-i8.md): its spec is checked on chain.
GEMM_I8_KIND: constant(bytes32) = keccak256("ath/gemm-i8/v1")
GEMM_I8_SPEC_BYTES: constant(uint256) = 192
GEMM_I8_MAX_DIM: constant(uint256) = 16_384
GEMM_I8_MAX_ROUNDS: constant(uint256) = 64
# Entries per matrix (A, B or C) the bundled worker and checkers take: a job
# the chain accepts is one every checker verifies.
GEMM_I8_MAX_ELEMENTS: constant(uint256) = 2**27
# Payouts released per block by the node's settleDueLeases call.
MAX_RELEASES: constant(uint256) = 8

jobCount: public(uint256)
leaseCount: public(uint256)
_jobs: HashMap[uint256, Job]
_leases: HashMap[uint256, Lease]
_operatorLeases: HashMap[address, DynArray[uint256, MAX_OPERATOR_LEASES]]
# leaseId -> epoch -> blocks paid in that epoch
leasePaidBlocks: public(HashMap[uint256, HashMap[uint256, uint256]])
# operator -> epoch -> downtime report processed
downtimeReported: public(HashMap[address, HashMap[uint256, bool]])
# leaseId -> epoch -> SLA refund held until the uptime report is final
downtimeHeld: public(HashMap[uint256, HashMap[uint256, uint256]])
_held: HashMap[address, Held]
# withdrawable balances (released lease earnings, refused payments, SLA refunds)
credits: public(HashMap[address, uint256])
# lowest price per block an operator accepts for new leases (0: any)
leaseMinPrice: public(HashMap[address, uint256])
# Active leases as an indexed set: position -> lease id, lease id -> position + 1
openLeaseCount: public(uint256)
_openIds: HashMap[uint256, uint256]
_openPos: HashMap[uint256, uint256]
settleCursor: public(uint256)

# Accountability (docs/security.md). Block of the job's acceptance and of
# its commitment: the Oracle weighs checker stake as of the block before.
acceptBlock: public(HashMap[uint256, uint256])
commitBlock: public(HashMap[uint256, uint256])
# The operator's required stake when it accepted: the floor of its penalty.
acceptStake: public(HashMap[uint256, uint256])
# Work units of a job whose spec the chain read (gemm-i8), 0 otherwise.
jobUnits: public(HashMap[uint256, uint256])
# Lowest price per work unit an operator accepts (0: any).
jobMinPrice: public(HashMap[address, uint256])
# A valid job's whole price, held until releaseBlock (the challenge window):
# a fraud proof before then refunds the customer from it.
heldPrice: public(HashMap[uint256, uint256])
releaseBlock: public(HashMap[uint256, uint256])
fraudProven: public(HashMap[uint256, bool])
# Job payments at stake: paid in, and neither refunded nor released yet
# (capped by jobValueCapBps of the checker stake).
valueAtStake: public(uint256)
# An appealing operator's bond, held with the job's price: returned with
# a VALID payout, to the treasury with a refund.
appealBond: public(HashMap[uint256, uint256])
# Earlier places of a job in the release queue that a later one replaced.
_stalePlaces: HashMap[uint256, uint256]
# FIFO of held payouts: position -> job id
_releaseQueue: HashMap[uint256, uint256]
releaseHead: public(uint256)
releaseTail: public(uint256)


@deploy
def __init__():
    pass


# ---------------------------------------------------------------- internals

@internal
@view
def _param(name: String[32]) -> uint256:
    return staticcall IParams(PARAMS).get(name)


@internal
def _pay(to: address, amount: uint256):
    # Push with a gas cap; a refusing recipient is credited instead.
    if amount == 0:
        return
    ok: bool = raw_call(to, b"", value=amount, gas=PAY_GAS, revert_on_failure=False)
    if not ok:
        self.credits[to] += amount
        log PaymentDeferred(account=to, amount=amount)


@internal
def _send_fee(amount: uint256):
    if amount > 0:
        raw_call(GOVERNANCE, b"", value=amount)


@internal
def _relist(leaseId: uint256, operator: address):
    # A resumed lease pruned from its operator's list goes back on it.
    ids: DynArray[uint256, MAX_OPERATOR_LEASES] = self._operatorLeases[operator]
    for id: uint256 in ids:
        if id == leaseId:
            return
    assert len(ids) < MAX_OPERATOR_LEASES, "Escrow: operator has too many leases"
    ids.append(leaseId)
    self._operatorLeases[operator] = ids


@internal
def _markOpen(leaseId: uint256):
    if self._openPos[leaseId] != 0:
        return
    n: uint256 = self.openLeaseCount
    self._openIds[n] = leaseId
    self._openPos[leaseId] = n + 1
    self.openLeaseCount = n + 1


@internal
def _markShut(leaseId: uint256):
    # Swap-removes the lease from the open set (the last one takes its place).
    pos: uint256 = self._openPos[leaseId]
    if pos == 0:
        return
    last: uint256 = self.openLeaseCount - 1
    lastId: uint256 = self._openIds[last]
    self._openIds[pos - 1] = lastId
    self._openPos[lastId] = pos
    self._openIds[last] = 0
    self._openPos[leaseId] = 0
    self.openLeaseCount = last


@internal
def _roll(operator: address, epoch: uint256):
    # Release lease earnings booked two or more epochs before `epoch`.
    h: Held = self._held[operator]
    if h.epoch == epoch or (h.current == 0 and h.previous == 0):
        return
    released: uint256 = h.previous
    if epoch == h.epoch + 1:
        h.previous = h.current
    else:
        released += h.current
        h.previous = 0
    h.current = 0
    h.epoch = epoch
    self._held[operator] = h
    if released > 0:
        self.credits[operator] += released
        log EarningsReleased(operator=operator, amount=released)


@internal
def _book(leaseId: uint256, start: uint256, end: uint256, epochLength: uint256):
    # Books the paid blocks [start, end) to their epochs.
    cur: uint256 = start
    for i: uint256 in range(MAX_BOOKED_EPOCHS):
        if cur >= end:
            break
        e: uint256 = cur // epochLength
        upto: uint256 = min(end, (e + 1) * epochLength)
        self.leasePaidBlocks[leaseId][e] += upto - cur
        cur = upto


@internal
def _accrue(leaseId: uint256, feeBps: uint256, epochLength: uint256) -> uint256:
    # Streams the elapsed blocks the deposit covers; returns the fee to forward.
    l: Lease = self._leases[leaseId]
    if l.state != LEASE_ACTIVE or block.number <= l.paidUntil:
        return 0
    elapsed: uint256 = block.number - l.paidUntil
    n: uint256 = min(elapsed, l.deposit // l.pricePerBlock)
    amount: uint256 = n * l.pricePerBlock
    fee: uint256 = amount * feeBps // BPS
    start: uint256 = l.paidUntil
    l.deposit -= amount
    l.paidUntil += n
    l.totalPaid += amount
    if n < elapsed:
        l.state = LEASE_OVERDRAWN
        self._markShut(leaseId)
    self._leases[leaseId] = l
    if n > 0:
        self._book(leaseId, start, l.paidUntil, epochLength)
        curEpoch: uint256 = block.number // epochLength
        self._roll(l.operator, curEpoch)
        self._held[l.operator].epoch = curEpoch
        self._held[l.operator].current += amount - fee
        log LeaseSettled(leaseId=leaseId, blocks=n, amount=amount, fee=fee, depositLeft=l.deposit, paidUntil=l.paidUntil)
    if n < elapsed:
        log LeaseOverdrawn(leaseId=leaseId, paidUntil=l.paidUntil)
    return fee


@internal
def _accrue_one(leaseId: uint256):
    l_state: uint8 = self._leases[leaseId].state
    assert l_state != 0, "Escrow: unknown lease"
    fee: uint256 = self._accrue(leaseId, self._param("protocolFeeBps"), self._param("epochLength"))
    self._send_fee(fee)


# --------------------------------------------------------------------- jobs

@internal
@payable
def _createJob(specHash: bytes32, operator: address, deadline: uint256) -> uint256:
    assert msg.value > 0, "Escrow: job payment must be positive"
    assert deadline > block.number, "Escrow: deadline must be in the future"
    if operator != empty(address):
        assert staticcall IStaking(STAKING).isActiveOperator(operator), "Escrow: operator is not active"
    # What a bought checker quorum could steal stays below what it would lose.
    cap: uint256 = staticcall IStaking(STAKING).totalCheckerStake() * self._param("jobValueCapBps") // BPS
    assert self.valueAtStake + msg.value <= cap, concat(
        "Escrow: jobs at stake would exceed the cap of ", uint2str(cap),
        " wei (jobValueCapBps of the checker stake); retry once some settle")
    self.valueAtStake += msg.value
    jobId: uint256 = self.jobCount + 1
    self.jobCount = jobId
    self._jobs[jobId] = Job(
        customer=msg.sender,
        operator=operator,
        specHash=specHash,
        price=msg.value,
        deadline=deadline,
        createdBlock=block.number,
        resultRoot=empty(bytes32),
        verdict=0,
        workUnits=0,
        state=JOB_OPEN,
    )
    log JobCreated(jobId=jobId, customer=msg.sender, operator=operator, specHash=specHash, price=msg.value, deadline=deadline)
    return jobId


@external
@payable
def createJob(specHash: bytes32, operator: address, deadline: uint256) -> uint256:
    """
    @notice Creates a job paid with msg.value; `operator` empty makes it open.
            The spec travels outside the chain; createJobWithSpec publishes it.
    @param deadline Last block at which the result may be committed.
    @return The job id (from 1).
    """
    return self._createJob(specHash, operator, deadline)


@external
@payable
def createJobWithSpec(spec: Bytes[MAX_SPEC_BYTES], operator: address, deadline: uint256) -> uint256:
    """
    @notice createJob with specHash = keccak256(spec), and the spec itself
            published in a JobSpecPublished log, where workers and checkers
            read it (docs/gemm-i8.md describes the gemm-i8 spec).
    """
    assert len(spec) > 0, "Escrow: job spec is empty"
    units: uint256 = 0
    if len(spec) >= 32 and extract32(spec, 0) == GEMM_I8_KIND:
        units = self._gemm_units(spec)
    jobId: uint256 = self._createJob(keccak256(spec), operator, deadline)
    self.jobUnits[jobId] = units
    log JobSpecPublished(jobId=jobId, spec=spec)
    return jobId


@internal
@pure
def _gemm_units(spec: Bytes[MAX_SPEC_BYTES]) -> uint256:
    # The same limits as the worker and the checkers (docs/gemm-i8.md).
    assert len(spec) == GEMM_I8_SPEC_BYTES, "Escrow: a gemm-i8 spec is six 32-byte words"
    m: uint256 = convert(extract32(spec, 32), uint256)
    n: uint256 = convert(extract32(spec, 64), uint256)
    k: uint256 = convert(extract32(spec, 96), uint256)
    rounds: uint256 = convert(extract32(spec, 160), uint256)
    assert m >= 1 and m <= GEMM_I8_MAX_DIM and n >= 1 and n <= GEMM_I8_MAX_DIM and k >= 1 and k <= GEMM_I8_MAX_DIM, \
        "Escrow: gemm-i8 dimensions must be 1 to 16384"
    assert max(m * k, max(k * n, m * n)) <= GEMM_I8_MAX_ELEMENTS, "Escrow: a gemm-i8 matrix may hold at most 2^27 entries"
    assert rounds >= 1 and rounds <= GEMM_I8_MAX_ROUNDS, "Escrow: gemm-i8 Freivalds rounds must be 1 to 64"
    return (m * n * k + 2**20 - 1) // 2**20


@external
def acceptJob(jobId: uint256):
    """
    @notice The named operator (or any active operator for an open job) takes the job.
    """
    j: Job = self._jobs[jobId]
    assert j.state != 0, "Escrow: unknown job"
    assert j.state == JOB_OPEN, "Escrow: job is not awaiting an operator"
    assert block.number <= j.deadline, "Escrow: job deadline has passed"
    if j.operator != empty(address):
        assert msg.sender == j.operator, "Escrow: job is reserved for another operator"
    assert staticcall IStaking(STAKING).isActiveOperator(msg.sender), "Escrow: operator is not active"
    units: uint256 = self.jobUnits[jobId]
    minPrice: uint256 = self.jobMinPrice[msg.sender]
    if units > 0 and minPrice > 0:
        assert j.price >= units * minPrice, "Escrow: job price below the operator's minimum per work unit"
    self._jobs[jobId].operator = msg.sender
    self._jobs[jobId].state = JOB_ACCEPTED
    self.acceptBlock[jobId] = block.number
    self.acceptStake[jobId] = staticcall IStaking(STAKING).requiredStake(msg.sender)
    log JobAccepted(jobId=jobId, operator=msg.sender)


@external
def setJobMinPrice(pricePerUnit: uint256):
    """
    @notice An operator sets the lowest price per work unit it accepts for
            jobs whose spec the chain reads (gemm-i8); 0 accepts any price.
    """
    assert staticcall IStaking(STAKING).isActiveOperator(msg.sender), "Escrow: only an active operator may set job terms"
    self.jobMinPrice[msg.sender] = pricePerUnit
    log JobMinPriceSet(operator=msg.sender, pricePerUnit=pricePerUnit)


@external
def commitResult(jobId: uint256, resultRoot: bytes32):
    """
    @notice The accepted operator commits the result's root, by the deadline, once.
    """
    j: Job = self._jobs[jobId]
    assert j.state != 0, "Escrow: unknown job"
    assert j.state != JOB_OPEN, "Escrow: job has not been accepted"
    assert msg.sender == j.operator, "Escrow: only the job's operator may commit"
    assert j.state == JOB_ACCEPTED, "Escrow: job is not awaiting a result"
    assert block.number <= j.deadline, "Escrow: job deadline has passed"
    assert resultRoot != empty(bytes32), "Escrow: result root is empty"
    self._jobs[jobId].resultRoot = resultRoot
    self._jobs[jobId].state = JOB_COMMITTED
    self.commitBlock[jobId] = block.number
    log ResultCommitted(jobId=jobId, operator=msg.sender, resultRoot=resultRoot)


@external
@nonreentrant
def settle(jobId: uint256, verdict: uint8, workUnits: uint256):
    """
    @notice Only the Oracle: pays (verdict 1) or refunds and slashes (2, 3), once.
    """
    assert msg.sender == ORACLE, "Escrow: only the Oracle may settle"
    j: Job = self._jobs[jobId]
    assert j.state != 0, "Escrow: unknown job"
    assert verdict >= VERDICT_VALID and verdict <= VERDICT_UNAVAILABLE, "Escrow: unknown verdict"
    if verdict == VERDICT_UNAVAILABLE:
        assert j.state == JOB_ACCEPTED or j.state == JOB_COMMITTED, "Escrow: job is not awaiting settlement"
    else:
        assert j.state == JOB_COMMITTED, "Escrow: job is not awaiting settlement"
    self._jobs[jobId].state = JOB_SETTLED
    self._jobs[jobId].verdict = verdict
    fee: uint256 = 0
    refund: uint256 = j.price
    units: uint256 = 0
    if verdict == VERDICT_VALID:
        fee = j.price * self._param("protocolFeeBps") // BPS
        refund = 0
        units = workUnits
        self._jobs[jobId].workUnits = workUnits
    log JobSettled(jobId=jobId, verdict=verdict, workUnits=units, operatorPayout=j.price - fee - refund, fee=fee, refund=refund)
    # Whatever the verdict, the price is held for the challenge window (a
    # fraud proof against VALID, an appeal against INVALID or UNAVAILABLE),
    # then released: settleDueLeases, or anyone through releasePayout.
    self._hold(jobId, block.number + self._param("challengeWindowBlocks"))


@internal
def _hold(jobId: uint256, until: uint256):
    self.heldPrice[jobId] = self._jobs[jobId].price
    self.releaseBlock[jobId] = until
    tail: uint256 = self.releaseTail
    self._releaseQueue[tail] = jobId
    self.releaseTail = tail + 1


@external
@payable
def holdForAppeal(jobId: uint256, until: uint256):
    """
    @notice Oracle only, for an appeal: keeps the job's price held until at
            least `until` and holds the appellant's bond with it.
    """
    assert msg.sender == ORACLE, "Escrow: only the Oracle may hold a job for appeal"
    rb: uint256 = self.releaseBlock[jobId]
    assert self.heldPrice[jobId] > 0 and block.number <= rb, "Escrow: the job's payment is no longer held"
    self.appealBond[jobId] = msg.value
    self._stalePlaces[jobId] += 1
    self._hold(jobId, max(rb, until))


@external
@nonreentrant
def decideAppeal(jobId: uint256, verdict: uint8, workUnits: uint256):
    """
    @notice Oracle only, the jury's verdict: a VALID one is held for a new
            challenge window (the jurors answer to fraud proofs); any other
            is released now (refund, operator slash, bond to the treasury).
    """
    assert msg.sender == ORACLE, "Escrow: only the Oracle may decide appeals"
    assert self.heldPrice[jobId] > 0, "Escrow: the job's payment is no longer held"
    self._jobs[jobId].verdict = verdict
    if verdict == VERDICT_VALID:
        self._jobs[jobId].workUnits = workUnits
        self._stalePlaces[jobId] += 1
        self._hold(jobId, block.number + self._param("challengeWindowBlocks"))
    else:
        self._send_fee(self._release(jobId))


@internal
def _release(jobId: uint256) -> uint256:
    # Releases a held price by the job's verdict: VALID pays the operator
    # (less the fee, plus any appeal bond back); INVALID or UNAVAILABLE
    # refunds the customer and slashes the operator by the verdict's
    # penalty. Returns what goes to the treasury (fee or forfeited bond);
    # 0 if nothing was held.
    held: uint256 = self.heldPrice[jobId]
    if held == 0:
        return 0
    self.heldPrice[jobId] = 0
    self.valueAtStake -= held
    j: Job = self._jobs[jobId]
    bond: uint256 = self.appealBond[jobId]
    self.appealBond[jobId] = 0
    if j.verdict == VERDICT_VALID:
        fee: uint256 = held * self._param("protocolFeeBps") // BPS
        log PayoutReleased(jobId=jobId, operator=j.operator, payout=held - fee, fee=fee)
        self._pay(j.operator, held - fee + bond)
        return fee
    penalty: uint256 = self._param("operatorDowntimePenaltyBps")
    if j.verdict == VERDICT_INVALID:
        penalty = self._param("operatorFraudPenaltyBps")
    slashed: uint256 = extcall ISlashing(SLASHING).slashOperator(j.operator, penalty, j.verdict, self.acceptStake[jobId], empty(address))
    log RefundReleased(jobId=jobId, customer=j.customer, operator=j.operator, refund=held, operatorSlashed=slashed)
    self._pay(j.customer, held)
    return bond


@external
@nonreentrant
def releasePayout(jobId: uint256):
    """
    @notice Anyone: releases a job's held price by its verdict (the
            operator's payout less the protocol fee, or the customer's
            refund and the operator's slash) once its challenge window and
            any appeal have closed.
    """
    assert self.heldPrice[jobId] > 0, "Escrow: nothing is held for this job"
    rb: uint256 = self.releaseBlock[jobId]
    assert block.number > rb, concat("Escrow: the challenge window is open until block ", uint2str(rb))
    self._send_fee(self._release(jobId))


@external
@nonreentrant
def fraudRefund(jobId: uint256, prover: address) -> address:
    """
    @notice Oracle only, for a fraud proof: refunds the customer the held
            price of a valid job still in its challenge window and slashes
            the operator operatorFraudPenaltyBps (the prover gets its share).
    @return The operator.
    """
    assert msg.sender == ORACLE, "Escrow: only the Oracle may refund for fraud"
    j: Job = self._jobs[jobId]
    assert j.state == JOB_SETTLED and j.verdict == VERDICT_VALID, "Escrow: job was not settled as valid"
    assert not self.fraudProven[jobId], "Escrow: fraud already proven for this job"
    held: uint256 = self.heldPrice[jobId]
    assert held > 0 and block.number <= self.releaseBlock[jobId], "Escrow: the job's challenge window has closed"
    self.fraudProven[jobId] = True
    self.heldPrice[jobId] = 0
    self.valueAtStake -= held
    bond: uint256 = self.appealBond[jobId]
    self.appealBond[jobId] = 0
    self._send_fee(bond)
    self._jobs[jobId].verdict = VERDICT_INVALID
    slashed: uint256 = extcall ISlashing(SLASHING).slashOperator(
        j.operator, self._param("operatorFraudPenaltyBps"), REASON_FRAUD, self.acceptStake[jobId], prover)
    log FraudRefunded(jobId=jobId, customer=j.customer, operator=j.operator, refund=held, operatorSlashed=slashed)
    self._pay(j.customer, held)
    return j.operator


@external
@nonreentrant
def reclaim(jobId: uint256):
    """
    @notice The customer takes the payment back after the deadline if no
            result was committed, or for a committed result that got no
            report once its appeal (Oracle.appeal, open 2 epochs after the
            deadline) ended without a jury verdict: the money is never
            locked for good, and the operator is not slashed.
    """
    j: Job = self._jobs[jobId]
    assert j.state != 0, "Escrow: unknown job"
    assert msg.sender == j.customer, "Escrow: only the job's customer may reclaim"
    assert j.state == JOB_OPEN or j.state == JOB_ACCEPTED or j.state == JOB_COMMITTED, "Escrow: job is not reclaimable"
    assert block.number > j.deadline, "Escrow: job deadline has not passed"
    if j.state == JOB_COMMITTED:
        d: uint256 = staticcall IOracle(ORACLE).appealDeadline(jobId)
        assert d != 0 and block.number > d, \
            "Escrow: a committed job without a report goes to appeal first (Oracle.appeal); it is refunded if the jury gives no verdict"
    self._jobs[jobId].state = JOB_RECLAIMED
    self.valueAtStake -= j.price
    log JobReclaimed(jobId=jobId, customer=msg.sender, amount=j.price)
    # An operator that took the job and never committed pays the downtime
    # penalty: squatting open jobs is not free.
    if j.state == JOB_ACCEPTED:
        extcall ISlashing(SLASHING).slashOperator(
            j.operator, self._param("operatorDowntimePenaltyBps"), REASON_NOT_COMMITTED, self.acceptStake[jobId], empty(address))
    self._pay(msg.sender, j.price)


@external
@view
def job(jobId: uint256) -> Job:
    """
    @notice The job; state 0 for an unknown id.
    """
    return self._jobs[jobId]


# ------------------------------------------------------------------- leases

@external
@payable
def openLease(operator: address, pricePerBlock: uint256) -> uint256:
    """
    @notice Rents `operator` at `pricePerBlock`, streamed from the deposit (msg.value).
    @return The lease id (from 1).
    """
    assert pricePerBlock > 0, "Escrow: price per block must be positive"
    assert pricePerBlock >= self.leaseMinPrice[operator], "Escrow: price per block below the operator's minimum"
    # A lease holds one of the operator's 64 slots: it must pay for an epoch.
    assert msg.value >= pricePerBlock * self._param("epochLength"), "Escrow: deposit must cover at least one epoch"
    assert staticcall IStaking(STAKING).isActiveOperator(operator), "Escrow: operator is not active"
    # Drop leases closed two or more epochs ago from the operator's list.
    epochLength: uint256 = self._param("epochLength")
    curEpoch: uint256 = block.number // epochLength
    ids: DynArray[uint256, MAX_OPERATOR_LEASES] = self._operatorLeases[operator]
    kept: DynArray[uint256, MAX_OPERATOR_LEASES] = []
    for id: uint256 in ids:
        if self._leases[id].state == LEASE_CLOSED and self._leases[id].closedBlock // epochLength + 2 <= curEpoch:
            continue
        # Overdrawn two epochs ago: no more SLA refunds to book; a top-up puts it back.
        if self._leases[id].state == LEASE_OVERDRAWN and self._leases[id].paidUntil // epochLength + 2 <= curEpoch:
            continue
        kept.append(id)
    assert len(kept) < MAX_OPERATOR_LEASES, "Escrow: operator has too many leases"
    leaseId: uint256 = self.leaseCount + 1
    self.leaseCount = leaseId
    kept.append(leaseId)
    self._operatorLeases[operator] = kept
    self._leases[leaseId] = Lease(
        customer=msg.sender,
        operator=operator,
        pricePerBlock=pricePerBlock,
        deposit=msg.value,
        startBlock=block.number,
        paidUntil=block.number,
        totalPaid=0,
        refunded=0,
        closedBlock=0,
        state=LEASE_ACTIVE,
    )
    self._markOpen(leaseId)
    log LeaseOpened(leaseId=leaseId, customer=msg.sender, operator=operator, pricePerBlock=pricePerBlock, deposit=msg.value)
    return leaseId


@external
def setLeaseMinPrice(pricePerBlock: uint256):
    """
    @notice An operator sets the lowest price per block it accepts for new
            leases (existing leases keep theirs).
    """
    assert staticcall IStaking(STAKING).isActiveOperator(msg.sender), "Escrow: only an active operator may set lease terms"
    self.leaseMinPrice[msg.sender] = pricePerBlock
    log LeaseMinPriceSet(operator=msg.sender, pricePerBlock=pricePerBlock)


@external
@payable
@nonreentrant
def topUp(leaseId: uint256):
    """
    @notice Adds msg.value to the deposit; resumes an Overdrawn lease from this block.
    """
    assert msg.value > 0, "Escrow: top-up must be positive"
    state: uint8 = self._leases[leaseId].state
    assert state != 0, "Escrow: unknown lease"
    assert state != LEASE_CLOSED, "Escrow: lease is closed"
    fee: uint256 = self._accrue(leaseId, self._param("protocolFeeBps"), self._param("epochLength"))
    l: Lease = self._leases[leaseId]
    l.deposit += msg.value
    if l.state == LEASE_OVERDRAWN:
        assert l.deposit >= l.pricePerBlock, "Escrow: deposit must cover at least one block"
        l.state = LEASE_ACTIVE
        l.paidUntil = block.number
        self._markOpen(leaseId)
        self._relist(leaseId, l.operator)
        log LeaseResumed(leaseId=leaseId, fromBlock=block.number)
    self._leases[leaseId] = l
    log LeaseToppedUp(leaseId=leaseId, sender=msg.sender, amount=msg.value, deposit=l.deposit)
    self._send_fee(fee)


@external
@nonreentrant
def settleLease(leaseId: uint256):
    """
    @notice Anyone: streams the lease's elapsed blocks to the operator.
    """
    self._accrue_one(leaseId)


@external
@nonreentrant
def settleDueLeases():
    """
    @notice The node (SYSTEM), each block: visits up to MAX_SETTLE_VISITS open
            leases from a rotating cursor and settles those whose deposit has
            not streamed for an epoch or more.
    """
    assert msg.sender == SYSTEM, "Escrow: only the system may settle leases in bulk"
    self._send_fee(self._releaseDue())
    n: uint256 = self.openLeaseCount
    if n == 0:
        return
    feeBps: uint256 = self._param("protocolFeeBps")
    epochLength: uint256 = self._param("epochLength")
    cursor: uint256 = self.settleCursor
    fees: uint256 = 0
    for i: uint256 in range(MAX_SETTLE_VISITS):
        if i == n or self.openLeaseCount == 0:
            break
        if cursor >= self.openLeaseCount:
            cursor = 0
        leaseId: uint256 = self._openIds[cursor]
        if self._leases[leaseId].paidUntil + epochLength <= block.number:
            fees += self._accrue(leaseId, feeBps, epochLength)
        # An overdrawn lease left the set and the last one took its slot.
        if self._openPos[leaseId] != 0:
            cursor += 1
    self.settleCursor = cursor
    self._send_fee(fees)


@internal
def _releaseDue() -> uint256:
    # Releases held payouts whose window closed, oldest first; returns fees.
    fees: uint256 = 0
    head: uint256 = self.releaseHead
    for i: uint256 in range(MAX_RELEASES):
        if head == self.releaseTail:
            break
        jobId: uint256 = self._releaseQueue[head]
        if self._stalePlaces[jobId] > 0:
            # Held again further down the queue (appeal): skip this place.
            self._stalePlaces[jobId] -= 1
        else:
            if self.heldPrice[jobId] > 0 and block.number <= self.releaseBlock[jobId]:
                break
            fees += self._release(jobId)
        self._releaseQueue[head] = 0
        head += 1
    self.releaseHead = head
    return fees


@external
@nonreentrant
def closeLease(leaseId: uint256):
    """
    @notice The customer or the operator: settles, closes and refunds the rest to the customer.
    """
    l: Lease = self._leases[leaseId]
    assert l.state != 0, "Escrow: unknown lease"
    assert msg.sender == l.customer or msg.sender == l.operator, "Escrow: only the lease's customer or operator may close it"
    assert l.state != LEASE_CLOSED, "Escrow: lease is closed"
    fee: uint256 = self._accrue(leaseId, self._param("protocolFeeBps"), self._param("epochLength"))
    refund: uint256 = self._leases[leaseId].deposit
    self._leases[leaseId].deposit = 0
    self._leases[leaseId].state = LEASE_CLOSED
    self._leases[leaseId].closedBlock = block.number
    self._markShut(leaseId)
    log LeaseClosed(leaseId=leaseId, closedBy=msg.sender, refund=refund)
    self._send_fee(fee)
    self._pay(l.customer, refund)


@external
@nonreentrant
def refundDowntime(operator: address, epoch: uint256, uptimeBps: uint256):
    """
    @notice Only the Oracle, once per operator and finished epoch: below
            slaUptimeBps, refunds each lease's customer the downtime share
            of that epoch's payments (rule in the contract's @dev).
    """
    assert msg.sender == ORACLE, "Escrow: only the Oracle may report downtime"
    assert uptimeBps <= BPS, "Escrow: uptime above 100%"
    epochLength: uint256 = self._param("epochLength")
    assert (epoch + 1) * epochLength <= block.number, "Escrow: epoch has not ended"
    assert not self.downtimeReported[operator][epoch], "Escrow: downtime of this epoch already reported"
    self.downtimeReported[operator][epoch] = True
    total: uint256 = 0
    if uptimeBps >= self._param("slaUptimeBps"):
        log DowntimeReported(operator=operator, epoch=epoch, uptimeBps=uptimeBps, totalRefunded=0)
        return
    feeBps: uint256 = self._param("protocolFeeBps")
    fees: uint256 = 0
    for id: uint256 in self._operatorLeases[operator]:
        fees += self._accrue(id, feeBps, epochLength)
    self._roll(operator, block.number // epochLength)
    for id: uint256 in self._operatorLeases[operator]:
        blocks: uint256 = self.leasePaidBlocks[id][epoch]
        if blocks == 0:
            continue
        owed: uint256 = blocks * self._leases[id].pricePerBlock * (BPS - uptimeBps) // BPS
        # taken from held earnings (older first), then withdrawable credit
        left: uint256 = owed
        take: uint256 = min(left, self._held[operator].previous)
        self._held[operator].previous -= take
        left -= take
        take = min(left, self._held[operator].current)
        self._held[operator].current -= take
        left -= take
        take = min(left, self.credits[operator])
        self.credits[operator] -= take
        left -= take
        refunded: uint256 = owed - left
        if refunded > 0:
            self.downtimeHeld[id][epoch] = refunded
            total += refunded
        log DowntimeRefunded(leaseId=id, epoch=epoch, paidBlocks=blocks, owed=owed, refunded=refunded)
    log DowntimeReported(operator=operator, epoch=epoch, uptimeBps=uptimeBps, totalRefunded=total)
    self._send_fee(fees)


@external
@nonreentrant
def releaseDowntimeRefund(leaseId: uint256, epoch: uint256):
    """
    @notice Anyone, once the uptime report is final (Oracle.settleUptime):
            credits the lease's customer its share of the refund held for
            `epoch` and returns the rest (after a successful appeal) to the
            operator's credit.
    """
    held: uint256 = self.downtimeHeld[leaseId][epoch]
    assert held > 0, "Escrow: no downtime refund is held for this lease and epoch"
    l: Lease = self._leases[leaseId]
    num: uint256 = 0
    den: uint256 = 0
    num, den = extcall IOracle(ORACLE).settleUptime(l.operator, epoch)
    refund: uint256 = held * num // den
    self.downtimeHeld[leaseId][epoch] = 0
    self._leases[leaseId].refunded += refund
    self.credits[l.customer] += refund
    self.credits[l.operator] += held - refund
    log DowntimeRefundReleased(leaseId=leaseId, epoch=epoch, refund=refund, returned=held - refund)


@external
@nonreentrant
def withdraw():
    """
    @notice Pays the caller's withdrawable credit (released lease earnings,
            refused payments, SLA refunds).
    """
    self._roll(msg.sender, block.number // self._param("epochLength"))
    amount: uint256 = self.credits[msg.sender]
    assert amount > 0, "Escrow: nothing to withdraw"
    self.credits[msg.sender] = 0
    log Withdrawal(account=msg.sender, amount=amount)
    raw_call(msg.sender, b"", value=amount)


@external
@view
def lease(leaseId: uint256) -> Lease:
    """
    @notice The lease as last settled; state 0 for an unknown id.
    """
    return self._leases[leaseId]


@external
@view
def operatorLeases(operator: address) -> DynArray[uint256, MAX_OPERATOR_LEASES]:
    """
    @notice Lease ids kept for the operator's SLA refunds (cap 64).
    """
    return self._operatorLeases[operator]


@external
@view
def heldEarnings(operator: address) -> Held:
    """
    @notice Lease earnings not yet withdrawable, as last booked.
    """
    return self._held[operator]
