"""Helpers for driving the protocol contracts on a real `athd dev` with web3.py."""
import json
import os
import time

from web3.exceptions import ContractLogicError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ATH = 10**18
ORDER = ["Params", "Staking", "Slashing", "Escrow", "Oracle", "Governance"]
ADDRESS = {name: "0x%040x" % (0x1000 + i) for i, name in enumerate(ORDER)}


def devnet_genesis():
    """The devnet genesis with the protocol contracts, from Contracts/devnet.py and the artifacts."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("devnet", os.path.join(ROOT, "Contracts", "devnet.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.genesis_json()


def artifact(name):
    with open(os.path.join(ROOT, "Contracts", "artifacts", name + ".json")) as f:
        return json.load(f)


def contract(w3, name):
    return w3.eth.contract(address=w3.to_checksum_address(ADDRESS[name]), abi=artifact(name)["abi"])


def transact(w3, account, call, value=0, gas=None):
    """Signs `call` (a bound contract function) with `account`, sends it and
    returns the receipt; raises AssertionError when it reverts."""
    receipt = send(w3, account, call, value=value, gas=gas)
    assert receipt.status == 1, f"transaction reverted: {receipt.transactionHash.hex()}"
    return receipt


def send(w3, account, call, value=0, gas=None):
    tx = call.build_transaction({
        "from": account.address,
        "value": value,
        "nonce": w3.eth.get_transaction_count(account.address, "pending"),
        "chainId": w3.eth.chain_id,
        "gas": gas or 3_000_000,
        "maxFeePerGas": 4 * 10**9,
        "maxPriorityFeePerGas": 10**9,
    })
    signed = account.sign_transaction(tx)
    h = w3.eth.send_raw_transaction(signed.raw_transaction)
    return w3.eth.wait_for_transaction_receipt(h, timeout=30, poll_latency=0.05)


def revert_reason(w3, account, call, value=0):
    """The reason `call` reverts with, from eth_call; fails if it succeeds."""
    try:
        call.call({"from": account.address, "value": value})
    except ContractLogicError as e:
        return str(e.message if hasattr(e, "message") else e)
    raise AssertionError("the call succeeded; a revert was expected")


def wait_for_block(w3, number, timeout=60):
    deadline = time.time() + timeout
    while w3.eth.block_number < number:
        if time.time() > deadline:
            raise AssertionError(f"block {number} did not arrive in {timeout} s")
        time.sleep(0.05)


def events(contract_obj, receipt, name):
    """The decoded `name` events `contract_obj` emitted in `receipt` (their args)."""
    return [e.args for e in getattr(contract_obj.events, name)().process_receipt(receipt)]
