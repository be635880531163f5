import AthPrimitives
import AthCrypto

/// Why a job spec or result is refused.
public struct JobSpecError: Error, Equatable, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The `gemm-i8` job kind: C = A·B with int8 matrices A (m×k) and B (k×n)
/// generated from a seed, exact int32 results, and a Merkle commitment to C's
/// rows. The format is in `docs/gemm-i8.md`; any worker can implement it.
public struct GemmSpec: Sendable, Equatable {
    /// keccak256("ath/gemm-i8/v1"): the first word of the encoded spec.
    public static let kind = Keccak256.hash(Array("ath/gemm-i8/v1".utf8))
    /// Bounds on each dimension and on Freivalds rounds. With k ≤ 16,384 every
    /// entry of C fits an int32 and every partial sum is exact in float64.
    public static let maxDimension = 16_384
    /// Entries per matrix (A, B or C) that Escrow accepts for a gemm-i8 job
    /// (GEMM_I8_MAX_ELEMENTS): the bundled worker's and checker's limit too.
    public static let maxElements = 1 << 27
    public static let maxRounds = 64
    /// The encoded size: six 32-byte ABI words.
    public static let encodedCount = 192

    public let m: Int, n: Int, k: Int
    public let seed: Hash32
    /// Freivalds rounds checkers run (false accept ≤ 2^-rounds).
    public let rounds: Int

    public init(m: Int, n: Int, k: Int, seed: Hash32, rounds: Int) throws(JobSpecError) {
        for (name, v) in [("m", m), ("n", n), ("k", k)] where v < 1 || v > Self.maxDimension {
            throw JobSpecError("\(name) = \(v) is outside 1…\(Self.maxDimension)")
        }
        guard (1...Self.maxRounds).contains(rounds) else {
            throw JobSpecError("rounds = \(rounds) is outside 1…\(Self.maxRounds)")
        }
        self.m = m; self.n = n; self.k = k; self.seed = seed; self.rounds = rounds
    }

    /// abi.encode(bytes32 kind, uint256 m, uint256 n, uint256 k, bytes32 seed, uint256 rounds).
    public var encoded: [UInt8] {
        var out = Self.kind.bytes
        for v in [m, n, k] { out += UInt256(UInt64(v)).bigEndianBytes }
        out += seed.bytes
        out += UInt256(UInt64(rounds)).bigEndianBytes
        return out
    }

    /// The spec hash the escrow job carries: keccak256(encoded).
    public var hash: Hash32 { Keccak256.hash(encoded) }

    /// Decodes exactly `encodedCount` bytes, refusing another kind, a word
    /// out of range or a non-canonical encoding.
    public init(decoding bytes: [UInt8]) throws(JobSpecError) {
        guard bytes.count == Self.encodedCount else {
            throw JobSpecError("a gemm-i8 spec is \(Self.encodedCount) bytes, not \(bytes.count)")
        }
        func word(_ i: Int) -> ArraySlice<UInt8> { bytes[(32 * i)..<(32 * i + 32)] }
        guard Array(word(0)) == Self.kind.bytes else { throw JobSpecError("not a gemm-i8 spec (kind word differs)") }
        func small(_ i: Int, _ name: String) throws(JobSpecError) -> Int {
            let w = word(i)
            guard w.prefix(28).allSatisfy({ $0 == 0 }) else { throw JobSpecError("\(name) is out of range") }
            return w.suffix(4).reduce(0) { $0 << 8 | Int($1) }
        }
        try self.init(m: try small(1, "m"), n: try small(2, "n"), k: try small(3, "k"), seed: Hash32(Array(word(4)))!,
                      rounds: try small(5, "rounds"))
    }

    /// Work units of the job: m·n·k multiply-adds in units of 2^20, rounded up.
    public var workUnits: UInt64 {
        let macs = UInt64(m) * UInt64(n) * UInt64(k)
        return (macs + (1 << 20) - 1) >> 20
    }

    /// ChaCha20 nonces of the two matrices: "A" or "B" then eleven zero bytes.
    public static let nonceA: [UInt8] = [0x41] + [UInt8](repeating: 0, count: 11)
    public static let nonceB: [UInt8] = [0x42] + [UInt8](repeating: 0, count: 11)

    /// A, m×k, row-major: the ChaCha20 keystream of the seed (nonce "A"), each byte two's complement.
    public func matrixA() -> [Int8] { Self.matrix(seed: seed, nonce: Self.nonceA, count: m * k) }
    /// B, k×n, row-major: the ChaCha20 keystream of the seed (nonce "B").
    public func matrixB() -> [Int8] { Self.matrix(seed: seed, nonce: Self.nonceB, count: k * n) }

