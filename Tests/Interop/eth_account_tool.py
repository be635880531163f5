"""eth-account as the reference client for the transaction cross-check.

    sign N SEED      print N random signed transactions of each type as JSON lines
                     {"type", "raw", "hash", "sender"}
    recover          read JSON lines {"raw", "sender", "hash"} on stdin and print one
                     JSON line per input: {"ok", "recovered", "hash"}

Used by Tests/AthTypesTests/EthAccountCrossCheckTests.swift.
"""
import json
import random
import sys

from eth_account import Account
from eth_account.typed_transactions import TypedTransaction
from eth_utils import keccak, to_checksum_address
from hexbytes import HexBytes

UINT256_MAX = 2**256 - 1


def random_fields(rng, tx_type):
    key = rng.randbytes(32)
    while int.from_bytes(key, "big") == 0 or int.from_bytes(key, "big") >= 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141:
        key = rng.randbytes(32)
    tx = {
        "nonce": rng.choice([0, 1, rng.randrange(2**16), rng.randrange(2**64 - 1)]),
        "gas": rng.choice([21000, rng.randrange(21000, 30_000_000), rng.randrange(2**64)]),
        "value": rng.choice([0, 1, rng.randrange(10**18), rng.randrange(UINT256_MAX)]),
        "data": rng.randbytes(rng.choice([0, 1, 4, 36, rng.randrange(300)])),
    }
    if rng.random() < 0.9:
        tx["to"] = to_checksum_address(rng.randbytes(20))
    price = rng.choice([0, 1, 10**9, rng.randrange(2**128)])
    if tx_type == 0:
        tx["gasPrice"] = price
        if rng.random() < 0.8:
            tx["chainId"] = rng.choice([1, 1337, 31337, rng.randrange(1, 2**32)])
    else:
        tx["type"] = tx_type
        tx["chainId"] = rng.choice([1, 1337, 31337, rng.randrange(1, 2**32)])
        tx["accessList"] = [
            {
                "address": to_checksum_address(rng.randbytes(20)),
                "storageKeys": ["0x" + rng.randbytes(32).hex() for _ in range(rng.randrange(3))],
            }
            for _ in range(rng.choice([0, 0, 1, 2, 3]))
        ]
        if tx_type == 1:
            tx["gasPrice"] = price
        else:
            tx["maxFeePerGas"] = price
            tx["maxPriorityFeePerGas"] = rng.randrange(price + 1)
    return key, tx


def sign(count, seed):
    rng = random.Random(seed)
    for tx_type in (0, 1, 2):
        for _ in range(count):
            key, tx = random_fields(rng, tx_type)
            signed = Account.sign_transaction(tx, key)
            print(json.dumps({
                "type": tx_type,
                "raw": "0x" + bytes(signed.raw_transaction).hex(),
                "hash": "0x" + bytes(signed.hash).hex(),
                "sender": Account.from_key(key).address,
            }))


def recover():
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        item = json.loads(line)
        raw = bytes.fromhex(item["raw"][2:])
        try:
            recovered = Account.recover_transaction(raw)
            ok = recovered.lower() == item["sender"].lower() and "0x" + keccak(raw).hex() == item["hash"]
            # eth-account must also parse the envelope into the same type.
            if raw[0] < 0x80:
                TypedTransaction.from_bytes(HexBytes(raw))
            print(json.dumps({"ok": ok, "recovered": recovered, "hash": "0x" + keccak(raw).hex()}))
        except Exception as e:  # report, do not stop: the caller counts failures
            print(json.dumps({"ok": False, "error": f"{type(e).__name__}: {e}"}))
        sys.stdout.flush()


if __name__ == "__main__":
    if sys.argv[1] == "sign":
        sign(int(sys.argv[2]), int(sys.argv[3]))
    elif sys.argv[1] == "recover":
        recover()
    else:
        sys.exit("usage: eth_account_tool.py sign N SEED | recover")
