"""Throughput and finality of a 4-validator `athd` network on this machine.

    network_bench.py ATHD [--validators 4] [--senders 200] [--per-sender 50] [--block-time-ms 300]
                          [--paced-rate 1000] [--paced-seconds 5] [--blocks] [--log-level L] [--keep]

Writes a testnet (`athd testnet`) in a temporary folder, starts every
validator, funds SENDERS fresh accounts from the dev accounts and pre-signs
their transfers (eth-account). Two phases, each transfer sent to one
validator (senders spread over all of them) in JSON-RPC batches, committed
blocks watched on validator 0:

- burst: SENDERS x PER_SENDER transfers sent at once, as fast as the nodes
  take them; committed transfers per second from the first send until the
  last is committed (tx_per_s), and their time to finality (burst_*);
- paced: PACED_RATE transfers per second for PACED_SECONDS, below capacity;
  the median and p99 time from a transfer's submission until it is in a
  committed block seen by validator 0 (finality_median_ms, finality_p99_ms;
  blocks are final when committed).

Prints one line: `network validators=... block_time_ms=... txs=... seconds=...
tx_per_s=... burst_finality_median_ms=... burst_finality_p99_ms=...
paced_rate=... paced_txs=... finality_median_ms=... finality_p99_ms=...`.
"""
import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import requests

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "Tests", "Interop"))
from node_load import batch, fund_senders, rpc, sign_transfers  # noqa: E402

CHAIN_ID = 7332


def port_base(count):
    """A base port with count*10+3 free ports above it."""
    for base in range(30000, 60000, 997):
        free = True
        for p in range(base, base + count * 10 + 3):
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", p))
                except OSError:
                    free = False
                    break
        if free:
            return base
    raise RuntimeError("no free port range")


