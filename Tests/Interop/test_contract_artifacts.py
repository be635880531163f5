"""The committed contract artifacts are exactly what the sources compile to."""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, "Contracts", "build.py")


def test_artifacts_match_a_fresh_compile():
    proc = subprocess.run([sys.executable, BUILD, "--check"], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_devnet_genesis_matches_the_artifacts():
    """Genesis/devnet.json and athd dev's embedded copy deploy the committed artifacts."""
    devnet = os.path.join(ROOT, "Contracts", "devnet.py")
    proc = subprocess.run([sys.executable, devnet, "--check"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_artifacts_carry_abi_and_both_bytecodes():
    folder = os.path.join(ROOT, "Contracts", "artifacts")
    names = sorted(f for f in os.listdir(folder) if f.endswith(".json"))
    assert names, "no artifacts committed"
    for name in names:
        with open(os.path.join(folder, name)) as f:
            a = json.load(f)
        assert a["compiler"] == "vyper 0.4.3" and a["evmVersion"] == "cancun", name
        assert a["bytecode"].startswith("0x") and a["bytecodeRuntime"].startswith("0x"), name
        assert len(a["bytecodeRuntime"]) // 2 - 1 <= 24576, name
        assert isinstance(a["abi"], list) and a["abi"], name
