"""Hostile and malformed JSON-RPC input against a real `athd dev`.

Every request gets the right error (code and message), none changes the
state, and 10,000 transactions with bad signatures leave the node's memory
bounded.
"""
import json
import time
import random

import pytest
import requests
from eth_account import Account

from athnode import CHAIN_ID, DevNode, dev_keys

SINK = "0x000000000000000000000000000000000000ABcD"
KEY = dev_keys(10)[9]          # only this suite uses account 9
OTHER = dev_keys(9)[8]


@pytest.fixture(scope="module")
def node(athd_bin, tmp_path_factory):
    n = DevNode(athd_bin, tmp_path_factory.mktemp("bad") / "home", ["--block-time-ms", "200"]).start()
    # Block 0 must be history for the "historical block" case.
    deadline = time.time() + 30
    while int(post(n, {"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber", "params": []}).json()["result"], 16) < 1:
        assert time.time() < deadline, "the node made no block in 30 s"
        time.sleep(0.05)
    yield n
    assert n.stop() == 0


def post(node, body, raw=False):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return requests.post(node.url, data=data, headers={"Content-Type": "application/json"}, timeout=30)


def call(node, method, *params):
    return post(node, {"jsonrpc": "2.0", "id": 7, "method": method, "params": list(params)}).json()


def signed(tx, key=KEY):
    return "0x" + Account.sign_transaction(tx, key.key).raw_transaction.hex()


def fee_tx(**over):
    tx = {"type": 2, "chainId": CHAIN_ID, "nonce": 0, "to": SINK, "value": 1, "gas": 21000,
          "maxFeePerGas": 10**11, "maxPriorityFeePerGas": 10**9}
    tx.update(over)
    return tx


def snapshot(node):
    """What must not change: balances and nonces of the accounts the suite touches."""
    out = {}
    for a in (KEY.address, OTHER.address, SINK):
        out[a] = (call(node, "eth_getBalance", a, "latest")["result"],
                  call(node, "eth_getTransactionCount", a, "latest")["result"])
    return out


A = "0x" + "11" * 20
H = "0x" + "22" * 32

