import AthPrimitives
import CSecp256k1

extension Secp256k1 {
    /// The address that produced the signature (r, s, recovery id) over
    /// `hash`, with the rules of the ECRECOVER precompile (0x01): 0 < r < n and
    /// 0 < s < n, high S accepted (EIP-2's low-S rule binds transactions
    /// only). `nil` for any signature that does not recover; never traps.
    public static func recoverAllowingHighS(hash: Hash32, r: Hash32, s: Hash32, recoveryID: UInt8) -> Address? {
        guard r != .zero, r < order, s != .zero, s < order, recoveryID <= 1 else { return nil }
        let signature = RecoverableSignature(rValue: r, sValue: s, recoveryID: recoveryID)
        return recoverUnchecked(hash: hash, signature: signature)?.address
    }

    /// libsecp256k1's recovery with no range or EIP-2 checks of its own
    /// (libsecp256k1 still refuses r or s ≥ n and points off the curve).
    static func recoverUnchecked(hash: Hash32, signature: RecoverableSignature) -> Secp256k1PublicKey? {
        var parsed = secp256k1_ecdsa_recoverable_signature()
        var point = secp256k1_pubkey()
        return withUnsafeTemporaryAllocation(byteCount: 96 + 72, alignment: 8) { buffer in
            let base = buffer.baseAddress!
            let bytes = base.bindMemory(to: UInt8.self, capacity: 96 + 72)
            signature.rValue.store(to: base)
            signature.sValue.store(to: base + 32)
            hash.store(to: base + 64)
            guard signature.recoveryID <= 3,
                  secp256k1_ecdsa_recoverable_signature_parse_compact(
                      context, &parsed, bytes, Int32(signature.recoveryID)) == 1,
                  secp256k1_ecdsa_recover(context, &point, &parsed, bytes + 64) == 1
            else { return nil }
            var length = 65
            _ = secp256k1_ec_pubkey_serialize(context, bytes + 96, &length, &point, UInt32(SECP256K1_EC_UNCOMPRESSED))
            return Secp256k1PublicKey(x: Hash32(pointer: base + 97), y: Hash32(pointer: base + 129))
        }
    }
}
