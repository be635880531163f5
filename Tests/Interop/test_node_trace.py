"""debug_trace* with geth's tracers against `athd dev`: the callTracer tree of
a job settlement (Oracle.submitReport into Escrow and Staking), the struct
logger checked step by step against revm (pyrevm) running the same
transaction on the pre-state our prestateTracer reports, diffMode, traces of
a call and of a whole block, and the refusals a hostile client meets."""
import json
import os
import subprocess
import sys

import pytest
from eth_account import Account
from web3 import Web3

from athnode import dynamic_fees as fees, rpc, send_signed as send, CHAIN_ID, compile_vyper
from protocol import ADDRESS, ATH, VALID, contract, run_valid_job

INNER = """
# pragma version 0.4.3

event Got:
    sender: indexed(address)
    amount: uint256

total: public(uint256)

@external
@payable
def take(v: uint256):
    self.total += v + msg.value
    log Got(sender=msg.sender, amount=msg.value)
"""

OUTER = """
# pragma version 0.4.3

interface Inner:
    def take(v: uint256): payable

inner: public(address)
calls: public(uint256)

@deploy
def __init__(inner: address):
    self.inner = inner

@external
@payable
def relay(v: uint256, words: uint256):
    buf: DynArray[uint256, 64] = []
    for i: uint256 in range(64):
        if i >= words:
            break
        buf.append(i * v)
    self.calls += 1
    extcall Inner(self.inner).take(v, value=msg.value)
    assert self.balance >= 0
"""



@pytest.fixture(scope="module")
def pair(w3, accounts, tmp_path_factory):
    """Outer relays a payable call into Inner; returns (outer, inner, the relay's receipt)."""
    dev = accounts[6]
    d = tmp_path_factory.mktemp("trace")
    abi_i, code_i = compile_vyper(INNER, mkdir(d / "i"))
    abi_o, code_o = compile_vyper(OUTER, mkdir(d / "o"))
    nonce = w3.eth.get_transaction_count(dev.address)
    ri = send(w3, dev, w3.eth.contract(abi=abi_i, bytecode=code_i).constructor().build_transaction(
        {"from": dev.address, "nonce": nonce, **fees(w3)}))
    inner = w3.eth.contract(address=ri["contractAddress"], abi=abi_i)
    ro = send(w3, dev, w3.eth.contract(abi=abi_o, bytecode=code_o).constructor(inner.address).build_transaction(
        {"from": dev.address, "nonce": nonce + 1, **fees(w3)}))
    outer = w3.eth.contract(address=ro["contractAddress"], abi=abi_o)
    r = send(w3, dev, outer.functions.relay(7, 40).build_transaction(
        {"from": dev.address, "nonce": nonce + 2, "value": 1000, **fees(w3)}))
    assert r["status"] == 1
    return outer, inner, r


def mkdir(p):
    os.makedirs(p, exist_ok=True)
    return p


def test_call_tracer_shows_the_nested_calls_of_a_relay(w3, pair):
    outer, inner, r = pair
    trace = rpc(w3, "debug_traceTransaction", r["transactionHash"].to_0x_hex(),
                {"tracer": "callTracer", "tracerConfig": {"withLog": True}})["result"]
    tx = w3.eth.get_transaction(r["transactionHash"])
    assert trace["type"] == "CALL" and trace["to"].lower() == outer.address.lower()
    assert int(trace["value"], 16) == 1000 and int(trace["gas"], 16) == tx["gas"]
    assert int(trace["gasUsed"], 16) == r["gasUsed"]
    (child,) = trace["calls"]
    assert child["type"] == "CALL" and child["from"].lower() == outer.address.lower()
    assert child["to"].lower() == inner.address.lower() and int(child["value"], 16) == 1000
    assert 0 < int(child["gasUsed"], 16) <= int(child["gas"], 16)
    (log,) = child["logs"]
    assert log["address"].lower() == inner.address.lower() and log["position"] == "0x0"
    assert "calls" not in rpc(w3, "debug_traceTransaction", r["transactionHash"].to_0x_hex(),
                              {"tracer": "callTracer", "tracerConfig": {"onlyTopCall": True}})["result"]


