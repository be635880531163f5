import AthCrypto

/// Frame layout on the wire: u32 big-endian length of the sealed payload,
/// then XChaCha20-Poly1305(ciphertext ‖ tag). The nonce is the direction's
/// frame counter (16 zero bytes, then the counter as u64 big-endian), strictly
/// incrementing from 0, never sent: a replayed, dropped or reordered frame is
/// opened with the wrong nonce and fails authentication.
public enum Frame {
    public static let headerCount = 4
    public static let tagCount = XChaCha20Poly1305.tagCount

    static func nonce(_ counter: UInt64) -> [UInt8] {
        var nonce = [UInt8](repeating: 0, count: XChaCha20Poly1305.nonceCount)
        for i in 0..<8 { nonce[nonce.count - 1 - i] = UInt8(truncatingIfNeeded: counter >> (8 * UInt64(i))) }
        return nonce
    }
}

/// Seals outgoing frames for one direction.
public struct FrameSealer: Sendable {
    private let key: [UInt8]
    /// The counter (nonce) of the next frame.
    public private(set) var counter: UInt64 = 0

    public init(key: [UInt8]) { self.key = key }

    /// The length-prefixed sealed frame carrying `plaintext`; advances the counter.
    public mutating func seal(_ plaintext: [UInt8]) throws(P2PError) -> [UInt8] {
        guard counter < UInt64.max else { throw .counterExhausted }
        // The key is 32 bytes from crypto_kx and the nonce is built above, so sealing cannot fail.
        let sealed = try! XChaCha20Poly1305.seal(plaintext: plaintext, key: key, nonce: Frame.nonce(counter))
        counter += 1
        let n = UInt32(sealed.count)
        return [UInt8(n >> 24), UInt8((n >> 16) & 0xff), UInt8((n >> 8) & 0xff), UInt8(n & 0xff)] + sealed
    }
}

/// Opens incoming frames for one direction.
public struct FrameOpener: Sendable {
    private let key: [UInt8]
    /// The counter (nonce) the next frame must have been sealed with.
    public private(set) var counter: UInt64 = 0

    public init(key: [UInt8]) { self.key = key }

    /// The plaintext of `sealed` (the payload after the length header); advances the counter.
    public mutating func open(_ sealed: [UInt8]) throws(P2PError) -> [UInt8] {
        guard counter < UInt64.max else { throw .counterExhausted }
        guard let plaintext = try? XChaCha20Poly1305.open(ciphertext: sealed, key: key, nonce: Frame.nonce(counter)) else {
            throw .frameAuthenticationFailed(counter: counter)
        }
        counter += 1
        return plaintext
    }
}
