import AthCrypto
import AthPrimitives

extension Precompile {
    /// 0xa02 ED25519_VERIFY (this chain only, in the spirit of EIP-665):
    /// whether an ed25519 signature verifies, for proofs of possession of
    /// consensus keys.
    ///
    /// Input: public key (32 bytes) ‖ signature (64) ‖ message (the rest,
    /// possibly empty); shorter than 96 bytes fails. Output: a 32-byte word,
    /// 1 when the signature verifies under RFC 8032's strict rules
    /// (libsodium: canonical S, no small-order R or key, canonical key),
    /// 0 otherwise, malformed keys and signatures included.
    /// Gas: 4,500 + 12 per 32-byte word of message, charged before verifying
    /// (priced to run at 50 Mgas/s or more: a verify takes 60-75 µs here).
    enum Ed25519Verify {
        static let address = Address(low: 0x0a02)
        static let prefixCount = Ed25519.publicKeyCount + Ed25519.signatureCount
        static let baseGas: UInt64 = 4_500
        static let wordGas: UInt64 = 12

        static func run(_ input: [UInt8], gasLimit: UInt64) -> PrecompileResult {
            guard input.count >= prefixCount else { return .failure }
            let gas = Precompile.linearGas(base: baseGas, perWord: wordGas, length: input.count - prefixCount)
            guard gas <= gasLimit else { return .failure }
            let valid = Ed25519.verify(signature: Array(input[32..<prefixCount]), message: Array(input[prefixCount...]),
                                       publicKey: Array(input[0..<32]))
            var output = [UInt8](repeating: 0, count: 32)
            output[31] = valid ? 1 : 0
            return .success(gasUsed: gas, output: output)
        }
    }
}
