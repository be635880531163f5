import AthPrimitives
import CSecp256k1

/// ECDSA over secp256k1 through libsecp256k1: Ethereum's transaction
/// signatures (sign, recover the sender) and plain verification.
public enum Secp256k1 {
    /// The one process-wide libsecp256k1 context. libsecp256k1 0.2.0 contexts
    /// are read-only after creation apart from `secp256k1_context_randomize`,
    /// which runs here, once, before the context is shared; so concurrent use
    /// from any thread is safe (libsecp256k1's documented rule).
    nonisolated(unsafe) static let context: OpaquePointer = {
        guard let context = secp256k1_context_create(UInt32(SECP256K1_CONTEXT_NONE)) else {
            fatalError("secp256k1_context_create failed")
        }
        // Blinding for signing and key generation, against side channels.
        let seed = SecureRandom.bytes(32)
        guard secp256k1_context_randomize(context, seed) == 1 else {
            fatalError("secp256k1_context_randomize failed")
        }
        return context
    }()

    /// The group order n, big-endian.
    static let order = try! Hash32(hex: "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141")
    /// ⌊n / 2⌋: the largest s that EIP-2 accepts.
    static let halfOrder = try! Hash32(hex: "7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0")

    /// Signs a 32-byte message hash with an RFC 6979 deterministic nonce. The
    /// result is always low-S (libsecp256k1 normalizes s), so it passes EIP-2.
    public static func sign(hash: Hash32, key: Secp256k1PrivateKey) -> RecoverableSignature {
        var signature = secp256k1_ecdsa_recoverable_signature()
        var recoveryID: Int32 = 0
        let (r, s) = withUnsafeTemporaryAllocation(byteCount: 128, alignment: 8) { buffer in
            let base = buffer.baseAddress!
            let bytes = base.bindMemory(to: UInt8.self, capacity: 128)
            hash.store(to: base)
            key.value.store(to: base + 32)
            let signed = secp256k1_ecdsa_sign_recoverable(context, &signature, bytes, bytes + 32, nil, nil)
            // Fails only for an invalid key (excluded by the type) or after
            // 2^-128-likely nonce exhaustion.
            precondition(signed == 1, "secp256k1_ecdsa_sign_recoverable failed")
            _ = secp256k1_ecdsa_recoverable_signature_serialize_compact(context, bytes + 64, &recoveryID, &signature)
            return (Hash32(pointer: base + 64), Hash32(pointer: base + 96))
        }
        return RecoverableSignature(rValue: r, sValue: s, recoveryID: UInt8(recoveryID))
    }

    /// The public key that produced `signature` over `hash`, after the EIP-2
    /// checks: 0 < r < n, 0 < s ≤ n/2, recovery id 0 or 1.
    public static func recover(hash: Hash32, signature: RecoverableSignature) throws(SignatureError) -> Secp256k1PublicKey {
        try checkEIP2(signature)
        guard let key = recoverUnchecked(hash: hash, signature: signature) else { throw .unrecoverable }
        return key
    }

    /// The address of the key that produced `signature` over `hash` (a
    /// transaction's sender), after the same checks as `recover`.
    public static func recoverAddress(hash: Hash32, signature: RecoverableSignature) throws(SignatureError) -> Address {
        try recover(hash: hash, signature: signature).address
    }

    /// Whether `signature` (its r and s; the recovery id is ignored) is a valid
    /// signature of `hash` by `publicKey`. High-S signatures are refused, as
    /// libsecp256k1's verification does.
    public static func verify(hash: Hash32, signature: RecoverableSignature, publicKey: Secp256k1PublicKey) -> Bool {
        var parsed = secp256k1_ecdsa_signature()
        return withUnsafeTemporaryAllocation(byteCount: 96, alignment: 8) { buffer in
            let base = buffer.baseAddress!
            let bytes = base.bindMemory(to: UInt8.self, capacity: 96)
            signature.rValue.store(to: base)
            signature.sValue.store(to: base + 32)
            hash.store(to: base + 64)
            guard secp256k1_ecdsa_signature_parse_compact(context, &parsed, bytes) == 1 else { return false }
            return verify(parsed, hash: bytes + 64, publicKey: publicKey)
        }
    }

    /// Whether a strict-DER signature is valid for `messageHash` and
    /// `publicKey`. BER quirks and out-of-range values are refused, and so is
    /// high S (Bitcoin's low-S rule, which libsecp256k1's verification applies).
    public static func verifyDER(messageHash: Hash32, derSignature: [UInt8], publicKey: Secp256k1PublicKey) -> Bool {
        var parsed = secp256k1_ecdsa_signature()
        guard !derSignature.isEmpty,
              secp256k1_ecdsa_signature_parse_der(context, &parsed, derSignature, derSignature.count) == 1
        else { return false }
        return verify(parsed, hash: messageHash.bytes, publicKey: publicKey)
    }

    private static func verify(_ signature: secp256k1_ecdsa_signature, hash: UnsafePointer<UInt8>,
                               publicKey: Secp256k1PublicKey) -> Bool {
        var signature = signature
        var point = secp256k1_pubkey()
        let encoded = publicKey.uncompressed
        guard secp256k1_ec_pubkey_parse(context, &point, encoded, encoded.count) == 1 else { return false }
        return secp256k1_ecdsa_verify(context, &signature, hash, &point) == 1
    }

    /// EIP-2 (Homestead) signature rules, checked on the big-endian values
    /// before libsecp256k1 sees them. `Hash32`'s order is the numeric order of
    /// the 256-bit big-endian values.
    static func checkEIP2(_ signature: RecoverableSignature) throws(SignatureError) {
        guard signature.rValue != .zero, signature.rValue < order else { throw .rOutOfRange }
        guard signature.sValue != .zero, signature.sValue < order else { throw .sOutOfRange }
        guard signature.sValue <= halfOrder else { throw .highS }
        guard signature.recoveryID <= 1 else { throw .invalidRecoveryID(signature.recoveryID) }
    }
}
