"""Writes the devnet genesis with the protocol contracts from their artifacts.

    python Contracts/devnet.py [--out FILE]    # the genesis JSON (standard output by default)
    python Contracts/devnet.py --write         # Genesis/devnet.json and the copy athd dev embeds
    python Contracts/devnet.py --check         # exit 1 if either differs from a fresh write

`make contracts` runs --write after compiling; `make test` runs --check.
The embedded copy is Sources/AthNode/DevGenesis.swift (generated: edit this
file, not that one).

The devnet has ten prefunded dev accounts (key i = keccak256("ath devnet
account i"), 10,000 ATH each), the six protocol contracts at 0x…1000-0x…1005
created from their artifacts with the constructor arguments below, one
validator (dev account 0), one GPU operator (dev account 1) and three
checkers (dev accounts 2, 3, 4), whose stakes Staking holds from genesis.
Governance and unbonding periods are short so that a dev chain shows them in
seconds; everything else keeps the Params defaults.
"""
import argparse
import json
import os
import sys

from Crypto.Hash import keccak
from Crypto.PublicKey import ECC
from eth_abi import encode

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

ATH = 10**18
ORDER = ["Params", "Staking", "Slashing", "Escrow", "Oracle", "Governance"]
ADDRESS = {name: "0x%040x" % (0x1000 + i) for i, name in enumerate(ORDER)}

PARAM_OVERRIDES = [
    ("unbondingBlocks", 30),
    ("epochLength", 20),
    ("jailBlocks", 30),
    ("govDepositBlocks", 30),
    ("govVotingBlocks", 30),
    ("govTimelockBlocks", 10),
    ("challengeWindowBlocks", 20),
    ("appealBlocks", 10),
]

# Chain settings of the devnet.
CHAIN = {
    "chainId": 7331,
    "timestamp": 1767225600,
    "gasLimit": 30000000,
    "baseFeePerGas": "1000000000",
    "minBaseFeePerGas": "1000000000",
    "extraData": "0x",
}
DEV_ACCOUNTS = 10
DEV_BALANCE = 10_000 * ATH

GENESIS_PATH = os.path.join(ROOT, "Genesis", "devnet.json")
SWIFT_PATH = os.path.join(ROOT, "Sources", "AthNode", "DevGenesis.swift")

VALIDATOR_STAKE = 1_000 * ATH
OPERATOR_STAKE = 500 * ATH        # one class-1 GPU (24-80 GiB) at the default class price
CHECKER_STAKE = 100 * ATH


def keccak256(data):
    return keccak.new(digest_bits=256, data=data).digest()


def dev_address(i):
    from eth_account import Account
    return Account.from_key(keccak256(b"ath devnet account %d" % i)).address


def dev_consensus_key(i):
    """The ed25519 public key of seed keccak256("ath devnet validator i")."""
    key = ECC.construct(curve="Ed25519", seed=keccak256(b"ath devnet validator %d" % i))
    return key.public_key().export_key(format="raw")


def constructor_args():
    validator, operator = dev_address(0), dev_address(1)
    checkers = [dev_address(i) for i in (2, 3, 4)]
    return {
        "Params": [[(name, value) for name, value in PARAM_OVERRIDES]],
        "Staking": [
            [(validator, dev_consensus_key(0), 1000, VALIDATOR_STAKE)],
            [(operator, "NVIDIA H100 80GB HBM3", 1, 80, "http://127.0.0.1:8600", OPERATOR_STAKE)],
            [(c, "http://127.0.0.1:%d" % (8601 + k), CHECKER_STAKE) for k, c in enumerate(checkers)],
        ],
    }, VALIDATOR_STAKE + OPERATOR_STAKE + CHECKER_STAKE * len(checkers)


def abi_type(param):
    t = param["type"]
    if t.startswith("tuple"):
        inner = "(" + ",".join(abi_type(c) for c in param["components"]) + ")"
        return inner + t[len("tuple"):]
    return t


def init_code(artifact, args):
    ctor = next((e for e in artifact["abi"] if e.get("type") == "constructor"), None)
    inputs = ctor["inputs"] if ctor else []
    if len(inputs) != len(args):
        raise SystemExit(f"{artifact['contractName']}: the constructor takes {len(inputs)} arguments, devnet.py gives {len(args)}")
    encoded = encode([abi_type(p) for p in inputs], args) if inputs else b""
    return artifact["bytecode"] + encoded.hex()


