import AthCrypto
import AthPrimitives
import CSodium

/// The keys and transcript both sides derive once the hellos are exchanged.
///
/// Roles: the side whose ephemeral public key is lexicographically lower plays
/// libsodium's kx "client", the other the "server". This does not depend on
/// who dialled, so simultaneous dials work, and both sides agree without
/// another message. Equal keys are refused (a reflected hello).
public struct HandshakeSession: Sendable {
    /// Key for frames we send.
    public let sendKey: [UInt8]
    /// Key for frames we receive.
    public let receiveKey: [UInt8]
    /// keccak256(domain ‖ u32be(len(network)) ‖ network ‖ lower key ‖ higher key):
    /// what each side signs with its node key.
    public let transcript: Hash32

    static let domain: [UInt8] = Array("ATH/P2P/handshake/v1".utf8)

    /// Derives the session from our ephemeral pair and the peer's public key.
    /// Throws `.lowOrderEphemeralKey` when the X25519 shared secret is zero
    /// (libsodium's `crypto_kx_*_session_keys` refuse it) and
    /// `.reflectedEphemeralKey` when the peer echoed our key.
    public static func derive(local: EphemeralKeyPair, remotePublicKey: [UInt8],
                              networkName: String) throws(P2PError) -> HandshakeSession {
        guard remotePublicKey.count == EphemeralKeyPair.publicKeyCount else { throw .lowOrderEphemeralKey }
        guard remotePublicKey != local.publicKey else { throw .reflectedEphemeralKey }
        let localIsLower = local.publicKey.lexicographicallyPrecedes(remotePublicKey)
        var receive = [UInt8](repeating: 0, count: Int(crypto_kx_SESSIONKEYBYTES))
        var send = [UInt8](repeating: 0, count: Int(crypto_kx_SESSIONKEYBYTES))
        let status: Int32
        if localIsLower {
            status = crypto_kx_client_session_keys(&receive, &send, local.publicKey, local.secretKey, remotePublicKey)
        } else {
            status = crypto_kx_server_session_keys(&receive, &send, local.publicKey, local.secretKey, remotePublicKey)
        }
        // libsodium returns -1 when the X25519 result is all zero: a low-order point.
        guard status == 0 else { throw .lowOrderEphemeralKey }
        let (lower, higher) = localIsLower ? (local.publicKey, remotePublicKey) : (remotePublicKey, local.publicKey)
        let network = Array(networkName.utf8)
        var hasher = Keccak256.Hasher()
        hasher.update(domain)
        let n = UInt32(truncatingIfNeeded: network.count)
        hasher.update([UInt8(n >> 24), UInt8((n >> 16) & 0xff), UInt8((n >> 8) & 0xff), UInt8(n & 0xff)])
        hasher.update(network)
        hasher.update(lower)
        hasher.update(higher)
        return HandshakeSession(sendKey: send, receiveKey: receive, transcript: hasher.finalize())
    }
}

/// The second handshake message, sent as the first sealed frame (counter 0):
/// the sender's ed25519 node public key and its signature over the transcript.
public enum AuthMessage {
    public static let byteCount = Ed25519.publicKeyCount + Ed25519.signatureCount

    /// Our authentication message for `transcript`.
    public static func encode(nodeKey: Ed25519PrivateKey, transcript: Hash32) -> [UInt8] {
        nodeKey.publicKey.bytes + nodeKey.sign(transcript.bytes)
    }

    /// The peer's public key once its signature over `transcript` verifies.
    public static func verify(_ plaintext: [UInt8], transcript: Hash32) throws(P2PError) -> Ed25519PublicKey {
        guard plaintext.count == byteCount else { throw .malformedAuthMessage(got: plaintext.count, expected: byteCount) }
        // 32 bytes always make a key; a bad point fails verification below.
        let publicKey = try! Ed25519PublicKey(Array(plaintext[0..<Ed25519.publicKeyCount]))
        let signature = Array(plaintext[Ed25519.publicKeyCount...])
        guard Ed25519.verify(signature: signature, message: transcript.bytes, publicKey: publicKey) else {
            throw .invalidSignature(nodeID: NodeID(publicKey: publicKey))
        }
        return publicKey
    }
}
