"""`athd dev` driven by web3.py and eth-account exactly as a user would."""
import asyncio

import pytest
from eth_account import Account
from web3 import AsyncWeb3
from web3.exceptions import ContractLogicError
from web3.providers.persistent import WebSocketProvider

from athnode import CHAIN_ID, compile_vyper, dev_keys

VYPER_SOURCE = """
# pragma version 0.4.3

event Stored:
    sender: indexed(address)
    value: uint256

stored: public(uint256)
owner: public(address)

@deploy
def __init__(initial: uint256):
    self.stored = initial
    self.owner = msg.sender

@external
def store(v: uint256):
    assert v != 13, "unlucky"
    self.stored = v
    log Stored(sender=msg.sender, value=v)
"""


@pytest.fixture(scope="module")
def contract_artifact(tmp_path_factory):
    return compile_vyper(VYPER_SOURCE, tmp_path_factory.mktemp("vyper"))


def send(w3, acct, tx):
    signed = acct.sign_transaction(tx)
    h = w3.eth.send_raw_transaction(signed.raw_transaction)
    assert h == signed.hash
    return w3.eth.wait_for_transaction_receipt(h, timeout=30, poll_latency=0.05)


def test_chain_identity(w3, node):
    assert w3.eth.chain_id == CHAIN_ID
    assert w3.net.version == str(CHAIN_ID)
    assert w3.client_version.startswith("athd/")
    assert "(0) " + dev_keys(1)[0].address in node.banner


def test_eip1559_and_legacy_transfers_to_the_wei(w3):
    alice, bob = dev_keys(3)[1:3]
    carol = Account.create().address
    start_alice, start_bob = w3.eth.get_balance(alice.address), w3.eth.get_balance(bob.address)
    nonce = w3.eth.get_transaction_count(alice.address)
    base = w3.eth.get_block("latest")["baseFeePerGas"]
    r1 = send(w3, alice, {"type": 2, "chainId": CHAIN_ID, "nonce": nonce, "to": carol, "value": 10**18 + 7,
                          "gas": 21000, "maxFeePerGas": 4 * base, "maxPriorityFeePerGas": 2 * 10**9})
    assert r1["status"] == 1 and r1["gasUsed"] == 21000 and r1["type"] == 2
    block1 = w3.eth.get_block(r1["blockNumber"])
    assert r1["effectiveGasPrice"] == block1["baseFeePerGas"] + 2 * 10**9
    r2 = send(w3, bob, {"chainId": CHAIN_ID, "nonce": w3.eth.get_transaction_count(bob.address), "to": carol,
                        "value": 5, "gas": 21000, "gasPrice": 3 * base})
    assert r2["status"] == 1 and r2["type"] == 0 and r2["effectiveGasPrice"] == 3 * base
    assert w3.eth.get_balance(carol) == 10**18 + 12
    assert w3.eth.get_balance(alice.address) == start_alice - (10**18 + 7) - 21000 * r1["effectiveGasPrice"]
    assert w3.eth.get_balance(bob.address) == start_bob - 5 - 21000 * r2["effectiveGasPrice"]
    assert w3.eth.get_transaction_count(alice.address) == nonce + 1
    tx = w3.eth.get_transaction(r1["transactionHash"])
    assert tx["from"] == alice.address and tx["to"] == carol and tx["value"] == 10**18 + 7
    assert tx["blockHash"] == r1["blockHash"]


def test_deploy_call_and_events(w3, node, contract_artifact):
    abi, bytecode = contract_artifact
    dev = dev_keys(4)[3]
    factory = w3.eth.contract(abi=abi, bytecode=bytecode)
    nonce = w3.eth.get_transaction_count(dev.address)
    fees = {"maxFeePerGas": 2 * w3.eth.get_block("latest")["baseFeePerGas"] + w3.eth.max_priority_fee,
            "maxPriorityFeePerGas": w3.eth.max_priority_fee}
    deploy = factory.constructor(5).build_transaction({"from": dev.address, "nonce": nonce, "chainId": CHAIN_ID, **fees})
    receipt = send(w3, dev, deploy)
    assert receipt["status"] == 1 and receipt["contractAddress"]
    address = receipt["contractAddress"]
    assert len(w3.eth.get_code(address)) > 0
    c = w3.eth.contract(address=address, abi=abi)
    assert c.functions.stored().call() == 5
    assert c.functions.owner().call() == dev.address

    # A log subscription over WebSocket sees the event when it is mined.
    async def watch_and_store():
        async with AsyncWeb3(WebSocketProvider(node.ws_url)) as aw3:
            sub = await aw3.eth.subscribe("logs", {"address": address})
            tx = c.functions.store(42).build_transaction(
                {"from": dev.address, "nonce": nonce + 1, "chainId": CHAIN_ID, **fees})
            receipt = await asyncio.to_thread(send, w3, dev, tx)
            async def first():
                async for msg in aw3.socket.process_subscriptions():
                    return msg
            msg = await asyncio.wait_for(first(), timeout=20)
            await aw3.eth.unsubscribe(sub)
            return msg, receipt
    msg, r = asyncio.run(watch_and_store())
    assert r["status"] == 1
    result = msg["result"]
    assert result["address"].lower() == address.lower()
    assert result["transactionHash"] == r["transactionHash"]

    assert c.functions.stored().call() == 42
    events = c.events.Stored.get_logs(from_block=0)
    assert [(e["args"]["sender"], e["args"]["value"]) for e in events] == [(dev.address, 42)]
    raw = w3.eth.get_logs({"fromBlock": r["blockNumber"], "toBlock": r["blockNumber"], "address": address})
    assert len(raw) == 1 and raw[0]["logIndex"] == 0 and raw[0]["transactionHash"] == r["transactionHash"]
    topic_filter = w3.eth.get_logs({"fromBlock": 0, "topics": [None, "0x" + "00" * 12 + dev.address[2:].lower()]})
    assert len(topic_filter) == 1

    # A reverting call reports the reason, as geth does.
    with pytest.raises(ContractLogicError, match="unlucky"):
        c.functions.store(13).call({"from": dev.address})
    # Gas estimation returns enough gas for the call to succeed.
    est = c.functions.store(7).estimate_gas({"from": dev.address})
    r3 = send(w3, dev, c.functions.store(7).build_transaction(
        {"from": dev.address, "nonce": nonce + 2, "chainId": CHAIN_ID, "gas": est, **fees}))
    assert r3["status"] == 1 and r3["gasUsed"] <= est
    assert w3.eth.get_transaction_count(dev.address) == nonce + 3


def test_blocks_and_fee_history(w3):
    latest = w3.eth.get_block("latest", full_transactions=True)
    assert latest["number"] == w3.eth.block_number or latest["number"] + 1 == w3.eth.block_number
    again = w3.eth.get_block(latest["hash"])
    assert again["number"] == latest["number"]
    assert w3.eth.get_block(0)["parentHash"] == b"\x00" * 32
    fh = w3.eth.fee_history(4, "latest", [25, 75])
    assert len(fh["baseFeePerGas"]) == len(fh["gasUsedRatio"]) + 1
    assert w3.eth.gas_price >= w3.eth.get_block("latest")["baseFeePerGas"]
