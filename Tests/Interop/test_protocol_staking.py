"""Staking and Slashing on a real `athd dev`: registration of validators,
operators and checkers, stake, delegation, the unbonding queue, block
rewards, downtime jailing, and every reachable refusal with its reason.

Everything goes through signed transactions on the node (web3.py and, for one
operator, eth-account and raw JSON-RPC only). A refusal is checked with
eth_call for its reason and, where it matters, as a mined failing transaction
(explicit gas, status 0) after which the contract's views are unchanged and
the sender paid only the gas.

The devnet genesis (Contracts/devnet.py) stakes dev account 0 as validator
(1,000 ATH, commission 10%), 1 as operator and 2-4 as checkers, with
unbondingBlocks 30, epochLength 20 and jailBlocks 30. Dev account 0's
consensus key is the node's, so it proposes and signs every block; the
validator this module registers first (the "absent" one) joins the epoch set
at the next epoch boundary and never signs, so it is jailed and slashed for
downtime after downtimeWindow blocks; the last test follows that through.

Accounts: the test uses fresh accounts (funded by dev accounts 5-9) so that
the genesis roles stay as they are. The tests share one node and run in file
order: test_add_stake and test_delegation_unbonding_and_withdrawal use the
operator and checker that test_operator_and_checker_registration registers.
"""
import time
import types

import pytest
import requests
from Crypto.Hash import keccak
from Crypto.PublicKey import ECC
from eth_abi import decode as abi_decode
from eth_account import Account
from web3 import Web3
from web3.exceptions import ContractLogicError
from web3.logs import DISCARD

from athnode import dev_keys
from protocol import ADDRESS, ATH, contract, wait_for_block

VALIDATOR, OPERATOR, CHECKER, DELEGATION = 1, 2, 3, 4
SYSTEM = Web3.to_checksum_address("0xfffffffffffffffffffffffffffffffffffffffe")
ZERO = "0x0000000000000000000000000000000000000000"
NOBODY = Web3.to_checksum_address("0x000000000000000000000000000000000000b0b0")  # never funded, never used
FAIL_GAS = 400_000  # explicit gas for transactions that are meant to revert on chain


# ---------------------------------------------------------------- helpers

def keccak256(data):
    return keccak.new(digest_bits=256, data=data).digest()


def fresh_account(name):
    return Account.from_key(keccak256(b"ath staking test account " + name.encode()))


def consensus_secret(name):
    return ECC.construct(curve="Ed25519", seed=keccak256(b"ath staking test consensus " + name.encode()))


def consensus_key(name):
    """A real ed25519 public key (32 bytes), from a seed derived from `name`."""
    return consensus_secret(name).public_key().export_key(format="raw")


def pop_args(w3, account, name, commission):
    """registerValidator's arguments for `account` with the key named `name`:
    the key, the commission and the key's proof of possession (its ed25519
    signature of Staking.popDigest(account, key))."""
    from Crypto.Signature import eddsa
    key = consensus_key(name)
    digest = contract(w3, "Staking").functions.popDigest(account.address, key).call()
    return key, commission, eddsa.new(consensus_secret(name), "rfc8032").sign(digest)


NO_PROOF = b"\x00" * 64


def tolists(x):
    if isinstance(x, (list, tuple)):
        return [tolists(y) for y in x]
    return x


def c(fn):
    """A view's result, tuples (structs, arrays) as lists."""
    return tolists(fn.call())


def addr(a):
    return a if isinstance(a, str) else a.address


def build(w3, account, call=None, to=None, value=0, gas=None, nonce=None, tip=10**9):
    """A signed type-2 transaction: a bound contract call, or a plain transfer to `to`."""
    nonce = w3.eth.get_transaction_count(account.address, "pending") if nonce is None else nonce
    fields = {"from": account.address, "value": value, "nonce": nonce, "chainId": w3.eth.chain_id,
              "gas": gas or 3_000_000, "maxFeePerGas": 4 * 10**9, "maxPriorityFeePerGas": tip}
    if call is not None:
        tx = call.build_transaction(fields)
    else:
        tx = dict(fields, to=to, gas=gas or 21_000)
        tx.pop("from")
    return account.sign_transaction(tx).raw_transaction


def wait(w3, tx_hash):
    return w3.eth.wait_for_transaction_receipt(tx_hash, timeout=60, poll_latency=0.05)


def submit(w3, account, call=None, **kw):
    """Sends one transaction and returns its receipt, whatever its status."""
    return wait(w3, w3.eth.send_raw_transaction(build(w3, account, call, **kw)))


def ok(w3, account, call=None, **kw):
    receipt = submit(w3, account, call, **kw)
    assert receipt.status == 1, f"transaction reverted: {receipt.transactionHash.hex()} ({reason_of(call, account, kw.get('value', 0))})"
    return receipt


def reason_of(call, sender, value=0):
    try:
        call.call({"from": addr(sender), "value": value})
    except ContractLogicError as e:
        return str(e.message if getattr(e, "message", None) else e)
    except Exception as e:  # noqa: BLE001 - only for the assertion message
        return repr(e)
    return "(eth_call succeeds)"


def batch(w3, items):
    """Sends [(account, call_or_None, kwargs)] without waiting in between
    (nonces counted here per sender); returns the receipts in order."""
    nonces, hashes = {}, []
    for account, call, kw in items:
        n = nonces.get(account.address)
        if n is None:
            n = w3.eth.get_transaction_count(account.address, "pending")
        nonces[account.address] = n + 1
        hashes.append(w3.eth.send_raw_transaction(build(w3, account, call, nonce=n, **kw)))
    return [wait(w3, h) for h in hashes]


def refused(call, sender, expected, value=0):
    """eth_call of `call` from `sender` (any address: eth_call needs no key)
    reverts with a reason containing `expected`."""
    try:
        call.call({"from": addr(sender), "value": value})
    except ContractLogicError as e:
        message = str(e.message if getattr(e, "message", None) else e)
        assert expected in message, f"expected a revert with {expected!r}, got {message!r}"
        return message
    raise AssertionError(f"the call succeeded; a revert with {expected!r} was expected")


def accepted(call, sender, value=0):
    """eth_call of `call` from `sender` does not revert."""
    try:
        return call.call({"from": addr(sender), "value": value})
    except ContractLogicError as e:
        raise AssertionError(f"expected the call to succeed, it reverted: {e}") from None


