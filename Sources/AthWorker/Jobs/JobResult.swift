import AthPrimitives
import AthTypes

/// A computed job result the worker serves: C and the row Merkle tree whose
/// root it committed. C and the tree always agree (the tree is built from C).
public struct JobResult: Sendable {
    public let jobId: UInt64
    /// Rows and columns of C.
    public let m: Int, n: Int
    /// C, m×n, row-major.
    public let c: [Int32]
    public let tree: RowMerkleTree

    /// The result of job `jobId` with C = `c` (m·n entries, m, n ≥ 1).
    public init(jobId: UInt64, m: Int, n: Int, c: [Int32]) {
        precondition(m > 0 && n > 0 && c.count == m * n, "C must hold m·n entries")
        self.jobId = jobId
        self.m = m
        self.n = n
        self.c = c
        tree = RowMerkleTree(rowsOf: c, n: n)
    }

    /// Computes job `jobId` on `backend`, applies `fault` (tests only) and
    /// builds the tree of what will be committed and served.
    public static func compute(jobId: UInt64, spec: GemmSpec, backend: any ComputeBackend,
                               fault: WorkerFault? = nil) throws(ComputeError) -> JobResult {
        try computeTimed(jobId: jobId, spec: spec, backend: backend, fault: fault).result
    }

    /// A result and how long its parts took.
    struct Timed {
        let result: JobResult
        let product: Duration, tree: Duration
    }

    static func computeTimed(jobId: UInt64, spec: GemmSpec, backend: any ComputeBackend,
                             fault: WorkerFault?) throws(ComputeError) -> Timed {
        let clock = ContinuousClock()
        let start = clock.now
        var c = try backend.product(spec)
        let computed = clock.now
        guard c.count == spec.m * spec.n else {
            throw ComputeError("\(backend.name) returned \(c.count) entries for a \(spec.m)×\(spec.n) result")
        }
        fault?.apply(to: &c)
        let result = JobResult(jobId: jobId, m: spec.m, n: spec.n, c: c)
        return Timed(result: result, product: computed - start, tree: clock.now - computed)
    }

    /// The committed root.
    public var root: Hash32 { tree.root }

    /// Bytes of C as served: m·n int32 values, little-endian.
    public var byteCount: Int { c.count * 4 }

    /// Memory the result takes (C and every tree node), for the store's budget.
    public var footprint: Int { byteCount + tree.levels.reduce(0) { $0 + 32 * $1.count } + 256 }

    /// Rows `rows` of C as int32 little-endian bytes; `rows` must lie in 0..<m.
    public func rowBytes(_ rows: Range<Int>) -> [UInt8] {
        precondition(rows.lowerBound >= 0 && rows.upperBound <= m)
        return Self.littleEndianBytes(c[(rows.lowerBound * n)..<(rows.upperBound * n)])
    }

    /// `values` as int32 little-endian bytes.
    static func littleEndianBytes(_ values: ArraySlice<Int32>) -> [UInt8] {
        #if _endian(little)
        return values.withUnsafeBytes { Array($0) }
        #else
        var out: [UInt8] = []
        out.reserveCapacity(values.count * 4)
        for v in values { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        return out
        #endif
    }
}
