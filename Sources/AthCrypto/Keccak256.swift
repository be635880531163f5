import AthPrimitives

/// Keccak-256 as Ethereum uses it: the original Keccak padding (`0x01 … 0x80`),
/// not SHA3-256's (`0x06 … 0x80`). Every consensus-visible hash (addresses,
/// transaction and block hashes, trie nodes) is this function.
public enum Keccak256 {
    /// The hash of `bytes`.
    public static func hash(_ bytes: [UInt8]) -> Hash32 {
        bytes.withUnsafeBytes { hash($0) }
    }

    /// The hash of the bytes in `buffer`; reads them in place, allocates nothing.
    public static func hash(_ buffer: UnsafeRawBufferPointer) -> Hash32 {
        var state = KeccakState()
        var tail = buffer.baseAddress
        var remaining = buffer.count
        let fullBlocks = remaining / KeccakState.rate
        if let base = tail, fullBlocks > 0 {
            state.absorb(blocks: base, count: fullBlocks)
            tail = base + fullBlocks * KeccakState.rate
            remaining -= fullBlocks * KeccakState.rate
        }
        var block = KeccakState.zeroBlock
        withUnsafeMutableBytes(of: &block) { out in
            if let tail, remaining > 0 { out.baseAddress!.copyMemory(from: tail, byteCount: remaining) }
        }
        state.absorbFinal(&block, count: remaining)
        return state.digest()
    }

    /// Incremental hashing for input that arrives in pieces; the result equals
    /// `Keccak256.hash` of the concatenated pieces.
    public struct Hasher: Sendable {
        private var state = KeccakState()
        /// Bytes of a block not yet absorbed; only the first `pendingCount` count.
        private var pending = KeccakState.zeroBlock
        private var pendingCount = 0

        public init() {}

        /// Appends `bytes` to the input.
        public mutating func update(_ bytes: [UInt8]) {
            bytes.withUnsafeBytes { update($0) }
        }

        /// Appends the bytes in `buffer` to the input.
        public mutating func update(_ buffer: UnsafeRawBufferPointer) {
            guard var p = buffer.baseAddress, buffer.count > 0 else { return }
            var remaining = buffer.count
            let rate = KeccakState.rate
            if pendingCount > 0 {
                let take = min(rate - pendingCount, remaining)
                withUnsafeMutableBytes(of: &pending) { out in
                    (out.baseAddress! + pendingCount).copyMemory(from: p, byteCount: take)
                }
                pendingCount += take
                p += take
                remaining -= take
                guard pendingCount == rate else { return }
                withUnsafeBytes(of: &pending) { state.absorb(blocks: $0.baseAddress!, count: 1) }
                pendingCount = 0
            }
            let fullBlocks = remaining / rate
            if fullBlocks > 0 {
                state.absorb(blocks: p, count: fullBlocks)
                p += fullBlocks * rate
                remaining -= fullBlocks * rate
            }
            if remaining > 0 {
                withUnsafeMutableBytes(of: &pending) { out in
                    out.baseAddress!.copyMemory(from: p, byteCount: remaining)
                }
                pendingCount = remaining
            }
        }

        /// The hash of everything passed to `update`.
        public consuming func finalize() -> Hash32 {
            var block = pending
            state.absorbFinal(&block, count: pendingCount)
            return state.digest()
        }
    }
}

/// The Keccak-f[1600] sponge state: lane (x, y) is `a{x + 5y}`.
struct KeccakState: Sendable {
    /// Bytes absorbed per permutation for a 256-bit capacity: (1600 − 2·256) / 8.
    static let rate = 136

    /// One block of `rate` bytes (17 lanes), kept inline so padding needs no heap.
    typealias Block = (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                       UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)
    static var zeroBlock: Block { (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0) }

    var a0: UInt64 = 0, a1: UInt64 = 0, a2: UInt64 = 0, a3: UInt64 = 0, a4: UInt64 = 0
    var a5: UInt64 = 0, a6: UInt64 = 0, a7: UInt64 = 0, a8: UInt64 = 0, a9: UInt64 = 0
    var a10: UInt64 = 0, a11: UInt64 = 0, a12: UInt64 = 0, a13: UInt64 = 0, a14: UInt64 = 0
    var a15: UInt64 = 0, a16: UInt64 = 0, a17: UInt64 = 0, a18: UInt64 = 0, a19: UInt64 = 0
    var a20: UInt64 = 0, a21: UInt64 = 0, a22: UInt64 = 0, a23: UInt64 = 0, a24: UInt64 = 0

    /// Pads the last `count` (< rate) bytes held in `block` with Keccak's
    /// `0x01 … 0x80` and absorbs them. Bytes of `block` past `count` are ignored.
    mutating func absorbFinal(_ block: inout Block, count: Int) {
        withUnsafeMutableBytes(of: &block) { bytes in
            (bytes.baseAddress! + count).initializeMemory(as: UInt8.self, repeating: 0,
                                                          count: KeccakState.rate - count)
            bytes[count] ^= 0x01
            bytes[KeccakState.rate - 1] ^= 0x80
            absorb(blocks: UnsafeRawPointer(bytes.baseAddress!), count: 1)
        }
    }

    /// The first 32 bytes of the state, lanes written little-endian.
    func digest() -> Hash32 {
        var out = (a0.littleEndian, a1.littleEndian, a2.littleEndian, a3.littleEndian)
        return withUnsafeBytes(of: &out) { Hash32(pointer: $0.baseAddress!) }
    }
}
