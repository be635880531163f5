import AthPrimitives

/// The EVM's byte-addressed, word-grown memory: a raw buffer that grows by
/// doubling and is zero-filled as it expands. The frame that owns it calls
/// `release()` when it ends. Gas for expansion is charged by the frame
/// (`Frame.expandMemory`) before `grow` is called.
struct Memory {
    private(set) var base: UnsafeMutableRawPointer?
    /// Active size in bytes: always a multiple of 32.
    private(set) var size: Int = 0
    private var capacity: Int = 0

    /// Grows the active size to `newSize` bytes (a multiple of 32, larger
    /// than `size`), zero-filling the new part.
    mutating func grow(to newSize: Int) {
        if newSize > capacity {
            var newCapacity = Swift.max(capacity &* 2, 4096)
            while newCapacity < newSize { newCapacity &*= 2 }
            let p = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 32)
            if let base {
                p.copyMemory(from: base, byteCount: size)
                base.deallocate()
            }
            base = p
            capacity = newCapacity
        }
        (base! + size).initializeMemory(as: UInt8.self, repeating: 0, count: newSize &- size)
        size = newSize
    }

    /// Pointer to byte `offset`; only valid for offsets inside `size`.
    @inline(__always) func pointer(_ offset: Int) -> UnsafeMutableRawPointer { base.unsafelyUnwrapped + offset }

    /// A copy of `count` bytes at `offset` (both inside `size`, or `count` 0).
    func bytes(_ offset: Int, _ count: Int) -> [UInt8] {
        guard count > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer(offset), count: count))
    }

    /// Copies `count` bytes from `source` (starting at `sourceOffset`) to
    /// memory at `offset`, zero-filling what lies past the end of `source`.
    func copy(to offset: Int, count: Int, from source: UnsafeRawBufferPointer, sourceOffset: UInt256) {
        guard count > 0 else { return }
        let dst = pointer(offset)
        var available = 0
        var start = 0
        if let o = sourceOffset.intIfFits, o < source.count {
            start = o
            available = Swift.min(count, source.count &- o)
        }
        if available > 0 { dst.copyMemory(from: source.baseAddress! + start, byteCount: available) }
        if available < count { (dst + available).initializeMemory(as: UInt8.self, repeating: 0, count: count &- available) }
    }

    mutating func release() {
        base?.deallocate()
        base = nil
        size = 0
        capacity = 0
    }
}
