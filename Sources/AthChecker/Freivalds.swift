import AthPrimitives
import AthCrypto
import AthTypes

/// Freivalds' check of a `gemm-i8` result: for random 0/1 vectors r, C·r
/// must equal A·(B·r). A wrong C passes one round with probability at most
/// 1/2, so `spec.rounds` rounds accept a wrong C with probability at most
/// 2^-rounds. The randomness comes from a block after the result was
/// committed and the checker's address, so the worker cannot predict it.
public enum Freivalds {
    /// The seed of a checker's vectors: keccak256(block hash ‖ checker address).
    public static func seed(blockHash: Hash32, checker: Address) -> Hash32 {
        Keccak256.hash(blockHash.bytes + checker.bytes)
    }

    /// Round j's vector, as bit j of `masks[c]` for column c: bit (c mod 8)
    /// of byte j·⌈n/8⌉ + ⌊c/8⌋ of the ChaCha20 keystream of `seed` (nonce
    /// "F" then eleven zero bytes).
    public static func masks(seed: Hash32, n: Int, rounds: Int) -> [UInt64] {
        precondition(rounds >= 1 && rounds <= 64 && n >= 1)
        let stride = (n + 7) / 8
        let stream = ChaCha20.keystream(key: seed, nonce: [0x46] + [UInt8](repeating: 0, count: 11), count: stride * rounds)
        var masks = [UInt64](repeating: 0, count: n)
        for j in 0..<rounds {
            for c in 0..<n where stream[j * stride + c / 8] >> (c % 8) & 1 == 1 { masks[c] |= 1 << UInt64(j) }
        }
        return masks
    }

    /// Whether `c` (m×n, row-major) passes every round. `a` and `b` are the
    /// spec's matrices, generated when not given.
    public static func check(spec: GemmSpec, c: [Int32], seed: Hash32, a: [Int8]? = nil, b: [Int8]? = nil) -> Bool {
        guard c.count == spec.m * spec.n else { return false }
        let a = a ?? spec.matrixA(), b = b ?? spec.matrixB()
        let rounds = spec.rounds
        let masks = masks(seed: seed, n: spec.n, rounds: rounds)
        // B·r (k × rounds) and C·r (m × rounds): sums of selected columns.
        let br = selectedSums(rows: spec.k, columns: spec.n, rounds: rounds, masks: masks) { Int64(b[$0]) }
        let cr = selectedSums(rows: spec.m, columns: spec.n, rounds: rounds, masks: masks) { Int64(c[$0]) }
        // A·(B·r) (m × rounds), compared row by row.
        let k = spec.k
        var abr = [Int64](repeating: 0, count: rounds)
        for i in 0..<spec.m {
            for j in 0..<rounds { abr[j] = 0 }
            for p in 0..<k {
                let x = Int64(a[i * k + p])
                if x == 0 { continue }
                for j in 0..<rounds { abr[j] &+= x &* br[p * rounds + j] }
            }
            for j in 0..<rounds where abr[j] != cr[i * rounds + j] { return false }
        }
        return true
    }

    /// For each row and round, the sum of the row's entries in the columns
    /// the round selects (rows × rounds, row-major). Eight rounds at a time
    /// through a 256-entry table per row (each entry added once per group).
    static func selectedSums(rows: Int, columns: Int, rounds: Int, masks: [UInt64], entry: (Int) -> Int64) -> [Int64] {
        var out = [Int64](repeating: 0, count: rows * rounds)
        var table = [Int64](repeating: 0, count: 256)
        let groups = (rounds + 7) / 8
        for g in 0..<groups {
            let shift = UInt64(8 * g)
            let bytes = masks.map { Int(truncatingIfNeeded: $0 >> shift) & 0xff }
            for i in 0..<rows {
                for v in 0..<256 { table[v] = 0 }
                let base = i * columns
                for col in 0..<columns { table[bytes[col]] &+= entry(base + col) }
                for bit in 0..<min(8, rounds - 8 * g) {
                    var sum: Int64 = 0
                    for v in 0..<256 where v >> bit & 1 == 1 { sum &+= table[v] }
                    out[i * rounds + 8 * g + bit] = sum
                }
            }
        }
        return out
    }
}