def fee(receipt):
    return receipt.gasUsed * receipt.effectiveGasPrice


def coinbase_tips(w3, block_number, account):
    """What `account` earned as the block's fee recipient (priority fees of all
    its transactions); 0 when it is not the block's coinbase."""
    block = w3.eth.get_block(block_number)
    if block.miner.lower() != account.lower():
        return 0
    total = 0
    for h in block.transactions:
        r = w3.eth.get_transaction_receipt(h)
        total += r.gasUsed * (r.effectiveGasPrice - block.baseFeePerGas)
    return total


def decoded(contract_obj, receipt, name):
    """The `name` events `contract_obj` emitted in `receipt` (their args)."""
    return [e.args for e in getattr(contract_obj.events, name)().process_receipt(receipt, errors=DISCARD)]


def refused_on_chain(w3, account, call, expected, views, value=0):
    """Sends `call` as a real transaction with explicit gas: it is mined with
    status 0, `views()` reads the same before and after, and the sender paid
    exactly the gas (the value comes back)."""
    refused(call, account, expected, value)
    before_views, before_balance = views(), w3.eth.get_balance(account.address)
    receipt = submit(w3, account, call, value=value, gas=FAIL_GAS)
    assert receipt.status == 0, f"{expected!r}: the transaction was expected to fail on chain"
    assert receipt.gasUsed < FAIL_GAS, "a revert must not consume all gas"
    assert views() == before_views, f"state changed after a refused transaction ({expected!r})"
    tips = coinbase_tips(w3, receipt.blockNumber, account.address)
    assert w3.eth.get_balance(account.address) == before_balance - fee(receipt) + tips
    return receipt


def withdraw_checked(w3, st, account):
    """withdraw(): pays exactly the entries matured in its block (Withdrawn
    event and balance delta less gas) and keeps the others queued."""
    before_entries = c(st.functions.unbondingEntries(account.address))
    before = w3.eth.get_balance(account.address)
    r = ok(w3, account, st.functions.withdraw())
    expected = sum(e[1] for e in before_entries if e[3] <= r.blockNumber)
    assert expected > 0
    (ev,) = decoded(st, r, "Withdrawn")
    assert dict(ev) == {"account": account.address, "amount": expected}
    tips = coinbase_tips(w3, r.blockNumber, account.address)
    assert w3.eth.get_balance(account.address) - before == expected - fee(r) + tips
    assert c(st.functions.unbondingEntries(account.address)) == [e for e in before_entries if e[3] > r.blockNumber]
    return r


def dummy_args(fn_abi, who):
    """Plausible arguments for any function from its ABI inputs (for the
    'only X may' refusals: the first assert fires whatever they are)."""
    def one(t):
        if t.endswith("[]"):
            return [one(t[:-2])]
        if t == "address":
            return who
        if t == "bool":
            return False
        if t.startswith("bytes"):
            return b"\x01" * (int(t[5:]) if t[5:] else 1)
        if t == "string":
            return "x"
        return 1
    return [one(i["type"]) for i in fn_abi["inputs"]]


def abi_function(contract_obj, name):
    return next(f for f in contract_obj.abi if f.get("type") == "function" and f["name"] == name)


def gas_line(name, receipt):
    print(f"gas: {name} {receipt.gasUsed}")


ADDRESS_STAKING = Web3.to_checksum_address(ADDRESS["Staking"])
ADDRESS_GOVERNANCE = Web3.to_checksum_address(ADDRESS["Governance"])


# ---------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def env(w3):
    """Funds the test's fresh accounts and, first of all, registers the
    validator that never signs (its downtime is checked by the last test)."""
    dev = dev_keys(10)
    e = types.SimpleNamespace(w3=w3, dev=dev, v0=dev[0])
    e.staking, e.slashing, e.params = contract(w3, "Staking"), contract(w3, "Slashing"), contract(w3, "Params")
    e.p = {name: c(e.params.functions.get(name)) for name in (
        "validatorMinStake", "operatorStakeClass0", "operatorStakeClass1", "operatorStakeClass2", "checkerMinStake",
        "unbondingBlocks", "epochLength", "jailBlocks", "downtimeWindow", "downtimeSlashBps", "minSignedBps",
        "computeRewardShareBps", "checkerRewardShareBps", "blockReward")}
    assert (e.p["unbondingBlocks"], e.p["epochLength"], e.p["jailBlocks"]) == (30, 20, 30), e.p
    names = {"absent": (5, 1_100), "val2": (5, 2_200), "op1": (6, 1_300), "chk1": (6, 400), "op2": (7, 2_100),
             "deleg": (7, 3_100), "deleg2": (9, 20)}
    names.update({f"m{i}": (8 if i < 8 else 9, 1_001) for i in range(16)})
    e.acct = {name: fresh_account(name) for name in names}
    batch(w3, [(dev[funder], None, {"to": e.acct[name].address, "value": amount * ATH})
               for name, (funder, amount) in names.items()])
    for name in names:
        assert w3.eth.get_balance(e.acct[name].address) == names[name][1] * ATH
    e.governance_start = w3.eth.get_balance(ADDRESS_GOVERNANCE)
    e.absent = e.acct["absent"]
    e.absent_key = consensus_key("absent")
    e.absent_receipt = ok(w3, e.absent, e.staking.functions.registerValidator(*pop_args(w3, e.absent, "absent", 500)),
                          value=e.p["validatorMinStake"])
    return e


# ---------------------------------------------------------------- registration

