import AthCrypto
import AthPrimitives

extension Precompile {
    /// 0x01: the address that signed a hash (Frontier).
    ///
    /// Input (zero-padded or truncated to 128 bytes): hash ‖ v ‖ r ‖ s, each a
    /// 32-byte word. v must be exactly 27 or 28, 0 < r, s < n. High S is
    /// accepted: EIP-2 restricts transactions, not this contract. Any invalid
    /// signature gives empty output, not failure.
    enum ECRecover {
        static let gas: UInt64 = 3000

        static func run(_ input: [UInt8], gasLimit: UInt64) -> PrecompileResult {
            guard gasLimit >= gas else { return .failure }
            let words = Precompile.padded(input, count: 128)
            let v = words[63]
            guard words[32..<63].allSatisfy({ $0 == 0 }), v == 27 || v == 28,
                  let address = Secp256k1.recoverAllowingHighS(
                      hash: Hash32(words[0..<32])!, r: Hash32(words[64..<96])!,
                      s: Hash32(words[96..<128])!, recoveryID: v - 27)
            else { return .success(gasUsed: gas, output: []) }
            return .success(gasUsed: gas, output: [UInt8](repeating: 0, count: 12) + address.bytes)
        }
    }
}
