import AthPrimitives

extension Precompile {
    /// 0x06: G1 point addition (EIP-196), 150 gas since EIP-1108.
    /// Input zero-padded to 128 bytes: x₁ ‖ y₁ ‖ x₂ ‖ y₂. Output x ‖ y.
    enum BN254Add {
        static let gas: UInt64 = 150

        static func run(_ input: [UInt8], gasLimit: UInt64) -> PrecompileResult {
            guard gasLimit >= gas else { return .failure }
            let bytes = Precompile.padded(input, count: 128)
            guard let a = BN254.g1(bytes[0..<64]), let b = BN254.g1(bytes[64..<128]) else { return .failure }
            return .success(gasUsed: gas, output: BN254.encode(a.adding(b)))
        }
    }

    /// 0x07: G1 scalar multiplication (EIP-196), 6000 gas since EIP-1108.
    /// Input zero-padded to 96 bytes: x ‖ y ‖ scalar (any 256-bit value).
    enum BN254ScalarMul {
        static let gas: UInt64 = 6000

        static func run(_ input: [UInt8], gasLimit: UInt64) -> PrecompileResult {
            guard gasLimit >= gas else { return .failure }
            let bytes = Precompile.padded(input, count: 96)
            guard let point = BN254.g1(bytes[0..<64]) else { return .failure }
            let scalar = UInt256(bigEndianBytes: bytes[64..<96])!
            return .success(gasUsed: gas, output: BN254.encode(point.multiplied(by: scalar)))
        }
    }

    /// 0x08: the pairing product check (EIP-197), 45000 + 34000 per pair
    /// since EIP-1108. Input: k pairs of G1 (64 bytes) ‖ G2 (128 bytes); a
    /// length that is not a multiple of 192 fails. Output: 32-byte 1 if the
    /// product of the pairings is 1 (also for k = 0), else 0.
    enum BN254PairingCheck {
        static let pairLength = 192

        static func run(_ input: [UInt8], gasLimit: UInt64) -> PrecompileResult {
            guard input.count % pairLength == 0 else { return .failure }
            let count = input.count / pairLength
            let (perPair, overflow) = UInt64(count).multipliedReportingOverflow(by: 34000)
            guard !overflow, perPair <= UInt64.max - 45000, 45000 + perPair <= gasLimit else { return .failure }
            let gas = 45000 + perPair

            var pairs: [(JacobianPoint<Fp>, JacobianPoint<Fp2>)] = []
            pairs.reserveCapacity(count)
            for i in 0..<count {
                let start = i * pairLength
                guard let g1 = BN254.g1(input[start..<start + 64]),
                      let g2 = BN254.g2(input[start + 64..<start + pairLength])
                else { return .failure }
                pairs.append((g1, g2))
            }
            var output = [UInt8](repeating: 0, count: 32)
            if BN254Pairing.productIsOne(pairs) { output[31] = 1 }
            return .success(gasUsed: gas, output: output)
        }
    }
}
