"""EVM speed against revm (pyrevm) on the programs in shared/evm-bench.

    evm_bench.py ATH_BIN [EVM_BENCH_DIR] [--pairs N]

For each program, runs revm and our VM interleaved (N pairs, default 5),
keeps the best time per side and prints revm_time / our_time (above 1.0:
ours is faster). Our side is timed inside `ath evm run --bench 1 --json`, so
process start-up is not counted; revm's side is timed around
`EVM.message_call`, so Python's call overhead is counted against revm
(microseconds, against runs of milliseconds).
"""
import json
import os
import subprocess
import sys
import time

from pyrevm import EVM, AccountInfo

CALLER = "0x1000000000000000000000000000000000000001"
TARGET = "0x2000000000000000000000000000000000000002"
GAS = 2**62


def word(n):
    return n.to_bytes(32, "big")


PROGRAMS = [
    # name, file, kind, calldata
    ("Loop N=10^7", "Loop.bin", "runtime", word(10**7)),
    ("KeccakChain N=10^5", "KeccakChain.bin", "runtime", word(10**5)),
    ("Fib(27)", "Fib.bin", "runtime", word(27)),
    ("SnailTracer", "SnailTracer.bin", "create", bytes.fromhex("30627b7c")),
    ("ERC20Transfer", "ERC20Transfer.bin", "create", bytes.fromhex("30627b7c")),
    ("TenThousandHashes", "TenThousandHashes.bin", "create", bytes.fromhex("30627b7c")),
]


def load(path):
    text = open(path).read().strip()
    return bytes.fromhex(text[2:] if text.startswith("0x") else text)


def revm_once(code, kind, calldata):
    evm = EVM(spec_id="CANCUN")
    evm.insert_account_info(CALLER, AccountInfo(balance=10**30))
    if kind == "runtime":
        evm.insert_account_info(TARGET, AccountInfo(code=code))
        target = TARGET
    else:
        target = evm.deploy(CALLER, code, gas=GAS)
    start = time.perf_counter()
    out = evm.message_call(CALLER, target, calldata, gas=GAS)
    elapsed = time.perf_counter() - start
    return elapsed, bytes(out)


def ours_once(ath, path, kind, calldata):
    args = [ath, "evm", "run", "--code-file", path, "--calldata", calldata.hex(), "--gas", str(GAS),
            "--bench", "1", "--json"]
    if kind == "create":
        args.append("--deploy")
    r = subprocess.run(args, capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        raise SystemExit(f"ath evm run failed: {r.stderr.strip()}")
    result = json.loads(r.stdout)
    return result["seconds_per_run"], bytes.fromhex(result["output"][2:])


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    pairs = 5
    if "--pairs" in sys.argv:
        pairs = int(sys.argv[sys.argv.index("--pairs") + 1])
        args = [a for a in args if a != str(pairs)]
    ath = args[0]
    folder = args[1] if len(args) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "shared", "evm-bench")
    print(f"{'program':24} {'revm ms':>10} {'ours ms':>10} {'ratio':>7}  goal ≥ 1.0 (not done below 0.67)")
    worst = None
    for name, file, kind, calldata in PROGRAMS:
        path = os.path.join(folder, file)
        code = load(path)
        best_revm = best_ours = float("inf")
        for _ in range(pairs):
            t, out_revm = revm_once(code, kind, calldata)
            best_revm = min(best_revm, t)
            t, out_ours = ours_once(ath, path, kind, calldata)
            best_ours = min(best_ours, t)
            if out_revm != out_ours:
                raise SystemExit(f"{name}: outputs differ: revm {out_revm.hex()} ours {out_ours.hex()}")
        ratio = best_revm / best_ours
        worst = ratio if worst is None else min(worst, ratio)
        print(f"{name:24} {best_revm * 1e3:10.2f} {best_ours * 1e3:10.2f} {ratio:7.2f}", flush=True)
    print(f"lowest ratio: {worst:.2f}")


if __name__ == "__main__":
    main()
