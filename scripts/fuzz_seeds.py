"""Writes the seed corpora of the libFuzzer targets (`make fuzz`) into DIR/<target>/:
RLP and transactions from ../shared/ethereum-tests, genesis and JSON-RPC
bodies from this repository, gemm-i8 specs from docs/gemm_i8_reference.py,
and small hand-made messages for the rest. Usage: fuzz_seeds.py DIR [ETHEREUM_TESTS]"""
import glob
import hashlib
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "docs"))
import gemm_i8_reference as gemm  # noqa: E402


def write(directory, target, blobs):
    out = os.path.join(directory, target)
    os.makedirs(out, exist_ok=True)
    n = 0
    for blob in blobs:
        if isinstance(blob, str):
            blob = blob.encode()
        name = hashlib.sha1(blob).hexdigest()
        with open(os.path.join(out, name), "wb") as f:
            f.write(blob)
        n += 1
    return n


def hexbytes(text):
    text = text[2:] if text.startswith("0x") else text
    try:
        return bytes.fromhex(text)
    except ValueError:
        return None


def ethereum_rlp(tests):
    for path in glob.glob(os.path.join(tests, "RLPTests", "**", "*.json"), recursive=True):
        for case in json.load(open(path)).values():
            b = hexbytes(str(case.get("out", "")))
            if b is not None:
                yield b


def ethereum_transactions(tests, limit=3000):
    count = 0
    for path in sorted(glob.glob(os.path.join(tests, "TransactionTests", "**", "*.json"), recursive=True)):
        for case in json.load(open(path)).values():
            b = hexbytes(str(case.get("txbytes", "")))
            if b is not None:
                yield b
                count += 1
                if count >= limit:
                    return


def rlp_encode(item):
    if isinstance(item, bytes):
        if len(item) == 1 and item[0] < 0x80:
            return item
        return length_prefix(len(item), 0x80) + item
    body = b"".join(rlp_encode(x) for x in item)
    return length_prefix(len(body), 0xC0) + body


def length_prefix(n, offset):
    if n < 56:
        return bytes([offset + n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([offset + 55 + len(b)]) + b


def main():
    directory = sys.argv[1]
    tests = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "..", "..", "shared", "ethereum-tests")
    rlp = list(ethereum_rlp(tests))
    txs = list(ethereum_transactions(tests))
    root = os.path.join(os.path.dirname(__file__), "..")
    genesis = [open(os.path.join(root, "Genesis", "devnet.json"), "rb").read(),
               b'{"chainId": 1, "gasLimit": "0x1c9c380", "alloc": {}}']
    rpc = [b'{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}',
           b'[{"jsonrpc":"2.0","id":1,"method":"eth_call","params":[{"to":"0x0000000000000000000000000000000000000008","input":"0x00"},"latest"]},'
           b'{"jsonrpc":"2.0","method":"eth_subscribe","params":["logs",{"address":["0x0000000000000000000000000000000000001003"],"topics":[null,["0x'
           + b"ab" * 32 + b'"]]}]}]',
           b'{"jsonrpc":"2.0","id":"x\\u00e9\\ud83d\\ude00","method":"eth_getBalance","params":["0x' + b"00" * 20 + b'","0x1"]}',
           b'{"jsonrpc":"2.0","id":1e400,"method":"m","params":{"a":[1,2.5,-0,true,false,null]}}']
    specs = [gemm.spec_encoding(m, n, k, bytes([m % 256]) * 32, r)
             for (m, n, k, r) in [(1, 1, 1, 1), (8, 8, 8, 20), (512, 512, 512, 20), (3, 5, 7, 64)]]
    vote = rlp_encode([b"\x01", b"\x05", b"", b"\xab" * 32, b"", b"\x11" * 20, b"\x22" * 64])
    consensus = [bytes([k]) + vote for k in range(5)] + [bytes([k]) + r for k in range(5) for r in rlp[:20]]
    p2p = [bytes([0]) + b"ATHP" + (1).to_bytes(4, "big") + b"\x09" * 32,
           bytes([1]) + b"\x01" * 96, bytes([2]) + b"\x00" * 32, bytes([2]) + b"\x05" * 32,
           bytes([3]) + b"\x00" * 40, bytes([4]) + b"hello frame",
           bytes([5]) + rlp_encode([b"\x01", [[b"\xaa" * 32, b"127.0.0.1", b"\x66\xd0"]]])]
    attestation = [rlp_encode([b"\x01", [b"\x01", b"\xab" * 32, b"\x01", b"\x80", b"\x01"], b"\x01" * 65]),
                   rlp_encode([b"\x02", [b"\x11" * 20, b"\x04", b"\x23\x28", b"\x01"], b"\x01" * 65])]
    header_like = [bytes([0]) + b for b in rlp[:50]] + [bytes([1]) + rlp_encode([[t for t in txs[:3]], [b"\x11" * 20] * 3])]
    blocks = header_like + [bytes([2]) + rlp_encode([[b"\x01", b"\x52\x08", b"\x00" * 256, []]])]
    config = open(os.path.join(root, "Sources", "AthNode", "NodeHome.swift")).read()
    toml = config[config.index("[rpc]"):config.index('"""', config.index("[rpc]"))]
    node = ([bytes([0]) + rlp_encode([vote, b"\xc0"]), bytes([2]) + rlp_encode([b"\x05"]),
             bytes([3]) + rlp_encode([b"\x05", b"\xab" * 32]), bytes([4]) + rlp_encode(txs[:5]),
             bytes([5]) + rlp_encode([b"\x02", vote]), bytes([6]) + toml.encode()])
    counts = {
        "fuzz-rlp": write(directory, "fuzz-rlp", rlp),
        "fuzz-transaction": write(directory, "fuzz-transaction", txs),
        "fuzz-block": write(directory, "fuzz-block", blocks),
        "fuzz-consensus": write(directory, "fuzz-consensus", consensus),
        "fuzz-p2p": write(directory, "fuzz-p2p", p2p),
        "fuzz-attestation": write(directory, "fuzz-attestation", attestation),
        "fuzz-gemm-spec": write(directory, "fuzz-gemm-spec", specs),
        "fuzz-jsonrpc": write(directory, "fuzz-jsonrpc", rpc + genesis),
        "fuzz-genesis": write(directory, "fuzz-genesis", genesis),
        "fuzz-node-wire": write(directory, "fuzz-node-wire", node),
    }
    print("seed corpora:", ", ".join(f"{k} {v}" for k, v in counts.items()))


if __name__ == "__main__":
    main()
