"""A plain reference implementation of the gemm-i8 job format (docs/gemm-i8.md),
independent of the node's Swift code: spec encoding and hash, A and B from
the seed, C = A·B, and the Merkle root of C's rows. Slow; for checking other
implementations on small sizes.

    python gemm_i8_reference.py M N K SEED_HEX ROUNDS

prints the spec hash, the result root and C's first row.
"""
import sys

from Crypto.Cipher import ChaCha20
from Crypto.Hash import keccak
from eth_abi import encode


def keccak256(data):
    return keccak.new(digest_bits=256, data=data).digest()


KIND = keccak256(b"ath/gemm-i8/v1")


def spec_encoding(m, n, k, seed, rounds):
    return encode(["bytes32", "uint256", "uint256", "uint256", "bytes32", "uint256"], [KIND, m, n, k, seed, rounds])


def matrix(seed, letter, count):
    stream = ChaCha20.new(key=seed, nonce=letter + bytes(11)).encrypt(bytes(count))
    return [b - 256 if b > 127 else b for b in stream]


def product(m, n, k, seed):
    a, b = matrix(seed, b"A", m * k), matrix(seed, b"B", k * n)
    return [[sum(a[i * k + p] * b[p * n + j] for p in range(k)) for j in range(n)] for i in range(m)]


def leaf(i, row):
    return keccak256(i.to_bytes(8, "big") + b"".join(v.to_bytes(4, "little", signed=True) for v in row))


def root(rows):
    level = [leaf(i, r) for i, r in enumerate(rows)]
    while len(level) > 1:
        up = [keccak256(level[i] + level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            up.append(level[-1])
        level = up
    return level[0]


if __name__ == "__main__":
    m, n, k = (int(x) for x in sys.argv[1:4])
    seed, rounds = bytes.fromhex(sys.argv[4].removeprefix("0x")), int(sys.argv[5])
    c = product(m, n, k, seed)
    print("spec_hash", "0x" + keccak256(spec_encoding(m, n, k, seed, rounds)).hex())
    print("root", "0x" + root(c).hex())
    print("row0", " ".join(map(str, c[0])))