    static func matrix(seed: Hash32, nonce: [UInt8], count: Int) -> [Int8] {
        [Int8](unsafeUninitializedCapacity: count) { buffer, initialized in
            ChaCha20.keystream(key: seed, nonce: nonce, into: UnsafeMutableRawBufferPointer(buffer))
            initialized = count
        }
    }

    /// C = A·B, m×n, row-major, computed directly in integers: the
    /// reference the compute backends are checked against (slow for large
    /// sizes).
    public func referenceProduct() -> [Int32] {
        let a = matrixA(), b = matrixB()
        var c = [Int32](repeating: 0, count: m * n)
        c.withUnsafeMutableBufferPointer { c in
            for i in 0..<m {
                for p in 0..<k {
                    let x = Int32(a[i * k + p])
                    if x == 0 { continue }
                    let row = p * n
                    for j in 0..<n { c[i * n + j] &+= x &* Int32(b[row + j]) }
                }
            }
        }
        return c
    }
}

/// The commitment to a result matrix: a binary Merkle tree (keccak256) over
/// C's rows. Leaf i = keccak256(uint64 big-endian i ‖ row i as n int32
/// little-endian); a parent = keccak256(left ‖ right); a level of odd size
/// carries its last node up unchanged.
public struct RowMerkleTree: Sendable {
    /// levels[0] are the leaves; the last level holds the root alone.
    public let levels: [[Hash32]]

    /// The tree over the rows of `c` (m rows of n entries).
    public init(rowsOf c: [Int32], n: Int) {
        precondition(n > 0 && c.count % n == 0 && !c.isEmpty)
        let m = c.count / n
        var leaves: [Hash32] = []
        leaves.reserveCapacity(m)
        c.withUnsafeBufferPointer { c in
            for i in 0..<m { leaves.append(Self.leaf(index: i, row: UnsafeBufferPointer(rebasing: c[(i * n)..<(i * n + n)]))) }
        }
        self.init(leaves: leaves)
    }

    public init(leaves: [Hash32]) {
        precondition(!leaves.isEmpty)
        var levels = [leaves]
        while levels[levels.count - 1].count > 1 {
            let level = levels[levels.count - 1]
            var up: [Hash32] = []
            up.reserveCapacity((level.count + 1) / 2)
            var i = 0
            while i + 1 < level.count {
                up.append(Self.parent(level[i], level[i + 1]))
                i += 2
            }
            if i < level.count { up.append(level[i]) }
            levels.append(up)
        }
        self.levels = levels
    }

    public var root: Hash32 { levels[levels.count - 1][0] }
    public var count: Int { levels[0].count }

    /// leaf = keccak256(uint64 big-endian index ‖ row as int32 little-endian).
    public static func leaf(index: Int, row: UnsafeBufferPointer<Int32>) -> Hash32 {
        var bytes = [UInt8](repeating: 0, count: 8 + 4 * row.count)
        for s in 0..<8 { bytes[s] = UInt8(truncatingIfNeeded: UInt64(index) >> (56 - 8 * s)) }
        for (j, v) in row.enumerated() {
            let u = UInt32(bitPattern: v)
            bytes[8 + 4 * j] = UInt8(truncatingIfNeeded: u)
            bytes[9 + 4 * j] = UInt8(truncatingIfNeeded: u >> 8)
            bytes[10 + 4 * j] = UInt8(truncatingIfNeeded: u >> 16)
            bytes[11 + 4 * j] = UInt8(truncatingIfNeeded: u >> 24)
        }
        return Keccak256.hash(bytes)
    }

    public static func leaf(index: Int, row: [Int32]) -> Hash32 {
        row.withUnsafeBufferPointer { leaf(index: index, row: $0) }
    }

    static func parent(_ l: Hash32, _ r: Hash32) -> Hash32 { Keccak256.hash(l.bytes + r.bytes) }

    /// The siblings from leaf `index` up to the root (levels where the node
    /// is carried up contribute none).
    public func proof(index: Int) -> [Hash32] {
        precondition(index >= 0 && index < count)
        var out: [Hash32] = []
        var i = index
        for level in levels.dropLast() {
            let sibling = i ^ 1
            if sibling < level.count { out.append(level[sibling]) }
            i /= 2
        }
        return out
    }

    /// Whether `leaf` is entry `index` of a tree of `count` leaves with `root`.
    public static func verify(leaf: Hash32, index: Int, count: Int, proof: [Hash32], root: Hash32) -> Bool {
        guard count > 0, index >= 0, index < count else { return false }
        var node = leaf, i = index, size = count, used = 0
        while size > 1 {
            let sibling = i ^ 1
            if sibling < size {
                guard used < proof.count else { return false }
                node = i & 1 == 0 ? parent(node, proof[used]) : parent(proof[used], node)
                used += 1
            }
            i /= 2
            size = (size + 1) / 2
        }
        return used == proof.count && node == root
    }
}
