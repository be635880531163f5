"""The EVM through the CLI: deterministic traces across processes, and
hostile bytecode ending as a halt, never a crash."""
import json
import os
import subprocess

import pytest

FIXTURE = "GeneralStateTests/stExample/add11.json"


def run(ath_bin, *args):
    return subprocess.run([ath_bin, *args], capture_output=True, text=True, timeout=300)


def test_state_test_traces_are_identical_across_processes(ath_bin):
    base = os.environ.get("ETHEREUM_TESTS")
    if not base:
        pytest.fail("ETHEREUM_TESTS is not set (make test sets it)")
    path = os.path.join(base, FIXTURE)
    first = run(ath_bin, "conformance", "state", path, "--trace", "add11")
    second = run(ath_bin, "conformance", "state", path, "--trace", "add11")
    assert first.returncode == 0 and second.returncode == 0, first.stdout + first.stderr
    lines = first.stderr.splitlines()
    assert len(lines) > 5
    steps = [json.loads(l) for l in lines]
    assert {"pc", "op", "gas", "gasCost", "depth", "memSize", "stack"} <= steps[0].keys()
    assert steps[0]["pc"] == 0 and steps[0]["opName"] == "PUSH1"
    assert first.stderr == second.stderr


def test_evm_run_adds(ath_bin):
    # PUSH1 2 PUSH1 3 ADD PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN
    r = run(ath_bin, "evm", "run", "6002600301600052602060" + "00f3", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["status"] == "success" and int(out["output"], 16) == 5
    assert out["gas_used"] == 3 + 3 + 3 + 3 + 3 + 3 + 3 + 3  # six pushes, ADD, MSTORE(3 + 3 memory)


@pytest.mark.parametrize("code,reason", [
    ("fe", "invalid opcode"),
    ("01", "stack underflow"),
    ("600456", "invalid jump"),               # PUSH1 4 JUMP: past the end
    ("600456605b", "invalid jump"),           # PUSH1 4 JUMP PUSH1 0x5b: a JUMPDEST byte inside push data
    ("6001" + "7f" + "ff" * 32 + "52", "out of gas"),  # MSTORE at offset 2^256 - 1
    ("5b600056", "out of gas"),               # infinite loop
    ("6020600060003e", "return data out of bounds"),  # RETURNDATACOPY 32 bytes of empty return data
])
def test_hostile_bytecode_halts(ath_bin, code, reason):
    r = run(ath_bin, "evm", "run", code, "--gas", "100000", "--json")
    assert r.returncode != 0
    out = json.loads(r.stdout)
    assert out["status"].startswith("halt") and reason in out["status"], out
    assert out["gas_used"] == 100000


REVM_CASES = [
    "GeneralStateTests/stMemExpandingEIP150Calls/CallAndCallcodeConsumeMoreGasThenTransactionHasWithMemExpandingCalls.json",
    "GeneralStateTests/stMemExpandingEIP150Calls/DelegateCallOnEIPWithMemExpandingCalls.json",
]


@pytest.mark.parametrize("fixture", REVM_CASES, ids=[os.path.basename(c)[:-5] for c in REVM_CASES])
def test_trace_gas_costs_match_revm(ath_bin, fixture):
    """Each step's gasCost (memory expansion, cold access, the gas a call
    hands on) equals revm's (pyrevm's EIP-3155 tracer) on a state test."""
    import sys
    base = os.environ.get("ETHEREUM_TESTS")
    if not base:
        pytest.fail("ETHEREUM_TESTS is not set (make test sets it)")
    path = os.path.join(base, fixture)
    name = os.path.basename(fixture)[:-5]
    ours = run(ath_bin, "conformance", "state", path, "--trace", name)
    assert ours.returncode == 0, ours.stdout + ours.stderr
    revm = subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "revm_trace.py"), path],
                          capture_output=True, text=True, timeout=120)
    assert revm.returncode == 0, revm.stderr

    def steps(text):
        out = []
        for line in text.splitlines():
            if line.startswith('{"pc"'):
                d = json.loads(line)
                out.append((d["pc"], d["op"], int(d["gas"], 16), int(d["gasCost"], 16), d["depth"]))
        return out
    mine, theirs = steps(ours.stderr), steps(revm.stdout)
    assert len(mine) == len(theirs) > 10
    assert any(op in (0xf1, 0xf2, 0xf4) for _, op, _, _, _ in mine), "the case makes calls"
    for i, (a, b) in enumerate(zip(mine, theirs)):
        assert a == b, f"step {i}: ours {a}, revm {b}"