def test_genesis_stakes_and_validator_registration(env):
    w3, st, p = env.w3, env.staking, env.p
    v0 = env.v0.address
    info = c(st.functions.validators(v0))
    assert info[1:] == [1000, 1_000 * ATH, 0, 0, False, False, True]
    assert c(st.functions.keyOwner(info[0])) == v0

    # The validator registered by the fixture: event, views, the active set.
    r = env.absent_receipt
    gas_line("registerValidator", r)
    (ev,) = decoded(st, r, "ValidatorRegistered")
    assert (ev["validator"], ev["consensusKey"], ev["commissionBps"], ev["stake"]) == \
        (env.absent.address, env.absent_key, 500, p["validatorMinStake"])
    assert c(st.functions.validators(env.absent.address)) == \
        [env.absent_key, 500, p["validatorMinStake"], 0, 0, False, False, True]
    assert c(st.functions.keyOwner(env.absent_key)) == env.absent.address
    count = c(st.functions.validatorCount())
    assert env.absent.address in [c(st.functions.validatorList(i)) for i in range(count)]
    members = {a: (k, power) for a, k, power in c(st.functions.validatorSet())}
    assert members[env.absent.address] == (env.absent_key, p["validatorMinStake"])
    assert members[v0][0] == info[0]
    assert c(st.functions.bonded(env.absent.address)) == p["validatorMinStake"]
    assert c(st.functions.stakeAt(env.absent.address, w3.eth.block_number)) == p["validatorMinStake"]

    # Every refusal of registerValidator, with its reason (eth_call).
    val2, key2, minimum = env.acct["val2"], consensus_key("val2"), p["validatorMinStake"]
    reg = lambda key, commission, proof=NO_PROOF: st.functions.registerValidator(key, commission, proof)
    refused(reg(b"\x00" * 32, 100), val2, "Staking: consensus key is empty", minimum)
    refused(reg(key2, 10_001), val2, "Staking: commission above 10000 bps", minimum)
    accepted(st.functions.registerValidator(*pop_args(w3, val2, "val2", 10_000)), val2, minimum)  # 100% is the limit
    # Attack 6, key squatting: a key is bound only with its holder's signature for this account.
    refused(reg(key2, 100), val2, "Staking: the proof of possession does not verify", minimum)
    refused(reg(key2, 100, pop_args(w3, env.absent, "val2", 100)[2]), val2,
            "Staking: the proof of possession does not verify", minimum)       # signed for another account
    refused(reg(key2, 100, b"\x01" * 63), val2, "Staking: the proof of possession does not verify (a 64-byte", minimum)
    refused(reg(consensus_key("other"), 100), env.absent, "Staking: already a validator", ATH)
    refused(reg(info[0], 100), val2, "Staking: consensus key already in use", minimum)
    refused(reg(env.absent_key, 100), val2, "Staking: consensus key already in use", minimum)
    refused(reg(key2, 100), val2, "Staking: stake below the validator minimum", minimum - 1)
    refused(reg(key2, 100), val2, "Staking: stake below the validator minimum", 0)

    # The same refusal as a mined transaction: nothing changes, only gas is paid.
    count = c(st.functions.validatorCount())
    total = c(st.functions.totalBonded())
    refused_on_chain(w3, val2, reg(key2, 100), "Staking: stake below the validator minimum",
                     lambda: (c(st.functions.validators(val2.address)), c(st.functions.validatorCount()),
                              c(st.functions.keyOwner(key2)), c(st.functions.totalBonded())),
                     value=minimum - ATH)
    assert c(st.functions.validatorCount()) == count and c(st.functions.totalBonded()) == total
    refused_on_chain(w3, env.absent, reg(consensus_key("other"), 100), "Staking: already a validator",
                     lambda: (c(st.functions.validators(env.absent.address)), c(st.functions.validatorCount())),
                     value=ATH)


def test_operator_and_checker_registration(env):
    w3, st, p = env.w3, env.staking, env.p
    op1, chk1 = env.acct["op1"], env.acct["chk1"]
    reg = st.functions.registerOperator
    c0, c1, c2 = p["operatorStakeClass0"], p["operatorStakeClass1"], p["operatorStakeClass2"]

    # The required stake by GPU class, at each boundary of GPU memory (two GPUs; asked as dev account 0,
    # which can afford the largest: eth_call checks the balance against the value).
    for memory, per_gpu in ((1, c0), (23, c0), (24, c1), (80, c1), (81, c2), (141, c2)):
        call = reg("GPU %d GiB" % memory, 2, memory, "http://127.0.0.1:8700")
        refused(call, env.v0, "Staking: stake below the operator's required stake", 2 * per_gpu - 1)
        accepted(call, env.v0, 2 * per_gpu)
    refused(reg("NVIDIA A100 40GB", 0, 40, "http://127.0.0.1:8700"), op1, "Staking: GPU count is zero", 1_000 * ATH)
    refused(reg("NVIDIA A100 40GB", 1025, 40, "http://127.0.0.1:8700"), op1, "Staking: GPU count above 1024", 1_000 * ATH)
    refused(reg("x", 2**255, 40, "http://127.0.0.1:8700"), op1, "Staking: GPU count above 1024", 1_000 * ATH)
    refused(reg("", 1, 40, "http://127.0.0.1:8700"), op1, "Staking: GPU model is empty", 1_000 * ATH)
    refused(reg("NVIDIA A100 40GB", 1, 0, "http://127.0.0.1:8700"), op1, "Staking: GPU memory is zero", 1_000 * ATH)
    refused(reg("NVIDIA A100 40GB", 1, 40, ""), op1, "Staking: endpoint is empty", 1_000 * ATH)

    total_before = c(st.functions.totalStakeAt(w3.eth.block_number))
    refused_on_chain(w3, op1, reg("NVIDIA A100 40GB", 2, 40, "http://127.0.0.1:8700"),
                     "Staking: stake below the operator's required stake",
                     lambda: (c(st.functions.operators(op1.address)), c(st.functions.bonded(op1.address))),
                     value=2 * c1 - 1)
    r = ok(w3, op1, reg("NVIDIA A100 40GB", 2, 40, "http://127.0.0.1:8700"), value=2 * c1)
    gas_line("registerOperator", r)
    (ev,) = decoded(st, r, "OperatorRegistered")
    assert dict(ev) == {"operator": op1.address, "gpuModel": "NVIDIA A100 40GB", "gpuCount": 2, "gpuMemoryGiB": 40,
                        "endpoint": "http://127.0.0.1:8700", "stake": 2 * c1}
    assert c(st.functions.operators(op1.address)) == ["NVIDIA A100 40GB", 2, 40, "http://127.0.0.1:8700", 2 * c1, True]
    assert c(st.functions.requiredStake(op1.address)) == 2 * c1
    assert c(st.functions.isActiveOperator(op1.address))
    assert c(st.functions.bondedStake(op1.address, OPERATOR)) == 2 * c1
    refused(reg("NVIDIA A100 40GB", 1, 40, "http://x"), op1, "Staking: already an operator", ATH)
    # The genesis operator (dev account 1: one H100 80GB) is registered too.
    assert c(st.functions.isActiveOperator(env.dev[1].address))
    refused(reg("NVIDIA H100 80GB HBM3", 1, 80, "http://x"), env.dev[1], "Staking: already an operator", c1)

    # Checker.
    rc = st.functions.registerChecker
    minimum = p["checkerMinStake"]
    refused(rc("http://127.0.0.1:8701"), chk1, "Staking: stake below the checker minimum", minimum - 1)
    refused(rc("http://127.0.0.1:8701"), chk1, "Staking: stake below the checker minimum", 0)
    refused(rc(""), chk1, "Staking: endpoint is empty", minimum)
    refused(rc("http://127.0.0.1:8611"), env.dev[2], "Staking: already a checker", minimum)
    checkers_before = c(st.functions.totalCheckerStake())
    r = ok(w3, chk1, rc("http://127.0.0.1:8701"), value=150 * ATH)
    gas_line("registerChecker", r)
    (ev,) = decoded(st, r, "CheckerRegistered")
    assert dict(ev) == {"checker": chk1.address, "endpoint": "http://127.0.0.1:8701", "stake": 150 * ATH}
    assert c(st.functions.checkers(chk1.address)) == ["http://127.0.0.1:8701", 150 * ATH, True, True]
    assert c(st.functions.bondedStake(chk1.address, 3)) == 150 * ATH
    assert c(st.functions.isActiveChecker(chk1.address))
    assert c(st.functions.totalCheckerStake()) == checkers_before + 150 * ATH
    refused_on_chain(w3, chk1, rc("http://127.0.0.1:8702"), "Staking: already a checker",
                     lambda: (c(st.functions.checkers(chk1.address)), c(st.functions.totalCheckerStake())),
                     value=minimum)

    # Weight checkpoints: stakeAt/totalStakeAt follow every bonded change.
    head = w3.eth.block_number
    assert c(st.functions.stakeAt(op1.address, head)) == 2 * c1
    assert c(st.functions.stakeAt(chk1.address, head)) == 150 * ATH
    assert c(st.functions.stakeAt(chk1.address, r.blockNumber - 1)) == 0
    assert c(st.functions.totalStakeAt(head)) == total_before + 2 * c1 + 150 * ATH


