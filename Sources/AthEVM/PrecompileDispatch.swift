import AthPrimitives

/// The interpreter's only door to the precompiled contracts (0x01–0x0a).
enum PrecompileDispatch {
    @inline(__always) static func isPrecompile(_ a: Address) -> Bool { Precompile.isPrecompile(a) }

    static func run(_ a: Address, input: [UInt8], gasLimit: UInt64) -> PrecompileResult {
        Precompile.run(a, input: input, gasLimit: gasLimit)
    }
}
