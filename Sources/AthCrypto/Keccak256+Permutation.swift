// Keccak-f[1600] permutation, unrolled from the step definitions and tables of
// FIPS 202 §3.2: two rounds per loop pass (a → e, then e → a), all 25 lanes in
// local variables, so the permutation runs in registers and touches no array.
//
// Lanes 1, 2, 8, 12, 17 and 20 are kept complemented inside the loop (the
// "lane complementing" transform of the Keccak implementation overview, §2.2):
// χ's `b0 ^ (~b1 & b2)` then becomes a mix of AND/OR forms with one NOT per
// plane instead of five, and the pattern is the same after every round.

extension KeccakState {
    /// The 24 ι round constants (FIPS 202 §3.2.5).
    static let roundConstants: [UInt64] = [
        0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000,
        0x000000000000808B, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
        0x000000000000008A, 0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
        0x000000008000808B, 0x800000000000008B, 0x8000000000008089, 0x8000000000008003,
        0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
        0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
    ]

    /// XORs `count` blocks of `KeccakState.rate` bytes from `pointer` into the
    /// state, permuting after each block. `pointer` need not be aligned.
    mutating func absorb(blocks pointer: UnsafeRawPointer, count: Int) {
        // Complemented lanes flip on the way in and back on the way out.
        var a0 = self.a0; var a1 = ~self.a1; var a2 = ~self.a2; var a3 = self.a3; var a4 = self.a4
        var a5 = self.a5; var a6 = self.a6; var a7 = self.a7; var a8 = ~self.a8; var a9 = self.a9
        var a10 = self.a10; var a11 = self.a11; var a12 = ~self.a12; var a13 = self.a13; var a14 = self.a14
        var a15 = self.a15; var a16 = self.a16; var a17 = ~self.a17; var a18 = self.a18; var a19 = self.a19
        var a20 = ~self.a20; var a21 = self.a21; var a22 = self.a22; var a23 = self.a23; var a24 = self.a24
        var e0: UInt64 = 0, e1: UInt64 = 0, e2: UInt64 = 0, e3: UInt64 = 0, e4: UInt64 = 0
        var e5: UInt64 = 0, e6: UInt64 = 0, e7: UInt64 = 0, e8: UInt64 = 0, e9: UInt64 = 0
        var e10: UInt64 = 0, e11: UInt64 = 0, e12: UInt64 = 0, e13: UInt64 = 0, e14: UInt64 = 0
        var e15: UInt64 = 0, e16: UInt64 = 0, e17: UInt64 = 0, e18: UInt64 = 0, e19: UInt64 = 0
        var e20: UInt64 = 0, e21: UInt64 = 0, e22: UInt64 = 0, e23: UInt64 = 0, e24: UInt64 = 0
        KeccakState.roundConstants.withUnsafeBufferPointer { rcBuffer in
            let rc = rcBuffer.baseAddress!
            var p = pointer
            for _ in 0..<count {
                // The rate is 17 lanes, each read little-endian. XOR into a
                // complemented lane keeps it complemented.
                a0 ^= lane(p, 0); a1 ^= lane(p, 1); a2 ^= lane(p, 2); a3 ^= lane(p, 3); a4 ^= lane(p, 4); a5 ^= lane(p, 5)
                a6 ^= lane(p, 6); a7 ^= lane(p, 7); a8 ^= lane(p, 8); a9 ^= lane(p, 9); a10 ^= lane(p, 10); a11 ^= lane(p, 11)
                a12 ^= lane(p, 12); a13 ^= lane(p, 13); a14 ^= lane(p, 14); a15 ^= lane(p, 15); a16 ^= lane(p, 16)
                var round = 0
                while round < 24 {
                    do {
                        // θ
                        let c0 = a0 ^ a5 ^ a10 ^ a15 ^ a20
                        let c1 = a1 ^ a6 ^ a11 ^ a16 ^ a21
                        let c2 = a2 ^ a7 ^ a12 ^ a17 ^ a22
                        let c3 = a3 ^ a8 ^ a13 ^ a18 ^ a23
                        let c4 = a4 ^ a9 ^ a14 ^ a19 ^ a24
                        let d0 = c4 ^ rotl(c1, 1); let d1 = c0 ^ rotl(c2, 1); let d2 = c1 ^ rotl(c3, 1); let d3 = c2 ^ rotl(c4, 1); let d4 = c3 ^ rotl(c0, 1)
                        // ρ and π into b, then χ (complemented-lane form) and ι, one plane at a time
                        let b0 = a0 ^ d0; let b1 = rotl(a6 ^ d1, 44); let b2 = rotl(a12 ^ d2, 43); let b3 = rotl(a18 ^ d3, 21); let b4 = rotl(a24 ^ d4, 14)
                        e0 = b0 ^ (b1 | b2) ^ rc[round]; e1 = b1 ^ (~b2 | b3); e2 = b2 ^ (b3 & b4); e3 = b3 ^ (b4 | b0); e4 = b4 ^ (b0 & b1)
                        let b5 = rotl(a3 ^ d3, 28); let b6 = rotl(a9 ^ d4, 20); let b7 = rotl(a10 ^ d0, 3); let b8 = rotl(a16 ^ d1, 45); let b9 = rotl(a22 ^ d2, 61)
                        e5 = b5 ^ (b6 | b7); e6 = b6 ^ (b7 & b8); e7 = b7 ^ (b8 | ~b9); e8 = b8 ^ (b9 | b5); e9 = b9 ^ (b5 & b6)
                        let b10 = rotl(a1 ^ d1, 1); let b11 = rotl(a7 ^ d2, 6); let b12 = rotl(a13 ^ d3, 25); let b13 = rotl(a19 ^ d4, 8); let b14 = rotl(a20 ^ d0, 18)
                        e10 = b10 ^ (b11 | b12); e11 = b11 ^ (b12 & b13); e12 = b12 ^ (~b13 & b14); e13 = ~b13 ^ (b14 | b10); e14 = b14 ^ (b10 & b11)
                        let b15 = rotl(a4 ^ d4, 27); let b16 = rotl(a5 ^ d0, 36); let b17 = rotl(a11 ^ d1, 10); let b18 = rotl(a17 ^ d2, 15); let b19 = rotl(a23 ^ d3, 56)
                        e15 = b15 ^ (b16 & b17); e16 = b16 ^ (b17 | b18); e17 = b17 ^ (~b18 | b19); e18 = ~b18 ^ (b19 & b15); e19 = b19 ^ (b15 | b16)
                        let b20 = rotl(a2 ^ d2, 62); let b21 = rotl(a8 ^ d3, 55); let b22 = rotl(a14 ^ d4, 39); let b23 = rotl(a15 ^ d0, 41); let b24 = rotl(a21 ^ d1, 2)
                        e20 = b20 ^ (~b21 & b22); e21 = ~b21 ^ (b22 | b23); e22 = b22 ^ (b23 & b24); e23 = b23 ^ (b24 | b20); e24 = b24 ^ (b20 & b21)
                    }
                    do {
                        // θ
                        let c0 = e0 ^ e5 ^ e10 ^ e15 ^ e20
                        let c1 = e1 ^ e6 ^ e11 ^ e16 ^ e21
                        let c2 = e2 ^ e7 ^ e12 ^ e17 ^ e22
                        let c3 = e3 ^ e8 ^ e13 ^ e18 ^ e23
                        let c4 = e4 ^ e9 ^ e14 ^ e19 ^ e24
                        let d0 = c4 ^ rotl(c1, 1); let d1 = c0 ^ rotl(c2, 1); let d2 = c1 ^ rotl(c3, 1); let d3 = c2 ^ rotl(c4, 1); let d4 = c3 ^ rotl(c0, 1)
                        // ρ and π into b, then χ (complemented-lane form) and ι, one plane at a time
                        let b0 = e0 ^ d0; let b1 = rotl(e6 ^ d1, 44); let b2 = rotl(e12 ^ d2, 43); let b3 = rotl(e18 ^ d3, 21); let b4 = rotl(e24 ^ d4, 14)
                        a0 = b0 ^ (b1 | b2) ^ rc[round + 1]; a1 = b1 ^ (~b2 | b3); a2 = b2 ^ (b3 & b4); a3 = b3 ^ (b4 | b0); a4 = b4 ^ (b0 & b1)
                        let b5 = rotl(e3 ^ d3, 28); let b6 = rotl(e9 ^ d4, 20); let b7 = rotl(e10 ^ d0, 3); let b8 = rotl(e16 ^ d1, 45); let b9 = rotl(e22 ^ d2, 61)
                        a5 = b5 ^ (b6 | b7); a6 = b6 ^ (b7 & b8); a7 = b7 ^ (b8 | ~b9); a8 = b8 ^ (b9 | b5); a9 = b9 ^ (b5 & b6)
                        let b10 = rotl(e1 ^ d1, 1); let b11 = rotl(e7 ^ d2, 6); let b12 = rotl(e13 ^ d3, 25); let b13 = rotl(e19 ^ d4, 8); let b14 = rotl(e20 ^ d0, 18)
                        a10 = b10 ^ (b11 | b12); a11 = b11 ^ (b12 & b13); a12 = b12 ^ (~b13 & b14); a13 = ~b13 ^ (b14 | b10); a14 = b14 ^ (b10 & b11)
                        let b15 = rotl(e4 ^ d4, 27); let b16 = rotl(e5 ^ d0, 36); let b17 = rotl(e11 ^ d1, 10); let b18 = rotl(e17 ^ d2, 15); let b19 = rotl(e23 ^ d3, 56)
                        a15 = b15 ^ (b16 & b17); a16 = b16 ^ (b17 | b18); a17 = b17 ^ (~b18 | b19); a18 = ~b18 ^ (b19 & b15); a19 = b19 ^ (b15 | b16)
                        let b20 = rotl(e2 ^ d2, 62); let b21 = rotl(e8 ^ d3, 55); let b22 = rotl(e14 ^ d4, 39); let b23 = rotl(e15 ^ d0, 41); let b24 = rotl(e21 ^ d1, 2)
                        a20 = b20 ^ (~b21 & b22); a21 = ~b21 ^ (b22 | b23); a22 = b22 ^ (b23 & b24); a23 = b23 ^ (b24 | b20); a24 = b24 ^ (b20 & b21)
                    }
                    round += 2
                }
                p += KeccakState.rate
            }
        }
        self.a0 = a0; self.a1 = ~a1; self.a2 = ~a2; self.a3 = a3; self.a4 = a4
        self.a5 = a5; self.a6 = a6; self.a7 = a7; self.a8 = ~a8; self.a9 = a9
        self.a10 = a10; self.a11 = a11; self.a12 = ~a12; self.a13 = a13; self.a14 = a14
        self.a15 = a15; self.a16 = a16; self.a17 = ~a17; self.a18 = a18; self.a19 = a19
        self.a20 = ~a20; self.a21 = a21; self.a22 = a22; self.a23 = a23; self.a24 = a24
    }
}

/// Rotates left; with a constant `n` this compiles to one `rol`.
@inline(__always) func rotl(_ x: UInt64, _ n: UInt64) -> UInt64 {
    (x &<< n) | (x &>> (64 &- n))
}

/// Lane `index` of a block: 8 bytes at `index * 8`, little-endian, unaligned.
@inline(__always) func lane(_ p: UnsafeRawPointer, _ index: Int) -> UInt64 {
    UInt64(littleEndian: p.loadUnaligned(fromByteOffset: index &* 8, as: UInt64.self))
}
