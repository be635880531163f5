import AthCrypto
import AthPrimitives
import AthTypes

extension Precompile {
    /// 0xa01 GEMM_I8_ENTRY (this chain only): one entry C[i][j] of a
    /// `gemm-i8` product, for fraud proofs against a committed result
    /// (docs/gemm-i8.md, "On-chain entry check").
    ///
    /// Input: exactly 192 bytes, six 32-byte big-endian words: seed, m, n, k,
    /// i, j, with m, n, k in 1…16,384, i < m and j < n; anything else fails.
    /// Output: C[i][j] = Σₜ A[i][t]·B[t][j] as a 32-byte two's-complement
    /// int256. Only row i of A and column j of B are generated: row i is k
    /// contiguous keystream bytes, column j one byte of each of k rows of B.
    ///
    /// Gas: `baseGas + blockGas · (ChaCha20 blocks read)`, the count exact
    /// from the dimensions (`keystreamBlocks`), charged before any block is
    /// generated.
    enum GemmI8Entry {
        static let address = Address(low: 0x0a01)
        static let inputCount = 192
        /// Measured (`athbench worstcase --only GEMM`): a lone 64-byte block
        /// (column bytes n ≥ 64 apart, the costliest per block) takes about
        /// 0.14 µs, so at these prices every shape runs above 400 Mgas/s
        /// (goal: 100), and an entry with k = 16,384 costs about 1,000,000 gas.
        static let baseGas: UInt64 = 1_000
        static let blockGas: UInt64 = 60

        /// One entry to compute, its ranges checked.
        struct Entry: Equatable {
            var seed: Hash32
            var m: Int, n: Int, k: Int, i: Int, j: Int
        }

        static func run(_ input: [UInt8], gasLimit: UInt64) -> PrecompileResult {
            guard let entry = decode(input) else { return .failure }
            let blocks = keystreamBlocks(entry)
            // At most 257 + 16,384 blocks: no overflow.
            let gas = baseGas + blockGas * UInt64(blocks.a + blocks.b)
            guard gas <= gasLimit else { return .failure }
            return .success(gasUsed: gas, output: int256Word(value(entry)))
        }

        /// The six words, or nil when the input has another length or a word
        /// is out of range.
        static func decode(_ input: [UInt8]) -> Entry? {
            guard input.count == inputCount else { return nil }
            /// Word `w` when it is below 2^32 (every valid m, n, k, i, j is).
            func small(_ w: Int) -> Int? {
                let start = 32 * w
                guard input[start..<(start + 28)].allSatisfy({ $0 == 0 }) else { return nil }
                return input[(start + 28)..<(start + 32)].reduce(0) { $0 << 8 | Int($1) }
            }
            let dimensions = 1...GemmSpec.maxDimension
            guard let m = small(1), dimensions.contains(m), let n = small(2), dimensions.contains(n),
                  let k = small(3), dimensions.contains(k), let i = small(4), i < m, let j = small(5), j < n
            else { return nil }
            return Entry(seed: Hash32(input[0..<32])!, m: m, n: n, k: k, i: i, j: j)
        }

        /// The 64-byte ChaCha20 blocks the entry reads. A: row i is bytes
        /// i·k ..< i·k + k, so ⌊(i·k + k − 1)/64⌋ − ⌊i·k/64⌋ + 1 blocks (at most
        /// ⌈k/64⌉ + 1). B: byte t·n + j for each t; with n ≥ 64 each lies in
        /// its own block (k blocks), with n < 64 they cover every block from
        /// ⌊j/64⌋ to ⌊((k − 1)·n + j)/64⌋.
        static func keystreamBlocks(_ e: Entry) -> (a: Int, b: Int) {
            let rowStart = e.i * e.k  // below 2^28
            let a = ((rowStart + e.k - 1) >> 6) - (rowStart >> 6) + 1
            let b = e.n >= 64 ? e.k : (((e.k - 1) * e.n + e.j) >> 6) - (e.j >> 6) + 1
            return (a, b)
        }

        /// Blocks of B generated per read when column j's bytes are dense
        /// (n < 64): libsodium's wide path then makes several at once.
        static let chunkBlocks = 64

        /// C[i][j], reading exactly the blocks `keystreamBlocks` counts.
        static func value(_ e: Entry) -> Int64 {
            let streamA = ChaCha20.Keystream(key: e.seed, nonce: GemmSpec.nonceA)
            let streamB = ChaCha20.Keystream(key: e.seed, nonce: GemmSpec.nonceB)
            let rowStart = e.i * e.k
            let firstA = rowStart >> 6
            let blocksA = keystreamBlocks(e).a
            let row = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * blocksA, alignment: 64)
            defer { row.deallocate() }
            // Block numbers stay below 2^22: the UInt32 counter never wraps.
            streamA.read(fromBlock: UInt32(firstA), into: row)
            let rowBytes = row.baseAddress! + (rowStart & 63)

            let column = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * chunkBlocks, alignment: 64)
            defer { column.deallocate() }
            let lastB = ((e.k - 1) * e.n + e.j) >> 6
            var loaded = 0..<0  // blocks of B now in `column`
            var sum: Int64 = 0  // |sum| ≤ 2^14 · k ≤ 2^28
            var offset = e.j
            for t in 0..<e.k {
                let block = offset >> 6
                if block >= loaded.upperBound {
                    let count = e.n < 64 ? min(chunkBlocks, lastB - block + 1) : 1
                    streamB.read(fromBlock: UInt32(block),
                                 into: UnsafeMutableRawBufferPointer(rebasing: column[0..<(64 * count)]))
                    loaded = block..<(block + count)
                }
                let b = Int8(bitPattern: column[((block - loaded.lowerBound) << 6) | (offset & 63)])
                let a = Int8(bitPattern: rowBytes.load(fromByteOffset: t, as: UInt8.self))
                sum += Int64(a) * Int64(b)
                offset += e.n
            }
            return sum
        }

        /// `v` as a 32-byte big-endian two's-complement word.
        static func int256Word(_ v: Int64) -> [UInt8] {
            var out = [UInt8](repeating: v < 0 ? 0xff : 0, count: 32)
            let u = UInt64(bitPattern: v)
            for s in 0..<8 { out[24 + s] = UInt8(truncatingIfNeeded: u >> (56 - 8 * s)) }
            return out
        }
    }
}