def test_call_tracer_on_a_job_settlement(w3, accounts):
    customer, operator, transmitter, checkers = accounts[5], accounts[1], accounts[8], accounts[2:5]
    job_id, receipts, paid, _ = run_valid_job(w3, customer, operator, transmitter, checkers, 2 * ATH, 100)

    # The payout is released by the node's system call: its event is in no
    # receipt, but eth_getLogs and ath_blockEvents serve it.
    escrow = contract(w3, "Escrow")
    found = escrow.events.PayoutReleased().get_logs(from_block=receipts["submitReport"]["blockNumber"],
                                                     argument_filters={"jobId": job_id})
    (released,) = [e for e in found if e["args"]["jobId"] == job_id]
    assert released["args"]["operator"] == operator.address and released["args"]["payout"] == paid
    block = w3.eth.get_block(released["blockNumber"])
    assert released["transactionIndex"] == len(block["transactions"])
    assert rpc(w3, "eth_getTransactionReceipt", released["transactionHash"].to_0x_hex())["result"] is None
    events = rpc(w3, "ath_blockEvents", hex(released["blockNumber"]))["result"]
    assert events["transactionHash"] == released["transactionHash"].to_0x_hex()
    mine = [e for e in events["events"] if int(e["logIndex"], 16) == released["logIndex"]]
    assert len(mine) == 1 and mine[0]["phase"] in ("begin", "end")
    assert mine[0]["address"].lower() == ADDRESS["Escrow"].lower()
    report = receipts["submitReport"]
    trace = rpc(w3, "debug_traceTransaction", report["transactionHash"].to_0x_hex(), {"tracer": "callTracer"})["result"]
    assert trace["to"].lower() == ADDRESS["Oracle"].lower() and "error" not in trace
    assert int(trace["gasUsed"], 16) == report["gasUsed"]

    def frames(f):
        yield f
        for c in f.get("calls", []):
            yield from frames(c)
    targets = {(f["type"], f["to"].lower()) for f in frames(trace)}
    assert ("CALL", ADDRESS["Escrow"].lower()) in targets, targets  # the Oracle settles the job in Escrow
    assert any(t == "STATICCALL" for t, _ in targets), targets
    for f in frames(trace):
        assert int(f["gasUsed"], 16) <= int(f["gas"], 16)


def test_struct_logger_matches_revm_on_the_prestate_the_node_reports(w3, pair, tmp_path):
    """The node's struct logger (dynamic gasCost: memory expansion, cold
    access, the gas a CALL hands on) equals revm's EIP-3155 trace of the same
    transaction on the pre-state our prestateTracer reports."""
    outer, inner, r = pair
    h = r["transactionHash"].to_0x_hex()
    ours = rpc(w3, "debug_traceTransaction", h, {"enableMemory": True})["result"]
    assert ours["gas"] == r["gasUsed"] and ours["failed"] is False
    steps = ours["structLogs"]
    assert any(s["op"] == "CALL" for s in steps) and any(s["depth"] == 2 for s in steps)
    assert any(s["op"] == "SSTORE" and s.get("storage") for s in steps)
    assert any(len(s.get("memory", [])) > 4 for s in steps), "the relay expands memory"

    pre = rpc(w3, "debug_traceTransaction", h, {"tracer": "prestateTracer"})["result"]
    tx = w3.eth.get_transaction(h)
    block = w3.eth.get_block(r["blockNumber"])
    case = {"env": {"currentNumber": hex(block["number"]), "currentCoinbase": block["miner"],
                    "currentTimestamp": hex(block["timestamp"]), "currentRandom": block["mixHash"].to_0x_hex(),
                    "currentBaseFee": hex(block["baseFeePerGas"]), "currentGasLimit": hex(block["gasLimit"])},
            "transaction": {"sender": tx["from"], "to": tx["to"], "data": [tx["input"].to_0x_hex()],
                            "value": [hex(tx["value"])], "gasLimit": [hex(tx["gas"])],
                            "gasPrice": hex(r["effectiveGasPrice"])},
            "pre": {a: {"balance": v["balance"], "nonce": hex(v.get("nonce", 0)), "code": v.get("code", "0x"),
                        "storage": v.get("storage", {})} for a, v in pre.items()}}
    fixture = tmp_path / "case.json"
    fixture.write_text(json.dumps({"relay": case}))
    revm = subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "revm_trace.py"), str(fixture)],
                          capture_output=True, text=True, timeout=120)
    assert revm.returncode == 0, revm.stderr
    theirs = [json.loads(l) for l in revm.stdout.splitlines() if l.startswith('{"pc"')]
    mine = [(s["pc"], s["op"], s["gas"], s["gasCost"], s["depth"]) for s in steps]
    yard = [(t["pc"], t["opName"], int(t["gas"], 16), int(t["gasCost"], 16), t["depth"]) for t in theirs]
    assert len(mine) == len(yard) > 50
    for i, (a, b) in enumerate(zip(mine, yard)):
        assert a == b, f"step {i}: ours {a}, revm {b}"


