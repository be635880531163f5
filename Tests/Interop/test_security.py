"""The attacks of docs/security.md, each performed end to end on a real
`athd dev` (no embedded compute: the test holds the dev checkers' keys and
plays every role, honest or hostile) through JSON-RPC, signing with
eth-account as an attacker would, and shown failing or unprofitable."""
import secrets

import pytest
from Crypto.Cipher import ChaCha20
from Crypto.Hash import keccak
from eth_abi import encode
from eth_account import Account
from web3 import Web3

from athnode import DevNode, dev_keys
from protocol import (ADDRESS, ATH, INVALID, UNAVAILABLE, VALID, attestations, contract, events, revert_reason, send,
                      submit_report, submit_uptime_report, transact, uptime_report_args, wait_for_block, wait_released)

KIND = Web3.keccak(b"ath/gemm-i8/v1")
ZERO = "0x" + "00" * 20
BLOCK_MS = 300


def keccak256(data):
    return keccak.new(digest_bits=256, data=data).digest()


@pytest.fixture
def dev(athd_bin, tmp_path):
    """A fresh `athd dev` per test (attacks slash and drain the dev roles)."""
    n = DevNode(athd_bin, tmp_path / "home", ["--block-time-ms", str(BLOCK_MS)]).start()
    yield n
    assert n.stop() == 0, n.read_log()[-3000:]


@pytest.fixture
def w3(dev):
    return Web3(Web3.HTTPProvider(dev.url, request_kwargs={"timeout": 60}))


@pytest.fixture(scope="module")
def keys():
    return dev_keys(10)


def fund(w3, funder, amount):
    """A fresh account holding `amount` wei from `funder`."""
    acct = Account.create()
    tx = {"from": funder.address, "to": acct.address, "value": amount, "chainId": w3.eth.chain_id, "gas": 21_000,
          "nonce": w3.eth.get_transaction_count(funder.address, "pending"),
          "maxFeePerGas": 4 * 10**9, "maxPriorityFeePerGas": 10**9}
    h = w3.eth.send_raw_transaction(funder.sign_transaction(tx).raw_transaction)
    assert w3.eth.wait_for_transaction_receipt(h, timeout=30).status == 1
    return acct


def register_checker(w3, acct, stake):
    transact(w3, acct, contract(w3, "Staking").functions.registerChecker("http://127.0.0.1:9"), value=stake, gas=500_000)


def register_operator(w3, acct, stake=500 * ATH):
    transact(w3, acct, contract(w3, "Staking").functions.registerOperator("GPU", 1, 80, "http://127.0.0.1:9"),
             value=stake, gas=500_000)


def spec(m, n, k, seed, rounds=20):
    return encode(["bytes32", "uint256", "uint256", "uint256", "bytes32", "uint256"], [KIND, m, n, k, seed, rounds])


def keystream(seed, letter, offset, count):
    cipher = ChaCha20.new(key=seed, nonce=bytes([letter]) + bytes(11))
    cipher.seek(offset)
    return cipher.encrypt(bytes(count))


def entry(seed, n, k, i, j):
    """C[i][j] of the gemm-i8 spec (docs/gemm-i8.md), one dot product."""
    a = keystream(seed, 0x41, i * k, k)
    b = keystream(seed, 0x42, 0, k * n)[j::n]
    s8 = lambda x: x - 256 if x > 127 else x
    return sum(s8(x) * s8(y) for x, y in zip(a, b))


def row_bytes(values):
    return b"".join(v.to_bytes(4, "little", signed=True) for v in values)