def test_add_stake(env):
    w3, st = env.w3, env.staking
    op1, chk1 = env.acct["op1"], env.acct["chk1"]
    add = st.functions.addStake
    refused(add(OPERATOR), op1, "Staking: no value sent", 0)
    refused(add(VALIDATOR), op1, "Staking: not a registered validator", ATH)
    refused(add(OPERATOR), chk1, "Staking: not a registered operator", ATH)
    refused(add(CHECKER), op1, "Staking: not a registered checker", ATH)
    refused(add(0), op1, "Staking: unknown role", ATH)
    refused(add(DELEGATION), op1, "Staking: unknown role", ATH)
    refused_on_chain(w3, op1, add(CHECKER), "Staking: not a registered checker",
                     lambda: (c(st.functions.checkers(op1.address)), c(st.functions.bonded(op1.address)),
                              c(st.functions.totalCheckerStake())), value=5 * ATH)

    stake = c(st.functions.bondedStake(op1.address, OPERATOR))
    total = c(st.functions.totalBonded())
    r = ok(w3, op1, add(OPERATOR), value=100 * ATH)
    gas_line("addStake", r)
    (ev,) = decoded(st, r, "StakeAdded")
    assert dict(ev) == {"account": op1.address, "role": OPERATOR, "amount": 100 * ATH}
    assert c(st.functions.bondedStake(op1.address, OPERATOR)) == stake + 100 * ATH
    assert c(st.functions.totalBonded()) == total + 100 * ATH

    checkers = c(st.functions.totalCheckerStake())
    ok(w3, chk1, add(CHECKER), value=50 * ATH)
    assert c(st.functions.bondedStake(chk1.address, 3)) == 200 * ATH
    assert c(st.functions.totalCheckerStake()) == checkers + 50 * ATH


# ---------------------------------------------------------------- delegation and unbonding

