"""Compiles the protocol contracts and writes their artifacts.

    python Contracts/build.py            # (re)write Contracts/artifacts/<Name>.json
    python Contracts/build.py --check    # exit 1 if a committed artifact differs from a fresh compile

Each artifact holds the contract name, the compiler and EVM version, the ABI,
the creation and runtime bytecode, and the keccak256 of the source it came
from. `make contracts` runs the first form; `make test` runs the second.
"""
import argparse
import json
import os
import subprocess
import sys

from Crypto.Hash import keccak

HERE = os.path.dirname(os.path.abspath(__file__))
ARTIFACTS = os.path.join(HERE, "artifacts")
COMPILER = "0.4.3"
EVM_VERSION = "cancun"
# Genesis order: each contract's constructor may read the ones before it.
CONTRACTS = ["Params", "Staking", "Slashing", "Escrow", "Oracle", "Governance"]


def vyper_binary():
    candidate = os.path.join(os.path.dirname(sys.executable), "vyper")
    return candidate if os.path.exists(candidate) else "vyper"


def compile_contract(name):
    path = os.path.join(HERE, name + ".vy")
    with open(path, "rb") as f:
        source = f.read()
    proc = subprocess.run(
        [vyper_binary(), "--evm-version", EVM_VERSION, "-f", "abi,bytecode,bytecode_runtime", path],
        capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{name}.vy does not compile:\n{proc.stderr.strip()}")
    lines = [l for l in proc.stdout.splitlines() if l.strip()]
    if len(lines) != 3:
        raise SystemExit(f"unexpected vyper output for {name}.vy:\n{proc.stdout}")
    abi, bytecode, runtime = json.loads(lines[0]), lines[1].strip(), lines[2].strip()
    if len(runtime) // 2 - 1 > 24576:
        raise SystemExit(f"{name}: runtime code is {len(runtime) // 2 - 1} bytes, above the 24,576-byte limit (EIP-170)")
    return {
        "contractName": name,
        "compiler": f"vyper {COMPILER}",
        "evmVersion": EVM_VERSION,
        "sourceKeccak256": "0x" + keccak.new(digest_bits=256, data=source).hexdigest(),
        "abi": abi,
        "bytecode": bytecode,
        "bytecodeRuntime": runtime,
    }


def render(artifact):
    return json.dumps(artifact, indent=2, sort_keys=False) + "\n"


def check_compiler():
    proc = subprocess.run([vyper_binary(), "--version"], capture_output=True, text=True)
    version = proc.stdout.strip()
    if not version.startswith(COMPILER):
        raise SystemExit(f"vyper {COMPILER} is required, found {version or 'none'} (make venv installs it)")


def present():
    return [n for n in CONTRACTS if os.path.exists(os.path.join(HERE, n + ".vy"))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed artifacts instead of writing")
    args = parser.parse_args()
    check_compiler()
    names = present()
    if not names:
        raise SystemExit("no contract sources in Contracts/")
    stale = []
    for name in names:
        fresh = render(compile_contract(name))
        target = os.path.join(ARTIFACTS, name + ".json")
        if args.check:
            try:
                with open(target) as f:
                    committed = f.read()
            except FileNotFoundError:
                committed = None
            if committed != fresh:
                stale.append(name if committed is not None else name + " (missing)")
            continue
        os.makedirs(ARTIFACTS, exist_ok=True)
        with open(target, "w") as f:
            f.write(fresh)
        print(f"{name}: {len(json.loads(fresh)['bytecodeRuntime']) // 2 - 1} bytes of runtime code -> {os.path.relpath(target)}")
    if args.check:
        if stale:
            print("artifacts differ from a fresh compile: " + ", ".join(stale) + " (run `make contracts`)", file=sys.stderr)
            sys.exit(1)
        print(f"{len(names)} artifacts match a fresh compile with vyper {COMPILER}")


if __name__ == "__main__":
    main()
