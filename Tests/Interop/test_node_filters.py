"""Polled filters (web3.py's w3.eth.filter), eth_getBlockReceipts and the
txpool namespace against `athd dev`, and the bounds a hostile client meets."""
import time

import pytest
from eth_account import Account

from athnode import dynamic_fees as fees, rpc, send_signed as send, CHAIN_ID, compile_vyper, dev_keys

SOURCE = """
# pragma version 0.4.3

event Stored:
    value: uint256

@external
def store(v: uint256):
    log Stored(value=v)
"""



def test_a_block_filter_delivers_each_new_block_once(w3):
    f = w3.eth.filter("latest")
    start = w3.eth.block_number
    while w3.eth.block_number < start + 3:
        time.sleep(0.1)
    first = f.get_new_entries()
    assert len(first) >= 2
    numbers = [w3.eth.get_block(h)["number"] for h in first]
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers))) and numbers[0] <= start + 1
    while w3.eth.block_number < numbers[-1] + 2:
        time.sleep(0.1)
    second = f.get_new_entries()
    assert second and w3.eth.get_block(second[0])["number"] == numbers[-1] + 1
    assert w3.eth.uninstall_filter(f.filter_id) is True
    assert w3.eth.uninstall_filter(f.filter_id) is False


def test_a_log_filter_delivers_new_logs_and_all_of_them(w3, tmp_path):
    dev = dev_keys(6)[5]
    abi, bytecode = compile_vyper(SOURCE, tmp_path)
    nonce = w3.eth.get_transaction_count(dev.address)
    r = send(w3, dev, w3.eth.contract(abi=abi, bytecode=bytecode).constructor().build_transaction(
        {"from": dev.address, "nonce": nonce, **fees(w3)}))
    c = w3.eth.contract(address=r["contractAddress"], abi=abi)
    log_filter = c.events.Stored.create_filter(from_block=r["blockNumber"])
    raw_filter = w3.eth.filter({"address": c.address, "fromBlock": "latest"})
    for i, v in enumerate([42, 43]):
        send(w3, dev, c.functions.store(v).build_transaction({"from": dev.address, "nonce": nonce + 1 + i, **fees(w3)}))
    assert [e["args"]["value"] for e in log_filter.get_new_entries()] == [42, 43]
    assert log_filter.get_new_entries() == []
    send(w3, dev, c.functions.store(44).build_transaction({"from": dev.address, "nonce": nonce + 3, **fees(w3)}))
    assert [e["args"]["value"] for e in log_filter.get_new_entries()] == [44]
    assert [e["args"]["value"] for e in log_filter.get_all_entries()] == [42, 43, 44]
    assert len(raw_filter.get_new_entries()) == 3

    # A filter on another address sees none of them.
    other = w3.eth.filter({"address": Account.create().address})
    assert other.get_new_entries() == []
    for f in (log_filter, raw_filter, other):
        assert w3.eth.uninstall_filter(f.filter_id)


def test_a_pending_filter_delivers_admitted_transactions(w3):
    dev = dev_keys(7)[6]
    f = w3.eth.filter("pending")
    signed = dev.sign_transaction({"to": Account.create().address, "value": 1, "gas": 21000,
                                   "nonce": w3.eth.get_transaction_count(dev.address), **fees(w3)})
    h = w3.eth.send_raw_transaction(signed.raw_transaction)
    assert h in f.get_new_entries()
    w3.eth.wait_for_transaction_receipt(h, timeout=30)
    assert w3.eth.uninstall_filter(f.filter_id)


def test_filter_requests_outside_the_rules_are_refused(w3, node):
    unknown = rpc(w3, "eth_getFilterChanges", "0x" + "ab" * 16)
    assert unknown["error"] == {"code": -32000, "message": "filter not found"}
    bad = rpc(w3, "eth_getFilterChanges", 7)
    assert bad["error"]["code"] == -32602
    block_filter = rpc(w3, "eth_newBlockFilter")["result"]
    wrong = rpc(w3, "eth_getFilterLogs", block_filter)
    assert "not a log filter" in wrong["error"]["message"]
    assert rpc(w3, "eth_newFilter", {"colour": "red"})["error"]["code"] == -32602
    assert rpc(w3, "eth_newFilter", {"blockHash": "0x" + "22" * 32})["error"]["message"] == "unknown block"
    # One client may hold 64 filters; past that it is refused until it uninstalls one.
    ids = [block_filter]
    while True:
        reply = rpc(w3, "eth_newBlockFilter")
        if "error" in reply:
            break
        ids.append(reply["result"])
        assert len(ids) <= 64, "more than 64 filters from one client"
    assert reply["error"]["code"] == -32005 and "limit 64" in reply["error"]["message"], reply
    assert rpc(w3, "eth_uninstallFilter", ids[0])["result"] is True
    ids[0] = rpc(w3, "eth_newPendingTransactionFilter")["result"]
    for i in ids:
        assert rpc(w3, "eth_uninstallFilter", i)["result"] is True


def test_block_receipts_and_the_transaction_pool(w3):
    dev = dev_keys(8)[7]
    nonce = w3.eth.get_transaction_count(dev.address)
    to = Account.create().address
    # A gap: nonce+1 waits in the queue until nonce arrives.
    later = dev.sign_transaction({"to": to, "value": 2, "gas": 21000, "nonce": nonce + 1, **fees(w3)})
    w3.eth.send_raw_transaction(later.raw_transaction)
    status = rpc(w3, "txpool_status")["result"]
    assert int(status["queued"], 16) >= 1
    content = rpc(w3, "txpool_content")["result"]
    queued = {k.lower(): v for k, v in content["queued"].items()}[dev.address.lower()]
    assert queued[str(nonce + 1)]["hash"] == later.hash.to_0x_hex()
    r = send(w3, dev, {"to": to, "value": 1, "gas": 21000, "nonce": nonce, **fees(w3)})
    r2 = w3.eth.wait_for_transaction_receipt(later.hash, timeout=30)

    for block in {r["blockNumber"], r2["blockNumber"]}:
        receipts = w3.eth.get_block_receipts(block)
        assert receipts == [w3.eth.get_transaction_receipt(t) for t in w3.eth.get_block(block)["transactions"]]
    by_hash = rpc(w3, "eth_getBlockReceipts", r["blockHash"].to_0x_hex())["result"]
    assert [x["transactionHash"] for x in by_hash] == [t.to_0x_hex() for t in w3.eth.get_block(r["blockNumber"])["transactions"]]
    assert rpc(w3, "eth_getBlockReceipts", hex(w3.eth.block_number + 1000))["result"] is None
