import AthPrimitives
import AthCrypto

extension Transaction {
    /// Signs with `key` (RFC 6979 nonce, low-S) and returns the envelope.
    public func signed(with key: Secp256k1PrivateKey) -> SignedTransaction {
        let sig = Secp256k1.sign(hash: signingHash, key: key)
        let signature = TransactionSignature(yParity: sig.recoveryID,
                                             r: UInt256(bigEndianBytes: sig.r)!,
                                             s: UInt256(bigEndianBytes: sig.s)!)
        return SignedTransaction(transaction: self, signature: signature)
    }
}

extension SignedTransaction {
    /// Attaches `signature` to `transaction` and encodes the envelope.
    public init(transaction: Transaction, signature: TransactionSignature) {
        let placeholder = SignedTransaction(transaction: transaction, signature: signature, encoded: [], hash: .zero)
        let encoded = transaction.encode(signature: signature, v: placeholder.v)
        self.init(transaction: transaction, signature: signature, encoded: encoded, hash: Keccak256.hash(encoded))
    }

    /// Recovers the sender, after the EIP-2 checks (r, s in range, low s).
    public func recoverSender() throws(TransactionError) -> Address {
        do {
            let sig = try RecoverableSignature(r: signature.r.minimalBigEndianBytes,
                                               s: signature.s.minimalBigEndianBytes,
                                               recoveryID: signature.yParity)
            return try Secp256k1.recoverAddress(hash: transaction.signingHash, signature: sig)
        } catch {
            throw .invalidSignature(error)
        }
    }
}