def test_delegation_unbonding_and_withdrawal(env):
    w3, st, p = env.w3, env.staking, env.p
    v0, deleg, val2, op1, chk1 = env.v0.address, env.acct["deleg"], env.acct["val2"], env.acct["op1"], env.acct["chk1"]
    unbonding = p["unbondingBlocks"]

    # Delegation to the genesis validator.
    refused(st.functions.delegate(v0), deleg, "Staking: no value sent", 0)
    refused(st.functions.delegate(NOBODY), deleg, "Staking: not a registered validator", ATH)
    refused(st.functions.delegate(op1.address), deleg, "Staking: not a registered validator", ATH)
    refused_on_chain(w3, deleg, st.functions.delegate(NOBODY), "Staking: not a registered validator",
                     lambda: (c(st.functions.delegations(deleg.address)), c(st.functions.bonded(deleg.address))),
                     value=ATH)
    delegated = c(st.functions.validators(v0))[3]
    r = ok(w3, deleg, st.functions.delegate(v0), value=2_000 * ATH)
    gas_line("delegate", r)
    (ev,) = decoded(st, r, "Delegated")
    assert dict(ev) == {"delegator": deleg.address, "validator": v0, "amount": 2_000 * ATH}
    assert c(st.functions.delegation(v0, deleg.address)) == 2_000 * ATH
    assert c(st.functions.validators(v0))[3] == delegated + 2_000 * ATH
    assert c(st.functions.delegations(deleg.address)) == [v0]
    assert c(st.functions.bonded(deleg.address)) == 2_000 * ATH
    power = {a: pw for a, _, pw in c(st.functions.validatorSet())}
    assert power[v0] == 1_000 * ATH + delegated + 2_000 * ATH

    # Unbond refusals.
    ub = st.functions.unbond
    refused(ub(DELEGATION, v0, 0), deleg, "Staking: amount is zero")
    refused(ub(DELEGATION, v0, 2_000 * ATH + 1), deleg, "Staking: amount exceeds the delegation")
    refused(ub(DELEGATION, env.absent.address, 1), deleg, "Staking: amount exceeds the delegation")
    refused(ub(OPERATOR, ZERO, 1_100 * ATH + 1), op1, "Staking: amount exceeds the operator stake")
    refused(ub(CHECKER, ZERO, 200 * ATH + 1), chk1, "Staking: amount exceeds the checker stake")
    refused(ub(VALIDATOR, ZERO, 1), deleg, "Staking: amount exceeds the validator self stake")
    refused(ub(0, ZERO, 1), deleg, "Staking: unknown role")
    refused(ub(5, ZERO, 1), deleg, "Staking: unknown role")
    refused_on_chain(w3, deleg, ub(DELEGATION, v0, 2_000 * ATH + 1), "Staking: amount exceeds the delegation",
                     lambda: (c(st.functions.delegation(v0, deleg.address)),
                              c(st.functions.unbondingEntries(deleg.address)), c(st.functions.bonded(deleg.address))))

    # Unbond part of the delegation: the entry, the event, the views.
    total = c(st.functions.totalBonded())
    r = ok(w3, deleg, ub(DELEGATION, v0, 500 * ATH))
    gas_line("unbond", r)
    release = r.blockNumber + unbonding
    (ev,) = decoded(st, r, "Unbonded")
    assert dict(ev) == {"account": deleg.address, "role": DELEGATION, "validator": v0, "amount": 500 * ATH,
                        "releaseBlock": release}
    assert c(st.functions.delegation(v0, deleg.address)) == 1_500 * ATH
    assert c(st.functions.validators(v0))[3] == delegated + 1_500 * ATH
    assert c(st.functions.bonded(deleg.address)) == 1_500 * ATH
    assert c(st.functions.totalBonded()) == total - 500 * ATH
    assert c(st.functions.stakeAt(deleg.address, r.blockNumber)) == 1_500 * ATH
    assert c(st.functions.stakeAt(deleg.address, r.blockNumber - 1)) == 2_000 * ATH
    entries = c(st.functions.unbondingEntries(deleg.address))
    assert entries[-1] == [DELEGATION, 500 * ATH, r.blockNumber, release, v0, c(st.functions.delegationSlashCount(v0))]

    # Early withdrawal is refused with the block it matures at; a mined attempt changes nothing.
    earliest = min(e[3] for e in entries)
    refused(st.functions.withdraw(), deleg, f"Staking: unbonding not matured until block {earliest}")
    refused_on_chain(w3, deleg, st.functions.withdraw(), "Staking: unbonding not matured until block",
                     lambda: c(st.functions.unbondingEntries(deleg.address)))
    refused(st.functions.withdraw(), NOBODY, "Staking: nothing to withdraw")
    refused(st.functions.withdraw(), op1, "Staking: nothing to withdraw")

    # A validator that unbonds all its self stake leaves the registry; delegating to it is refused,
    # its delegators can still unbond; its key is free again, but only its holder can bind it
    # (proof of possession), so it may register again with it.
    key2 = consensus_key("val2")
    count = c(st.functions.validatorCount())
    ok(w3, val2, st.functions.registerValidator(*pop_args(w3, val2, "val2", 2_000)), value=p["validatorMinStake"])
    ok(w3, deleg, st.functions.delegate(val2.address), value=10 * ATH)
    assert c(st.functions.delegations(deleg.address)) == [v0, val2.address]
    refused(st.functions.unbond(VALIDATOR, ZERO, p["validatorMinStake"] + 1), val2,
            "Staking: amount exceeds the validator self stake")
    r = ok(w3, val2, st.functions.unbond(VALIDATOR, ZERO, p["validatorMinStake"]))
    assert [dict(x) for x in decoded(st, r, "ValidatorRemoved")] == [{"validator": val2.address}]
    assert c(st.functions.validators(val2.address))[2] == 0
    assert c(st.functions.validators(val2.address))[7] is False
    assert c(st.functions.validatorCount()) == count
    assert val2.address not in [a for a, _, _ in c(st.functions.validatorSet())]
    refused(st.functions.delegate(val2.address), deleg, "Staking: not a registered validator", ATH)
    assert c(st.functions.keyOwner(key2)) == ZERO
    refused(st.functions.registerValidator(key2, 100, NO_PROOF), env.dev[9], "Staking: the proof of possession does not verify",
            p["validatorMinStake"])
    ok(w3, deleg, st.functions.unbond(DELEGATION, val2.address, 10 * ATH))
    assert c(st.functions.delegations(deleg.address)) == [v0]
    assert c(st.functions.delegation(val2.address, deleg.address)) == 0
    ok(w3, val2, st.functions.registerValidator(*pop_args(w3, val2, "val2", 2_000)), value=p["validatorMinStake"])
    assert c(st.functions.validators(val2.address))[7] is True
    ok(w3, val2, st.functions.unbond(VALIDATOR, ZERO, p["validatorMinStake"]))  # leaves again, before it could be jailed

    # An operator below its required stake, and a checker below the minimum, become inactive.
    ok(w3, op1, ub(OPERATOR, ZERO, 200 * ATH))
    assert c(st.functions.bondedStake(op1.address, OPERATOR)) == 900 * ATH
    assert not c(st.functions.isActiveOperator(op1.address))
    assert c(st.functions.operators(op1.address))[5] is True  # still registered
    ok(w3, op1, st.functions.addStake(OPERATOR), value=100 * ATH)
    assert c(st.functions.isActiveOperator(op1.address))
    checkers = c(st.functions.totalCheckerStake())
    r_chk = ok(w3, chk1, ub(CHECKER, ZERO, 150 * ATH))
    assert c(st.functions.bondedStake(chk1.address, 3)) == 50 * ATH
    assert not c(st.functions.isActiveChecker(chk1.address))
    assert c(st.functions.checkers(chk1.address))[2:] == [True, False]
    assert c(st.functions.totalCheckerStake()) == checkers - 200 * ATH

    # The unbonding queue holds 16 entries per account.
    receipts = batch(w3, [(chk1, ub(CHECKER, ZERO, 1), {}) for _ in range(15)])
    assert all(x.status == 1 for x in receipts)
    assert len(c(st.functions.unbondingEntries(chk1.address))) == 16
    refused(ub(CHECKER, ZERO, 1), chk1, "Staking: too many unbonding entries")
    refused_on_chain(w3, chk1, ub(CHECKER, ZERO, 1), "Staking: too many unbonding entries",
                     lambda: (c(st.functions.unbondingEntries(chk1.address)), c(st.functions.bondedStake(chk1.address, 3))))

    # Withdraw as entries mature: exactly the matured amounts, minus gas; later entries stay queued.
    for account, first in ((deleg, release), (chk1, r_chk.blockNumber + unbonding)):
        wait_for_block(w3, first)
        r = withdraw_checked(w3, st, account)
        if account is deleg:
            gas_line("withdraw", r)
    # Everything left (the checker's 1-wei entries, val2's two self-stake entries, the delegation
    # unbonded from val2), once matured; then there is nothing left to withdraw.
    for account in (chk1, val2, deleg):
        entries = c(st.functions.unbondingEntries(account.address))
        if entries:
            wait_for_block(w3, max(e[3] for e in entries))
            withdraw_checked(w3, st, account)
        assert c(st.functions.unbondingEntries(account.address)) == []
        refused(st.functions.withdraw(), account, "Staking: nothing to withdraw")


