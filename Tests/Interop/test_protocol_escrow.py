"""Escrow and Oracle on a real `athd dev`: jobs settled by checker-signed
EIP-712 reports (valid, invalid, unavailable), reclaims, leases streaming,
overdrawing, resuming and closing, SLA refunds from uptime reports, a
developer's own contract buying jobs through Escrow, and every reachable
refusal of Escrow.vy and Oracle.vy with its reason.

The devnet genesis (Contracts/devnet.py) stakes dev account 0 as validator,
1 as operator (500 ATH, one class-1 GPU) and 2-4 as checkers (100 ATH each);
epochs are 20 blocks. Dev account 5 is the customer, 6 a second customer and
the developer, 7 a stranger (neither operator nor checker), 8 the Oracle
transmitter. Three more operators are registered here (two to be slashed,
one to fill its lease list).

Leases may be settled by the node itself (each block it settles leases a
whole epoch behind), so the lease checks derive what is owed from the lease
struct and the events, and check conservation exactly: every wei deposited
is streamed (operator share + fee) or refunded.
"""

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data
from web3 import Web3
from web3.logs import DISCARD

from athnode import compile_vyper
from protocol import (ADDRESS, ATH, ATTESTATION_TYPES, INVALID, UNAVAILABLE, UPTIME_TYPES, VALID, attestations,
                      contract, create_job, oracle_domain, revert_reason, run_valid_job, wait_released,
                      send, sign_attestation, submit_report, submit_uptime_report, transact, uptime_attestations, uptime_report_args,
                      wait_for_block)

BPS = 10_000
ZERO = "0x" + "00" * 20
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
JOB_FIELDS = ("customer", "operator", "specHash", "price", "deadline", "createdBlock", "resultRoot", "verdict",
              "workUnits", "state")
LEASE_FIELDS = ("customer", "operator", "pricePerBlock", "deposit", "startBlock", "paidUntil", "totalPaid",
                "refunded", "closedBlock", "state")
OPEN, ACCEPTED, COMMITTED, SETTLED, RECLAIMED = 1, 2, 3, 4, 5
ACTIVE, OVERDRAWN, CLOSED = 1, 2, 3
EPOCH = 20          # devnet epochLength
FEE_BPS = 2000      # protocolFeeBps default


@pytest.fixture(scope="module")
def checkers(accounts):
    return accounts[2:5]


@pytest.fixture(scope="module")
def c(w3):
    """The protocol contracts by name."""
    return {name: contract(w3, name) for name in ADDRESS}


def job(c, job_id):
    return dict(zip(JOB_FIELDS, c["Escrow"].functions.job(job_id).call()))


def lease(c, lease_id):
    return dict(zip(LEASE_FIELDS, c["Escrow"].functions.lease(lease_id).call()))


def events(contract_obj, receipt, name):
    """The decoded `name` events `contract_obj` emitted in `receipt` (others' logs skipped quietly)."""
    return [e.args for e in getattr(contract_obj.events, name)().process_receipt(receipt, errors=DISCARD)]


def gas(name, receipt):
    print(f"gas: {name} {receipt.gasUsed}")


def balance(w3, who):
    return w3.eth.get_balance(who if isinstance(who, str) else who.address)


def cost(r):
    return r.gasUsed * r.effectiveGasPrice


def root(tag):
    return Web3.keccak(text=tag)


def transfer(w3, sender, to, value):
    tx = {"to": to, "value": value, "gas": 21000, "chainId": w3.eth.chain_id,
          "nonce": w3.eth.get_transaction_count(sender.address, "pending"),
          "maxFeePerGas": 4 * 10**9, "maxPriorityFeePerGas": 10**9}
    h = w3.eth.send_raw_transaction(sender.sign_transaction(tx).raw_transaction)
    assert w3.eth.wait_for_transaction_receipt(h, timeout=30, poll_latency=0.05).status == 1


def new_operator(w3, c, funder, stake=500 * ATH):
    """A fresh account registered as an operator of one 80 GiB (class 1) GPU."""
    op = Account.create()
    transfer(w3, funder, op.address, stake + 10 * ATH)
    transact(w3, op, c["Staking"].functions.registerOperator("NVIDIA A100 80GB", 1, 80, "http://127.0.0.1:8700"),
             value=stake)
    assert c["Staking"].functions.isActiveOperator(op.address).call()
    return op


def operator_earnings(c, op):
    """Lease earnings the operator has in Escrow: held (not yet withdrawable) + withdrawable credit."""
    held = c["Escrow"].functions.heldEarnings(op.address).call()
    return held[1] + held[2] + c["Escrow"].functions.credits(op.address).call()


# ----------------------------------------------------------------------------- reports


def test_checker_signatures_are_the_oracles_eip712_digest(w3, c, checkers):
    """eth-account's EIP-712 hashing and the Oracle's digests agree, and the signatures are low-s."""
    oracle = c["Oracle"]
    chain_id = w3.eth.chain_id
    att = {"jobId": 7, "resultRoot": bytes(root("r")), "verdict": 1, "workUnits": 42, "round": 3}
    msg = encode_typed_data(oracle_domain(chain_id), ATTESTATION_TYPES, att)
    assert msg.header == oracle.functions.domainSeparator().call()
    digest = Web3.keccak(b"\x19" + msg.version + msg.header + msg.body)
    assert digest == oracle.functions.attestationDigest(7, root("r"), 1, 42, 3).call()
    up = {"operator": checkers[0].address, "epoch": 5, "uptimeBps": 9000, "round": 1}
    msg = encode_typed_data(oracle_domain(chain_id), UPTIME_TYPES, up)
    assert Web3.keccak(b"\x19" + msg.version + msg.header + msg.body) == \
        oracle.functions.uptimeDigest(checkers[0].address, 5, 9000, 1).call()
    for k in checkers:
        sig = sign_attestation(k, chain_id, 7, root("r"), 1, 42, 3)
        assert len(sig) == 65 and sig[64] in (27, 28)
        assert int.from_bytes(sig[32:64], "big") <= SECP256K1_N // 2


# -------------------------------------------------------------------------------- jobs