# (name, request body or raw text, expected code, expected message fragment)
ENVELOPE_CASES = [
    ("truncated JSON", '{"jsonrpc":"2.0","id":1,', -32700, "parse error"),
    ("not JSON", "hello", -32700, "parse error"),
    ("empty body", "", -32700, "parse error"),
    ("trailing comma", '{"jsonrpc":"2.0","id":1,"method":"eth_chainId",}', -32700, "parse error"),
    ("invalid UTF-8", b'{"jsonrpc":"2.0","id":1,"method":"eth_chainId\xff"}', -32700, "parse error"),
    ("deep nesting", "[" * 200 + "]" * 200, -32700, "parse error"),
    ("lone surrogate", '{"jsonrpc":"2.0","id":1,"method":"\\ud800"}', -32700, "parse error"),
    ("empty batch", "[]", -32600, "empty batch"),
    ("wrong version", {"jsonrpc": "1.0", "id": 1, "method": "eth_chainId"}, -32600, "invalid request"),
    ("no version", {"id": 1, "method": "eth_chainId"}, -32600, "invalid request"),
    ("no method", {"jsonrpc": "2.0", "id": 1}, -32600, "invalid request"),
    ("method is a number", {"jsonrpc": "2.0", "id": 1, "method": 5}, -32600, "invalid request"),
    ("params is a string", {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": "x"}, -32600, "params"),
    ("id is an object", {"jsonrpc": "2.0", "id": {}, "method": "eth_chainId"}, -32600, "invalid request"),
    ("request is a number", "42", -32600, "invalid request"),
    ("unknown method", {"jsonrpc": "2.0", "id": 1, "method": "eth_mine"}, -32601, "does not exist"),
    ("unknown namespace", {"jsonrpc": "2.0", "id": 1, "method": "admin_peers"}, -32601, "does not exist"),
    ("subscribe over HTTP", {"jsonrpc": "2.0", "id": 1, "method": "eth_subscribe", "params": ["newHeads"]},
     -32601, "notifications not supported"),
]

# (name, method, params, expected code, expected message fragment)
PARAM_CASES = [
    ("balance: no params", "eth_getBalance", [], -32602, "missing value"),
    ("balance: short address", "eth_getBalance", ["0x1234", "latest"], -32602, "invalid argument 0"),
    ("balance: no 0x", "eth_getBalance", ["11" * 20, "latest"], -32602, "without 0x prefix"),
    ("balance: address as number", "eth_getBalance", [12, "latest"], -32602, "invalid argument 0"),
    ("balance: bad tag", "eth_getBalance", [A, "newest"], -32602, "invalid argument 1"),
    ("balance: 300-bit block", "eth_getBalance", [A, "0x1" + "0" * 75], -32602, "invalid argument 1"),
    ("balance: leading zero", "eth_getBalance", [A, "0x01"], -32602, "leading zero"),
    ("balance: future block", "eth_getBalance", [A, "0xffffffff"], -32000, "header not found"),
    ("balance: too many args", "eth_getBalance", [A, "latest", 1], -32602, "too many arguments"),
    ("balance: non-hex address", "eth_getBalance", ["0x" + "zz" * 20, "latest"], -32602, "invalid argument 0"),
    ("nonce: bool block", "eth_getTransactionCount", [A, True], -32602, "invalid argument 1"),
    ("code: block object", "eth_getCode", [A, {}], -32602, "invalid argument 1"),
    ("storage: bad slot", "eth_getStorageAt", [A, "slot", "latest"], -32602, "invalid argument 1"),
    ("storage: huge slot", "eth_getStorageAt", [A, "0x1" + "0" * 70, "latest"], -32602, "invalid argument 1"),
    ("tx by hash: short", "eth_getTransactionByHash", ["0x1234"], -32602, "invalid argument 0"),
    ("receipt: number", "eth_getTransactionReceipt", [5], -32602, "invalid argument 0"),
    ("block: full is a string", "eth_getBlockByNumber", ["latest", "yes"], -32602, "invalid argument 1"),
    ("block: empty object tag", "eth_getBlockByNumber", [{}, False], -32602, "invalid argument 0"),
    ("block by hash: odd hex", "eth_getBlockByHash", ["0x123", False], -32602, "invalid argument 0"),
    ("raw tx: not hex", "eth_sendRawTransaction", ["0xzz"], -32602, "invalid argument 0"),
    ("raw tx: odd length", "eth_sendRawTransaction", ["0x123"], -32602, "invalid argument 0"),
    ("raw tx: no params", "eth_sendRawTransaction", [], -32602, "missing value"),
    ("raw tx: empty", "eth_sendRawTransaction", ["0x"], -32000, ""),
    ("raw tx: random bytes", "eth_sendRawTransaction", ["0x" + "ab" * 40], -32000, ""),
    ("raw tx: blob type", "eth_sendRawTransaction", ["0x03c0"], -32000, "blob"),
    ("raw tx: unknown type", "eth_sendRawTransaction", ["0x05c0"], -32000, ""),
    ("call: not an object", "eth_call", ["0x00", "latest"], -32602, "invalid argument 0"),
    ("call: unknown field", "eth_call", [{"to": A, "colour": "red"}, "latest"], -32602, "unknown field"),
    ("call: bad to", "eth_call", [{"to": "0x12"}, "latest"], -32602, "invalid argument 0"),
    ("call: gas above cap", "eth_call", [{"to": A, "gas": "0xffffffffffff"}, "latest"], -32000, "above the cap"),
    ("call: data and input differ", "eth_call", [{"to": A, "data": "0x01", "input": "0x02"}, "latest"], -32000,
     "both \"data\" and \"input\""),
    ("call: gasPrice and maxFee", "eth_call", [{"to": A, "gasPrice": "0x1", "maxFeePerGas": "0x1"}], -32000,
     "both gasPrice"),
    ("call: value beyond balance", "eth_call", [{"from": A, "to": SINK, "value": "0x1000"}, "latest"], -32000,
     "insufficient funds"),
    ("call: invalid opcode", "eth_call", [{"input": "0xfe"}, "latest"], -32000, "invalid opcode"),
    ("call: future block", "eth_call", [{"to": A}, "0xffffffff"], -32000, "header not found"),
    ("balance: unknown block hash", "eth_getBalance", [A, H], -32000, "header for hash"),
    ("balance: unknown hash object", "eth_getBalance", [A, {"blockHash": H}], -32000, "header for hash"),
    ("balance: 31-byte hash", "eth_getBalance", [A, "0x" + "11" * 31], -32602, "invalid argument 1"),
    ("proof: keys not a list", "eth_getProof", [A, "0x0", "latest"], -32602, "array of storage keys"),
    ("proof: too many keys", "eth_getProof", [A, ["0x0"] * 1025, "latest"], -32602, "at most 1024"),
    ("proof: bad key", "eth_getProof", [A, ["slot"], "latest"], -32602, "invalid argument 1"),
    ("estimate: reverts", "eth_estimateGas", [{"input": "0x60006000fd"}], 3, "execution reverted"),
    ("logs: range too wide", "eth_getLogs", [{"fromBlock": "0x0", "toBlock": "0xfffff"}], -32000, "block range"),
    ("logs: five topics", "eth_getLogs", [{"topics": [None] * 5}], -32602, "too many topics"),
    ("logs: hash and range", "eth_getLogs", [{"blockHash": H, "fromBlock": "0x0"}], -32602, "cannot specify both"),
    ("logs: unknown field", "eth_getLogs", [{"from": "0x0"}], -32602, "unknown filter field"),
    ("logs: bad address", "eth_getLogs", [{"address": ["0x12"]}], -32602, "invalid argument 0"),
    ("logs: unknown block hash", "eth_getLogs", [{"blockHash": H}], -32000, "unknown block"),
    ("fee history: zero blocks", "eth_feeHistory", ["0x0", "latest", []], -32602, "at least 1"),
    ("fee history: descending", "eth_feeHistory", ["0x2", "latest", [50, 10]], -32602, "ascend"),
    ("fee history: over 100", "eth_feeHistory", ["0x2", "latest", [101]], -32602, "between 0 and 100"),
    ("sha3: not hex", "web3_sha3", ["hello"], -32602, "without 0x prefix"),
]


@pytest.mark.parametrize("name,body,code,fragment", ENVELOPE_CASES, ids=[c[0] for c in ENVELOPE_CASES])
def test_envelope_errors(node, name, body, code, fragment):
    r = post(node, body)
    assert r.status_code == 200
    err = r.json()
    assert isinstance(err, dict), err
    assert err["error"]["code"] == code and fragment in err["error"]["message"], err
    if code == -32700:
        assert err["id"] is None


@pytest.mark.parametrize("name,method,params,code,fragment", PARAM_CASES, ids=[c[0] for c in PARAM_CASES])
def test_parameter_errors(node, name, method, params, code, fragment):
    err = call(node, method, *params)
    assert "error" in err, err
    assert err["error"]["code"] == code and fragment in err["error"]["message"], err
    if code == 3:
        assert err["error"]["data"] == "0x"


def test_transaction_rules_and_state_untouched(node):
    before = snapshot(node)
    nonce = int(call(node, "eth_getTransactionCount", KEY.address, "latest")["result"], 16)
    fresh = Account.create()
    cases = [
        (signed(fee_tx(nonce=nonce, chainId=CHAIN_ID + 1)), "invalid chain id"),
        (signed(fee_tx(nonce=nonce, maxFeePerGas=10, maxPriorityFeePerGas=1)), "max fee per gas less than block base fee"),
        (signed(fee_tx(nonce=nonce, maxPriorityFeePerGas=10**12)), "max priority fee per gas higher than max fee per gas"),
        (signed(fee_tx(nonce=nonce, gas=20_000)), "intrinsic gas too low"),
        (signed(fee_tx(nonce=nonce, gas=40_000_000)), "exceeds block gas limit"),
        (signed(fee_tx(nonce=0), key=fresh), "insufficient funds for gas * price + value"),
        (signed(fee_tx(nonce=nonce, value=10**30)), "insufficient funds for gas * price + value"),
        (signed(fee_tx(nonce=nonce, data="0x" + "00" * (200 * 1024), gas=10_000_000)), "oversized data"),
        (signed({"nonce": nonce, "gasPrice": 10**10, "gas": 21000, "to": SINK, "value": 1}), "invalid chain id"),
    ]
    for raw, fragment in cases:
        err = call(node, "eth_sendRawTransaction", raw)
        assert "error" in err and err["error"]["code"] == -32000 and fragment in err["error"]["message"], (fragment, err)

    # High-S: flip s to n - s (and the parity), which EIP-2 forbids.
    tx = Account.sign_transaction(fee_tx(nonce=nonce), KEY.key)
    n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
    import rlp
    fields = rlp.decode(bytes(tx.raw_transaction[1:]))
    s_value = n - int.from_bytes(fields[-1], "big")
    fields[-1] = s_value.to_bytes((s_value.bit_length() + 7) // 8, "big")
    fields[-3] = b"" if fields[-3] == b"\x01" else b"\x01"
    high_s = "0x02" + rlp.encode(fields).hex()
    err = call(node, "eth_sendRawTransaction", high_s)
    assert err["error"]["code"] == -32000 and "invalid sender" in err["error"]["message"], err

    # A nonce gap is queued, not executed.
    gap = call(node, "eth_sendRawTransaction", signed(fee_tx(nonce=nonce + 5, to=OTHER.address)))
    assert "result" in gap
    # Replacement: same nonce, same hash, then a cheaper fee, then a 10% bump.
    first = signed(fee_tx(nonce=nonce + 6, value=2))
    assert "result" in call(node, "eth_sendRawTransaction", first)
    assert "already known" in call(node, "eth_sendRawTransaction", first)["error"]["message"]
    cheaper = signed(fee_tx(nonce=nonce + 6, value=3, maxPriorityFeePerGas=10**9 + 1))
    assert "replacement transaction underpriced" in call(node, "eth_sendRawTransaction", cheaper)["error"]["message"]
    bumped = signed(fee_tx(nonce=nonce + 6, value=4, maxFeePerGas=11 * 10**10, maxPriorityFeePerGas=11 * 10**8))
    assert "result" in call(node, "eth_sendRawTransaction", bumped)

    # Oversized body and oversized batch.
    r = post(node, b'{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":["' + b"a" * (6 << 20) + b'"]}')
    assert r.status_code == 413
    batch = [{"jsonrpc": "2.0", "id": i, "method": "eth_chainId"} for i in range(1001)]
    err = post(node, batch).json()
    assert isinstance(err, dict) and err["error"]["code"] == -32600 and "batch too large" in err["error"]["message"]
    ok = post(node, batch[:1000]).json()
    assert len(ok) == 1000 and all(x["result"] == hex(CHAIN_ID) for x in ok)

    import time
    time.sleep(0.6)  # several blocks
    assert snapshot(node) == before
    assert int(call(node, "eth_getTransactionCount", KEY.address, "latest")["result"], 16) == nonce


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def test_ten_thousand_bad_signatures_keep_memory_bounded(node):
    before = snapshot(node)
    rng = random.Random(5)
    template = Account.sign_transaction(fee_tx(nonce=0), OTHER.key).raw_transaction
    start = rss_kib(node.proc.pid)
    sent = 0
    for b in range(10):
        batch = []
        for i in range(1000):
            raw = bytearray(template)
            # Corrupt a byte of s so recovery fails or yields another, unfunded account.
            raw[-1 - rng.randrange(28)] ^= 1 + rng.randrange(255)
            batch.append({"jsonrpc": "2.0", "id": i, "method": "eth_sendRawTransaction", "params": ["0x" + raw.hex()]})
        replies = post(node, batch).json()
        assert len(replies) == 1000
        for rep in replies:
            # Either the signature does not recover, or it recovers an unfunded account.
            assert "error" in rep, rep
            assert rep["error"]["code"] == -32000
            msg = rep["error"]["message"]
            assert "invalid sender" in msg or "insufficient funds" in msg, msg
        sent += len(batch)
    grown = rss_kib(node.proc.pid) - start
    assert sent == 10_000
    assert grown < 64 * 1024, f"RSS grew by {grown} KiB"
    assert snapshot(node) == before
