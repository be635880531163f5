import AthPrimitives

/// The precompiled contracts: 0x01–0x0a of the Cancun revision, and this
/// chain's own 0xa01 (GEMM_I8_ENTRY) and 0xa02 (ED25519_VERIFY), active only
/// when the execution enables them (`BlockContext.chainPrecompiles`), so
/// that Ethereum's conformance tests see those addresses as empty accounts.
///
/// Each one is a pure function of its input: it charges its gas before doing
/// any work, never traps on any input, and allocates only after the gas for
/// the sizes involved has been checked against `gasLimit`.
public enum Precompile {
    /// The highest precompile address at Cancun (EIP-4844's point evaluation).
    static let lastAddress = Address(low: 0x0a)

    /// This chain's own precompiles, in address order.
    public static let chainAddresses = [GemmI8Entry.address, Ed25519Verify.address]

    /// Whether `address` is one of 0x01…0x0a, or, with `chainPrecompiles`,
    /// one of `chainAddresses`.
    @inline(__always)
    public static func isPrecompile(_ address: Address, chainPrecompiles: Bool = false) -> Bool {
        (address != .zero && address <= lastAddress)
            || (chainPrecompiles && (address == GemmI8Entry.address || address == Ed25519Verify.address))
    }

    /// Runs the precompile at `address` on `input`.
    ///
    /// `.failure` when the input is invalid for a precompile that rejects bad
    /// input, when the gas it needs exceeds `gasLimit`, or when `address` is
    /// not a precompile (under `chainPrecompiles`); the caller then consumes
    /// all gas it passed. 0x0a (KZG point evaluation, EIP-4844) is not
    /// implemented and always fails: this chain carries no blobs.
    public static func run(_ address: Address, input: [UInt8], gasLimit: UInt64,
                           chainPrecompiles: Bool = false) -> PrecompileResult {
        if chainPrecompiles {
            if address == GemmI8Entry.address { return GemmI8Entry.run(input, gasLimit: gasLimit) }
            if address == Ed25519Verify.address { return Ed25519Verify.run(input, gasLimit: gasLimit) }
        }
        guard isPrecompile(address) else { return .failure }
        switch address.bytes[19] {
        case 0x01: return ECRecover.run(input, gasLimit: gasLimit)
        case 0x02: return SHA256Digest.run(input, gasLimit: gasLimit)
        case 0x03: return RIPEMD160Digest.run(input, gasLimit: gasLimit)
        case 0x04: return Identity.run(input, gasLimit: gasLimit)
        case 0x05: return ModExp.run(input, gasLimit: gasLimit)
        case 0x06: return BN254Add.run(input, gasLimit: gasLimit)
        case 0x07: return BN254ScalarMul.run(input, gasLimit: gasLimit)
        case 0x08: return BN254PairingCheck.run(input, gasLimit: gasLimit)
        case 0x09: return Blake2F.run(input, gasLimit: gasLimit)
        default: return .failure
        }
    }

    /// `base + perWord · ⌈length / 32⌉`, saturating at `UInt64.max` (which no
    /// gas limit can pay).
    static func linearGas(base: UInt64, perWord: UInt64, length: Int) -> UInt64 {
        let count = UInt64(length)
        let words = count / 32 + (count % 32 == 0 ? 0 : 1)
        let (variable, overflow) = words.multipliedReportingOverflow(by: perWord)
        guard !overflow else { return .max }
        let (total, overflow2) = base.addingReportingOverflow(variable)
        return overflow2 ? .max : total
    }

    /// `count` bytes of `input` from `offset`, zero-filled past its end (the
    /// EVM's convention for short precompile input).
    static func padded(_ input: [UInt8], from offset: Int = 0, count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        guard offset < input.count else { return out }
        let available = min(count, input.count - offset)
        for i in 0..<available { out[i] = input[offset + i] }
        return out
    }
}