def test_valid_job_pays_the_operator_price_minus_fee(w3, c, accounts, checkers):
    escrow, staking, oracle = c["Escrow"], c["Staking"], c["Oracle"]
    customer, operator, transmitter = accounts[5], accounts[1], accounts[8]
    price, units = 3 * ATH + 7, 1234
    assert c["Params"].functions.get("protocolFeeBps").call() == FEE_BPS

    job_id, receipts, paid, fee = run_valid_job(w3, customer, operator, transmitter, checkers, price, units)
    (created,) = events(escrow, receipts["createJob"], "JobCreated")
    assert (created["customer"], created["operator"], created["price"]) == (customer.address, operator.address, price)
    assert created["specHash"] == Web3.keccak(b"spec")
    (accepted,) = events(escrow, receipts["acceptJob"], "JobAccepted")
    assert (accepted["jobId"], accepted["operator"]) == (job_id, operator.address)
    (committed,) = events(escrow, receipts["commitResult"], "ResultCommitted")
    assert committed["resultRoot"] == Web3.keccak(b"result")

    expected_fee = price * FEE_BPS // BPS
    r = receipts["submitReport"]
    (settled,) = events(escrow, r, "JobSettled")
    assert (settled["verdict"], settled["workUnits"], settled["operatorPayout"], settled["fee"], settled["refund"]) \
        == (VALID, units, price - expected_fee, expected_fee, 0)
    assert paid == price - expected_fee, "the operator is paid price minus protocolFeeBps, pushed to its account"
    assert fee == expected_fee, "the fee goes to the treasury (Governance)"
    assert escrow.functions.credits(operator.address).call() == 0

    j = job(c, job_id)
    assert (j["state"], j["verdict"], j["workUnits"], j["price"]) == (SETTLED, VALID, units, price)
    assert j["customer"] == customer.address and j["createdBlock"] == receipts["createJob"].blockNumber

    (report,) = events(oracle, r, "ReportAccepted")
    signers = sorted((k.address for k in checkers), key=lambda a: int(a, 16))
    assert list(report["signers"]) == signers and report["signedStake"] == 300 * ATH
    assert oracle.functions.lastRound(job_id).call() == 1
    (work,) = events(staking, r, "WorkUnitsRecorded")
    # The compute pool is shared by fees paid (docs/security.md, wash jobs).
    assert (work["operator"], work["units"]) == (operator.address, expected_fee)
    assert staking.functions.poolUnits(0, work["epoch"]).call() >= expected_fee
    (rewarded,) = events(staking, r, "CheckersRewarded")
    assert list(rewarded["checkers"]) == signers

    # The same report again, and a newer round on the settled job.
    sigs = attestations(w3, checkers, job_id, Web3.keccak(b"result"), VALID, units, 1)
    assert "Oracle: report round is not newer than the last" in revert_reason(
        w3, transmitter, oracle.functions.submitReport(job_id, Web3.keccak(b"result"), VALID, units, 1, sigs))
    sigs = attestations(w3, checkers, job_id, Web3.keccak(b"result"), VALID, units, 2)
    assert "Escrow: job is not awaiting settlement" in revert_reason(
        w3, transmitter, oracle.functions.submitReport(job_id, Web3.keccak(b"result"), VALID, units, 2, sigs))
    for name in ("createJob", "acceptJob", "commitResult"):
        gas(name, receipts[name])
    gas("submitReport", r)  # 3 checker signatures


def test_open_job_taken_by_any_active_operator(w3, c, accounts, checkers):
    escrow = c["Escrow"]
    customer, operator, stranger = accounts[5], accounts[1], accounts[7]
    job_id, r = create_job(w3, customer, ATH, None)
    (created,) = events(escrow, r, "JobCreated")
    assert created["operator"] == ZERO and job(c, job_id)["operator"] == ZERO
    assert "Escrow: operator is not active" in revert_reason(w3, stranger, escrow.functions.acceptJob(job_id))
    transact(w3, operator, escrow.functions.acceptJob(job_id))
    assert job(c, job_id)["operator"] == operator.address and job(c, job_id)["state"] == ACCEPTED
    transact(w3, operator, escrow.functions.commitResult(job_id, root("open")))
    before = balance(w3, operator)
    submit_report(w3, accounts[8], checkers, job_id, root("open"), VALID, 10)
    wait_released(w3, job_id)
    assert balance(w3, operator) - before == ATH - ATH * FEE_BPS // BPS


