"""Reads at past blocks against the same reads at the head, on `athd dev`.

    history_bench.py ATHD [--blocks 10000] [--block-time-ms 10] [--reads 2000] [--rounds 3]

Starts `athd dev` (full history) in a temporary home and, while it makes
BLOCKS blocks, keeps nine dev accounts sending transfers to 200 addresses
and writes to a contract's storage, so that the history tables hold real
change sets. Then times READS `eth_getBalance` and READS `eth_call`
(a storage read) at the head and at random past blocks, in JSON-RPC
batches of 100 over one kept-alive connection, ROUNDS times alternating,
keeping each side's best. Prints one line:

    history-reads blocks=... balance_head_per_s=... balance_past_per_s=... balance_ratio=...
        call_head_per_s=... call_past_per_s=... call_ratio=... history_bytes=... bytes_per_block=...
        entries_per_block=...

A ratio is the past-block rate over the head's (goal: at least 0.5).
"""
import argparse
import os
import random
import re
import sys
import tempfile
import threading
import time

import requests
from eth_account import Account
from eth_hash.auto import keccak
from eth_utils import to_checksum_address

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "Tests", "Interop"))
from athnode import CHAIN_ID, DevNode, compile_vyper, dev_keys  # noqa: E402

SOURCE = """
# pragma version 0.4.3

values: public(HashMap[uint256, uint256])
stored: public(uint256)

@external
def store(k: uint256, v: uint256):
    self.values[k] = v
    self.stored = v
"""


def rpc(session, url, method, *params):
    body = session.post(url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)},
                        timeout=60).json()
    if "error" in body:
        raise RuntimeError(f"{method}: {body['error']}")
    return body["result"]