def test_prestate_diff_mode_shows_what_the_transaction_changed(w3, pair):
    outer, inner, r = pair
    diff = rpc(w3, "debug_traceTransaction", r["transactionHash"].to_0x_hex(),
               {"tracer": "prestateTracer", "tracerConfig": {"diffMode": True}})["result"]
    pre, post = diff["pre"], diff["post"]
    i = inner.address.lower()
    slot0 = "0x" + "00" * 32
    before = int(pre[i]["storage"][slot0], 16) if slot0 in pre[i].get("storage", {}) else 0
    assert int(post[i]["storage"][slot0], 16) == before + 7 + 1000
    assert int(post[i]["balance"], 16) == int(pre[i]["balance"], 16) + 1000
    sender = w3.eth.get_transaction(r["transactionHash"])["from"].lower()
    assert post[sender]["nonce"] == pre[sender].get("nonce", 0) + 1


def test_trace_call_and_block(w3, pair, accounts):
    outer, inner, r = pair
    dev = accounts[6]
    data = outer.functions.relay(3, 2)._encode_transaction_data()
    call = rpc(w3, "debug_traceCall", {"from": dev.address, "to": outer.address, "data": data, "value": "0x5"},
               hex(r["blockNumber"]), {"tracer": "callTracer"})["result"]
    assert call["calls"][0]["to"].lower() == inner.address.lower() and call["calls"][0]["value"] == "0x5"
    logged = rpc(w3, "debug_traceCall", {"from": dev.address, "to": outer.address, "data": data}, "latest")["result"]
    assert logged["failed"] is False and logged["structLogs"][0]["pc"] == 0 and len(logged["structLogs"]) > 100
    block = rpc(w3, "debug_traceBlockByNumber", hex(r["blockNumber"]), {"tracer": "callTracer"})["result"]
    hashes = [t["txHash"] for t in block]
    assert r["transactionHash"].to_0x_hex() in hashes
    by_hash = rpc(w3, "debug_traceBlockByHash", r["blockHash"].to_0x_hex(), {"tracer": "callTracer"})["result"]
    assert by_hash == block


def test_trace_requests_outside_the_rules_are_refused(w3, pair):
    _, _, r = pair
    h = r["transactionHash"].to_0x_hex()
    cases = [
        (["0x" + "33" * 32], -32000, "not found"),
        ([h, {"tracer": "4byteTracer"}], -32000, "is not supported"),
        ([h, {"tracer": "x" * 5000}], -32000, "is not supported"),
        ([h, {"limit": -1}], -32602, "limit"),
        ([h, {"limit": 10**9}], -32602, "limit"),
        ([h, {"enableMemory": "yes"}], -32602, "enableMemory"),
        ([h, "callTracer"], -32602, "config object"),
        ([h, {"tracer": "callTracer", "tracerConfig": 5}], -32602, "tracerConfig"),
    ]
    for params, code, fragment in cases:
        err = rpc(w3, "debug_traceTransaction", *params)["error"]
        assert err["code"] == code and fragment in err["message"], (params, err)
    assert len(str(rpc(w3, "debug_traceTransaction", h, {"tracer": "x" * 5000}))) < 500
    # A limit cuts the struct log short, as geth's does.
    short = rpc(w3, "debug_traceTransaction", h, {"limit": 5})["result"]
    assert len(short["structLogs"]) == 5
    err = rpc(w3, "debug_traceCall", {"to": Account.create().address}, "latest",
              {"tracer": "prestateTracer", "tracerConfig": {"diffMode": True}})["error"]
    assert "diffMode is served for transactions in blocks" in err["message"]
    assert rpc(w3, "debug_traceBlockByNumber", hex(w3.eth.block_number + 100))["error"]["message"] == "block not found"
