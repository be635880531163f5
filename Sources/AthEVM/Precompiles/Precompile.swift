import AthPrimitives

/// The precompiled contracts at addresses 0x01–0x0a, Cancun revision.
///
/// Each one is a pure function of its input: it charges its gas before doing
/// any work, never traps on any input, and allocates only after the gas for
/// the sizes involved has been checked against `gasLimit`.
public enum Precompile {
    /// The highest precompile address at Cancun (EIP-4844's point evaluation).
    static let lastAddress = Address(low: 0x0a)

    /// Whether `address` is one of 0x01…0x0a.
    public static func isPrecompile(_ address: Address) -> Bool {
        address != .zero && address <= lastAddress
    }

    /// Runs the precompile at `address` on `input`.
    ///
    /// `.failure` when the input is invalid for a precompile that rejects bad
    /// input, when the gas it needs exceeds `gasLimit`, or when `address` is
    /// not a precompile; the caller then consumes all gas it passed.
    /// 0x0a (KZG point evaluation, EIP-4844) is not implemented and always
    /// fails: this chain carries no blobs.
    public static func run(_ address: Address, input: [UInt8], gasLimit: UInt64) -> PrecompileResult {
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
