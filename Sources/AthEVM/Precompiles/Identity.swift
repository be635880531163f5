extension Precompile {
    /// 0x04: returns its input (Frontier). 15 gas + 3 per 32-byte word.
    enum Identity {
        static func run(_ input: [UInt8], gasLimit: UInt64) -> PrecompileResult {
            let gas = Precompile.linearGas(base: 15, perWord: 3, length: input.count)
            guard gas <= gasLimit else { return .failure }
            return .success(gasUsed: gas, output: input)
        }
    }
}
