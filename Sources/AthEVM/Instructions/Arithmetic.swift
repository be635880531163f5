import AthPrimitives

// Arithmetic that does not fit a one-line `stack.binary` in the dispatch switch.
extension Frame {
    @inline(__always) mutating func addmod() {
        let a = stack.pop(), b = stack.pop()
        stack.setTop(UInt256.addmod(a, b, stack[0]))
    }

    @inline(__always) mutating func mulmod() {
        let a = stack.pop(), b = stack.pop()
        stack.setTop(UInt256.mulmod(a, b, stack[0]))
    }

    /// EXP: 10 static + 50 per byte of the exponent (EIP-160).
    @inline(__always) mutating func exp() throws(HaltReason) {
        let base = stack.pop()
        let exponent = stack[0]
        try charge(Gas.expByte &* Int64(exponent.significantByteCount))
        stack.setTop(base.exp(exponent))
    }
}
