import AthCrypto
import AthPrimitives

// Memory, call data, code and return data access.
extension Frame {
    @inline(__always) mutating func mload() throws(HaltReason) {
        let r = try memoryRegion(stack[0], 32)
        stack.setTop(UInt256(pointer: memory.pointer(r.offset)))
    }

    @inline(__always) mutating func mstore() throws(HaltReason) {
        let offset = stack.pop(), value = stack.pop()
        let r = try memoryRegion(offset, 32)
        value.store(to: memory.pointer(r.offset))
    }

    @inline(__always) mutating func mstore8() throws(HaltReason) {
        let offset = stack.pop(), value = stack.pop()
        let r = try memoryRegion(offset, 1)
        memory.pointer(r.offset).storeBytes(of: UInt8(truncatingIfNeeded: value.low64), as: UInt8.self)
    }

    /// EIP-5656 MCOPY: 3 static + 3 per word + expansion over both regions.
    mutating func mcopy() throws(HaltReason) {
        let dst = stack.pop(), src = stack.pop(), size = stack.pop()
        let d = try memoryRegion(dst, size)
        let s = try memoryRegion(src, size)
        try chargeCopy(d.size)
        if d.size > 0 { memory.pointer(d.offset).copyMemory(from: memory.pointer(s.offset), byteCount: d.size) }
    }

    /// KECCAK256: 30 static + 6 per word.
    mutating func keccak256() throws(HaltReason) {
        let offset = stack.pop()
        let r = try memoryRegion(offset, stack[0])
        try charge(Gas.keccakWord &* Gas.words(r.size))
        let h = r.size == 0 ? Keccak256.hash(UnsafeRawBufferPointer(start: nil, count: 0))
            : Keccak256.hash(UnsafeRawBufferPointer(start: memory.pointer(r.offset), count: r.size))
        stack.setTop(h.word)
    }

    /// CALLDATALOAD: 32 bytes from `offset`, zero past the end.
    mutating func calldataload() {
        let offset = stack[0]
        let input = message.input
        guard let o = offset.intIfFits, o < input.count else { stack.setTop(.zero); return }
        var buf: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        let v = withUnsafeMutableBytes(of: &buf) { raw in
            input.withUnsafeBytes { src in
                raw.baseAddress!.copyMemory(from: src.baseAddress! + o, byteCount: Swift.min(32, src.count &- o))
            }
            return UInt256(pointer: raw.baseAddress!)
        }
        stack.setTop(v)
    }

    /// Pops (memory offset, source offset, size), charges expansion and copy
    /// gas, and returns the memory region and source offset.
    @inline(__always) mutating func copyOperands() throws(HaltReason) -> (offset: Int, size: Int, source: UInt256) {
        let dst = stack.pop(), src = stack.pop(), size = stack.pop()
        let r = try memoryRegion(dst, size)
        try chargeCopy(r.size)
        return (r.offset, r.size, src)
    }

    mutating func calldatacopy() throws(HaltReason) {
        let c = try copyOperands()
        message.input.withUnsafeBytes { memory.copy(to: c.offset, count: c.size, from: $0, sourceOffset: c.source) }
    }

    mutating func codecopy() throws(HaltReason) {
        let c = try copyOperands()
        memory.copy(to: c.offset, count: c.size, from: UnsafeRawBufferPointer(start: code.padded, count: code.count),
                    sourceOffset: c.source)
    }

    /// EIP-211: reading past the end of the return data halts.
    mutating func returndatacopy() throws(HaltReason) {
        let c = try copyOperands()
        let (end, overflow) = c.source.addingReportingOverflow(UInt256(UInt64(c.size)))
        guard !overflow, let e = end.intIfFits, e <= returnData.count else { throw .returnDataOutOfBounds }
        returnData.withUnsafeBytes { memory.copy(to: c.offset, count: c.size, from: $0, sourceOffset: c.source) }
    }

    /// RETURN/REVERT: copies the output region.
    mutating func setOutput() throws(HaltReason) {
        let offset = stack.pop(), size = stack.pop()
        let r = try memoryRegion(offset, size)
        output = memory.bytes(r.offset, r.size)
    }
}
