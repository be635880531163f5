extension Precompile {
    /// 0x09: the BLAKE2b compression function F with a caller-chosen round
    /// count (EIP-152, Istanbul). Input exactly 213 bytes:
    /// rounds (4, big-endian) ‖ h (8 × 8, little-endian) ‖ m (16 × 8) ‖
    /// t₀ ‖ t₁ (8 each) ‖ f (1 byte, 0 or 1). Gas: 1 per round.
    enum Blake2F {
        static let inputLength = 213

        static func run(_ input: [UInt8], gasLimit: UInt64) -> PrecompileResult {
            guard input.count == inputLength else { return .failure }
            let rounds = UInt32(input[0]) << 24 | UInt32(input[1]) << 16 | UInt32(input[2]) << 8 | UInt32(input[3])
            let gas = UInt64(rounds)  // EIP-152: GFROUND = 1
            guard gas <= gasLimit else { return .failure }
            let final = input[212]
            guard final <= 1 else { return .failure }

            var h = (0..<8).map { word(input, at: 4 + 8 * $0) }
            let m = (0..<16).map { word(input, at: 68 + 8 * $0) }
            compress(&h, m, t0: word(input, at: 196), t1: word(input, at: 204),
                     final: final == 1, rounds: rounds)
            var out = [UInt8]()
            out.reserveCapacity(64)
            for w in h { for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: w >> (8 * UInt64(i)))) } }
            return .success(gasUsed: gas, output: out)
        }

        static func word(_ bytes: [UInt8], at offset: Int) -> UInt64 {
            var w: UInt64 = 0
            for i in (0..<8).reversed() { w = w << 8 | UInt64(bytes[offset + i]) }
            return w
        }

        // RFC 7693 §2.6: the initialization vector (SHA-512's).
        static let iv: [UInt64] = [
            0x6a09_e667_f3bc_c908, 0xbb67_ae85_84ca_a73b, 0x3c6e_f372_fe94_f82b, 0xa54f_f53a_5f1d_36f1,
            0x510e_527f_ade6_82d1, 0x9b05_688c_2b3e_6c1f, 0x1f83_d9ab_fb41_bd6b, 0x5be0_cd19_137e_2179,
        ]

        // RFC 7693 §2.7: the message schedule; round i uses row i mod 10.
        static let sigma: [[Int]] = [
            [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
            [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
            [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
            [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
            [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
            [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
            [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
            [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
            [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
            [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
        ]

        /// The schedule flattened row after row, allocated once and never
        /// freed, so the rounds index it without bounds checks or closures.
        nonisolated(unsafe) static let sigmaTable: UnsafePointer<UInt8> = {
            let p = UnsafeMutablePointer<UInt8>.allocate(capacity: 160)
            for (i, s) in sigma.joined().enumerated() { p[i] = UInt8(s) }
            return UnsafePointer(p)
        }()

        /// RFC 7693 §3.2 F, with `rounds` rounds instead of 12. Additions wrap
        /// mod 2^64 as the RFC specifies. The work vector lives in sixteen
        /// locals: a caller may ask for 2^32 − 1 rounds at one gas each.
        static func compress(_ h: inout [UInt64], _ m: [UInt64], t0: UInt64, t1: UInt64,
                             final: Bool, rounds: UInt32) {
            var v0 = h[0], v1 = h[1], v2 = h[2], v3 = h[3], v4 = h[4], v5 = h[5], v6 = h[6], v7 = h[7]
            var v8 = iv[0], v9 = iv[1], v10 = iv[2], v11 = iv[3]
            var v12 = iv[4] ^ t0, v13 = iv[5] ^ t1, v14 = final ? ~iv[6] : iv[6], v15 = iv[7]
            // The message words in each of the ten schedule orders, so a
            // round reads its sixteen words in sequence.
            let w = UnsafeMutablePointer<UInt64>.allocate(capacity: 160)
            defer { w.deallocate() }
            let table = sigmaTable
            for i in 0..<16 * Swift.min(Int(rounds), 10) { w[i] = m[Int(table[i])] }
            var row = 0
            var round: UInt32 = 0
            while round < rounds {
                let x = w + 16 * row
                mix(&v0, &v4, &v8, &v12, x[0], x[1])
                mix(&v1, &v5, &v9, &v13, x[2], x[3])
                mix(&v2, &v6, &v10, &v14, x[4], x[5])
                mix(&v3, &v7, &v11, &v15, x[6], x[7])
                mix(&v0, &v5, &v10, &v15, x[8], x[9])
                mix(&v1, &v6, &v11, &v12, x[10], x[11])
                mix(&v2, &v7, &v8, &v13, x[12], x[13])
                mix(&v3, &v4, &v9, &v14, x[14], x[15])
                row = row == 9 ? 0 : row + 1
                round += 1
            }
            h[0] ^= v0 ^ v8; h[1] ^= v1 ^ v9; h[2] ^= v2 ^ v10; h[3] ^= v3 ^ v11
            h[4] ^= v4 ^ v12; h[5] ^= v5 ^ v13; h[6] ^= v6 ^ v14; h[7] ^= v7 ^ v15
        }

        /// RFC 7693 §3.1 G.
        @inline(__always)
        static func mix(_ a: inout UInt64, _ b: inout UInt64, _ c: inout UInt64, _ d: inout UInt64,
                        _ x: UInt64, _ y: UInt64) {
            a = a &+ b &+ x
            d = rotr(d ^ a, 32)
            c = c &+ d
            b = rotr(b ^ c, 24)
            a = a &+ b &+ y
            d = rotr(d ^ a, 16)
            c = c &+ d
            b = rotr(b ^ c, 63)
        }

        @inline(__always)
        static func rotr(_ x: UInt64, _ n: UInt64) -> UInt64 { x &>> n | x &<< (64 &- n) }
    }
}
