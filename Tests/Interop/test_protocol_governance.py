"""Governance and Params on a real `athd dev`: a parameter change end to end,
a vetoed proposal that burns its deposit, and every refusal with its reason.

The devnet genesis (Contracts/devnet.py) stakes dev account 0 as validator
(1,000 ATH), 1 as operator (500 ATH) and 2-4 as checkers (100 ATH each), and
shortens voting to 30 blocks and the timelock to 10.
"""
import pytest

from athnode import DevNode
from protocol import ATH, contract, devnet_genesis, events, revert_reason, transact, wait_for_block

DEAD = "0x000000000000000000000000000000000000dEaD"
VOTING, PASSED, REJECTED, VETOED, EXECUTED = 1, 2, 3, 4, 5
YES, NO, ABSTAIN, VETO = 1, 2, 3, 4


@pytest.fixture(scope="module")
def node(athd_bin, tmp_path_factory):
    """athd dev on the devnet genesis with the protocol contracts (200 ms blocks)."""
    d = tmp_path_factory.mktemp("gov")
    genesis = d / "genesis.json"
    genesis.write_text(devnet_genesis())
    n = DevNode(athd_bin, d / "home", ["--genesis", str(genesis), "--block-time-ms", "200"]).start()
    yield n
    assert n.stop() == 0, n.read_log()[-3000:]


def state(gov, pid):
    return gov.functions.proposal(pid).call()[-1]


def field(gov, pid, index):
    return gov.functions.proposal(pid).call()[index]


def propose(w3, gov, who, target, call_data, description, deposit=100 * ATH):
    receipt = transact(w3, who, gov.functions.propose(target, 0, call_data, description), value=deposit)
    (submitted,) = events(gov, receipt, "ProposalSubmitted")
    return submitted["proposalId"], receipt


def test_protocol_fee_change_end_to_end_and_a_veto(w3, accounts):
    gov, params = contract(w3, "Governance"), contract(w3, "Params")
    validator, operator, outsider = accounts[0], accounts[1], accounts[9]
    assert params.functions.get("protocolFeeBps").call() == 2000
    call_data = params.encode_abi("set", args=["protocolFeeBps", 1500])
    fee_id, r = propose(w3, gov, validator, params.address, call_data, "Lower the protocol fee to 15%")
    assert state(gov, fee_id) == VOTING
    print(f"gas: propose {r.gasUsed}")
    veto_id, _ = propose(w3, gov, operator, params.address, params.encode_abi("set", args=["protocolFeeBps", 5000]),
                         "Raise the protocol fee to 50%")
    start = field(gov, fee_id, 8)
    wait_for_block(w3, max(start, field(gov, veto_id, 8)) + 1)

    # Refusals while voting.
    assert "Governance: no stake at the proposal's snapshot" in revert_reason(w3, outsider, gov.functions.vote(fee_id, YES))
    assert "Governance: option must be" in revert_reason(w3, validator, gov.functions.vote(fee_id, 7))
    assert "Params: only Governance may change parameters" in revert_reason(w3, validator, params.functions.set("protocolFeeBps", 1))
    assert "Params: unknown parameter" in revert_reason(w3, validator, params.functions.get("noSuchThing"))
    assert "Governance: voting period has not ended" in revert_reason(w3, validator, gov.functions.tally(fee_id))

    r = transact(w3, validator, gov.functions.vote(fee_id, YES))
    print(f"gas: vote {r.gasUsed}")
    transact(w3, operator, gov.functions.vote(fee_id, NO))
    assert "Governance: already voted" in revert_reason(w3, validator, gov.functions.vote(fee_id, NO))
    transact(w3, validator, gov.functions.vote(veto_id, VETO))

    wait_for_block(w3, max(field(gov, fee_id, 9), field(gov, veto_id, 9)) + 1)
    transact(w3, accounts[5], gov.functions.tally(fee_id))
    assert state(gov, fee_id) == PASSED
    assert "Governance: timelock has not expired" in revert_reason(w3, validator, gov.functions.execute(fee_id))

    dead_before = w3.eth.get_balance(DEAD)
    transact(w3, accounts[5], gov.functions.tally(veto_id))
    assert state(gov, veto_id) == VETOED
    assert w3.eth.get_balance(DEAD) - dead_before == 100 * ATH
    assert "Governance: the deposit of a vetoed proposal was burned" in revert_reason(w3, operator, gov.functions.refundDeposit(veto_id))

    wait_for_block(w3, field(gov, fee_id, 10))
    receipt = transact(w3, accounts[6], gov.functions.execute(fee_id))
    assert state(gov, fee_id) == EXECUTED
    (changed,) = events(params, receipt, "ParamChanged")
    assert (changed["name"], changed["oldValue"], changed["newValue"]) == ("protocolFeeBps", 2000, 1500)
    assert params.functions.get("protocolFeeBps").call() == 1500
    assert "Governance: proposal already executed" in revert_reason(w3, validator, gov.functions.execute(fee_id))

    before = w3.eth.get_balance(validator.address)
    r = transact(w3, validator, gov.functions.refundDeposit(fee_id))
    # The validator proposes every block: its own transaction's priority fee comes back to it.
    block = w3.eth.get_block(r.blockNumber)
    tip = r.gasUsed * (r.effectiveGasPrice - block.baseFeePerGas) if block.miner == validator.address else 0
    assert w3.eth.get_balance(validator.address) - before == 100 * ATH - r.gasUsed * r.effectiveGasPrice + tip


def test_the_next_settled_job_uses_the_new_fee(w3, accounts):
    """After the executed proposal above (protocolFeeBps 2000 -> 1500), a job settled by a
    3-checker report pays the operator price * (10000 - 1500) / 10000 and the treasury the rest."""
    from protocol import run_valid_job
    params, escrow = contract(w3, "Params"), contract(w3, "Escrow")
    assert params.functions.get("protocolFeeBps").call() == 1500
    customer, operator, transmitter, checkers = accounts[5], accounts[1], accounts[8], accounts[2:5]
    price = 7 * ATH  # a multiple of 10000 wei: the fee (rounded down) and the payout are both exact
    job_id, receipts, paid, fee = run_valid_job(w3, customer, operator, transmitter, checkers, price, 500)
    assert paid == price * (10000 - 1500) // 10000 == 5_950_000_000_000_000_000
    assert fee == price - paid == price * 1500 // 10000
    (settled,) = events(escrow, receipts["submitReport"], "JobSettled")
    assert (settled["jobId"], settled["operatorPayout"], settled["fee"]) == (job_id, paid, fee)
    assert escrow.functions.job(job_id).call()[-1] == 4  # Settled
