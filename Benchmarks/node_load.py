"""Throughput of `athd dev` under a raw-transaction load (no web3 in the hot path).

    node_load.py ATHD [--senders 200] [--per-sender 50] [--block-time-ms 250]

Starts `athd dev` in a temporary home, funds SENDERS fresh accounts from the
dev accounts, pre-signs SENDERS x PER_SENDER transfers (eth-account), then
sends them as JSON-RPC batches over two connections and measures the time
from the first send until the last transfer is in a block. Prints one line:
`node-throughput txs=... seconds=... tx_per_s=...`.
"""
import argparse
import json
import os
import sys
import tempfile
import threading
import time

import requests
from eth_account import Account

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "Tests", "Interop"))
from athnode import CHAIN_ID, DevNode, dev_keys  # noqa: E402


def rpc(session, url, method, *params):
    r = session.post(url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}, timeout=60)
    body = r.json()
    if "error" in body:
        raise RuntimeError(f"{method}: {body['error']}")
    return body["result"]


def batch(session, url, raws):
    """Sends `raws` in one batch; retries those refused because the pool is full."""
    while raws:
        body = [{"jsonrpc": "2.0", "id": i, "method": "eth_sendRawTransaction", "params": [r]} for i, r in enumerate(raws)]
        replies = session.post(url, data=json.dumps(body), headers={"Content-Type": "application/json"},
                               timeout=120).json()
        retry = []
        for x in replies:
            if "error" in x:
                if "txpool is full" not in x["error"]["message"]:
                    raise RuntimeError(f"transaction refused: {x['error']}")
                retry.append(raws[x["id"]])
        raws = sorted(retry, key=raws.index)
        if raws:
            time.sleep(0.05)


def wait_nonce(session, url, address, nonce, timeout=300):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if int(rpc(session, url, "eth_getTransactionCount", address, "latest"), 16) >= nonce:
            return
        time.sleep(0.05)
    raise RuntimeError(f"{address} did not reach nonce {nonce}")


def fund_senders(session, url, count, fee, chain_id=CHAIN_ID):
    """Funds `count` fresh accounts with 100 ATH each from the dev accounts
    (one wave per dev account; the pool keeps 64 per sender, so count <= 640)
    and waits until every funding is committed. Returns (funders, senders)."""
    funders = dev_keys(10)
    senders = [Account.create() for _ in range(count)]
    waves = {}
    for i, acct in enumerate(senders):
        f = funders[i % len(funders)]
        n = waves.setdefault(f.address, 0)
        waves[f.address] = n + 1
        tx = {"type": 2, "chainId": chain_id, "nonce": n, "to": acct.address, "value": 10**20, "gas": 21000, **fee}
        batch(session, url, ["0x" + f.sign_transaction(tx).raw_transaction.hex()])
    for f in funders:
        if f.address in waves:
            wait_nonce(session, url, f.address, waves[f.address])
    return funders, senders


def sign_transfers(senders, nonce, to, fee, chain_id=CHAIN_ID):
    """One 1-wei transfer to `to` from each sender at `nonce`: [(raw hex, hash hex)]."""
    out = []
    for acct in senders:
        tx = {"type": 2, "chainId": chain_id, "nonce": nonce, "to": to, "value": 1, "gas": 21000, **fee}
        signed = acct.sign_transaction(tx)
        out.append(("0x" + signed.raw_transaction.hex(), "0x" + signed.hash.hex()))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("athd")
    ap.add_argument("--senders", type=int, default=200)
    ap.add_argument("--per-sender", type=int, default=50)
    ap.add_argument("--block-time-ms", type=int, default=250)
    args = ap.parse_args()

    home = tempfile.mkdtemp(prefix="athd-load-")
    node = DevNode(args.athd, os.path.join(home, "home"), ["--block-time-ms", str(args.block_time_ms),
                                                           "--log-level", "warning"]).start()
    s = requests.Session()
    try:
        url = node.url
        base = int(rpc(s, url, "eth_getBlockByNumber", "latest", False)["baseFeePerGas"], 16)
        fee = {"maxFeePerGas": 4 * base, "maxPriorityFeePerGas": 1}
        funders, senders = fund_senders(s, url, args.senders, fee)
        # Pre-sign the load.
        raws = [raw for nonce in range(args.per_sender)
                for raw, _ in sign_transfers(senders, nonce, funders[0].address, fee)]
        total = len(raws)
        start_height = int(rpc(s, url, "eth_blockNumber"), 16)
        t0 = time.time()
        # Two connections, each sending alternate slices in order (nonces stay in order per sender).
        def sender(part):
            sess = requests.Session()
            for c in part:
                batch(sess, url, c)
        # Keep per-sender nonce order: each sender's transactions always go
        # through the same connection (its slice of every nonce round).
        rounds = [raws[i * args.senders:(i + 1) * args.senders] for i in range(args.per_sender)]
        threads = [threading.Thread(target=sender, args=([r[j:j + 500] for r in rounds for j in range(0, len(r), 500)
                                                           if (j // 500) % 2 == k],)) for k in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        sent = time.time()
        for acct in senders:
            wait_nonce(s, url, acct.address, args.per_sender)
        done = time.time()
        end_height = int(rpc(s, url, "eth_blockNumber"), 16)
        elapsed = done - t0
        print(f"node-throughput txs={total} senders={args.senders} blocks={end_height - start_height} "
              f"send_seconds={sent - t0:.2f} seconds={elapsed:.2f} tx_per_s={int(total / elapsed)}")
    finally:
        node.stop()


if __name__ == "__main__":
    main()