def test_job_refusals_and_reclaim(w3, c, accounts):
    escrow = c["Escrow"]
    customer, operator, stranger = accounts[5], accounts[1], accounts[7]
    spec = Web3.keccak(b"spec")
    far = w3.eth.block_number + 1000

    # createJob
    assert "Escrow: job payment must be positive" in revert_reason(
        w3, customer, escrow.functions.createJob(spec, operator.address, far))
    assert "Escrow: deadline must be in the future" in revert_reason(
        w3, customer, escrow.functions.createJob(spec, operator.address, w3.eth.block_number), value=1)
    assert "Escrow: operator is not active" in revert_reason(
        w3, customer, escrow.functions.createJob(spec, stranger.address, far), value=1)
    # unknown jobs
    for fn in (escrow.functions.acceptJob(10**6), escrow.functions.commitResult(10**6, root("x")),
               escrow.functions.reclaim(10**6)):
        assert "Escrow: unknown job" in revert_reason(w3, operator, fn)

    # A short job that will expire Open, one that expires Accepted, one committed in time.
    short = 12
    open_id, _ = create_job(w3, customer, 2 * ATH, operator, deadline_in=short)
    acc_id, _ = create_job(w3, customer, ATH + 1, operator, deadline_in=short)
    com_id, _ = create_job(w3, customer, ATH, operator, deadline_in=short)
    assert "Escrow: job is reserved for another operator" in revert_reason(w3, stranger, escrow.functions.acceptJob(open_id))
    assert "Escrow: job has not been accepted" in revert_reason(w3, operator, escrow.functions.commitResult(open_id, root("x")))
    transact(w3, operator, escrow.functions.acceptJob(acc_id))
    transact(w3, operator, escrow.functions.acceptJob(com_id))
    assert "Escrow: job is not awaiting an operator" in revert_reason(w3, operator, escrow.functions.acceptJob(acc_id))
    assert "Escrow: only the job's operator may commit" in revert_reason(
        w3, stranger, escrow.functions.commitResult(acc_id, root("x")))
    assert "Escrow: result root is empty" in revert_reason(w3, operator, escrow.functions.commitResult(acc_id, b"\0" * 32))
    transact(w3, operator, escrow.functions.commitResult(com_id, root("c")))
    assert "Escrow: job is not awaiting a result" in revert_reason(
        w3, operator, escrow.functions.commitResult(com_id, root("again")))
    assert "Escrow: only the job's customer may reclaim" in revert_reason(w3, stranger, escrow.functions.reclaim(open_id))
    assert "Escrow: job deadline has not passed" in revert_reason(w3, customer, escrow.functions.reclaim(open_id))
    assert "Escrow: job deadline has not passed" in revert_reason(w3, customer, escrow.functions.reclaim(acc_id))
    assert job(c, com_id)["state"] == COMMITTED

    wait_for_block(w3, job(c, open_id)["deadline"] + 2)
    assert "Escrow: job deadline has passed" in revert_reason(w3, operator, escrow.functions.acceptJob(open_id))
    assert "Escrow: job deadline has passed" in revert_reason(w3, operator, escrow.functions.commitResult(acc_id, root("late")))
    wait_for_block(w3, job(c, com_id)["deadline"] + 1)
    assert "Escrow: a committed job without a report goes to appeal first" in revert_reason(
        w3, customer, escrow.functions.reclaim(com_id))

    slashes = []
    for jid, price in ((open_id, 2 * ATH), (acc_id, ATH + 1)):
        before = balance(w3, customer)
        r = transact(w3, customer, escrow.functions.reclaim(jid))
        (ev,) = events(escrow, r, "JobReclaimed")
        assert (ev["jobId"], ev["customer"], ev["amount"]) == (jid, customer.address, price)
        assert balance(w3, customer) - before == price - cost(r)
        assert job(c, jid)["state"] == RECLAIMED
        assert "Escrow: job is not reclaimable" in revert_reason(w3, customer, escrow.functions.reclaim(jid))
        slashes += events(c["Slashing"], r, "OperatorSlashed")
    # The accepted job never committed cost the operator the downtime penalty
    # (reason 4); the open one nothing. It tops up to stay active.
    (slash,) = slashes
    required = c["Staking"].functions.requiredStake(operator.address).call()
    assert (slash["operator"], slash["reason"], slash["slashed"]) == (operator.address, 4, required * 3_333 // 10_000)
    assert not c["Staking"].functions.isActiveOperator(operator.address).call()
    transact(w3, operator, c["Staking"].functions.addStake(2), value=slash["slashed"])
    assert c["Staking"].functions.isActiveOperator(operator.address).call()

    # A committed result no quorum reported on: appealed 2 epochs after the
    # deadline, reclaimable once the appeal ends without a jury verdict.
    wait_for_block(w3, job(c, com_id)["deadline"] + 2 * EPOCH + 1)
    r = transact(w3, customer, c["Oracle"].functions.appeal(com_id, []), gas=1_000_000)
    (opened,) = events(c["Oracle"], r, "AppealOpened")
    assert "Escrow: a committed job without a report goes to appeal first" in revert_reason(
        w3, customer, escrow.functions.reclaim(com_id))
    wait_for_block(w3, opened["deadline"] + 1)
    before = balance(w3, customer)
    r = transact(w3, customer, escrow.functions.reclaim(com_id))
    (ev,) = events(escrow, r, "JobReclaimed")
    assert (ev["jobId"], ev["amount"]) == (com_id, ATH)
    assert balance(w3, customer) - before == ATH - cost(r)
    assert job(c, com_id)["state"] == RECLAIMED


def test_privileged_entry_points_refuse_everyone_else(w3, c, accounts):
    escrow, stranger = c["Escrow"], accounts[7]
    assert "Escrow: only the Oracle may settle" in revert_reason(w3, stranger, escrow.functions.settle(1, VALID, 1))
    assert "Escrow: only the Oracle may report downtime" in revert_reason(
        w3, stranger, escrow.functions.refundDowntime(accounts[1].address, 0, 0))
    assert "Escrow: only the system may settle leases in bulk" in revert_reason(
        w3, stranger, escrow.functions.settleDueLeases())
    assert "Escrow: nothing to withdraw" in revert_reason(w3, stranger, escrow.functions.withdraw())
    assert "Staking: only the Oracle may record work units" in revert_reason(
        w3, stranger, c["Staking"].functions.recordWorkUnits(stranger.address, 1))
    assert "Staking: only the Oracle may record work units or reward checkers" in revert_reason(
        w3, stranger, c["Staking"].functions.rewardCheckers([stranger.address]))
    assert "Slashing: only Escrow or the Oracle may slash operators" in revert_reason(
        w3, stranger, c["Slashing"].functions.slashOperator(accounts[1].address, 1, 2, 0, ZERO))
    assert "Slashing: only the Oracle may slash checkers" in revert_reason(
        w3, stranger, c["Slashing"].functions.slashChecker(accounts[2].address, 0, stranger.address))
    assert "Escrow: only the Oracle may refund for fraud" in revert_reason(
        w3, stranger, escrow.functions.fraudRefund(1, stranger.address))


def test_oracle_refusals(w3, c, accounts, checkers):
    escrow, oracle = c["Escrow"], c["Oracle"]
    customer, operator, transmitter, stranger = accounts[5], accounts[1], accounts[8], accounts[7]
    chain_id = w3.eth.chain_id
    committed_id, _ = create_job(w3, customer, ATH, operator, deadline_in=500)
    accepted_id, _ = create_job(w3, customer, ATH, operator, deadline_in=500)
    open_id, _ = create_job(w3, customer, ATH, operator, deadline_in=500)
    transact(w3, operator, escrow.functions.acceptJob(committed_id))
    transact(w3, operator, escrow.functions.acceptJob(accepted_id))
    rr = root("committed")
    transact(w3, operator, escrow.functions.commitResult(committed_id, rr))

    def reason(sigs, job_id=committed_id, result=rr, verdict=VALID, units=5, round_=1):
        return revert_reason(w3, transmitter, oracle.functions.submitReport(job_id, result, verdict, units, round_, sigs))

    def sigs_of(signers, job_id=committed_id, result=rr, verdict=VALID, units=5, round_=1):
        return attestations(w3, signers, job_id, result, verdict, units, round_)

    good = sigs_of(checkers)
    assert "Oracle: unknown verdict" in reason(good, verdict=0)
    assert "Oracle: unknown verdict" in reason(good, verdict=4)
    assert "Oracle: report round is not newer than the last" in reason(good, round_=0)
    assert "Oracle: result root does not match the committed one" in reason(sigs_of(checkers, result=root("other")),
                                                                             result=root("other"))
    assert "Oracle: result root does not match the committed one" in reason(
        sigs_of(checkers, verdict=INVALID, result=root("other")), verdict=INVALID, result=root("other"))
    assert "Oracle: no signatures" in reason([])
    assert "Oracle: checker quorum not reached" in reason(sigs_of(checkers[:1]))
    # Two of three equal stakes (66.67%) meet the 66.66% quorum: the call runs (no state changes in eth_call).
    oracle.functions.submitReport(committed_id, rr, VALID, 5, 1, sigs_of(checkers[:2])).call({"from": transmitter.address})
    assert "Oracle: signers must be unique and in ascending order" in reason(list(reversed(good)))
    assert "Oracle: signers must be unique and in ascending order" in reason([good[0], good[0], good[1], good[2]])
    assert "Oracle: signer is not an active checker" in reason(sigs_of(list(checkers) + [stranger]))
    # A checker signature over other data recovers some stranger.
    assert "Oracle: signer is not an active checker" in reason(sigs_of(checkers, units=6))
    other_chain = [sign_attestation(k, chain_id + 1, committed_id, rr, VALID, 5, 1) for k in checkers]
    assert "Oracle: signer is not an active checker" in reason(other_chain[:1])
    # Malformed signatures: 64 bytes, v not 27/28, high s (the malleable twin), r = 0.
    s0 = good[0]
    assert "Oracle: malformed signature" in reason([s0[:64]] + good[1:])
    assert "Oracle: malformed signature" in reason([s0[:64] + bytes([s0[64] + 2])] + good[1:])
    high_s = s0[:32] + (SECP256K1_N - int.from_bytes(s0[32:64], "big")).to_bytes(32, "big") + bytes([55 - s0[64]])
    assert "Oracle: malformed signature" in reason([high_s] + good[1:])
    assert "Oracle: invalid signature" in reason([b"\0" * 32 + s0[32:]] + good[1:])
    # Wrong job state: a valid verdict on a job that committed nothing (its root is still empty),
    # an unavailable verdict on a job nobody accepted, a report on an unknown job.
    empty = b"\0" * 32
    assert "Escrow: job is not awaiting settlement" in reason(
        sigs_of(checkers, job_id=accepted_id, result=empty), job_id=accepted_id, result=empty)
    # (a job nobody accepted has no block to weigh stake at)
    assert "Oracle: job has not been accepted" in reason(
        sigs_of(checkers, job_id=open_id, verdict=UNAVAILABLE), job_id=open_id, verdict=UNAVAILABLE)
    assert "Oracle: job has not been accepted" in reason(sigs_of(checkers, job_id=10**6, verdict=UNAVAILABLE),
                                                         job_id=10**6, verdict=UNAVAILABLE)

    # An under-quorum report sent as a transaction reverts on chain and changes nothing.
    r = send(w3, transmitter, oracle.functions.submitReport(committed_id, rr, VALID, 5, 1, sigs_of(checkers[:1])),
             gas=1_000_000)
    assert r.status == 0
    assert job(c, committed_id)["state"] == COMMITTED and oracle.functions.lastRound(committed_id).call() == 0

    # Round 3 settles; round 2 is then stale and round 3 a replay.
    before = balance(w3, operator)
    submit_report(w3, transmitter, checkers, committed_id, rr, VALID, 5, round_=3)
    wait_released(w3, committed_id)
    assert balance(w3, operator) - before == ATH - ATH * FEE_BPS // BPS
    assert oracle.functions.lastRound(committed_id).call() == 3
    assert "Oracle: report round is not newer than the last" in reason(sigs_of(checkers, round_=2), round_=2)
    assert "Oracle: report round is not newer than the last" in reason(sigs_of(checkers, round_=3), round_=3)
    # Unavailable verdict: the root is not checked (the accepted job committed none).
    before = balance(w3, customer)
    submit_report(w3, transmitter, checkers, accepted_id, root("anything"), UNAVAILABLE, 0)
    assert balance(w3, customer) == before, "held for the challenge window"
    wait_released(w3, accepted_id)
    assert balance(w3, customer) - before == ATH
    # (the main operator lost a third of its required stake; top it back up)
    staking = c["Staking"]
    missing = staking.functions.requiredStake(operator.address).call() - staking.functions.bondedStake(operator.address, 2).call()
    assert missing == 500 * ATH * 3333 // BPS
    transact(w3, operator, staking.functions.addStake(2), value=missing)
    assert staking.functions.isActiveOperator(operator.address).call()


def test_invalid_and_unavailable_verdicts_refund_and_slash(w3, c, accounts, checkers):
    escrow, staking, slashing = c["Escrow"], c["Staking"], c["Slashing"]
    customer, transmitter = accounts[5], accounts[8]
    treasury = ADDRESS["Governance"]
    fraud_op, down_op = new_operator(w3, c, accounts[9]), new_operator(w3, c, accounts[9])
    required = staking.functions.requiredStake(fraud_op.address).call()
    assert required == 500 * ATH

    # Fraud: the committed result is judged invalid.
    fraud_id, _ = create_job(w3, customer, 5 * ATH, fraud_op)
    transact(w3, fraud_op, escrow.functions.acceptJob(fraud_id))
    transact(w3, fraud_op, escrow.functions.commitResult(fraud_id, root("forged")))
    cust0, tre0 = balance(w3, customer), balance(w3, treasury)
    r = submit_report(w3, transmitter, checkers, fraud_id, root("forged"), INVALID, 99)
    (settled,) = events(escrow, r, "JobSettled")
    assert (settled["verdict"], settled["operatorPayout"], settled["fee"], settled["refund"], settled["workUnits"]) \
        == (INVALID, 0, 0, 5 * ATH, 0)
    # Held for the challenge window (the operator may appeal), then applied.
    assert events(slashing, r, "OperatorSlashed") == [] and balance(w3, customer) == cust0
    assert staking.functions.bondedStake(fraud_op.address, 2).call() == required
    assert escrow.functions.heldPrice(fraud_id).call() == 5 * ATH
    wait_released(w3, fraud_id)
    assert balance(w3, customer) - cust0 == 5 * ATH, "the customer gets the whole price back"
    assert balance(w3, treasury) - tre0 == required, "the slashed stake (100% of the required) goes to the treasury"
    assert staking.functions.bondedStake(fraud_op.address, 2).call() == 0
    assert not staking.functions.isActiveOperator(fraud_op.address).call()
    assert events(staking, r, "WorkUnitsRecorded") == []
    assert job(c, fraud_id)["verdict"] == INVALID and job(c, fraud_id)["workUnits"] == 0

    # Unavailable: accepted, nothing committed.
    down_id, _ = create_job(w3, customer, 2 * ATH, down_op)
    transact(w3, down_op, escrow.functions.acceptJob(down_id))
    cust0, tre0 = balance(w3, customer), balance(w3, treasury)
    r = submit_report(w3, transmitter, checkers, down_id, b"\0" * 32, UNAVAILABLE, 0)
    penalty = required * 3333 // BPS
    assert events(slashing, r, "OperatorSlashed") == []
    wait_released(w3, down_id)
    assert balance(w3, customer) - cust0 == 2 * ATH
    assert balance(w3, treasury) - tre0 == penalty, "a third of the required stake"
    assert staking.functions.bondedStake(down_op.address, 2).call() == required - penalty
    assert not staking.functions.isActiveOperator(down_op.address).call(), "below its required stake"
    assert job(c, down_id)["state"] == SETTLED and job(c, down_id)["verdict"] == UNAVAILABLE
    # A slashed operator can take no new job.
    assert "Escrow: operator is not active" in revert_reason(
        w3, customer, escrow.functions.createJob(root("s"), down_op.address, w3.eth.block_number + 50), value=1)


# ------------------------------------------------------------------------------ leases


def test_lease_open_stream_overdraw_resume_close(w3, c, accounts):
    escrow = c["Escrow"]
    customer, operator, stranger = accounts[5], accounts[1], accounts[7]
    treasury = ADDRESS["Governance"]
    price = 10**15            # a multiple of 5: every fee (20%) is exact
    fee_of = lambda amount: amount * FEE_BPS // BPS

    # Refusals.
    assert "Escrow: price per block must be positive" in revert_reason(
        w3, customer, escrow.functions.openLease(operator.address, 0), value=ATH)
    assert "Escrow: deposit must cover at least one epoch" in revert_reason(
        w3, customer, escrow.functions.openLease(operator.address, price), value=price * EPOCH - 1)
    assert "Escrow: operator is not active" in revert_reason(
        w3, customer, escrow.functions.openLease(stranger.address, price), value=ATH)
    for fn in (escrow.functions.settleLease(10**6), escrow.functions.closeLease(10**6)):
        assert "Escrow: unknown lease" in revert_reason(w3, customer, fn)
    assert "Escrow: unknown lease" in revert_reason(w3, customer, escrow.functions.topUp(10**6), value=1)

    tre0, earn0 = balance(w3, treasury), operator_earnings(c, operator)

    # A lease with 1000 blocks of deposit, settled by a stranger, topped up, closed by the customer.
    r = transact(w3, customer, escrow.functions.openLease(operator.address, price), value=1000 * price)
    gas("openLease", r)
    (opened,) = events(escrow, r, "LeaseOpened")
    a = opened["leaseId"]
    assert (opened["customer"], opened["operator"], opened["pricePerBlock"], opened["deposit"]) == \
        (customer.address, operator.address, price, 1000 * price)
    la = lease(c, a)
    assert (la["startBlock"], la["paidUntil"], la["state"], la["deposit"]) == (r.blockNumber, r.blockNumber, ACTIVE, 1000 * price)
    assert a in escrow.functions.operatorLeases(operator.address).call()

    # Overdraw: a deposit of one epoch (the least) and 7 wei.
    r = transact(w3, customer, escrow.functions.openLease(operator.address, price), value=EPOCH * price + 7)
    b = events(escrow, r, "LeaseOpened")[0]["leaseId"]
    b_start = r.blockNumber

    wait_for_block(w3, b_start + EPOCH + 3)
    r = transact(w3, stranger, escrow.functions.settleLease(a))
    la = lease(c, a)
    assert la["paidUntil"] == r.blockNumber, "settled up to the settling block"
    (ev,) = events(escrow, r, "LeaseSettled") or [None]
    if ev is not None:  # (the node may have settled it just before)
        assert ev["amount"] == ev["blocks"] * price and ev["fee"] == fee_of(ev["amount"])
        assert (ev["depositLeft"], ev["paidUntil"]) == (la["deposit"], la["paidUntil"])
    assert la["totalPaid"] == (la["paidUntil"] - la["startBlock"]) * price
    assert la["deposit"] + la["totalPaid"] == 1000 * price

    r = transact(w3, stranger, escrow.functions.settleLease(b))
    lb = lease(c, b)
    assert (lb["state"], lb["paidUntil"], lb["totalPaid"], lb["deposit"]) == \
        (OVERDRAWN, b_start + EPOCH, EPOCH * price, 7)
    overdrawn = [o["paidUntil"] for o in events(escrow, r, "LeaseOverdrawn")]
    assert overdrawn in ([], [b_start + EPOCH]), "overdrawn here, or by the node's settlement just before"
    assert escrow.functions.openLeaseCount().call() == 1, "only a is streaming; b left the open set"
    # Accrual has stopped: settling again changes nothing and owes nothing.
    wait_for_block(w3, w3.eth.block_number + 2)
    r = transact(w3, stranger, escrow.functions.settleLease(b))
    assert events(escrow, r, "LeaseSettled") == [] and lease(c, b) == lb
    # Resuming needs a deposit of at least one block.
    assert "Escrow: deposit must cover at least one block" in revert_reason(
        w3, customer, escrow.functions.topUp(b), value=price - 8)
    r = transact(w3, stranger, escrow.functions.topUp(b), value=10 * price)
    (resumed,) = events(escrow, r, "LeaseResumed")
    assert resumed["fromBlock"] == r.blockNumber
    (topped,) = events(escrow, r, "LeaseToppedUp")
    assert (topped["sender"], topped["amount"], topped["deposit"]) == (stranger.address, 10 * price, 10 * price + 7)
    lb = lease(c, b)
    assert (lb["state"], lb["paidUntil"], lb["deposit"], lb["totalPaid"]) == \
        (ACTIVE, r.blockNumber, 10 * price + 7, EPOCH * price)
    resumed_at = r.blockNumber

    # A plain top-up of the running lease a.
    r = transact(w3, customer, escrow.functions.topUp(a), value=5 * price)
    gas("topUp", r)
    la = lease(c, a)
    assert la["paidUntil"] == r.blockNumber and la["deposit"] + la["totalPaid"] == 1005 * price

    # b: closing by a stranger is refused; the operator closes it, the customer gets the rest.
    assert "Escrow: only the lease's customer or operator may close it" in revert_reason(
        w3, stranger, escrow.functions.closeLease(b))
    wait_for_block(w3, resumed_at + 4)
    cust0 = balance(w3, customer)
    r = transact(w3, operator, escrow.functions.closeLease(b))
    lb = lease(c, b)
    (closed,) = events(escrow, r, "LeaseClosed")
    assert closed["closedBy"] == operator.address
    assert lb["paidUntil"] == r.blockNumber and lb["totalPaid"] == EPOCH * price + (r.blockNumber - resumed_at) * price, \
        "the blocks between overdrawing and resuming are never charged"
    assert closed["refund"] == (EPOCH + 10) * price + 7 - lb["totalPaid"]
    assert balance(w3, customer) - cust0 == closed["refund"]
    assert (lb["state"], lb["deposit"], lb["closedBlock"]) == (CLOSED, 0, r.blockNumber)

    # a: closed by the customer.
    cust0 = balance(w3, customer)
    r = transact(w3, customer, escrow.functions.closeLease(a))
    gas("closeLease", r)
    la = lease(c, a)
    (closed,) = events(escrow, r, "LeaseClosed")
    assert closed["closedBy"] == customer.address and la["state"] == CLOSED and la["paidUntil"] == r.blockNumber
    assert closed["refund"] + la["totalPaid"] == 1005 * price, "every deposited wei is streamed or refunded"
    assert balance(w3, customer) - cust0 == closed["refund"] - cost(r)

    # Closed leases refuse everything but a (no-op) settlement.
    assert "Escrow: lease is closed" in revert_reason(w3, customer, escrow.functions.topUp(a), value=price)
    assert "Escrow: lease is closed" in revert_reason(w3, customer, escrow.functions.closeLease(a))
    assert "Escrow: lease is closed" in revert_reason(w3, operator, escrow.functions.closeLease(b))
    r = transact(w3, stranger, escrow.functions.settleLease(a))
    assert events(escrow, r, "LeaseSettled") == [] and lease(c, a) == la

    # Conservation: fees to the treasury, the rest held for the operator.
    streamed = la["totalPaid"] + lb["totalPaid"]
    assert balance(w3, treasury) - tre0 == fee_of(streamed)
    assert operator_earnings(c, operator) - earn0 == streamed - fee_of(streamed)


def test_uptime_report_refunds_the_downtime_share(w3, c, accounts, checkers):
    escrow, oracle = c["Escrow"], c["Oracle"]
    operator, transmitter = accounts[1], accounts[8]
    customers = [accounts[5], accounts[6]]
    prices = [10**15, 3 * 10**15 + 5]
    # No lease of the operator is running now: its earnings only change by what follows.
    ids = escrow.functions.operatorLeases(operator.address).call()
    assert all(lease(c, i)["state"] != ACTIVE for i in ids)
    earn0 = operator_earnings(c, operator)
    credits0 = [escrow.functions.credits(k.address).call() for k in customers]

    # Open two leases early in a fresh epoch e.
    head = w3.eth.block_number
    wait_for_block(w3, (head // EPOCH + 1) * EPOCH)
    opened = []
    for k, p in zip(customers, prices):
        r = transact(w3, k, escrow.functions.openLease(operator.address, p), value=200 * p)
        opened.append((events(escrow, r, "LeaseOpened")[0]["leaseId"], r.blockNumber))
    e = opened[0][1] // EPOCH
    assert opened[1][1] // EPOCH == e, "both leases opened in epoch e (machine too slow?)"

    def report_reason(epoch, uptime, round_, signers=checkers):
        args = uptime_report_args(w3, signers, operator.address, epoch, uptime, round_)
        return revert_reason(w3, transmitter, oracle.functions.submitUptimeReport(*args))
    assert "Oracle: uptime epoch has not begun" in report_reason(e + 1, 9000, 1)
    if w3.eth.block_number < (e + 1) * EPOCH - 2:
        assert "Escrow: epoch has not ended" in report_reason(e, 9000, 1)
    assert "Oracle: uptime above 100%" in report_reason(e - 1, 10_001, 1)
    assert "Oracle: checker quorum not reached" in report_reason(e - 1, 9000, 1, checkers[:1])
    assert "Oracle: report round is not newer than the last" in report_reason(e - 1, 9000, 0)

    # At or above slaUptimeBps nothing is refunded (epoch e - 1, finished).
    r = submit_uptime_report(w3, transmitter, checkers, operator.address, e - 1, 9500)
    (rep,) = events(escrow, r, "DowntimeReported")
    assert (rep["epoch"], rep["uptimeBps"], rep["totalRefunded"]) == (e - 1, 9500, 0)
    assert events(escrow, r, "DowntimeRefunded") == []
    assert escrow.functions.downtimeReported(operator.address, e - 1).call()
    assert oracle.functions.lastUptimeRound(operator.address, e - 1).call() == 1
    assert "Oracle: this epoch's uptime was reported already" in report_reason(e - 1, 100, 2)
    assert "Oracle: report round is not newer than the last" in report_reason(e - 1, 100, 1)

    # Epoch e ends; the checkers measured 99%, 90% and 80%: the stake-weighted median, 90%,
    # refunds 10% of what each lease paid for epoch e.
    wait_for_block(w3, (e + 1) * EPOCH + 1)
    uptime = 9000
    r = submit_uptime_report(w3, transmitter, checkers, operator.address, e, [9900, 9000, 8000])
    gas("submitUptimeReport", r)  # 3 checker signatures
    refunds = {ev["leaseId"]: ev for ev in events(escrow, r, "DowntimeRefunded")}
    assert set(refunds) == {i for i, _ in opened}
    total = 0
    for (lid, start), p in zip(opened, prices):
        blocks = (e + 1) * EPOCH - start      # paid blocks of epoch e: [start, end of epoch)
        assert escrow.functions.leasePaidBlocks(lid, e).call() == blocks
        owed = blocks * p * (BPS - uptime) // BPS
        ev = refunds[lid]
        assert (ev["epoch"], ev["paidBlocks"], ev["owed"], ev["refunded"]) == (e, blocks, owed, owed)
        assert escrow.functions.downtimeHeld(lid, e).call() == owed and lease(c, lid)["refunded"] == 0
        total += owed
    (rep,) = events(escrow, r, "DowntimeReported")
    assert (rep["operator"], rep["epoch"], rep["uptimeBps"], rep["totalRefunded"]) == (operator.address, e, uptime, total)
    # The refunds are held while the operator may appeal (Oracle.appealUptime), then released.
    for k, c0 in zip(customers, credits0):
        assert escrow.functions.credits(k.address).call() == c0
    assert "Oracle: the uptime report may still be appealed" in revert_reason(
        w3, transmitter, escrow.functions.releaseDowntimeRefund(opened[0][0], e))
    wait_for_block(w3, r.blockNumber + c["Params"].functions.get("challengeWindowBlocks").call() + 1)
    for lid, _ in opened:
        transact(w3, transmitter, escrow.functions.releaseDowntimeRefund(lid, e))
        assert lease(c, lid)["refunded"] == refunds[lid]["refunded"]
    for k, c0, (lid, _) in zip(customers, credits0, opened):
        assert escrow.functions.credits(k.address).call() - c0 == refunds[lid]["refunded"]

    # Close both; the operator keeps 80% of everything streamed, less the refunds.
    streamed = 0
    for k, (lid, _) in zip(customers, opened):
        transact(w3, k, escrow.functions.closeLease(lid))
        l = lease(c, lid)
        assert l["deposit"] == 0 and l["state"] == CLOSED
        streamed += l["totalPaid"]
        assert l["totalPaid"] * FEE_BPS % BPS == 0
    assert operator_earnings(c, operator) - earn0 == streamed - streamed * FEE_BPS // BPS - total

    # The customers withdraw their refunds.
    for k, c0, (lid, _) in zip(customers, credits0, opened):
        amount = escrow.functions.credits(k.address).call()
        before = balance(w3, k)
        r = transact(w3, k, escrow.functions.withdraw())
        (w,) = events(escrow, r, "Withdrawal")
        assert w["amount"] == amount == c0 + refunds[lid]["refunded"]
        assert balance(w3, k) - before == amount - cost(r)
        assert escrow.functions.credits(k.address).call() == 0

    # The operator's earnings are released two epochs after they were booked.
    held = escrow.functions.heldEarnings(operator.address).call()
    wait_for_block(w3, (held[0] + 2) * EPOCH + 1)
    expected = operator_earnings(c, operator)
    before = balance(w3, operator)
    r = transact(w3, operator, escrow.functions.withdraw())
    (w,) = events(escrow, r, "Withdrawal")
    assert w["amount"] == expected
    assert balance(w3, operator) - before == expected - cost(r)
    assert tuple(escrow.functions.heldEarnings(operator.address).call()[1:]) == (0, 0)
    assert escrow.functions.credits(operator.address).call() == 0


def test_an_operator_keeps_at_most_64_leases_and_sets_a_minimum_price(w3, c, accounts):
    """An operator's list holds 64 leases; closed and overdrawn ones leave it two epochs later (a top-up
    puts a resumed one back), and the operator's minimum price keeps 1-wei leases out."""
    escrow = c["Escrow"]
    customer, stranger = accounts[7], accounts[8]
    op = new_operator(w3, c, accounts[9])
    nonce = w3.eth.get_transaction_count(customer.address, "pending")
    hashes = []
    for i in range(64):  # 1 wei a block, one epoch of deposit (the least): each overdraws after an epoch
        tx = escrow.functions.openLease(op.address, 1).build_transaction({
            "from": customer.address, "value": EPOCH, "nonce": nonce + i, "chainId": w3.eth.chain_id, "gas": 2_000_000,
            "maxFeePerGas": 4 * 10**9, "maxPriorityFeePerGas": 10**9})
        hashes.append(w3.eth.send_raw_transaction(customer.sign_transaction(tx).raw_transaction))
    receipts = [w3.eth.wait_for_transaction_receipt(h, timeout=60, poll_latency=0.1) for h in hashes]
    assert all(r.status == 1 for r in receipts)
    ids = escrow.functions.operatorLeases(op.address).call()
    assert len(ids) == 64
    assert "Escrow: operator has too many leases" in revert_reason(
        w3, customer, escrow.functions.openLease(op.address, 1), value=EPOCH)

    # The operator raises its minimum price; only active operators may set one.
    assert "Escrow: only an active operator may set lease terms" in revert_reason(
        w3, stranger, escrow.functions.setLeaseMinPrice(1))
    r = transact(w3, op, escrow.functions.setLeaseMinPrice(10**9))
    (ev,) = events(escrow, r, "LeaseMinPriceSet")
    assert (ev["operator"], ev["pricePerBlock"]) == (op.address, 10**9)
    assert "Escrow: price per block below the operator's minimum" in revert_reason(
        w3, customer, escrow.functions.openLease(op.address, 10**9 - 1), value=10**9)

    # The node's per-block settlement finds each lease an epoch behind and streams
    # it until it overdraws; two epochs after the epoch it ran out in, it leaves
    # the list.
    last_paid = max(lease(c, i)["startBlock"] for i in ids) + EPOCH
    wait_for_block(w3, (last_paid // EPOCH + 3) * EPOCH + 5, timeout=120)
    assert all(lease(c, i)["state"] == OVERDRAWN and lease(c, i)["deposit"] == 0 for i in ids)
    r = transact(w3, customer, escrow.functions.openLease(op.address, 10**9), value=EPOCH * 10**9)
    new_id = events(escrow, r, "LeaseOpened")[0]["leaseId"]
    assert escrow.functions.operatorLeases(op.address).call() == [new_id]
    # A top-up resumes a pruned lease and puts it back on the list.
    r = transact(w3, customer, escrow.functions.topUp(ids[0]), value=100)
    assert events(escrow, r, "LeaseResumed")
    assert lease(c, ids[0])["state"] == ACTIVE
    assert escrow.functions.operatorLeases(op.address).call() == [new_id, ids[0]]


# ------------------------------------------------------------------- a developer's contract

BUYER_SOURCE = """
# pragma version 0.4.3
# A developer's contract that buys compute jobs through Escrow.

interface IEscrow:
    def createJob(specHash: bytes32, operator: address, deadline: uint256) -> uint256: payable
    def reclaim(jobId: uint256): nonpayable
    def withdraw(): nonpayable

ESCROW: constant(address) = 0x0000000000000000000000000000000000001003

event Ordered:
    jobId: indexed(uint256)
    price: uint256

event Received:
    sender: indexed(address)
    amount: uint256

owner: public(address)
refuse: public(bool)
received: public(uint256)
lastJob: public(uint256)

@deploy
def __init__():
    self.owner = msg.sender

@external
@payable
def order(specHash: bytes32, operator: address, blocks: uint256) -> uint256:
    assert msg.sender == self.owner, "Buyer: only the owner may order"
    jobId: uint256 = extcall IEscrow(ESCROW).createJob(specHash, operator, block.number + blocks, value=msg.value)
    self.lastJob = jobId
    log Ordered(jobId=jobId, price=msg.value)
    return jobId

@external
def reclaim(jobId: uint256):
    extcall IEscrow(ESCROW).reclaim(jobId)

@external
def withdraw():
    extcall IEscrow(ESCROW).withdraw()

@external
def setRefuse(r: bool):
    assert msg.sender == self.owner, "Buyer: only the owner"
    self.refuse = r

@external
@payable
def __default__():
    assert not self.refuse, "Buyer: refusing payments"
    self.received += msg.value
    log Received(sender=msg.sender, amount=msg.value)
"""


@pytest.fixture(scope="module")
def buyer_artifact(tmp_path_factory):
    return compile_vyper(BUYER_SOURCE, tmp_path_factory.mktemp("buyer"))


def test_a_developers_contract_buys_jobs_through_escrow(w3, c, accounts, checkers, buyer_artifact):
    escrow = c["Escrow"]
    dev, operator, transmitter = accounts[6], accounts[1], accounts[8]
    abi, bytecode = buyer_artifact
    factory = w3.eth.contract(abi=abi, bytecode=bytecode)
    r = transact(w3, dev, factory.constructor())
    buyer = w3.eth.contract(address=r.contractAddress, abi=abi)

    # 1. A job bought by the contract, done and settled valid.
    price = 2 * ATH
    r = transact(w3, dev, buyer.functions.order(root("train"), operator.address, 100), value=price)
    (created,) = events(escrow, r, "JobCreated")
    job_id = created["jobId"]
    assert created["customer"] == buyer.address and created["price"] == price
    assert buyer.functions.lastJob().call() == job_id and balance(w3, buyer.address) == 0
    transact(w3, operator, escrow.functions.acceptJob(job_id))
    transact(w3, operator, escrow.functions.commitResult(job_id, root("weights")))
    before = balance(w3, operator)
    submit_report(w3, transmitter, checkers, job_id, root("weights"), VALID, 77)
    wait_released(w3, job_id)
    assert balance(w3, operator) - before == price - price * FEE_BPS // BPS
    assert job(c, job_id)["state"] == SETTLED and job(c, job_id)["customer"] == buyer.address

    # 2. Two jobs nobody takes: reclaimed by the contract after the deadline; the
    #    refund is pushed to it, or credited while it refuses payments.
    pushed_id = events(escrow, transact(w3, dev, buyer.functions.order(root("a"), ZERO, 4), value=ATH), "JobCreated")[0]["jobId"]
    credited_id = events(escrow, transact(w3, dev, buyer.functions.order(root("b"), ZERO, 4), value=ATH + 3), "JobCreated")[0]["jobId"]
    assert "Buyer: only the owner may order" in revert_reason(
        w3, accounts[7], buyer.functions.order(root("c"), ZERO, 4), value=1)
    assert "Escrow: job deadline has not passed" in revert_reason(w3, dev, buyer.functions.reclaim(pushed_id))
    wait_for_block(w3, job(c, credited_id)["deadline"] + 1)
    r = transact(w3, dev, buyer.functions.reclaim(pushed_id))
    (got,) = events(buyer, r, "Received")
    assert (got["sender"], got["amount"]) == (escrow.address, ATH)
    assert buyer.functions.received().call() == ATH and balance(w3, buyer.address) == ATH

    transact(w3, dev, buyer.functions.setRefuse(True))
    r = transact(w3, dev, buyer.functions.reclaim(credited_id))
    (deferred,) = events(escrow, r, "PaymentDeferred")
    assert (deferred["account"], deferred["amount"]) == (buyer.address, ATH + 3)
    assert escrow.functions.credits(buyer.address).call() == ATH + 3 and job(c, credited_id)["state"] == RECLAIMED
    assert balance(w3, buyer.address) == ATH
    transact(w3, dev, buyer.functions.setRefuse(False))
    r = transact(w3, dev, buyer.functions.withdraw())
    assert events(escrow, r, "Withdrawal")[0]["amount"] == ATH + 3
    assert escrow.functions.credits(buyer.address).call() == 0
    assert balance(w3, buyer.address) == 2 * ATH + 3 and buyer.functions.received().call() == 2 * ATH + 3
