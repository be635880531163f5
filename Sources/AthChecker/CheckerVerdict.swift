import AthPrimitives
import AthTypes

/// A checker's judgement of one committed result, before signing.
public struct Judgement: Sendable, Equatable {
    public var verdict: Verdict
    /// The job's work units when valid, else 0 (the Oracle pays nothing for
    /// an invalid or unavailable result).
    public var workUnits: UInt256
    /// Whether the served rows' Merkle root is the committed one; nil when
    /// nothing usable was served.
    public var rootMatches: Bool?
    /// Why, in words for the log.
    public var reason: String

    public init(verdict: Verdict, workUnits: UInt256, rootMatches: Bool?, reason: String) {
        self.verdict = verdict; self.workUnits = workUnits; self.rootMatches = rootMatches; self.reason = reason
    }
}

/// The verdict rules of a `gemm-i8` checker (docs/gemm-i8.md), as a pure
/// function of the spec, the committed root, the bytes the worker served and
/// the checker's seed:
///
/// - nothing served, or not m·n·4 bytes: unavailable;
/// - the served rows' Merkle root differs from the committed one: invalid
///   (the worker committed to something other than what it serves);
/// - Freivalds' check fails: invalid;
/// - otherwise valid, for the spec's work units.
public enum CheckerVerdict {
    /// Judges the bytes `fetched` (C row-major, int32 little-endian; nil when
    /// the worker did not serve them) against `committedRoot`, running
    /// `rounds` rounds of Freivalds' check with `seed` (brought into 1 to
    /// `Freivalds.maxRounds`).
    public static func judge(spec: GemmSpec, committedRoot: Hash32, fetched: [UInt8]?, seed: Hash32, rounds: Int) -> Judgement {
        let rounds = min(max(rounds, 1), Freivalds.maxRounds)
        guard let fetched else {
            return Judgement(verdict: .unavailable, workUnits: .zero, rootMatches: nil, reason: "the worker did not serve the result")
        }
        guard let c = decodeResult(fetched, rows: spec.m, columns: spec.n) else {
            return Judgement(verdict: .unavailable, workUnits: .zero, rootMatches: nil,
                             reason: "the worker served \(fetched.count) bytes, not the \(spec.m * spec.n * 4) "
                                 + "of a \(spec.m)×\(spec.n) result")
        }
        let root = RowMerkleTree(rowsOf: c, n: spec.n).root
        guard root == committedRoot else {
            return Judgement(verdict: .invalid, workUnits: .zero, rootMatches: false,
                             reason: "the served rows have root \(root), the committed root is \(committedRoot)")
        }
        guard Freivalds.check(spec: spec, c: c, seed: seed, rounds: rounds) else {
            return Judgement(verdict: .invalid, workUnits: .zero, rootMatches: true,
                             reason: "the result fails Freivalds' check (\(rounds) rounds)")
        }
        return Judgement(verdict: .valid, workUnits: UInt256(spec.workUnits), rootMatches: true,
                         reason: "the result passes Freivalds' check (\(rounds) rounds)")
    }

    /// C as int32 values from its little-endian bytes; nil unless exactly rows·columns·4 bytes.
    public static func decodeResult(_ bytes: [UInt8], rows: Int, columns: Int) -> [Int32]? {
        let (count, overflow) = rows.multipliedReportingOverflow(by: columns)
        guard rows > 0, columns > 0, !overflow, count <= Int.max / 4, bytes.count == count * 4 else { return nil }
        return [Int32](unsafeUninitializedCapacity: count) { out, initialized in
            bytes.withUnsafeBytes { raw in
                for i in 0..<count { out[i] = Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self)) }
            }
            initialized = count
        }
    }
}