def test_delegations_to_at_most_16_validators(env):
    """An account delegates to at most 16 validators. The 16 validators
    register (delegation needs that) and leave at the end (unbonding below
    the minimum delists, so none lingers in the registry)."""
    w3, st, p = env.w3, env.staking, env.p
    ms = [env.acct[f"m{i}"] for i in range(16)]
    deleg2 = env.acct["deleg2"]
    receipts = batch(w3, [(m, st.functions.registerValidator(*pop_args(w3, m, f"m{i}", 0)), {"value": p["validatorMinStake"]})
                          for i, m in enumerate(ms)])
    assert all(x.status == 1 for x in receipts)
    for m in ms:
        v = c(st.functions.validators(m.address))
        assert (v[2], v[7]) == (p["validatorMinStake"], True)
    receipts = batch(w3, [(deleg2, st.functions.delegate(m.address), {"value": ATH // 10}) for m in ms])
    assert all(x.status == 1 for x in receipts)
    assert c(st.functions.delegations(deleg2.address)) == [m.address for m in ms]
    refused(st.functions.delegate(env.v0.address), deleg2, "Staking: delegations to too many validators", ATH // 10)
    refused_on_chain(w3, deleg2, st.functions.delegate(env.v0.address), "Staking: delegations to too many validators",
                     lambda: (c(st.functions.delegations(deleg2.address)),
                              c(st.functions.delegation(env.v0.address, deleg2.address))), value=ATH // 10)
    accepted(st.functions.delegate(ms[0].address), deleg2, ATH // 10)  # adding to an existing one is fine
    # Unbonding one delegation fully frees a slot.
    ok(w3, deleg2, st.functions.unbond(DELEGATION, ms[3].address, ATH // 10))
    assert ms[3].address not in c(st.functions.delegations(deleg2.address))
    accepted(st.functions.delegate(env.v0.address), deleg2, ATH // 10)
    # The 16 leave: unbonding to 1 ATH, below the minimum, takes them out of the registry.
    count = c(st.functions.validatorCount())
    receipts = batch(w3, [(m, st.functions.unbond(VALIDATOR, ZERO, p["validatorMinStake"] - ATH), {}) for m in ms])
    assert all(x.status == 1 for x in receipts)
    assert c(st.functions.validatorCount()) == count - 16
    assert not any(c(st.functions.validators(m.address))[7] for m in ms)


# ---------------------------------------------------------------- eth-account and raw JSON-RPC only

def rpc(url, method, *params):
    reply = requests.post(url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}, timeout=30)
    reply.raise_for_status()
    body = reply.json()
    assert "error" not in body, body
    return body["result"]


def test_operator_stakes_with_eth_account_and_raw_json_rpc(env, node):
    """The operator's transaction is built by hand, signed by eth-account and
    sent with eth_sendRawTransaction over plain HTTP; its receipt and event
    are decoded with eth_abi."""
    st, p, op2 = env.staking, env.p, env.acct["op2"]
    url = node.url
    model, count, memory, endpoint = "NVIDIA H200 141GB HBM3e", 1, 141, "https://op2.example:8443"
    stake = count * p["operatorStakeClass2"]
    data = st.encode_abi("registerOperator", args=[model, count, memory, endpoint])
    tx = {
        "type": 2, "chainId": int(rpc(url, "eth_chainId"), 16),
        "nonce": int(rpc(url, "eth_getTransactionCount", op2.address, "pending"), 16),
        "to": ADDRESS_STAKING, "value": stake, "data": data, "gas": 400_000,
        "maxFeePerGas": 4 * 10**9, "maxPriorityFeePerGas": 10**9,
    }
    signed = Account.sign_transaction(tx, op2.key)
    tx_hash = rpc(url, "eth_sendRawTransaction", "0x" + signed.raw_transaction.hex().removeprefix("0x"))
    assert tx_hash == "0x" + signed.hash.hex().removeprefix("0x")
    deadline, receipt = time.time() + 30, None
    while receipt is None and time.time() < deadline:
        receipt = rpc(url, "eth_getTransactionReceipt", tx_hash)
        if receipt is None:
            time.sleep(0.05)
    assert receipt is not None and receipt["status"] == "0x1", receipt
    topic = "0x" + keccak256(b"OperatorRegistered(address,string,uint256,uint256,string,uint256)").hex()
    (log,) = [x for x in receipt["logs"] if x["topics"][0] == topic]
    assert log["address"].lower() == ADDRESS_STAKING.lower()
    assert log["topics"][1] == "0x" + "00" * 12 + op2.address[2:].lower()
    assert abi_decode(["string", "uint256", "uint256", "string", "uint256"], bytes.fromhex(log["data"][2:])) == \
        (model, count, memory, endpoint, stake)

    # Visible through Staking's views (web3 here only reads).
    assert c(st.functions.operators(op2.address)) == [model, count, memory, endpoint, stake, True]
    assert c(st.functions.requiredStake(op2.address)) == stake
    assert c(st.functions.isActiveOperator(op2.address))
    assert c(st.functions.bondedStake(op2.address, OPERATOR)) == stake
    block = int(receipt["blockNumber"], 16)
    assert c(st.functions.stakeAt(op2.address, block)) == stake
    assert c(st.functions.stakeAt(op2.address, block - 1)) == 0


# ---------------------------------------------------------------- privileged entry points

def test_privileged_entry_points_refuse_ordinary_accounts(env):
    w3, st, sl = env.w3, env.staking, env.slashing
    who = env.dev[9]
    v0 = env.v0.address
    cases = [
        (st, "mintReward", "Staking: only the system may mint rewards"),
        (st, "recordWorkUnits", "Staking: only the Oracle may record work units"),
        (st, "rewardCheckers", "Staking: only the Oracle may record work units or reward checkers"),
        (st, "slash", "Staking: only Slashing may slash"),
        (st, "setJailed", "Staking: only Slashing may slash, jail or ban"),
        (st, "setBanned", "Staking: only Slashing may slash, jail or ban"),
        (sl, "slashDoubleSign", "Slashing: only the system may report double signing"),
        (sl, "recordSignatures", "Slashing: only the system may record signatures"),
        (sl, "slashOperator", "Slashing: only Escrow or the Oracle may slash operators"),
    ]
    calls = []
    for target_contract, name, expected in cases:
        # Arguments aimed at the genesis validator/operator, so a wrongly allowed call would show.
        target = env.dev[1].address if name == "slashOperator" else v0
        call = getattr(target_contract.functions, name)(*dummy_args(abi_function(target_contract, name), target))
        refused(call, who, expected)
        refused(call, env.v0, expected)  # not even the validator itself
        calls.append((call, expected))

    # All of them as mined transactions from an ordinary account: every one fails and nothing moves.
    def views():
        return (c(st.functions.validators(v0)), c(st.functions.operators(env.dev[1].address)),
                c(sl.functions.jailed(v0)), c(sl.functions.banned(v0)), c(sl.functions.signingInfo(v0))[0],
                c(st.functions.totalBonded()), w3.eth.get_balance(ADDRESS_GOVERNANCE))
    before, balance = views(), w3.eth.get_balance(who.address)
    receipts = batch(w3, [(who, call, {"gas": FAIL_GAS}) for call, _ in calls])
    assert [x.status for x in receipts] == [0] * len(calls)
    assert views() == before
    paid = sum(fee(x) for x in receipts)
    assert w3.eth.get_balance(who.address) == balance - paid

    # Unjail by a validator that is not jailed, as a call and as a mined transaction.
    refused(sl.functions.unjail(), env.v0, "Slashing: validator is not jailed")
    refused(sl.functions.unjail(), who, "Slashing: validator is not jailed")
    refused_on_chain(w3, who, sl.functions.unjail(), "Slashing: validator is not jailed",
                     lambda: (c(sl.functions.jailed(who.address)), c(sl.functions.jailedUntil(who.address))))

    # The checks behind the caller checks, reached by eth_call from the privileged address itself
    # (eth_call needs no signature, so it can speak as the system or a contract; nothing is committed).
    escrow, slashing = Web3.to_checksum_address(ADDRESS["Escrow"]), Web3.to_checksum_address(ADDRESS["Slashing"])
    refused(sl.functions.recordSignatures([v0], [True, False]), SYSTEM,
            "Slashing: validators and signed differ in length")
    refused(sl.functions.slashDoubleSign(v0, w3.eth.block_number + 100, b"\x07" * 32), SYSTEM,
            "Slashing: infraction block is in the future")
    refused(sl.functions.slashOperator(env.dev[1].address, 10_001, 2, 0, ZERO), escrow, "Slashing: penalty above 10000 bps")
    refused(sl.functions.slashOperator(env.dev[1].address, 10_001, 3, 0, ZERO), Web3.to_checksum_address(ADDRESS["Oracle"]),
            "Slashing: penalty above 10000 bps")
    refused(st.functions.slash(v0, 5, 1, 0, ZERO), slashing, "Staking: only roles 1-4 can be slashed")
    refused(st.functions.slash(v0, 0, 1, 0, ZERO), slashing, "Staking: only roles 1-4 can be slashed")
    # Role 4 cuts the validator's delegations by `amount` basis points.
    delegated = c(st.functions.validators(v0))[3]
    assert accepted(st.functions.slash(v0, DELEGATION, 100, 0, ZERO), slashing) == delegated * 100 // 10_000
    assert accepted(st.functions.slash(v0, VALIDATOR, 5 * ATH, 0, ZERO), slashing) == 5 * ATH
    accepted(sl.functions.slashOperator(env.dev[1].address, 10_000, 2, 0, ZERO), escrow)
    accepted(sl.functions.recordSignatures([v0], [True]), SYSTEM)


# ---------------------------------------------------------------- rewards

def test_rewards_accrue_every_block_and_are_claimed_exactly(env):
    """The node mints the block reward into Staking each block (system call
    mintReward from 0x…fffe) and splits it: validators by power, delegators
    after commission. If this fails at the first assertion, the per-block
    mintReward system call is not wired into the node (ProtocolHooks)."""
    w3, st = env.w3, env.staking
    v0, deleg = env.v0, env.acct["deleg"]
    if c(st.functions.delegation(v0.address, deleg.address)) == 0:  # when run without the delegation test
        ok(w3, deleg, st.functions.delegate(v0.address), value=1_000 * ATH)
    start = w3.eth.block_number
    p0, d0 = c(st.functions.pendingRewards(v0.address)), c(st.functions.pendingRewards(deleg.address))
    wait_for_block(w3, start + 3)
    p1, d1 = c(st.functions.pendingRewards(v0.address)), c(st.functions.pendingRewards(deleg.address))
    assert p1 > p0, (f"pendingRewards(dev account 0) stayed at {p0} over blocks {start}..{w3.eth.block_number}: "
                     "the node does not mint the block reward into Staking (mintReward system call not wired)")
    assert d1 > d0, "a delegator of dev account 0 earns nothing: rewards do not reach delegators"
    # Never more than the validators' share of the block rewards minted meanwhile.
    per_block = env.p["blockReward"] * (10_000 - env.p["computeRewardShareBps"] - env.p["checkerRewardShareBps"]) // 10_000
    blocks = w3.eth.block_number - start + 1
    assert (p1 - p0) + (d1 - d0) <= per_block * blocks

    # Claims: the RewardsClaimed amount is at least what was pending, and the balance moves by exactly
    # it minus gas (plus the priority fees of its block: dev account 0 proposes, so it is the coinbase).
    for account, pending in ((v0, p1), (deleg, d1)):
        before = w3.eth.get_balance(account.address)
        r = ok(w3, account, st.functions.claimRewards())
        (ev,) = decoded(st, r, "RewardsClaimed")
        assert ev["account"] == account.address and ev["amount"] >= pending
        tips = coinbase_tips(w3, r.blockNumber, account.address)
        assert w3.eth.get_balance(account.address) - before == ev["amount"] - fee(r) + tips
        assert c(st.functions.pendingRewards(account.address)) < ev["amount"]
        if account is v0:
            gas_line("claimRewards", r)

    # An account with nothing accrued cannot claim.
    refused(st.functions.claimRewards(), NOBODY, "Staking: no rewards to claim")
    chk1 = env.acct["chk1"]  # a checker with no attestations: nothing in the checker pool
    refused_on_chain(w3, chk1, st.functions.claimRewards(), "Staking: no rewards to claim",
                     lambda: c(st.functions.pendingRewards(chk1.address)))


# ---------------------------------------------------------------- downtime: jail, slash, unjail

def test_absent_validator_is_jailed_and_slashed_then_unjails(env):
    """The validator registered by the fixture joins the epoch's set at the
    next epoch boundary and never signs (only the node's own validator does).
    After downtimeWindow recorded blocks, signing < minSignedBps, it is jailed
    for jailBlocks and loses downtimeSlashBps of its self stake to the
    treasury; it may unjail once the jail is over and its self stake is back
    at the minimum. Needs the per-block recordSignatures system call."""
    w3, st, sl, p = env.w3, env.staking, env.slashing, env.p
    a = env.absent
    window, epoch_length = p["downtimeWindow"], p["epochLength"]
    joined = (env.absent_receipt.blockNumber // epoch_length + 1) * epoch_length
    wait_for_block(w3, joined + 1)
    # The node serves the epoch's set (ath_validators) as Staking fixed it.
    served = w3.provider.make_request("ath_validators", [])["result"]
    if not c(sl.functions.jailed(a.address)):
        accounts = {w3.to_checksum_address(v["account"]): v for v in served["validators"]}
        assert int(served["epoch"], 16) == c(st.functions.epoch())
        assert env.v0.address in accounts
        assert a.address in accounts and int(accounts[a.address]["power"], 16) == p["validatorMinStake"]
        assert accounts[a.address]["consensusKey"] == "0x" + env.absent_key.hex()
    info = c(sl.functions.signingInfo(a.address))
    assert info[2] > 0 or c(sl.functions.jailed(a.address)), (
        f"no signatures recorded for the validator in the epoch set since block {joined}: signingInfo {info} "
        "(the recordSignatures system call is not wired into the node)")
    if not c(sl.functions.jailed(a.address)):
        assert info[0] == window and info[3] == info[2], f"every recorded block must count as missed: {info}"
        v0_info = c(sl.functions.signingInfo(env.v0.address))
        assert v0_info[2] > 0 and v0_info[3] == 0, f"the proposer signs every block: {v0_info}"
        assert a.address in [x[0] for x in c(st.functions.epochValidatorSet())]

    # Jailed on the block that completes the window (the window's first block is the epoch's first).
    jail_block = joined + window - 1
    until_expected = jail_block + p["jailBlocks"]
    deadline = time.time() + 90
    while not c(sl.functions.jailed(a.address)):
        assert time.time() < deadline and w3.eth.block_number <= jail_block + 20, \
            f"not jailed by block {w3.eth.block_number}: signingInfo {c(sl.functions.signingInfo(a.address))}"
        time.sleep(0.1)
    until = c(sl.functions.jailedUntil(a.address))
    assert until == until_expected, f"jailed until {until}, expected {until_expected} (jailed in block {jail_block})"
    slashed = p["validatorMinStake"] * p["downtimeSlashBps"] // 10_000
    assert slashed == 10 * ATH
    v = c(st.functions.validators(a.address))
    assert (v[2], v[4], v[5], v[6], v[7]) == (p["validatorMinStake"] - slashed, until, True, False, True)
    assert c(st.functions.bondedStake(a.address, VALIDATOR)) == p["validatorMinStake"] - slashed
    assert c(st.functions.bonded(a.address)) == p["validatorMinStake"] - slashed
    assert c(st.functions.stakeAt(a.address, jail_block)) == p["validatorMinStake"] - slashed
    assert c(st.functions.stakeAt(a.address, jail_block - 1)) == p["validatorMinStake"]
    assert w3.eth.get_balance(ADDRESS_GOVERNANCE) - env.governance_start == slashed  # the treasury gets it
    assert c(sl.functions.signingInfo(a.address)) == [window, 0, 0, 0]  # the window restarts
    assert a.address not in [x[0] for x in c(st.functions.validatorSet())]
    # System calls leave no receipt; where the node serves their logs, they must say the same.
    jailed_logs = sl.events.DowntimeJailed().get_logs(from_block=jail_block, to_block=jail_block)
    for log in jailed_logs:
        assert dict(log.args) == {"validator": a.address, "missed": window, "windowSize": window,
                                  "slashed": slashed, "untilBlock": until}
    print(f"downtime: jailed in block {jail_block} until {until}; DowntimeJailed logs served: {len(jailed_logs)}")

    # Unjail: refused while jailed, refused with too little self stake, then allowed.
    refused(sl.functions.unjail(), a, f"Slashing: jailed until block {until}")
    refused_on_chain(w3, a, sl.functions.unjail(), f"Slashing: jailed until block {until}",
                     lambda: (c(sl.functions.jailed(a.address)), c(st.functions.validators(a.address))))
    wait_for_block(w3, until)
    refused(sl.functions.unjail(), a, "Slashing: self stake below the validator minimum")
    refused_on_chain(w3, a, sl.functions.unjail(), "Slashing: self stake below the validator minimum",
                     lambda: (c(sl.functions.jailed(a.address)), c(st.functions.validators(a.address))))
    ok(w3, a, st.functions.addStake(VALIDATOR), value=slashed)
    r = ok(w3, a, sl.functions.unjail())
    assert [dict(x) for x in decoded(sl, r, "Unjailed")] == [{"validator": a.address}]
    assert [dict(x) for x in decoded(st, r, "JailChanged")] == [{"validator": a.address, "jailed": False, "untilBlock": 0}]
    assert not c(sl.functions.jailed(a.address)) and c(sl.functions.jailedUntil(a.address)) == 0
    v = c(st.functions.validators(a.address))
    assert (v[2], v[4], v[5]) == (p["validatorMinStake"], 0, False)
    assert a.address in [x[0] for x in c(st.functions.validatorSet())]
    info = c(sl.functions.signingInfo(a.address))
    assert info[2] <= w3.eth.block_number - r.blockNumber, f"the window must restart on unjail: {info}"
    refused(sl.functions.unjail(), a, "Slashing: validator is not jailed")