def merkle(leaves, index):
    """The root of `leaves` and the proof of leaf `index` (docs/gemm-i8.md:
    an odd level carries its last node up unchanged)."""
    proof, level = [], list(leaves)
    while len(level) > 1:
        if index % 2 == 1:
            proof.append(level[index - 1])
        elif index + 1 < len(level):
            proof.append(level[index + 1])
        nxt = [keccak256(level[p] + level[p + 1]) for p in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level, index = nxt, index // 2
    return level[0], proof


class Garbage:
    """A result for an m×n×k job that is all zeros except row i, which holds
    the true C[i][good] and a wrong C[i][bad]: the root the cheat commits,
    and what a prover needs."""

    def __init__(self, m, n, k, seed, i=None, good=3, bad=7):
        self.i = m // 2 if i is None else i
        self.good, self.bad = good, bad
        values = [0] * n
        self.true_good = entry(seed, n, k, self.i, good)
        self.true_bad = entry(seed, n, k, self.i, bad)
        values[good] = self.true_good
        values[bad] = self.true_bad + 1
        self.row = row_bytes(values)
        zero = bytes(4 * n)
        leaves = [keccak256(r.to_bytes(8, "big") + (self.row if r == self.i else zero)) for r in range(m)]
        self.root, self.proof = merkle(leaves, self.i)


def create_gemm(w3, customer, operator, job_spec, price, deadline_in=400):
    escrow = contract(w3, "Escrow")
    r = transact(w3, customer, escrow.functions.createJobWithSpec(job_spec, operator, w3.eth.block_number + deadline_in),
                 value=price, gas=600_000)
    (created,) = events(escrow, r, "JobCreated")
    return created["jobId"]


def job_state(w3, job_id):
    return contract(w3, "Escrow").functions.job(job_id).call()


def signers_of(w3, receipt):
    (log,) = events(contract(w3, "Oracle"), receipt, "ReportAccepted")
    return list(log["signers"])


def refused(w3, account, call, text, value=0):
    """`call` reverts with a reason containing `text` (eth_call), and the
    transaction, sent anyway, is mined as a revert that changes nothing."""
    reason = revert_reason(w3, account, call, value=value)
    assert text in reason, f"expected {text!r}, got {reason!r}"
    r = send(w3, account, call, value=value, gas=3_000_000)
    assert r.status == 0
    return reason


# ---------------------------------------------------------------- attack 1

def test_bought_quorum_is_slashed(w3, keys):
    """Attack 1. A quorum bought after a result is known weighs nothing; a
    quorum bought before it signs VALID for garbage, cannot leave before the
    challenge window closes, and a one-entry fraud proof on a 4096³ job
    refunds the customer, slashes the operator and every VALID signer and
    pays the prover. The same proof against a correct entry is refused."""
    staking, escrow, oracle = contract(w3, "Staking"), contract(w3, "Escrow"), contract(w3, "Oracle")
    honest = keys[2:5]
    customer, prover, bank = keys[6], keys[8], keys[7]

    # (a) Stake bought after the commitment does not count.
    seed = secrets.token_bytes(32)
    job_a = create_gemm(w3, customer, keys[1].address, spec(64, 64, 64, seed), ATH)
    transact(w3, keys[1], escrow.functions.acceptJob(job_a))
    transact(w3, keys[1], escrow.functions.commitResult(job_a, b"\x11" * 32))
    late = [fund(w3, bank, 301 * ATH) for _ in range(2)]
    for a in late:
        register_checker(w3, a, 300 * ATH)
    assert staking.functions.totalCheckerStake().call() == 900 * ATH
    sigs = attestations(w3, late, job_a, b"\x11" * 32, INVALID, 0, 1)
    refused(w3, bank, oracle.functions.submitReport(job_a, b"\x11" * 32, INVALID, 0, 1, sigs),
            "Oracle: checker quorum not reached")
    assert job_state(w3, job_a)[9] == 3        # still committed, the honest operator unslashed
    # The honest checkers still settle it: stake is weighed as of the commitment.
    submit_report(w3, keys[9], honest, job_a, b"\x11" * 32, VALID, 1)
    assert job_state(w3, job_a)[9] == 4

    # Uptime 0 for the honest operator, for an epoch that began before the
    # late stake was bonded: refused too.
    length = contract(w3, "Params").functions.get("epochLength").call()
    epoch = w3.eth.block_number // length
    wait_for_block(w3, (epoch + 1) * length + 1)
    refused(w3, bank, oracle.functions.submitUptimeReport(*uptime_report_args(w3, late, keys[1].address, epoch, 0)),
            "Oracle: checker quorum not reached")

    # (b) Bonded before: 600 of 900 ATH of checker stake is a quorum.
    cheat = fund(w3, bank, 510 * ATH)
    register_operator(w3, cheat)
    n = 4096
    seed = secrets.token_bytes(32)
    job_spec = spec(n, n, n, seed)
    price = 10 * ATH
    job_b = create_gemm(w3, customer, cheat.address, job_spec, price)
    garbage = Garbage(n, n, n, seed)
    assert garbage.true_bad != 0 or garbage.true_good != 0
    transact(w3, cheat, escrow.functions.acceptJob(job_b))
    transact(w3, cheat, escrow.functions.commitResult(job_b, garbage.root))
    customer_before = w3.eth.get_balance(customer.address)
    r = submit_report(w3, bank, late, job_b, garbage.root, VALID, 64)
    signers = signers_of(w3, r)
    assert sorted(signers) == sorted(a.address for a in late)
    assert escrow.functions.heldPrice(job_b).call() == price

    # The cheats try to leave: unbonding works, but nothing can be taken
    # before the window closes, and the payout stays held.
    for a in late:
        transact(w3, a, staking.functions.unbond(3, ZERO, 300 * ATH))
    reason = revert_reason(w3, late[0], staking.functions.withdraw())
    assert "Staking: unbonding not matured until block" in reason
    reason = revert_reason(w3, cheat, escrow.functions.releasePayout(job_b))
    assert "Escrow: the challenge window is open until block" in reason

    args = lambda j: (job_b, job_spec, garbage.i, j, garbage.row, garbage.proof, signers)
    # Against a correct entry: refused, nothing changes.
    reason = revert_reason(w3, prover, oracle.functions.proveFraud(*args(garbage.good)))
    assert "Oracle: the committed entry is correct" in reason, reason
    # Against the wrong one: accepted.
    call = oracle.functions.proveFraud(*args(garbage.bad))
    gas = call.estimate_gas({"from": prover.address})
    print(f"\nfraud proof at m = n = k = 4096: {gas:,} gas (estimate)")
    r = transact(w3, prover, call, gas=gas + 100_000)
    print(f"fraud proof at m = n = k = 4096: {r.gasUsed:,} gas used")
    (proven,) = events(oracle, r, "FraudProven")
    assert proven["computed"] == garbage.true_bad and proven["committed"] == garbage.true_bad + 1
    assert w3.eth.get_balance(customer.address) == customer_before + price
    assert job_state(w3, job_b)[7] == INVALID and escrow.functions.fraudProven(job_b).call()
    assert staking.functions.operators(cheat.address).call()[4] == 0          # operator stake gone
    slashed = 500 * ATH
    for a in late:
        entries = staking.functions.unbondingEntries(a.address).call()
        assert sum(e[1] for e in entries) == 0                                # unbonding stake taken
        slashed += 300 * ATH
    assert staking.functions.pendingRewards(prover.address).call() == slashed // 10
    # A second proof of the same job is refused.
    reason = revert_reason(w3, prover, oracle.functions.proveFraud(*args(garbage.bad)))
    assert "Oracle: job was not settled as valid" in reason or "signers differ" in reason, reason
    # After the window: the cheats took nothing.
    wait_for_block(w3, staking.functions.unbondingEntries(late[0].address).call()[0][3] + 1)
    for a in late:
        before = w3.eth.get_balance(a.address)
        r = transact(w3, a, staking.functions.withdraw())
        assert w3.eth.get_balance(a.address) == before - r.gasUsed * r.effectiveGasPrice
    assert "Escrow: nothing is held for this job" in revert_reason(w3, cheat, escrow.functions.releasePayout(job_b))


def test_bought_invalid_verdict_is_overturned_on_appeal(w3, keys):
    """Attack 1, the verdicts one entry cannot disprove: a quorum bonded
    before the commitment (600 of 900 ATH) signs INVALID for an honest
    operator's result. Nothing is refunded or slashed while the verdict's
    challenge window is open; the operator appeals with the bond; the jury
    is the 300 ATH that did not sign, and its majority finds the result
    VALID: the operator is paid and gets its bond back, and its stake is
    whole. Every hostile move around the appeal is refused and changes
    nothing."""
    staking, escrow, oracle = contract(w3, "Staking"), contract(w3, "Escrow"), contract(w3, "Oracle")
    params = contract(w3, "Params")
    honest, operator, customer, bank = keys[2:5], keys[1], keys[6], keys[7]
    cheats = [fund(w3, bank, 301 * ATH) for _ in range(2)]
    for a in cheats:
        register_checker(w3, a, 300 * ATH)
    price = 5 * ATH
    job = create_gemm(w3, customer, operator.address, spec(64, 64, 64, secrets.token_bytes(32)), price)
    root = b"\x22" * 32
    transact(w3, operator, escrow.functions.acceptJob(job))
    transact(w3, operator, escrow.functions.commitResult(job, root))
    op_stake = staking.functions.operators(operator.address).call()[4]
    customer_before = w3.eth.get_balance(customer.address)
    r = submit_report(w3, bank, cheats, job, root, INVALID, 0)
    signers = signers_of(w3, r)
    # Held, not applied: no refund, no slash yet.
    assert job_state(w3, job)[7] == INVALID and escrow.functions.heldPrice(job).call() == price
    assert not events(contract(w3, "Slashing"), r, "OperatorSlashed")
    assert w3.eth.get_balance(customer.address) == customer_before

    # Without an appeal no later round replaces a held verdict.
    refused(w3, bank, oracle.functions.submitReport(job, root, UNAVAILABLE, 0, 2, attestations(w3, cheats, job, root, UNAVAILABLE, 0, 2)),
            "Escrow: job is not awaiting settlement")
    bond = params.functions.get("appealBond").call()
    assert bond == 10 * ATH
    appeal = oracle.functions.appeal(job, signers)
    refused(w3, customer, appeal, "Oracle: only the job's operator may appeal its verdict", value=bond)
    refused(w3, operator, appeal, "Oracle: an appeal takes a bond of exactly 10000000000000000000 wei", value=bond - 1)
    refused(w3, operator, oracle.functions.appeal(job, signers[:1]), "Oracle: signers differ from the job's report", value=bond)
    assert oracle.functions.appealDeadline(job).call() == 0
    r = transact(w3, operator, appeal, value=bond, gas=1_000_000)
    (opened,) = events(oracle, r, "AppealOpened")
    assert opened["juryStake"] == 300 * ATH and opened["bond"] == bond and opened["verdict"] == INVALID
    assert opened["deadline"] == r.blockNumber + params.functions.get("appealBlocks").call()
    assert escrow.functions.appealBond(job).call() == bond
    refused(w3, operator, appeal, "Oracle: this job was appealed already", value=bond)
    # The verdict's signers cannot sit on the jury, nor add late signatures.
    refused(w3, bank, oracle.functions.submitReport(job, root, INVALID, 0, 2, attestations(w3, cheats, job, root, INVALID, 0, 2)),
            "Oracle: a signer of the appealed report cannot sit on its jury")
    refused(w3, bank, oracle.functions.submitLateSignatures(job, signers, attestations(w3, honest[:1], job, root, INVALID, 0, 1)),
            "Oracle: the job was appealed")
    # A third of the jury is no majority; its first round is stale.
    refused(w3, bank, oracle.functions.submitReport(job, root, VALID, 64, 2, attestations(w3, honest[:1], job, root, VALID, 64, 2)),
            "Oracle: the appeal jury's majority not reached")
    refused(w3, bank, oracle.functions.submitReport(job, root, VALID, 64, 1, attestations(w3, honest, job, root, VALID, 64, 1)),
            "Oracle: report round is not newer than the last")
    r = submit_report(w3, keys[9], honest[:2], job, root, VALID, 64, round_=2)
    (decided,) = events(oracle, r, "AppealDecided")
    assert decided["verdict"] == VALID and decided["overturned"] and len(decided["jurors"]) == 2
    assert job_state(w3, job)[7] == VALID and oracle.functions.appealDecided(job).call()
    # The decided appeal takes no further round.
    refused(w3, bank, oracle.functions.submitReport(job, root, INVALID, 0, 3, attestations(w3, cheats + honest, job, root, INVALID, 0, 3)),
            "Escrow: job is not awaiting settlement")
    # The jury's VALID is held for a fresh window, then paid with the bond.
    assert escrow.functions.releaseBlock(job).call() == r.blockNumber + params.functions.get("challengeWindowBlocks").call()
    op_balance = w3.eth.get_balance(operator.address)
    customer_before = w3.eth.get_balance(customer.address)
    wait_released(w3, job)
    fee = price * params.functions.get("protocolFeeBps").call() // 10_000
    assert w3.eth.get_balance(operator.address) == op_balance + price - fee + bond
    assert w3.eth.get_balance(customer.address) == customer_before
    assert staking.functions.operators(operator.address).call()[4] == op_stake
    assert escrow.functions.appealBond(job).call() == 0


def test_appeals_outside_the_rules_are_refused_and_change_nothing(w3, keys):
    """Hostile appeals: against a VALID verdict (that takes a fraud proof),
    on a job still awaiting its result, after the verdict's window closed;
    and Escrow's appeal entry points called by anyone but the Oracle. Each
    is refused with its reason; no appeal opens and no bond is taken."""
    escrow, oracle, params = contract(w3, "Escrow"), contract(w3, "Oracle"), contract(w3, "Params")
    honest, operator, customer, stranger = keys[2:5], keys[1], keys[6], keys[8]
    bond = params.functions.get("appealBond").call()

    def job_with(verdict=None, commit=True):
        job = create_gemm(w3, customer, operator.address, spec(16, 16, 16, secrets.token_bytes(32)), ATH)
        transact(w3, operator, escrow.functions.acceptJob(job))
        if commit:
            transact(w3, operator, escrow.functions.commitResult(job, b"\x55" * 32))
        signers = []
        if verdict is not None:
            signers = signers_of(w3, submit_report(w3, keys[9], honest[:2], job, b"\x55" * 32, verdict, 16 if verdict == VALID else 0))
        return job, signers

    valid, signers = job_with(VALID)
    refused(w3, operator, oracle.functions.appeal(valid, signers),
            "Oracle: a VALID verdict is disputed with a fraud proof (proveFraud), not an appeal", value=bond)
    accepted, _ = job_with(commit=False)
    refused(w3, operator, oracle.functions.appeal(accepted, []),
            "Oracle: only an INVALID or UNAVAILABLE verdict, or a committed job without a report, can be appealed")
    refused(w3, stranger, escrow.functions.holdForAppeal(valid, w3.eth.block_number + 100),
            "Escrow: only the Oracle may hold a job for appeal", value=1)
    refused(w3, stranger, escrow.functions.decideAppeal(valid, INVALID, 0), "Escrow: only the Oracle may decide appeals")
    assert job_state(w3, valid)[7] == VALID and escrow.functions.heldPrice(valid).call() == ATH

    late, signers = job_with(INVALID)
    wait_for_block(w3, escrow.functions.releaseBlock(late).call() + 1)
    before = w3.eth.get_balance(operator.address)
    refused(w3, operator, oracle.functions.appeal(late, signers), "Oracle: the verdict's challenge window has closed", value=bond)
    for job in (valid, accepted, late):
        assert oracle.functions.appealDeadline(job).call() == 0 and escrow.functions.appealBond(job).call() == 0
    # Only the refused transaction's gas left the operator's account: the
    # bond came back with the revert.
    spent = before - w3.eth.get_balance(operator.address)
    assert 0 < spent < 10**16


def test_appeals_without_a_jury_or_a_verdict_keep_the_first_one(w3, keys):
    """An appeal nobody can hear is refused before the bond is taken; an
    appeal the jury upholds, or leaves unanswered past its deadline, keeps
    the verdict: the customer is refunded, the operator slashed, and the
    bond goes to the treasury."""
    escrow, oracle, params = contract(w3, "Escrow"), contract(w3, "Oracle"), contract(w3, "Params")
    honest, operator, customer = keys[2:5], keys[1], keys[6]
    bond = params.functions.get("appealBond").call()
    required = contract(w3, "Staking").functions.requiredStake(operator.address).call()
    penalty = required * params.functions.get("operatorDowntimePenaltyBps").call() // 10_000

    def unavailable_job(signers, operator=operator):
        job = create_gemm(w3, customer, operator.address, spec(16, 16, 16, secrets.token_bytes(32)), ATH)
        transact(w3, operator, escrow.functions.acceptJob(job))
        transact(w3, operator, escrow.functions.commitResult(job, b"\x33" * 32))
        r = submit_report(w3, keys[9], signers, job, b"\0" * 32, UNAVAILABLE, 0)
        return job, signers_of(w3, r)

    # Every staked checker signed: nobody is left to hear an appeal.
    job, signers = unavailable_job(honest)
    before = w3.eth.get_balance(operator.address)
    r = send(w3, operator, oracle.functions.appeal(job, signers), value=bond, gas=1_000_000)
    assert r.status == 0 and oracle.functions.appealDeadline(job).call() == 0
    assert "no stake is left to hear an appeal" in revert_reason(w3, operator, oracle.functions.appeal(job, signers), value=bond)
    assert w3.eth.get_balance(operator.address) == before - r.gasUsed * r.effectiveGasPrice

    # Upheld: the jury (the one checker that did not sign) agrees.
    job, signers = unavailable_job(honest[:2])
    transact(w3, operator, oracle.functions.appeal(job, signers), value=bond, gas=1_000_000)
    treasury = w3.eth.get_balance(ADDRESS["Governance"])
    customer_before = w3.eth.get_balance(customer.address)
    r = submit_report(w3, keys[9], honest[2:], job, b"\0" * 32, UNAVAILABLE, 0, round_=2)
    (decided,) = events(oracle, r, "AppealDecided")
    assert decided["verdict"] == UNAVAILABLE and not decided["overturned"]
    (refund,) = events(escrow, r, "RefundReleased")
    (slash,) = events(contract(w3, "Slashing"), r, "OperatorSlashed")
    assert refund["refund"] == ATH and slash["slashed"] == refund["operatorSlashed"] == penalty
    assert w3.eth.get_balance(customer.address) == customer_before + ATH
    assert w3.eth.get_balance(ADDRESS["Governance"]) >= treasury + bond

    # Unanswered: past the deadline the jury is refused and the verdict
    # released. (The slash above left the dev operator below its required
    # stake, so a fresh one takes this job.)
    operator = fund(w3, keys[7], 520 * ATH)
    register_operator(w3, operator)
    job, signers = unavailable_job(honest[:2], operator)
    r = transact(w3, operator, oracle.functions.appeal(job, signers), value=bond, gas=1_000_000)
    (opened,) = events(oracle, r, "AppealOpened")
    assert escrow.functions.releaseBlock(job).call() >= opened["deadline"]
    wait_for_block(w3, opened["deadline"] + 1)
    refused(w3, keys[9], oracle.functions.submitReport(job, b"\0" * 32, VALID, 0, 2,
                                                       attestations(w3, honest[2:], job, b"\0" * 32, VALID, 0, 2)),
            "Oracle: the appeal's deadline has passed")
    stake = contract(w3, "Staking").functions.operators(operator.address).call()[4]
    customer_before = w3.eth.get_balance(customer.address)
    treasury = w3.eth.get_balance(ADDRESS["Governance"])
    wait_released(w3, job)
    assert w3.eth.get_balance(customer.address) == customer_before + ATH
    assert contract(w3, "Staking").functions.operators(operator.address).call()[4] == stake - penalty
    assert w3.eth.get_balance(ADDRESS["Governance"]) >= treasury + bond + penalty
    assert escrow.functions.appealBond(job).call() == 0


def test_a_committed_job_without_a_report_goes_to_appeal_not_to_a_free_refund(w3, keys):
    """Attack 3's last door: a committed job nobody reports on is not simply
    refunded two epochs after its deadline. It goes to an appeal first
    (customer or operator, no bond), heard by the majority of the checker
    stake; only if the jury gives no verdict by its deadline is the customer
    refunded, and then the operator is not slashed."""
    escrow, oracle, params = contract(w3, "Escrow"), contract(w3, "Oracle"), contract(w3, "Params")
    honest, operator, customer, stranger = keys[2:5], keys[1], keys[6], keys[8]
    length = params.functions.get("epochLength").call()

    def committed_job():
        job = create_gemm(w3, customer, operator.address, spec(16, 16, 16, secrets.token_bytes(32)), ATH, deadline_in=10)
        transact(w3, operator, escrow.functions.acceptJob(job))
        transact(w3, operator, escrow.functions.commitResult(job, b"\x44" * 32))
        return job, job_state(w3, job)[4]

    job, deadline = committed_job()
    wait_for_block(w3, deadline + 2 * length + 1)
    refused(w3, customer, escrow.functions.reclaim(job), "Escrow: a committed job without a report goes to appeal first")
    refused(w3, stranger, oracle.functions.appeal(job, []), "Oracle: only the job's customer or operator may appeal it")
    refused(w3, customer, oracle.functions.appeal(job, []), "takes no bond", value=1)
    r = transact(w3, customer, oracle.functions.appeal(job, []), gas=1_000_000)
    (opened,) = events(oracle, r, "AppealOpened")
    assert opened["juryStake"] == 300 * ATH and opened["bond"] == 0 and opened["verdict"] == 0
    # One checker of three is no majority; two are, and the job settles.
    refused(w3, keys[9], oracle.functions.submitReport(job, b"\x44" * 32, VALID, 16, 1,
                                                       attestations(w3, honest[:1], job, b"\x44" * 32, VALID, 16, 1)),
            "Oracle: the appeal jury's majority not reached")
    r = submit_report(w3, keys[9], honest[1:], job, b"\x44" * 32, VALID, 16)
    (decided,) = events(oracle, r, "AppealDecided")
    assert decided["verdict"] == VALID and not decided["overturned"]
    assert job_state(w3, job)[9] == 4
    refused(w3, customer, escrow.functions.reclaim(job), "Escrow: job is not reclaimable")
    before = w3.eth.get_balance(operator.address)
    wait_released(w3, job)
    assert w3.eth.get_balance(operator.address) > before

    # Too early, then unanswered: the customer gets the price back, the
    # operator keeps its stake.
    job, deadline = committed_job()
    refused(w3, operator, oracle.functions.appeal(job, []),
            f"Oracle: a committed job awaits its report until block {deadline + 2 * length}")
    wait_for_block(w3, deadline + 2 * length + 1)
    r = transact(w3, operator, oracle.functions.appeal(job, []), gas=1_000_000)
    (opened,) = events(oracle, r, "AppealOpened")
    refused(w3, customer, escrow.functions.reclaim(job), "Escrow: a committed job without a report goes to appeal first")
    wait_for_block(w3, opened["deadline"] + 1)
    stake = contract(w3, "Staking").functions.operators(operator.address).call()[4]
    before = w3.eth.get_balance(customer.address)
    r = transact(w3, customer, escrow.functions.reclaim(job))
    assert w3.eth.get_balance(customer.address) == before + ATH - r.gasUsed * r.effectiveGasPrice
    assert not events(contract(w3, "Slashing"), r, "OperatorSlashed")
    assert contract(w3, "Staking").functions.operators(operator.address).call()[4] == stake


def test_fraud_proof_gas_stays_below_two_million_at_k_16384(w3, keys):
    """The acceptance figure: a fraud proof on a 4096×4096 result with
    k = 16384 (the largest k the chain takes), measured."""
    escrow, oracle = contract(w3, "Escrow"), contract(w3, "Oracle")
    operator, customer = keys[1], keys[6]
    m = n = 4096
    k = 16384
    seed = secrets.token_bytes(32)
    job_spec = spec(m, n, k, seed)
    job = create_gemm(w3, customer, operator.address, job_spec, 5 * ATH)
    garbage = Garbage(m, n, k, seed)
    transact(w3, operator, escrow.functions.acceptJob(job))
    transact(w3, operator, escrow.functions.commitResult(job, garbage.root))
    r = submit_report(w3, keys[9], keys[2:5], job, garbage.root, VALID, 256)
    call = oracle.functions.proveFraud(job, job_spec, garbage.i, garbage.bad, garbage.row, garbage.proof, signers_of(w3, r))
    r = transact(w3, keys[8], call, gas=3_000_000)
    print(f"\nfraud proof at m = n = 4096, k = 16384: {r.gasUsed:,} gas used")
    assert r.gasUsed < 2_000_000


def test_job_value_above_the_checker_stake_cap_is_refused(w3, keys):
    """A bound on what a bought quorum could steal: jobs at stake may not
    exceed jobValueCapBps of the checker stake (300 ATH on the devnet)."""
    escrow = contract(w3, "Escrow")
    cap = contract(w3, "Staking").functions.totalCheckerStake().call() * \
        contract(w3, "Params").functions.get("jobValueCapBps").call() // 10_000
    assert cap == 150 * ATH
    call = escrow.functions.createJobWithSpec(spec(8, 8, 8, b"\x01" * 32), keys[1].address, w3.eth.block_number + 50)
    refused(w3, keys[6], call, "Escrow: jobs at stake would exceed the cap of 150000000000000000000 wei", value=cap + 1)
    assert escrow.functions.valueAtStake().call() == 0
    transact(w3, keys[6], call, value=cap, gas=600_000)
    assert escrow.functions.valueAtStake().call() == cap
    refused(w3, keys[6], call, "Escrow: jobs at stake would exceed the cap", value=1)


# ---------------------------------------------------------------- attack 3

def test_oversized_jobs_are_refused_on_chain(w3, keys):
    """Attack 3 (size): a job the checkers could not verify never reaches a worker."""
    escrow = contract(w3, "Escrow")
    deadline = w3.eth.block_number + 50
    for dims, text in [((16384, 16384, 16384), "at most 2^27 entries"), ((16385, 1, 1), "dimensions must be 1 to 16384"),
                       ((0, 4, 4), "dimensions must be 1 to 16384")]:
        call = escrow.functions.createJobWithSpec(spec(*dims, b"\x02" * 32), keys[1].address, deadline)
        refused(w3, keys[6], call, text, value=ATH)
    bad_rounds = spec(8, 8, 8, b"\x02" * 32, rounds=0)
    refused(w3, keys[6], escrow.functions.createJobWithSpec(bad_rounds, keys[1].address, deadline), "rounds must be 1 to 64",
            value=ATH)
    refused(w3, keys[6], escrow.functions.createJobWithSpec(spec(8, 8, 8, b"\x02" * 32)[:160], keys[1].address, deadline),
            "six 32-byte words", value=ATH)
    assert escrow.functions.jobCount().call() == 0


def test_one_wei_jobs_below_the_operator_minimum_are_refused(w3, keys):
    """Attack 3 (price): an operator's minimum price per work unit holds on chain."""
    escrow = contract(w3, "Escrow")
    operator = keys[1]
    transact(w3, operator, escrow.functions.setJobMinPrice(10**15))
    job = create_gemm(w3, keys[6], ZERO, spec(1024, 1024, 1024, b"\x03" * 32), 1)       # 1024 work units, 1 wei
    refused(w3, operator, escrow.functions.acceptJob(job), "Escrow: job price below the operator's minimum per work unit")
    assert job_state(w3, job)[9] == 1
    job = create_gemm(w3, keys[6], ZERO, spec(1024, 1024, 1024, b"\x03" * 32), 1024 * 10**15)
    transact(w3, operator, escrow.functions.acceptJob(job))
    assert job_state(w3, job)[9] == 2
    refused(w3, keys[5], escrow.functions.setJobMinPrice(1), "Escrow: only an active operator may set job terms")


# ---------------------------------------------------------------- attack 4

def test_open_job_squatting_is_slashed(w3, keys):
    """Attack 4: an operator that accepts a job and never commits pays the
    downtime penalty when the customer reclaims."""
    staking, escrow = contract(w3, "Staking"), contract(w3, "Escrow")
    squatter = fund(w3, keys[7], 101 * ATH)
    transact(w3, squatter, staking.functions.registerOperator("GPU", 1, 16, "http://127.0.0.1:9"), value=100 * ATH,
             gas=500_000)
    job = create_gemm(w3, keys[6], ZERO, spec(8, 8, 8, b"\x04" * 32), ATH, deadline_in=8)
    transact(w3, squatter, escrow.functions.acceptJob(job))
    wait_for_block(w3, job_state(w3, job)[4] + 1)
    r = transact(w3, keys[6], escrow.functions.reclaim(job))
    (slash,) = events(contract(w3, "Slashing"), r, "OperatorSlashed")
    assert slash["reason"] == 4 and slash["slashed"] == 100 * ATH * 3_333 // 10_000
    assert staking.functions.operators(squatter.address).call()[4] == 100 * ATH - slash["slashed"]


# ---------------------------------------------------------------- attack 6 and 7

def test_validator_registry_cannot_be_filled_with_dust(w3, keys):
    """Attacks 6 and 7: a consensus key is bound only with a proof of
    possession for the registering account; unbonding below
    validatorMinStake leaves the registry and frees the key."""
    staking = contract(w3, "Staking")
    from Crypto.PublicKey import ECC
    from Crypto.Signature import eddsa
    v = fund(w3, keys[7], 1_001 * ATH)
    secret = ECC.construct(curve="Ed25519", seed=keccak256(b"registry test key"))
    key = secret.public_key().export_key(format="raw")
    proof = eddsa.new(secret, "rfc8032").sign(staking.functions.popDigest(v.address, key).call())
    # Someone else cannot bind the key (attack 6): the proof is for v's account.
    squatter = fund(w3, keys[7], 1_001 * ATH)
    refused(w3, squatter, staking.functions.registerValidator(key, 500, proof),
            "Staking: the proof of possession does not verify", value=1_000 * ATH)
    transact(w3, v, staking.functions.registerValidator(key, 500, proof), value=1_000 * ATH, gas=800_000)
    count = staking.functions.validatorCount().call()
    assert staking.functions.keyOwner(key).call() == v.address
    transact(w3, v, staking.functions.unbond(1, ZERO, 1_000 * ATH - 1), gas=800_000)
    assert staking.functions.validatorCount().call() == count - 1
    assert not staking.functions.validators(v.address).call()[7]
    assert staking.functions.keyOwner(key).call() == ZERO


# ---------------------------------------------------------------- attack 12

def test_self_delegation_shares_the_slash(w3, keys):
    """Attack 12: a validator that delegates to itself from a second account
    (power it hoped to risk nothing on) loses the same fraction of the
    delegation as of its self stake, and so does every other delegator.
    Here the validator never signs, so it is jailed for downtime and loses
    downtimeSlashBps of both; a delegation unbonded before the infraction
    keeps all of it; no delegator can take out more than what is left."""
    staking, slashing, params = contract(w3, "Staking"), contract(w3, "Slashing"), contract(w3, "Params")
    from Crypto.PublicKey import ECC
    from Crypto.Signature import eddsa
    window, bps, epoch_length = (params.functions.get(n).call() for n in ("downtimeWindow", "downtimeSlashBps", "epochLength"))
    v, own, other = fund(w3, keys[7], 1_001 * ATH), fund(w3, keys[8], 6_001 * ATH), fund(w3, keys[6], 1_001 * ATH)
    secret = ECC.construct(curve="Ed25519", seed=keccak256(b"self delegation test key"))
    key = secret.public_key().export_key(format="raw")
    proof = eddsa.new(secret, "rfc8032").sign(staking.functions.popDigest(v.address, key).call())
    registered = transact(w3, v, staking.functions.registerValidator(key, 0, proof), value=1_000 * ATH, gas=800_000)
    transact(w3, own, staking.functions.delegate(v.address), value=6_000 * ATH, gas=500_000)
    transact(w3, other, staking.functions.delegate(v.address), value=1_000 * ATH, gas=500_000)
    transact(w3, other, staking.functions.unbond(4, v.address, 400 * ATH), gas=500_000)   # leaves before any infraction
    treasury = Web3.to_checksum_address(ADDRESS["Governance"])
    before = w3.eth.get_balance(treasury)

    joined = (registered.blockNumber // epoch_length + 1) * epoch_length
    wait_for_block(w3, joined + window + 2, timeout=120)
    assert slashing.functions.jailed(v.address).call(), slashing.functions.signingInfo(v.address).call()
    cut = lambda x: x * bps // 10_000
    assert bps > 0
    assert staking.functions.validators(v.address).call()[2] == 1_000 * ATH - cut(1_000 * ATH)
    assert staking.functions.delegation(v.address, own.address).call() == 6_000 * ATH - cut(6_000 * ATH)
    assert staking.functions.delegation(v.address, other.address).call() == 600 * ATH - cut(600 * ATH)
    assert staking.functions.validators(v.address).call()[3] == 6_600 * ATH - cut(6_600 * ATH)
    assert w3.eth.get_balance(treasury) - before == cut(1_000 * ATH) + cut(6_600 * ATH)
    (entry,) = staking.functions.unbondingEntries(other.address).call()
    assert (entry[0], entry[1], entry[4]) == (4, 400 * ATH, v.address)

    # The self-delegating account cannot leave with its pre-slash amount;
    # it leaves with what is left, and keeps no governance weight for the rest.
    refused(w3, own, staking.functions.unbond(4, v.address, 6_000 * ATH), "Staking: amount exceeds the delegation")
    transact(w3, own, staking.functions.unbond(4, v.address, 6_000 * ATH - cut(6_000 * ATH)), gas=500_000)
    assert staking.functions.delegation(v.address, own.address).call() == 0
    assert staking.functions.bonded(own.address).call() == 0


# ---------------------------------------------------------------- attack 8

def test_governance_cannot_be_bricked_or_captured(w3, keys):
    """Attack 8: every parameter has a realistic range; a misspelt name or
    an out-of-range value is refused by propose (the deposit never locks);
    stake bonded in the proposal's block does not vote."""
    params, gov, staking = contract(w3, "Params"), contract(w3, "Governance"), contract(w3, "Staking")
    for name, value in [("govMinDeposit", 2**256 - 1), ("govQuorumBps", 10_000), ("unbondingBlocks", 2**200),
                        ("jailBlocks", 10**12), ("blockReward", 10**30), ("validatorMinStake", 0),
                        ("checkerMinStake", 0), ("govVotingBlocks", 10**9)]:
        lo, hi = params.functions.bounds(name).call()
        assert not (lo <= value <= hi), name
        data = params.encode_abi("set", [name, value])
        reason = revert_reason(w3, keys[5], gov.functions.propose(ADDRESS["Params"], 0, data, "brick"), value=100 * ATH)
        assert f"Governance: {name} must be from {lo} to {hi}" in reason, reason
    data = params.encode_abi("set", ["unbondingBlock", 100])
    refused(w3, keys[5], gov.functions.propose(ADDRESS["Params"], 0, data, "typo"),
            "Governance: Params has no parameter named unbondingBlock", value=100 * ATH)
    assert gov.functions.proposalCount().call() == 0
    assert params.functions.get("unbondingBlocks").call() >= params.functions.get("challengeWindowBlocks").call()

    # Stake bonded in the proposal's own block weighs nothing on it.
    data = params.encode_abi("set", ["protocolFeeBps", 1_000])
    r = transact(w3, keys[5], gov.functions.propose(ADDRESS["Params"], 0, data, "fee"), value=100 * ATH, gas=800_000)
    (submitted,) = events(gov, r, "ProposalSubmitted")
    pid = submitted["proposalId"]
    whale = fund(w3, keys[7], 2_001 * ATH)
    transact(w3, whale, staking.functions.registerChecker("http://127.0.0.1:9"), value=2_000 * ATH, gas=500_000)
    wait_for_block(w3, gov.functions.proposal(pid).call()[8] + 1)   # votingStartBlock
    refused(w3, whale, gov.functions.vote(pid, 1), "Governance: no stake at the proposal's snapshot")


def test_defaults_are_days_at_one_second_blocks(w3):
    """Attack 16: the defaults assume 1 s blocks (devnet overrides aside)."""
    params = contract(w3, "Params")
    day = 86_400
    # the devnet overrides unbonding (30 blocks); its bounds show the default's scale
    assert params.functions.bounds("unbondingBlocks").call() == [10, 90 * day]
    assert params.functions.bounds("challengeWindowBlocks").call() == [1, 30 * day]


# ---------------------------------------------------------------- attack 10

def test_shrinking_gpus_after_acceptance_does_not_shrink_the_penalty(w3, keys):
    """Attack 10: the penalty base is the required stake at acceptance (four
    class-2 GPUs), not the one class-0 GPU it re-registers as."""
    staking, escrow = contract(w3, "Staking"), contract(w3, "Escrow")
    op = fund(w3, keys[7], 8_200 * ATH)
    transact(w3, op, staking.functions.registerOperator("GPU", 4, 141, "http://127.0.0.1:9"), value=8_000 * ATH,
             gas=500_000)
    job = create_gemm(w3, keys[6], op.address, spec(8, 8, 8, b"\x0a" * 32), ATH)
    transact(w3, op, escrow.functions.acceptJob(job))
    transact(w3, op, escrow.functions.commitResult(job, b"\x0a" * 32))
    assert escrow.functions.acceptStake(job).call() == 8_000 * ATH
    # Leave and come back as one class-0 GPU with 100 ATH.
    transact(w3, op, staking.functions.unbond(2, ZERO, 8_000 * ATH))
    transact(w3, op, staking.functions.registerOperator("GPU", 1, 8, "http://127.0.0.1:9"), value=100 * ATH, gas=500_000)
    assert staking.functions.requiredStake(op.address).call() == 100 * ATH
    submit_report(w3, keys[9], keys[2:5], job, b"\x0a" * 32, INVALID, 0)
    assert staking.functions.operators(op.address).call()[4] == 100 * ATH     # held: applied when the window closes
    wait_released(w3, job)
    # 100% of the 8,000 ATH it accepted with: its 100 ATH bonded, then
    # 7,900 of the 8,000 unbonding.
    assert staking.functions.operators(op.address).call()[4] == 0
    assert sum(e[1] for e in staking.functions.unbondingEntries(op.address).call()) == 100 * ATH


# ---------------------------------------------------------------- attack 11

def test_lease_slots_cannot_be_griefed_with_one_block_deposits(w3, keys):
    """Attack 11: a lease deposit must cover an epoch."""
    escrow = contract(w3, "Escrow")
    length = contract(w3, "Params").functions.get("epochLength").call()
    price = 10**12
    refused(w3, keys[6], escrow.functions.openLease(keys[1].address, price), "Escrow: deposit must cover at least one epoch",
            value=price)
    assert escrow.functions.leaseCount().call() == 0
    transact(w3, keys[6], escrow.functions.openLease(keys[1].address, price), value=price * length, gas=800_000)
    assert escrow.functions.leaseCount().call() == 1


# ---------------------------------------------------------------- attack 13

def test_wash_jobs_farm_no_emissions(w3, keys):
    """Attack 13: the compute pool is shared by fees paid; a 1-wei job earns
    nothing, whatever its work units."""
    staking, escrow = contract(w3, "Staking"), contract(w3, "Escrow")
    job = create_gemm(w3, keys[6], keys[1].address, spec(8, 8, 8, b"\x0d" * 32), 1)
    transact(w3, keys[1], escrow.functions.acceptJob(job))
    transact(w3, keys[1], escrow.functions.commitResult(job, b"\x0d" * 32))
    r = submit_report(w3, keys[9], keys[2:5], job, b"\x0d" * 32, VALID, 10**6)
    assert events(staking, r, "WorkUnitsRecorded") == []
    job = create_gemm(w3, keys[6], keys[1].address, spec(8, 8, 8, b"\x0e" * 32), ATH)
    transact(w3, keys[1], escrow.functions.acceptJob(job))
    transact(w3, keys[1], escrow.functions.commitResult(job, b"\x0e" * 32))
    r = submit_report(w3, keys[9], keys[2:5], job, b"\x0e" * 32, VALID, 1)
    (rec,) = events(staking, r, "WorkUnitsRecorded")
    assert rec["units"] == ATH * 2_000 // 10_000            # the protocol fee paid, not the claimed units


# ---------------------------------------------------------------- attack 15

def test_priority_fees_reach_the_proposers_staking_account(w3, keys):
    """Attack 15: the block's miner is dev account 0 (the validator's Staking
    account, a key someone holds), not an address derived from its ed25519
    key, and the tip lands in its balance. (Attack 14, a failing mintReward,
    cannot be forced on the devnet's Staking: ProtocolHooksTests runs it
    against a Staking whose mintReward reverts.)"""
    validator = keys[0]
    before = w3.eth.get_balance(validator.address)
    tx = {"from": keys[5].address, "to": keys[6].address, "value": 1, "chainId": w3.eth.chain_id, "gas": 21_000,
          "nonce": w3.eth.get_transaction_count(keys[5].address, "pending"),
          "maxFeePerGas": 10 * 10**9, "maxPriorityFeePerGas": 3 * 10**9}
    h = w3.eth.send_raw_transaction(keys[5].sign_transaction(tx).raw_transaction)
    r = w3.eth.wait_for_transaction_receipt(h, timeout=30)
    block = w3.eth.get_block(r.blockNumber)
    assert block.miner == validator.address
    tip = r.gasUsed * (r.effectiveGasPrice - block.baseFeePerGas)
    assert tip == 21_000 * 3 * 10**9
    wait_for_block(w3, r.blockNumber + 2)
    assert w3.eth.get_balance(validator.address) - before == tip      # nothing else pays dev account 0
    assert w3.eth.get_block(r.blockNumber + 1).miner == validator.address


# ---------------------------------------------------------------- attack 5

def test_transmitter_cannot_choose_who_is_paid(w3, keys):
    """Attack 5: a transmitter that leaves an agreeing checker out of the
    report cannot cut its reward: the checker adds its signature within the
    window and earns the same share; replays, outsiders and late arrivals
    are refused and change nothing."""
    escrow, oracle, staking = contract(w3, "Escrow"), contract(w3, "Oracle"), contract(w3, "Staking")
    job = create_gemm(w3, keys[6], keys[1].address, spec(8, 8, 8, b"\x05" * 32), ATH)
    transact(w3, keys[1], escrow.functions.acceptJob(job))
    transact(w3, keys[1], escrow.functions.commitResult(job, b"\x05" * 32))
    first = sorted(keys[2:4], key=lambda a: int(a.address, 16))
    r = submit_report(w3, keys[9], first, job, b"\x05" * 32, VALID, 1)
    recorded = signers_of(w3, r)
    assert keys[4].address not in recorded
    (left_out,) = attestations(w3, [keys[4]], job, b"\x05" * 32, VALID, 1, 1)
    (outsider,) = attestations(w3, [keys[7]], job, b"\x05" * 32, VALID, 1, 1)
    (replayed,) = attestations(w3, [keys[2]], job, b"\x05" * 32, VALID, 1, 1)
    refused(w3, keys[9], oracle.functions.submitLateSignatures(job, recorded, [outsider]),
            "Oracle: signer is not an active checker")
    refused(w3, keys[9], oracle.functions.submitLateSignatures(job, recorded, [replayed]),
            "Oracle: signer already counted for this report")
    refused(w3, keys[9], oracle.functions.submitLateSignatures(job, recorded[:1], [left_out]),
            "Oracle: signers differ from the job's report")
    r = transact(w3, keys[4], oracle.functions.submitLateSignatures(job, recorded, [left_out]), gas=500_000)
    (rewarded,) = events(staking, r, "CheckersRewarded")
    assert list(rewarded["checkers"]) == [keys[4].address]
    refused(w3, keys[9], oracle.functions.submitLateSignatures(job, recorded + [keys[4].address], [left_out]),
            "Oracle: signer already counted for this report")
    window = contract(w3, "Params").functions.get("challengeWindowBlocks").call()
    wait_for_block(w3, oracle.functions.reportBlock(job).call() + window + 1)
    refused(w3, keys[9], oracle.functions.submitLateSignatures(job, recorded + [keys[4].address], [outsider]),
            "Oracle: the window for late signatures has closed")


# ---------------------------------------------------------------- attack 2

ATTESTATION_TYPEHASH = keccak256(b"Attestation(uint256 jobId,bytes32 resultRoot,uint8 verdict,uint256 workUnits,uint256 round)")
UPTIME_TYPEHASH = keccak256(b"Uptime(address operator,uint256 epoch,uint256 uptimeBps,uint256 round)")


class FastSigner:
    """EIP-712 signatures of Oracle statements with libsecp256k1 (coincurve):
    a flood needs 100,000 of them."""

    def __init__(self, account, domain_separator):
        import coincurve
        self.key = coincurve.PrivateKey(bytes(account.key))
        self.domain = bytes(domain_separator)

    def sign(self, struct):
        digest = keccak256(b"\x19\x01" + self.domain + keccak256(struct))
        sig = self.key.sign_recoverable(digest, hasher=None)
        return "0x" + (sig[:64] + bytes([sig[64] + 27])).hex()

    def job(self, job_id, root, verdict, units, round_):
        sig = self.sign(encode(["bytes32", "uint256", "bytes32", "uint8", "uint256", "uint256"],
                               [ATTESTATION_TYPEHASH, job_id, root, verdict, units, round_]))
        return ("ath_submitAttestation", {"jobId": hex(job_id), "resultRoot": "0x" + bytes(root).hex(), "verdict": hex(verdict),
                                          "workUnits": hex(units), "round": hex(round_), "signature": sig})

    def uptime(self, operator, epoch, bps, round_):
        sig = self.sign(encode(["bytes32", "address", "uint256", "uint256", "uint256"],
                               [UPTIME_TYPEHASH, operator, epoch, bps, round_]))
        return ("ath_submitUptimeAttestation", {"operator": operator, "epoch": hex(epoch), "uptimeBps": hex(bps),
                                                "round": hex(round_), "signature": sig})


def rpc_batch(url, calls):
    """Sends `calls` [(method, params object)] as one JSON-RPC batch; the answers."""
    import json
    import urllib.request
    body = json.dumps([{"jsonrpc": "2.0", "id": i, "method": m, "params": [p]} for i, (m, p) in enumerate(calls)]).encode()
    req = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as resp:
        return json.loads(resp.read())


def test_attestation_pool_flood_does_not_delay_honest_jobs(dev, w3, keys):
    """Attack 2: one staked checker sends 100,000 signed attestations (uptime
    for random addresses, duplicates and conflicting rounds of real
    subjects, jobs that do not exist); an honest job committed meanwhile
    settles within 10 blocks of its commitment through the node's oracle."""
    import random
    import threading
    escrow, oracle = contract(w3, "Escrow"), contract(w3, "Oracle")
    domain = oracle.functions.domainSeparator().call()
    hostile = fund(w3, keys[7], 101 * ATH)
    register_checker(w3, hostile, 100 * ATH)
    flood = FastSigner(hostile, domain)
    rng = random.Random(2)
    length = contract(w3, "Params").functions.get("epochLength").call()
    epoch = max(w3.eth.block_number // length - 1, 0)
    job = create_gemm(w3, keys[6], keys[1].address, spec(8, 8, 8, b"\x02" * 32), ATH)
    transact(w3, keys[1], escrow.functions.acceptJob(job))

    calls = []
    for _ in range(70_000):                                    # uptime for random addresses
        calls.append(flood.uptime(Web3.to_checksum_address(rng.randbytes(20)), epoch, rng.randrange(10_001), 1))
    for r in range(10_000):                                    # the real operator, every round and value
        calls.append(flood.uptime(keys[1].address, epoch, rng.randrange(10_001), 1 + r % 12))
    for r in range(10_000):                                    # the honest job: conflicting rounds
        calls.append(flood.job(job, rng.randbytes(32), rng.choice([1, 2, 3]), rng.randrange(100), 1 + r % 12))
    for _ in range(5_000):                                     # jobs that do not exist
        calls.append(flood.job(rng.randrange(10**6, 10**9), rng.randbytes(32), 1, 1, 1))
    calls += calls[-5_000:]                                    # and duplicates of those
    assert len(calls) == 100_000
    rng.shuffle(calls)
    answers = {"ok": 0, "refused": 0}
    half = len(calls) // 2

    def send(part):
        for start in range(0, len(part), 1000):
            for a in rpc_batch(dev.url, part[start:start + 1000]):
                answers["ok" if "result" in a else "refused"] += 1

    send(calls[:half])
    r_commit = transact(w3, keys[1], escrow.functions.commitResult(job, b"\x22" * 32))
    sender = threading.Thread(target=send, args=(calls[half:],))
    sender.start()
    for k in keys[2:5]:
        honest = FastSigner(k, domain)
        (answer,) = rpc_batch(dev.url, [honest.job(job, b"\x22" * 32, VALID, 1, 1)])
        assert "result" in answer, answer
    sender.join()
    settled = escrow.events.JobSettled().get_logs(from_block=r_commit.blockNumber, argument_filters={"jobId": job})
    deadline_block = r_commit.blockNumber + 10
    while not settled and w3.eth.block_number <= deadline_block + 2:
        settled = escrow.events.JobSettled().get_logs(from_block=r_commit.blockNumber, argument_filters={"jobId": job})
    assert settled, f"job {job} was not settled by block {w3.eth.block_number} (committed in {r_commit.blockNumber})"
    print(f"\nflood: {answers['ok']:,} pooled, {answers['refused']:,} refused; committed in block "
          f"{r_commit.blockNumber}, settled in block {settled[0].blockNumber}")
    assert settled[0].args["verdict"] == VALID
    assert settled[0].blockNumber - r_commit.blockNumber <= 10
    assert answers["ok"] + answers["refused"] == 100_000
    assert answers["ok"] <= 4_096                              # the per-checker quota


# ---------------------------------------------------------------- attack 9

def test_partial_outages_are_refunded_on_the_median(w3, keys):
    """Attack 9: checkers measure a partial outage differently (93%, 94%,
    98%) and a hostile checker claims 100%; the stake-weighted median (94%)
    settles the epoch and the lease customer is refunded 6% of the epoch."""
    escrow, params = contract(w3, "Escrow"), contract(w3, "Params")
    hostile = fund(w3, keys[7], 101 * ATH)
    register_checker(w3, hostile, 100 * ATH)
    length = params.functions.get("epochLength").call()
    wait_for_block(w3, (w3.eth.block_number // length + 1) * length)        # stake bonded before the epoch
    price = 10**15
    r = transact(w3, keys[6], escrow.functions.openLease(keys[1].address, price), value=200 * price, gas=800_000)
    (opened,) = events(escrow, r, "LeaseOpened")
    epoch = r.blockNumber // length
    wait_for_block(w3, (epoch + 1) * length + 1)
    signers = keys[2:5] + [hostile]
    r = submit_uptime_report(w3, keys[9], signers, keys[1].address, epoch, [9_300, 9_400, 9_800, 10_000])
    (reported,) = events(escrow, r, "DowntimeReported")
    assert reported["uptimeBps"] == 9_400
    (refund,) = events(escrow, r, "DowntimeRefunded")
    assert refund["leaseId"] == opened["leaseId"]
    assert refund["owed"] == refund["paidBlocks"] * price * 600 // 10_000 > 0
    # Everyone staked signed: no stake is left to hear an appeal, and it is refused before the bond is taken.
    signers_list = list(events(contract(w3, "Oracle"), r, "UptimeReportAccepted")[0]["signers"])
    assert "no stake is left to hear an appeal" in revert_reason(
        w3, keys[1], contract(w3, "Oracle").functions.appealUptime(keys[1].address, epoch, signers_list),
        value=params.functions.get("appealBond").call())
    # Held for the challenge window (an appeal would be the operator's), then the customer's.
    assert escrow.functions.downtimeHeld(opened["leaseId"], epoch).call() == refund["refunded"] == refund["owed"]
    credit = escrow.functions.credits(keys[6].address).call()
    window = params.functions.get("challengeWindowBlocks").call()
    wait_for_block(w3, r.blockNumber + window + 1)
    r = transact(w3, keys[6], escrow.functions.releaseDowntimeRefund(opened["leaseId"], epoch))
    (released,) = events(escrow, r, "DowntimeRefundReleased")
    assert (released["refund"], released["returned"]) == (refund["refunded"], 0)
    assert escrow.functions.credits(keys[6].address).call() == credit + refund["refunded"]


def test_bought_uptime_zero_is_overturned_on_appeal(w3, keys):
    """Attack 1, uptime: a quorum bonded before the epoch (620 of 920 ATH)
    reports uptime 0 for an honest operator. Its lease customer's refund is
    held, not paid; the operator appeals with the bond; the 300 ATH that did
    not sign hear it, and their median (100%) replaces the bought one: the
    held refund returns to the operator with its bond. Every hostile move
    around it is refused and changes nothing."""
    escrow, oracle, params = contract(w3, "Escrow"), contract(w3, "Oracle"), contract(w3, "Params")
    honest, customer, bank = keys[2:5], keys[6], keys[7]
    cheats = [fund(w3, bank, 311 * ATH) for _ in range(2)]
    for a in cheats:
        register_checker(w3, a, 310 * ATH)
    operator = fund(w3, keys[8], 530 * ATH)
    register_operator(w3, operator)
    length = params.functions.get("epochLength").call()
    wait_for_block(w3, (w3.eth.block_number // length + 1) * length)        # stake bonded before the epoch
    price = 10**15
    r = transact(w3, customer, escrow.functions.openLease(operator.address, price), value=100 * price, gas=800_000)
    (lease_opened,) = events(escrow, r, "LeaseOpened")
    lease_id, epoch = lease_opened["leaseId"], r.blockNumber // length
    wait_for_block(w3, (epoch + 1) * length + 1)
    credits0 = escrow.functions.credits(customer.address).call()

    r = submit_uptime_report(w3, bank, cheats, operator.address, epoch, 0)
    (held,) = events(escrow, r, "DowntimeRefunded")
    paid = escrow.functions.leasePaidBlocks(lease_id, epoch).call()
    # Uptime 0 owes the customer the whole epoch, taken from what the operator has earned (after fees).
    assert held["leaseId"] == lease_id and held["owed"] == paid * price and 0 < held["refunded"] <= held["owed"]
    assert escrow.functions.downtimeHeld(lease_id, epoch).call() == held["refunded"]
    assert escrow.functions.credits(customer.address).call() == credits0             # held, not paid
    (report,) = events(oracle, r, "UptimeReportAccepted")
    signers = list(report["signers"])

    # Nothing is released while the report may be appealed, and nobody reports the epoch twice.
    assert "Oracle: the uptime report may still be appealed" in revert_reason(
        w3, customer, escrow.functions.releaseDowntimeRefund(lease_id, epoch))
    assert "Oracle: this epoch's uptime was reported already" in revert_reason(
        w3, bank, oracle.functions.submitUptimeReport(*uptime_report_args(w3, honest, operator.address, epoch, 10_000, 2)))
    bond = params.functions.get("appealBond").call()
    appeal = oracle.functions.appealUptime(operator.address, epoch, signers)
    refused(w3, customer, appeal, "Oracle: only the operator may appeal its uptime", value=bond)
    assert "Oracle: an appeal takes a bond of exactly" in revert_reason(w3, operator, appeal, value=bond - 1)
    assert "Oracle: signers differ from the uptime report's" in revert_reason(
        w3, operator, oracle.functions.appealUptime(operator.address, epoch, signers[:1]), value=bond)
    balance0 = w3.eth.get_balance(operator.address)
    r = transact(w3, operator, appeal, value=bond, gas=1_000_000)
    spent = r.gasUsed * r.effectiveGasPrice
    (opened,) = events(oracle, r, "UptimeAppealOpened")
    assert opened["juryStake"] == 300 * ATH and opened["bond"] == bond and opened["uptimeBps"] == 0

    # The bought signers cannot sit on the jury; one honest checker is no majority; no second appeal.
    assert "Oracle: a signer of the appealed report cannot sit on its jury" in revert_reason(
        w3, bank, oracle.functions.submitUptimeReport(*uptime_report_args(w3, cheats, operator.address, epoch, 0, 2)))
    assert "Oracle: the appeal jury's majority not reached" in revert_reason(
        w3, bank, oracle.functions.submitUptimeReport(*uptime_report_args(w3, honest[:1], operator.address, epoch, 10_000, 2)))
    assert "Oracle: this uptime report was appealed already" in revert_reason(w3, operator, appeal, value=bond)
    r = submit_uptime_report(w3, keys[9], honest[:2], operator.address, epoch, 10_000, round_=2)
    (decided,) = events(oracle, r, "UptimeAppealDecided")
    assert decided["uptimeBps"] == 10_000 and decided["overturned"] and decided["bondReturned"]
    assert w3.eth.get_balance(operator.address) == balance0 - spent          # the bond came back
    assert "Oracle: this epoch's uptime was reported already" in revert_reason(
        w3, bank, oracle.functions.submitUptimeReport(*uptime_report_args(w3, cheats + honest, operator.address, epoch, 0, 3)))

    # The held refund goes back to the operator; the customer gets nothing for an epoch it was served.
    op_credit = escrow.functions.credits(operator.address).call()
    r = transact(w3, customer, escrow.functions.releaseDowntimeRefund(lease_id, epoch))
    (released,) = events(escrow, r, "DowntimeRefundReleased")
    assert (released["refund"], released["returned"]) == (0, held["refunded"])
    assert escrow.functions.credits(operator.address).call() == op_credit + held["refunded"]
    assert escrow.functions.credits(customer.address).call() == credits0
    refused(w3, customer, escrow.functions.releaseDowntimeRefund(lease_id, epoch),
            "Escrow: no downtime refund is held for this lease and epoch")

    # The next epoch the same quorum says 0 again and the operator appeals, but no juror
    # answers: after the deadline the jury is refused, the bond goes to the treasury and
    # the customer gets the whole held refund.
    wait_for_block(w3, (epoch + 2) * length + 1)
    r = submit_uptime_report(w3, bank, cheats, operator.address, epoch + 1, 0)
    (held,) = events(escrow, r, "DowntimeRefunded")
    signers = list(events(oracle, r, "UptimeReportAccepted")[0]["signers"])
    r = transact(w3, operator, oracle.functions.appealUptime(operator.address, epoch + 1, signers), value=bond, gas=1_000_000)
    (opened,) = events(oracle, r, "UptimeAppealOpened")
    wait_for_block(w3, opened["deadline"] + 1)
    refused(w3, bank, oracle.functions.submitUptimeReport(*uptime_report_args(w3, honest, operator.address, epoch + 1, 10_000, 2)),
            "Oracle: the appeal's deadline has passed")
    treasury = w3.eth.get_balance(ADDRESS["Governance"])
    credit = escrow.functions.credits(customer.address).call()
    r = transact(w3, customer, escrow.functions.releaseDowntimeRefund(lease_id, epoch + 1))
    (decided,) = events(oracle, r, "UptimeAppealDecided")
    assert decided["uptimeBps"] == 0 and not decided["overturned"] and not decided["bondReturned"]
    (released,) = events(escrow, r, "DowntimeRefundReleased")
    assert (released["refund"], released["returned"]) == (held["refunded"], 0)
    assert escrow.functions.credits(customer.address).call() == credit + held["refunded"]
    assert w3.eth.get_balance(ADDRESS["Governance"]) >= treasury + bond
