"""Crash safety and determinism of `athd dev`.

SIGKILL at random moments under a steady transaction load, 20 times: every
transaction whose receipt the client saw is still there after the restart,
every accepted transaction not yet mined is mined after it (the pool's
journal),
the height never goes back, and the node reopens (it checks the state root
of its head block before serving). Then every block is exported and
re-executed by a second node process, which checks all roots at every height.
"""
import random
import subprocess
import time

import requests

from athnode import CHAIN_ID, DevNode, dev_keys


def rpc(url, method, *params):
    r = requests.post(url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}, timeout=10)
    body = r.json()
    if "error" in body:
        raise RuntimeError(f"{method}: {body['error']}")
    return body["result"]


def test_sigkill_under_load_loses_nothing_committed(athd_bin, tmp_path):
    rng = random.Random(20261126)
    home = tmp_path / "a"
    node = DevNode(athd_bin, home, ["--block-time-ms", "100"]).start()
    senders = dev_keys(8)[4:8]
    sink = "0x000000000000000000000000000000000000ABcD"
    seen = {}          # tx hash -> (block number, block hash)
    waiting = []
    max_height = 0
    value = 1
    try:
        for round_ in range(20):
            # "pending": the pool's transactions, replayed from its journal after a restart, count too
            nonces = {a.address: int(rpc(node.url, "eth_getTransactionCount", a.address, "pending"), 16) for a in senders}
            base = int(rpc(node.url, "eth_getBlockByNumber", "latest", False)["baseFeePerGas"], 16)
            deadline = time.time() + rng.uniform(0.3, 1.2)
            while time.time() < deadline:
                for a in senders:
                    tx = {"type": 2, "chainId": CHAIN_ID, "nonce": nonces[a.address], "to": sink, "value": value,
                          "gas": 21000, "maxFeePerGas": 3 * base, "maxPriorityFeePerGas": 1}
                    value += 1
                    raw = a.sign_transaction(tx).raw_transaction
                    waiting.append(rpc(node.url, "eth_sendRawTransaction", "0x" + raw.hex()))
                    nonces[a.address] += 1
                still = []
                for h in waiting:
                    r = rpc(node.url, "eth_getTransactionReceipt", h)
                    if r is None:
                        still.append(h)
                    else:
                        assert r["status"] == "0x1"
                        seen[h] = (r["blockNumber"], r["blockHash"])
                waiting = still
                max_height = max(max_height, int(rpc(node.url, "eth_blockNumber"), 16))
                time.sleep(0.02)
            node.kill()
            # every accepted transaction is journaled before its hash is returned: those not yet
            # mined stay in `waiting` and must still be mined after the restart
            node = DevNode(athd_bin, home, ["--block-time-ms", "100"]).start()
            height = int(rpc(node.url, "eth_blockNumber"), 16)
            assert height >= max_height, f"round {round_}: height went back from {max_height} to {height}"
            for h, (number, block_hash) in seen.items():
                r = rpc(node.url, "eth_getTransactionReceipt", h)
                assert r is not None, f"round {round_}: receipt of {h} lost"
                assert (r["blockNumber"], r["blockHash"]) == (number, block_hash)
        assert len(seen) > 100, f"only {len(seen)} receipts seen: the load did not run"
        deadline = time.time() + 30
        while waiting and time.time() < deadline:
            waiting = [h for h in waiting if rpc(node.url, "eth_getTransactionReceipt", h) is None]
            time.sleep(0.2)
        assert not waiting, f"{len(waiting)} accepted transactions were lost across the SIGKILLs: {waiting[:3]}"
    finally:
        assert node.stop() == 0

    # Determinism: a second process re-executes every block and checks its roots.
    archive = tmp_path / "blocks.rlp"
    out = subprocess.run([athd_bin, "export", "--home", str(home), "--out", str(archive)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    other = tmp_path / "b"
    assert subprocess.run([athd_bin, "init", "--home", str(other)], capture_output=True, timeout=60).returncode == 0
    out = subprocess.run([athd_bin, "import", "--home", str(other), str(archive)], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    node = DevNode(athd_bin, home, ["--block-time-ms", "100000"]).start()
    twin = DevNode(athd_bin, other, ["--block-time-ms", "100000"]).start()
    try:
        head = int(rpc(node.url, "eth_blockNumber"), 16)
        assert int(rpc(twin.url, "eth_blockNumber"), 16) == head
        for n in range(0, head + 1, max(1, head // 50)):
            a = rpc(node.url, "eth_getBlockByNumber", hex(n), False)
            b = rpc(twin.url, "eth_getBlockByNumber", hex(n), False)
            assert (a["hash"], a["stateRoot"]) == (b["hash"], b["stateRoot"])
    finally:
        node.stop()
        twin.stop()
