import AthCrypto

extension Precompile {
    /// 0x02: SHA-256 of the input (Frontier). 60 gas + 12 per 32-byte word.
    enum SHA256Digest {
        static func run(_ input: [UInt8], gasLimit: UInt64) -> PrecompileResult {
            let gas = Precompile.linearGas(base: 60, perWord: 12, length: input.count)
            guard gas <= gasLimit else { return .failure }
            return .success(gasUsed: gas, output: SHA256Hash.hash(input).bytes)
        }
    }
}