def genesis_json():
    args, staked = constructor_args()
    alloc = {dev_address(i).lower(): {"balance": str(DEV_BALANCE)} for i in range(DEV_ACCOUNTS)}
    alloc[ADDRESS["Staking"]] = {"balance": str(staked)}
    contracts = []
    for name in ORDER:
        with open(os.path.join(HERE, "artifacts", name + ".json")) as f:
            artifact = json.load(f)
        contracts.append({"name": name, "address": ADDRESS[name], "initCode": init_code(artifact, args.get(name, []))})
    genesis = {
        "comment": "ATH devnet, written by Contracts/devnet.py: prefunded dev accounts whose keys athd dev prints "
                   "(key i = keccak256(\"ath devnet account i\")); the protocol contracts; dev account 0 validates "
                   "(consensus key: ed25519 seed keccak256(\"ath devnet validator 0\")), 1 operates a GPU, 2-4 check. "
                   "Never use these keys on a real network.",
        **CHAIN,
        "alloc": alloc,
        "contracts": contracts,
    }
    return json.dumps(genesis, indent=2) + "\n"


def swift_string(text):
    if not text.isascii() or any(c in text for c in '"\\') or not text.isprintable():
        raise SystemExit(f"{text!r} cannot go in a plain Swift string literal")
    return '"' + text + '"'


def swift_staking():
    """Staking's genesis arguments as a Swift `StakingGenesis` literal
    (Sources/AthNode/TestnetGenesis.swift), so that `athd testnet` can encode
    its own validator set next to the devnet's operator and checkers."""
    validators, operators, checkers = constructor_args()[0]["Staking"]
    address = lambda a: f'try! Address(hex: "{a.lower()}")'
    amount = lambda n: f'UInt256(decimal: "{n}")!'
    lines = ["StakingGenesis(", "        validators: ["]
    for account, key, commission, stake in validators:
        lines.append(f'            .init(account: {address(account)}, consensusKey: try! Hash32(hex: "0x{key.hex()}"),')
        lines.append(f"                  commissionBps: {commission}, stake: {amount(stake)}),")
    lines.append("        ],")
    lines.append("        operators: [")
    for account, model, count, memory, endpoint, stake in operators:
        lines.append(f"            .init(account: {address(account)}, gpuModel: {swift_string(model)}, gpuCount: {count},")
        lines.append(f"                  gpuMemoryGiB: {memory}, endpoint: {swift_string(endpoint)}, stake: {amount(stake)}),")
    lines.append("        ],")
    lines.append("        checkers: [")
    for account, endpoint, stake in checkers:
        lines.append(f"            .init(account: {address(account)}, endpoint: {swift_string(endpoint)}, stake: {amount(stake)}),")
    lines.append("        ])")
    return "\n".join(lines)


def staking_creation_code_count():
    with open(os.path.join(HERE, "artifacts", "Staking.json")) as f:
        code = json.load(f)["bytecode"]
    return (len(code) - 2) // 2


def swift_source(genesis):
    if '"""#' in genesis:
        raise SystemExit("the genesis text cannot go in a Swift raw string literal")
    return ("// Generated by Contracts/devnet.py from Contracts/artifacts: do not edit.\n"
            "// `make contracts` rewrites it; `make test` checks it is current.\n\n"
            "import AthPrimitives\n\n"
            "extension DevChain {\n"
            "    /// The embedded copy of `Genesis/devnet.json`.\n"
            "    public static let genesisJSON = #\"\"\"\n" + genesis + "\"\"\"#\n\n"
            "    /// How many leading bytes of the devnet's Staking initCode are the\n"
            "    /// contract's creation code (`Contracts/artifacts/Staking.json`\n"
            "    /// bytecode); the constructor arguments follow.\n"
            f"    public static let stakingCreationCodeCount = {staking_creation_code_count()}\n\n"
            "    /// The devnet's genesis stakes: the arguments its Staking initCode carries.\n"
            "    public static let stakingGenesis = " + swift_staking() + "\n}\n")


def outputs():
    text = genesis_json()
    return {GENESIS_PATH: text, SWIFT_PATH: swift_source(text)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="file to write (default: standard output)")
    parser.add_argument("--write", action="store_true", help="write Genesis/devnet.json and the embedded copy")
    parser.add_argument("--check", action="store_true", help="exit 1 if Genesis/devnet.json or the embedded copy is stale")
    a = parser.parse_args()
    if a.write or a.check:
        stale = []
        for path, text in outputs().items():
            current = open(path).read() if os.path.exists(path) else None
            if current == text:
                continue
            if a.check:
                stale.append(os.path.relpath(path, ROOT))
            else:
                with open(path, "w") as f:
                    f.write(text)
                print(f"wrote {os.path.relpath(path, ROOT)}")
        if stale:
            raise SystemExit("stale (run `make contracts`): " + ", ".join(stale))
        return
    text = genesis_json()
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