def batch(session, url, calls):
    body = [{"jsonrpc": "2.0", "id": i, "method": m, "params": p} for i, (m, p) in enumerate(calls)]
    replies = session.post(url, json=body, timeout=120).json()
    for r in replies:
        if "error" in r:
            raise RuntimeError(f"batch call failed: {r['error']}")
    return replies


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("athd")
    ap.add_argument("--blocks", type=int, default=10_000)
    ap.add_argument("--block-time-ms", type=int, default=10)
    ap.add_argument("--reads", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()

    home = tempfile.mkdtemp(prefix="history-bench-")
    node = DevNode(args.athd, os.path.join(home, "home"), ["--block-time-ms", str(args.block_time_ms)]).start()
    stop = threading.Event()
    try:
        url = node.url
        s = requests.Session()
        senders = dev_keys(10)[1:]
        abi_bytecode = compile_vyper(SOURCE, home)
        bytecode = abi_bytecode[1]
        deployer = senders[0]
        base = int(rpc(s, url, "eth_getBlockByNumber", "latest", False)["baseFeePerGas"], 16)
        fee = {"maxFeePerGas": 4 * base + 2 * 10**9, "maxPriorityFeePerGas": 2 * 10**9, "chainId": CHAIN_ID}
        nonce = int(rpc(s, url, "eth_getTransactionCount", deployer.address, "latest"), 16)
        signed = deployer.sign_transaction({"nonce": nonce, "gas": 500_000, "data": bytecode, "value": 0, **fee})
        tx_hash = rpc(s, url, "eth_sendRawTransaction", signed.raw_transaction.to_0x_hex())
        while True:
            receipt = rpc(s, url, "eth_getTransactionReceipt", tx_hash)
            if receipt:
                break
            time.sleep(0.05)
        contract = to_checksum_address(receipt["contractAddress"])
        targets = [Account.create().address for _ in range(200)]
        store_selector = "0x" + keccak(b"store(uint256,uint256)")[:4].hex()

        failures = []

        def load():
            try:
                send_load()
            except Exception as e:  # reported after the run: the history would be empty
                failures.append(e)
                stop.set()

        def send_load():
            """Each sender: one transfer or one storage write per block, roughly."""
            ls = requests.Session()
            nonces = {a.address: int(rpc(ls, url, "eth_getTransactionCount", a.address, "pending"), 16) for a in senders}
            rng = random.Random(7)
            while not stop.is_set():
                raws = []
                for a in senders:
                    n = nonces[a.address]
                    if rng.random() < 0.5:
                        tx = {"nonce": n, "gas": 21000, "to": rng.choice(targets), "value": rng.randrange(1, 10**15),
                              **fee}
                    else:
                        data = store_selector + rng.randrange(64).to_bytes(32, "big").hex() \
                            + rng.randrange(1, 2**64).to_bytes(32, "big").hex()
                        tx = {"nonce": n, "gas": 100_000, "to": contract, "value": 0, "data": data, **fee}
                    raws.append(a.sign_transaction(tx).raw_transaction.to_0x_hex())
                    nonces[a.address] = n + 1
                try:
                    batch(ls, url, [("eth_sendRawTransaction", [r]) for r in raws])
                except RuntimeError:
                    for a in senders:
                        nonces[a.address] = int(rpc(ls, url, "eth_getTransactionCount", a.address, "pending"), 16)
                time.sleep(args.block_time_ms / 1000)

        loader = threading.Thread(target=load, daemon=True)
        loader.start()
        started = time.time()
        last = 0
        while True:
            head = int(rpc(s, url, "eth_blockNumber"), 16)
            if failures:
                raise RuntimeError(f"the transaction load stopped: {failures[0]!r}")
            if head >= args.blocks:
                break
            if head - last >= 1000:
                print(f"  history bench: block {head} of {args.blocks} ({time.time() - started:.0f} s)", file=sys.stderr)
                last = head
            time.sleep(1)
        stop.set()
        loader.join()
        head = int(rpc(s, url, "eth_blockNumber"), 16)

        rng = random.Random(11)
        values_selector = "0x" + keccak(b"values(uint256)")[:4].hex()
        def calls(kind, past):
            out = []
            for _ in range(args.reads):
                block = hex(rng.randrange(1, head)) if past else "latest"
                if kind == "balance":
                    out.append(("eth_getBalance", [rng.choice(targets), block]))
                else:
                    key = rng.randrange(64).to_bytes(32, "big").hex()
                    out.append(("eth_call", [{"to": contract, "data": values_selector + key}, block]))
            return out

        def timed(kind, past):
            work = calls(kind, past)
            t0 = time.perf_counter()
            for i in range(0, len(work), 100):
                batch(s, url, work[i:i + 100])
            return len(work) / (time.perf_counter() - t0)

        best = {}
        for _ in range(args.rounds):
            for kind in ("balance", "call"):
                for past in (False, True):
                    rate = timed(kind, past)
                    best[(kind, past)] = max(best.get((kind, past), 0), rate)

        metrics = requests.get(node.metrics_url, timeout=30).text
        def metric(name):
            m = re.search(rf"^{name} (\S+)$", metrics, re.M)
            return float(m.group(1)) if m else 0.0
        history_bytes = metric("ath_state_history_bytes")
        entries = metric("ath_state_history_entries")
        print(f"history-reads blocks={head} "
              f"balance_head_per_s={best[('balance', False)]:.0f} balance_past_per_s={best[('balance', True)]:.0f} "
              f"balance_ratio={best[('balance', True)] / best[('balance', False)]:.2f} "
              f"call_head_per_s={best[('call', False)]:.0f} call_past_per_s={best[('call', True)]:.0f} "
              f"call_ratio={best[('call', True)] / best[('call', False)]:.2f} "
              f"history_bytes={history_bytes:.0f} bytes_per_block={history_bytes / max(head, 1):.0f} "
              f"entries_per_block={entries / max(head, 1):.1f}")
    finally:
        stop.set()
        node.stop()


if __name__ == "__main__":
    main()