def set_config(path, values):
    text = open(path).read()
    for key, value in values.items():
        text, n = re.subn(rf"(?m)^{key} = .*$", f"{key} = {value}", text)
        if n != 1:
            raise RuntimeError(f"{path}: no single {key} line")
    open(path, "w").write(text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("athd")
    ap.add_argument("--validators", type=int, default=4)
    ap.add_argument("--senders", type=int, default=200)
    ap.add_argument("--per-sender", type=int, default=50)
    ap.add_argument("--block-time-ms", type=int, default=300)
    ap.add_argument("--paced-rate", type=int, default=1000, help="transfers per second in the paced phase")
    ap.add_argument("--paced-seconds", type=float, default=5.0)
    ap.add_argument("--blocks", action="store_true", help="print each block's height, transfers and time to stderr")
    ap.add_argument("--log-level", default="warning", help="the nodes' log level")
    ap.add_argument("--keep", action="store_true", help="keep the testnet folder and node logs; print where")
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="athd-network-bench-")
    procs = []
    try:
        base = port_base(args.validators)
        subprocess.run([args.athd, "testnet", "--validators", str(args.validators), "--dir", work,
                        "--starting-port", str(base)], check=True, capture_output=True)
        urls = []
        for i in range(args.validators):
            home = os.path.join(work, f"node{i}")
            set_config(os.path.join(home, "config", "config.toml"), {
                "interval_ms": args.block_time_ms, "timeout_propose_ms": 1000, "timeout_prevote_ms": 500,
                "timeout_precommit_ms": 500, "timeout_delta_ms": 250, "level": f'"{args.log_level}"'})
            log = open(os.path.join(work, f"node{i}.log"), "ab")
            procs.append(subprocess.Popen([args.athd, "start", "--home", home], stdout=log, stderr=log))
            urls.append(f"http://127.0.0.1:{base + 10 * i + 1}")
        s = requests.Session()
        deadline = time.time() + 60
        while True:
            try:
                if all(int(rpc(s, u, "eth_blockNumber"), 16) >= 2 for u in urls):
                    break
            except requests.RequestException:
                pass
            if time.time() > deadline:
                raise RuntimeError("the network did not start")
            time.sleep(0.2)

        url0 = urls[0]
        base_fee = int(rpc(s, url0, "eth_getBlockByNumber", "latest", False)["baseFeePerGas"], 16)
        fee = {"maxFeePerGas": 4 * base_fee, "maxPriorityFeePerGas": 1}
        funders, senders = fund_senders(s, url0, args.senders, fee, CHAIN_ID)
        # Pre-sign: per validator, its senders' transfers in nonce order;
        # the burst first, then the paced phase's.
        paced_total = int(args.paced_rate * args.paced_seconds)
        paced_per_sender = (paced_total + len(senders) - 1) // len(senders)
        per_node = [[] for _ in urls]
        paced = []
        for nonce in range(args.per_sender + paced_per_sender):
            for j, item in enumerate(sign_transfers(senders, nonce, funders[0].address, fee, CHAIN_ID)):
                if nonce < args.per_sender:
                    per_node[j % len(urls)].append(item)
                else:
                    paced.append((j % len(urls), item))
        paced = paced[:paced_total]
        seen = {}
        stop = threading.Event()
        t0 = time.time()

        def watch():
            sess = requests.Session()
            height = int(rpc(sess, url0, "eth_blockNumber"), 16)
            while not stop.is_set():
                top = int(rpc(sess, url0, "eth_blockNumber"), 16)
                while height < top:
                    height += 1
                    block = rpc(sess, url0, "eth_getBlockByNumber", hex(height), False)
                    now = time.time()
                    if args.blocks:
                        print(f"block {height} txs={len(block['transactions'])} at={now - t0:.3f}", file=sys.stderr)
                    for h in block["transactions"]:
                        seen.setdefault(h.lower(), now)
                time.sleep(0.01)

        def wait_committed(submitted):
            deadline = time.time() + 600
            while len(seen.keys() & submitted.keys()) < len(submitted):
                if time.time() > deadline:
                    raise RuntimeError(f"only {len(seen.keys() & submitted.keys())} of {len(submitted)} transfers committed")
                time.sleep(0.05)
            latencies = sorted(seen[h] - submitted[h] for h in submitted)
            return (max(seen[h] for h in submitted), latencies[len(latencies) // 2],
                    latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))])

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()

        # Burst: everything at once, as fast as the nodes take it: throughput.
        burst = {}

        def send(url, items):
            sess = requests.Session()
            for k in range(0, len(items), 200):
                chunk = items[k:k + 200]
                now = time.time()
                for _, h in chunk:
                    burst[h.lower()] = now
                batch(sess, url, [r for r, _ in chunk])

        t0 = time.time()
        threads = [threading.Thread(target=send, args=(u, items)) for u, items in zip(urls, per_node)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        done, burst_median, burst_p99 = wait_committed(burst)
        total = len(burst)
        elapsed = done - t0

        # Paced: a steady PACED_RATE transfers per second spread over the
        # validators in 20 ms slices, below capacity: time to finality.
        steady = {}
        sessions = [requests.Session() for _ in urls]
        t1 = time.time()
        slice_s = 0.02
        k = 0
        while k < len(paced):
            due = int((time.time() - t1) * args.paced_rate) + 1
            chunk = paced[k:due]
            k = max(k, due)
            groups = {}
            for node, item in chunk:
                groups.setdefault(node, []).append(item)
            now = time.time()
            for node, items in groups.items():
                for _, h in items:
                    steady[h.lower()] = now
                batch(sessions[node], urls[node], [r for r, _ in items])
            time.sleep(max(0.0, slice_s - (time.time() - now)))
        _, median, p99 = wait_committed(steady)
        stop.set()
        print(f"network validators={len(urls)} block_time_ms={args.block_time_ms} txs={total} seconds={elapsed:.2f} "
              f"tx_per_s={int(total / elapsed)} burst_finality_median_ms={int(burst_median * 1000)} "
              f"burst_finality_p99_ms={int(burst_p99 * 1000)} paced_rate={args.paced_rate} paced_txs={len(steady)} "
              f"finality_median_ms={int(median * 1000)} finality_p99_ms={int(p99 * 1000)}")
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
