import Foundation
import AthPrimitives
import AthCrypto
import AthTypes
import COpenBLAS

/// Freivalds' check of a `gemm-i8` result: for random 0/1 vectors r, C·r
/// must equal A·(B·r). A wrong C passes one round with probability at most
/// 1/2, so r rounds accept a wrong C with probability at most 2^-r. The
/// randomness comes from a block after the result was committed and the
/// checker's address, so the worker cannot predict it.
public enum Freivalds {
    /// The seed of a checker's vectors: keccak256(block hash ‖ checker address).
    public static func seed(blockHash: Hash32, checker: Address) -> Hash32 {
        Keccak256.hash(blockHash.bytes + checker.bytes)
    }

    /// The most rounds a check runs: the bound of the `freivaldsRounds`
    /// parameter (Contracts/Params.vy).
    public static let maxRounds = 256

    /// Rounds `firstRound ..< firstRound + rounds` (at most 64 of them), round
    /// j's vector as bit j − firstRound of `masks[c]` for column c: bit
    /// (c mod 8) of byte j·⌈n/8⌉ + ⌊c/8⌋ of the ChaCha20 keystream of `seed`
    /// (nonce "F" then eleven zero bytes).
    public static func masks(seed: Hash32, n: Int, rounds: Int, firstRound: Int = 0) -> [UInt64] {
        precondition(rounds >= 1 && rounds <= 64 && n >= 1 && firstRound >= 0)
        let stride = (n + 7) / 8
        let stream = ChaCha20.keystream(key: seed, nonce: [0x46] + [UInt8](repeating: 0, count: 11),
                                        count: stride * (firstRound + rounds))
        var masks = [UInt64](repeating: 0, count: n)
        for j in 0..<rounds {
            let row = (firstRound + j) * stride
            for c in 0..<n where stream[row + c / 8] >> (c % 8) & 1 == 1 { masks[c] |= 1 << UInt64(j) }
        }
        return masks
    }

    /// Whether `c` (m×n, row-major) passes every one of `rounds` rounds
    /// (1 to `maxRounds`; the spec's own count when nil). `a` and `b` are
    /// the spec's matrices, generated when not given.
    public static func check(spec: GemmSpec, c: [Int32], seed: Hash32, rounds: Int? = nil,
                             a: [Int8]? = nil, b: [Int8]? = nil) -> Bool {
        let rounds = rounds ?? spec.rounds
        precondition(rounds >= 1 && rounds <= maxRounds, "Freivalds rounds \(rounds) outside 1…\(maxRounds)")
        guard c.count == spec.m * spec.n else { return false }
        let ad = (a ?? spec.matrixA()).map(Double.init), b = b ?? spec.matrixB()
        // The vectors are bits of 64-bit masks: 64 rounds at a time.
        var first = 0
        while first < rounds {
            let batch = min(64, rounds - first)
            let masks = masks(seed: seed, n: spec.n, rounds: batch, firstRound: first)
            guard passes(spec: spec, c: c, ad: ad, b: b, masks: masks, rounds: batch) else { return false }
            first += batch
        }
        return true
    }

    /// Whether C·r = A·(B·r) for the `rounds` (≤ 64) vectors of `masks`, A given as float64.
    static func passes(spec: GemmSpec, c: [Int32], ad: [Double], b: [Int8], masks: [UInt64], rounds: Int) -> Bool {
        // B·r (k × rounds) and C·r (m × rounds): sums of selected columns.
        let br = b.withUnsafeBufferPointer { selectedSums($0, rows: spec.k, columns: spec.n, rounds: rounds, masks: masks) }
        let cr = c.withUnsafeBufferPointer { selectedSums($0, rows: spec.m, columns: spec.n, rounds: rounds, masks: masks) }
        // A·(B·r) (m × rounds) in float64 through dgemm: |B·r| ≤ 2^7·n and
        // |A·(B·r)| ≤ 2^14·n·k < 2^53, so every value is exact.
        let (m, k) = (spec.m, spec.k)
        let brd = br.map(Double.init)
        var abr = [Double](repeating: 0, count: m * rounds)
        ad.withUnsafeBufferPointer { ad in
            brd.withUnsafeBufferPointer { brd in
                abr.withUnsafeMutableBufferPointer { abr in
                    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(rounds), Int32(k), 1.0,
                                ad.baseAddress, Int32(k), brd.baseAddress, Int32(rounds), 0.0, abr.baseAddress, Int32(rounds))
                }
            }
        }
        for i in 0..<(m * rounds) where Int64(abr[i]) != cr[i] { return false }
        return true
    }

    /// For each row and round, the sum of the row's entries in the columns
    /// the round selects (rows × rounds, row-major). Eight rounds at a time
    /// through a 256-entry table per row (each entry added once per group).
    static func selectedSums<T: BinaryInteger & Sendable>(_ values: UnsafeBufferPointer<T>, rows: Int, columns: Int,
                                                          rounds: Int, masks: [UInt64]) -> [Int64] {
        let groups = (rounds + 7) / 8
        // Column c's byte for group g at c·groups + g.
        var bytes = [UInt8](repeating: 0, count: columns * groups)
        for c in 0..<columns { for g in 0..<groups { bytes[c * groups + g] = UInt8(truncatingIfNeeded: masks[c] >> UInt64(8 * g)) } }
        return [Int64](unsafeUninitializedCapacity: rows * rounds) { out, initialized in
            bytes.withUnsafeBufferPointer { bytes in
                nonisolated(unsafe) let (values, bytes, out) = (values, bytes, out)
                // Rows split over the cores; each worker has its own tables.
                let parts = max(1, min(ProcessInfo.processInfo.activeProcessorCount, rows / 64, 16))
                let chunk = (rows + parts - 1) / parts
                DispatchQueue.concurrentPerform(iterations: parts) { part in
                    let tables = UnsafeMutablePointer<Int64>.allocate(capacity: 256 * groups)
                    defer { tables.deallocate() }
                    for i in (part * chunk)..<min(rows, part * chunk + chunk) {
                        tables.update(repeating: 0, count: 256 * groups)
                        let row = values.baseAddress! + i * columns
                        var index = 0
                        for c in 0..<columns {
                            let value = Int64(row[c])
                            for g in 0..<groups {
                                tables[256 &* g &+ Int(bytes[index])] &+= value
                                index &+= 1
                            }
                        }
                        for g in 0..<groups {
                            for bit in 0..<min(8, rounds - 8 * g) {
                                var sum: Int64 = 0
                                for v in 0..<256 where v >> bit & 1 == 1 { sum &+= tables[256 * g + v] }
                                out[i * rounds + 8 * g + bit] = sum
                            }
                        }
                    }
                }
            }
            initialized = rows * rounds
        }
    }
}
