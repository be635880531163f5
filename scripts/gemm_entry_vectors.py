"""Vectors for the GEMM_I8_ENTRY precompile (0xa01, docs/gemm-i8.md, "On-chain
entry check"), printed as the Swift tuples in Tests/AthEVMTests/ChainPrecompileTests.swift.

    python scripts/gemm_entry_vectors.py

Small shapes take C[i][j] from docs/gemm_i8_reference.py's full product; the
k = 16,384 shapes read only the bytes the entry needs, seeking pycryptodome's
ChaCha20 to each (checked against the full product on the small shapes).
The gas counts the distinct 64-byte keystream blocks those bytes lie in.
"""
import os
import sys

from Crypto.Cipher import ChaCha20

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "docs"))
import gemm_i8_reference as reference  # noqa: E402

SEED = bytes.fromhex("e3a8677878e1b3518bc826db8103dcbecaf9021908e128e8d98210e7bedeccd1")
BASE_GAS, BLOCK_GAS = 1_000, 60


def signed(b):
    return b - 256 if b > 127 else b


def byte_at(seed, letter, position):
    cipher = ChaCha20.new(key=seed, nonce=letter + bytes(11))
    cipher.seek(position)
    return cipher.encrypt(b"\0")[0]


def entry_by_seeking(seed, n, k, i, j):
    row = ChaCha20.new(key=seed, nonce=b"A" + bytes(11))
    row.seek(i * k)
    a = [signed(x) for x in row.encrypt(bytes(k))]
    return sum(a[t] * signed(byte_at(seed, b"B", t * n + j)) for t in range(k))


def gas(n, k, i, j):
    blocks_a = {(i * k + t) // 64 for t in range(k)}
    blocks_b = {(t * n + j) // 64 for t in range(k)}
    return BASE_GAS + BLOCK_GAS * (len(blocks_a) + len(blocks_b))


SMALL = [(1, 1, 1, 0, 0), (3, 5, 4, 0, 1), (3, 5, 4, 2, 4), (7, 33, 19, 6, 32), (7, 33, 19, 3, 0),
         (5, 100, 70, 4, 99), (4, 64, 65, 3, 63), (2, 63, 5000, 1, 62), (9, 2, 300, 8, 1)]
LARGE = [(16384, 16384, 16384, 16383, 16383), (16384, 1, 16384, 16383, 0), (1, 1, 16384, 0, 0)]

if __name__ == "__main__":
    for m, n, k, i, j in SMALL:
        value = reference.product(m, n, k, SEED)[i][j]
        assert entry_by_seeking(SEED, n, k, i, j) == value
        print(f"({m}, {n}, {k}, {i}, {j}, {value}, {gas(n, k, i, j)}),")
    for m, n, k, i, j in LARGE:
        print(f"({m}, {n}, {k}, {i}, {j}, {entry_by_seeking(SEED, n, k, i, j)}, {gas(n, k, i, j)}),")
