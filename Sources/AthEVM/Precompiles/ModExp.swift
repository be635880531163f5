import AthPrimitives

extension Precompile {
    /// 0x05: arbitrary-precision `base^exp mod mod` (EIP-198, Byzantium),
    /// priced by EIP-2565 (Berlin).
    ///
    /// Input: three 32-byte big-endian lengths, then base, exponent and
    /// modulus of those lengths, all zero-padded past the input's end. The
    /// lengths may be anything up to 2^256 − 1: the gas is computed from them
    /// first, with arithmetic wide enough not to overflow, and nothing is
    /// allocated until that gas fits `gasLimit` (which then bounds the sizes).
    enum ModExp {
        static let minimumGas: UInt64 = 200

        static func run(_ input: [UInt8], gasLimit: UInt64) -> PrecompileResult {
            let header = Precompile.padded(input, count: 96)
            let baseLength = length(header, at: 0)
            let exponentLength = length(header, at: 32)
            let modulusLength = length(header, at: 64)
            guard let gas = gas(input, baseLength: baseLength, exponentLength: exponentLength,
                                modulusLength: modulusLength),
                  gas <= gasLimit
            else { return .failure }
            // The gas fits, so base and modulus lengths are far below 2^32 and
            // exponentLength (if finite) below 2^63.
            guard let modulusCount = modulusLength, modulusCount > 0,
                  let baseCount = baseLength, let exponentCount = exponentLength
            else { return .success(gasUsed: gas, output: []) }

            let input = Operand(input)
            let exponentStart = saturatingSum(96, baseCount, 0)
            let modulusStart = saturatingSum(exponentStart, exponentCount, 0)
            let modulus = BigNat(input, from: modulusStart, count: modulusCount)
            let base = BigNat(input, from: 96, count: baseCount)
            // The exponent bytes the input holds; the rest of its length is zeros.
            let stored = input.bytes.count
            let start = Int(min(exponentStart, UInt64(stored)))
            let end = Int(min(saturatingSum(exponentStart, exponentCount, 0), UInt64(stored)))
            let (zeroBits, overflow) = (exponentCount - UInt64(end - start)).multipliedReportingOverflow(by: 8)
            let result = ModularPower.power(base, exponent: Array(input.bytes[start..<end]),
                                            zeroBits: overflow ? .max : zeroBits, modulus: modulus)
            return .success(gasUsed: gas, output: result.bigEndianBytes(count: Int(modulusCount)))
        }

        /// A 32-byte length word; `nil` when it does not fit in 64 bits.
        static func length(_ header: [UInt8], at offset: Int) -> UInt64? {
            guard header[offset..<offset + 24].allSatisfy({ $0 == 0 }) else { return nil }
            var value: UInt64 = 0
            for byte in header[offset + 24..<offset + 32] { value = value << 8 | UInt64(byte) }
            return value
        }

        /// EIP-2565: max(200, ⌊multiplicationComplexity · iterationCount / 3⌋);
        /// `nil` when it exceeds `UInt64.max`. A `nil` length means ≥ 2^64.
        static func gas(_ input: [UInt8], baseLength: UInt64?, exponentLength: UInt64?,
                        modulusLength: UInt64?) -> UInt64? {
            // A length ≥ 2^64 in base or modulus makes the complexity ≥ 2^122.
            guard let baseLength, let modulusLength else { return nil }
            let words = max(baseLength, modulusLength) / 8 + (max(baseLength, modulusLength) % 8 == 0 ? 0 : 1)
            let complexity = UInt256(words) &* UInt256(words)  // < 2^122
            if complexity.isZero { return minimumGas }
            // A nonzero complexity times ≥ 8 · (2^64 − 32) iterations is past 2^64.
            guard let exponentLength else { return nil }

            let operand = Operand(input)
            let headCount = min(exponentLength, 32)
            var head = UInt256.zero
            for i in 0..<headCount {
                head = head << 8 | UInt256(UInt64(operand.byte(at: saturatingSum(96, baseLength, i))))
            }
            let headBits = UInt64(256 - head.leadingZeroBitCount)
            var iterations = UInt256(headBits == 0 ? 0 : headBits - 1)
            if exponentLength > 32 { iterations = iterations &+ UInt256(exponentLength - 32) &* UInt256(8) }
            if iterations.isZero { iterations = .one }
            // complexity < 2^122 and iterations < 2^68: the product fits.
            let total = (complexity &* iterations) / UInt256(3)
            guard let gas = total.uint64IfFits else { return nil }
            return max(gas, minimumGas)
        }
    }
}

/// `a + b + c`, or `UInt64.max` (an offset past any input) on overflow.
func saturatingSum(_ a: UInt64, _ b: UInt64, _ c: UInt64) -> UInt64 {
    let (ab, overflow) = a.addingReportingOverflow(b)
    let (abc, overflow2) = ab.addingReportingOverflow(c)
    return overflow || overflow2 ? .max : abc
}

/// Precompile input read as an infinite byte string: zeros past its end.
struct Operand {
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// The byte at `offset` (which may be past the end, or huge).
    @inline(__always)
    func byte(at offset: UInt64) -> UInt8 {
        offset < UInt64(bytes.count) ? bytes[Int(offset)] : 0
    }
}
