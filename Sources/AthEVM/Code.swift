import AthCrypto
import AthPrimitives

/// Contract code, analysed once: the bytes (padded with zeros so the
/// interpreter may read a whole PUSH32 or fall off the end onto STOP
/// without bounds checks), its Keccak-256 hash, and the bitmap of valid
/// JUMPDEST positions (a 0x5b that is not inside PUSH data).
///
/// Immutable after `init`, so one instance may be shared by every account
/// with the same code (`CodeCache`).
public final class Code: @unchecked Sendable {
    /// Keccak-256 of empty code.
    public static let emptyHash = Keccak256.hash([UInt8]())
    public static let empty = Code([])

    public let bytes: [UInt8]
    public let hash: Hash32
    /// `bytes.count`.
    public let count: Int
    /// `count + 33` bytes: the code then zeros.
    let padded: UnsafeMutablePointer<UInt8>
    /// Bit i set: position i is a JUMPDEST.
    private let jumpdests: UnsafeMutablePointer<UInt64>

    public convenience init(_ bytes: [UInt8]) {
        self.init(bytes, hash: Keccak256.hash(bytes))
    }

    /// Builds code whose hash the caller already knows (it must be keccak256(bytes)).
    public init(_ bytes: [UInt8], hash: Hash32) {
        let n = bytes.count
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: n + 33)
        buffer.initialize(repeating: 0, count: n + 33)
        bytes.withUnsafeBufferPointer { b in
            if n > 0 { buffer.update(from: b.baseAddress!, count: n) }
        }
        let mapWords = (n + 63) / 64 + 1
        let map = UnsafeMutablePointer<UInt64>.allocate(capacity: mapWords)
        map.initialize(repeating: 0, count: mapWords)
        var i = 0
        while i < n {
            let op = buffer[i]
            if op == 0x5b {
                map[i >> 6] |= 1 << UInt64(i & 63)
            } else if op >= 0x60 && op <= 0x7f {
                i += Int(op - 0x5f)
            }
            i += 1
        }
        self.bytes = bytes
        self.hash = hash
        count = n
        padded = buffer
        jumpdests = map
    }

    deinit {
        padded.deallocate()
        jumpdests.deallocate()
    }

    /// Whether `destination` is a valid jump target.
    @inline(__always) func isJumpdest(_ destination: UInt256) -> Bool {
        guard let d = destination.intIfFits, d < count else { return false }
        return jumpdests[d >> 6] & (1 << UInt64(d & 63)) != 0
    }
}

/// Shares analysed `Code` between accounts with the same code hash.
public final class CodeCache {
    private var byHash: [Hash32: Code] = [:]

    public init() {}

    /// The analysed code for `bytes`, built once per distinct hash.
    public func code(for bytes: [UInt8]) -> Code {
        if bytes.isEmpty { return Code.empty }
        let hash = Keccak256.hash(bytes)
        if let c = byHash[hash] { return c }
        let c = Code(bytes, hash: hash)
        byHash[hash] = c
        return c
    }
}
