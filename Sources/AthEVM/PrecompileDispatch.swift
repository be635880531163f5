import AthPrimitives

/// The interpreter's only door to the precompiled contracts (0x01–0x0a, and
/// this chain's 0xa01–0xa02 when `chainPrecompiles`).
enum PrecompileDispatch {
    @inline(__always) static func isPrecompile(_ a: Address, chainPrecompiles: Bool) -> Bool {
        Precompile.isPrecompile(a, chainPrecompiles: chainPrecompiles)
    }

    static func run(_ a: Address, input: [UInt8], gasLimit: UInt64, chainPrecompiles: Bool) -> PrecompileResult {
        Precompile.run(a, input: input, gasLimit: gasLimit, chainPrecompiles: chainPrecompiles)
    }
}
