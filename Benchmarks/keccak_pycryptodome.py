"""Yardstick for `athbench keccak`: pycryptodome's C Keccak-256 on the same input.

    python keccak_pycryptodome.py SIZE N

Hashes a SIZE-byte buffer (byte i = (31 * i + 7) mod 256, as athbench uses)
N times per pass; prints athbench's line format with the best of 7 passes after
a warm-up. For small SIZE the figure includes Python's per-call overhead.
"""
import sys
import time

from Crypto.Hash import keccak

REPETITIONS = 7


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit("usage: keccak_pycryptodome.py SIZE N")
    size, n = int(sys.argv[1]), int(sys.argv[2])
    data = bytes((31 * i + 7) & 0xFF for i in range(size))
    new = keccak.new

    def one_pass() -> bytes:
        digest = b""
        for _ in range(n):
            digest = new(data=data, digest_bits=256).digest()
        return digest

    one_pass()
    best = float("inf")
    for _ in range(REPETITIONS):
        start = time.perf_counter_ns()
        digest = one_pass()
        best = min(best, time.perf_counter_ns() - start)
    per_op = best / n
    print(f"keccak-pycryptodome size={size} n={n} ns_per_op={per_op:.0f} "
          f"mb_per_s={size / per_op * 1e3:.1f} digest={digest.hex()[:16]}")


if __name__ == "__main__":
    main()
