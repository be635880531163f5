import AthCrypto
import NIOCore

/// Frame layout on the wire: u32 big-endian length of the sealed payload,
/// then XChaCha20-Poly1305(ciphertext ‖ tag). The nonce is the direction's
/// frame counter (16 zero bytes, then the counter as u64 big-endian), strictly
/// incrementing from 0, never sent: a replayed, dropped or reordered frame is
/// opened with the wrong nonce and fails authentication.
public enum Frame {
    public static let headerCount = 4
    public static let tagCount = XChaCha20Poly1305.tagCount
    /// The largest sealed payload the u32 header can announce.
    static let maxSealedCount = Int(UInt32.max)

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
        let sealedCount = try checkedSealedCount(plaintextCount: plaintext.count)
        let nonce = try nextNonce()
        return [UInt8](unsafeUninitializedCapacity: Frame.headerCount + sealedCount) { frame, initialized in
            let bytes = UnsafeMutableRawBufferPointer(frame)
            bytes.storeBytes(of: UInt32(sealedCount).bigEndian, as: UInt32.self)
            let box = UnsafeMutableRawBufferPointer(rebasing: bytes[Frame.headerCount...])
            plaintext.withUnsafeBytes { box.copyMemory(from: $0) }
            sealBox(box, nonce: nonce)
            initialized = bytes.count
        }
    }

    /// Appends to `buffer` the frame carrying `channel` then `message`: the
    /// same bytes as `seal([channel] + message)`, encrypted straight from
    /// `message` into `buffer` without a plaintext copy. Advances the counter.
    public mutating func seal(channel: UInt8, message: [UInt8], into buffer: inout ByteBuffer) throws(P2PError) {
        let sealedCount = try checkedSealedCount(plaintextCount: 1 + message.count)
        let nonce = try nextNonce()
        // The key is 32 bytes from crypto_kx and the nonce is built by `Frame.nonce`.
        let stream = try! XChaCha20Poly1305.Streaming(key: key, nonce: nonce)
        buffer.reserveCapacity(minimumWritableBytes: Frame.headerCount + sealedCount)
        buffer.writeInteger(UInt32(sealedCount))
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: sealedCount) { writable in
            let box = UnsafeMutableRawBufferPointer(rebasing: writable[..<sealedCount])
            let tagStart = sealedCount - Frame.tagCount
            withUnsafeBytes(of: channel) { stream.encrypt($0, into: UnsafeMutableRawBufferPointer(rebasing: box[..<1])) }
            message.withUnsafeBytes { stream.encrypt($0, into: UnsafeMutableRawBufferPointer(rebasing: box[1..<tagStart])) }
            stream.tag().withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: box[tagStart...]).copyMemory(from: $0) }
            return sealedCount
        }
    }

    /// Plaintext plus tag, refused when the u32 header could not announce it.
    private func checkedSealedCount(plaintextCount: Int) throws(P2PError) -> Int {
        let limit = Frame.maxSealedCount - Frame.tagCount
        guard plaintextCount <= limit else { throw .messageTooLarge(got: plaintextCount, limit: limit) }
        return plaintextCount + Frame.tagCount
    }

    /// The nonce for the next frame; advances the counter.
    private mutating func nextNonce() throws(P2PError) -> [UInt8] {
        guard counter < UInt64.max else { throw .counterExhausted }
        defer { counter += 1 }
        return Frame.nonce(counter)
    }

    private func sealBox(_ box: UnsafeMutableRawBufferPointer, nonce: [UInt8]) {
        // The key is 32 bytes from crypto_kx, the nonce is built by `Frame.nonce`
        // and the box has room for the tag, so sealing cannot fail.
        try! XChaCha20Poly1305.sealInPlace(box, key: key, nonce: nonce)
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

    /// Opens `sealed` (the payload after the length header) where it lies and
    /// returns its plaintext, the first `sealed.count - Frame.tagCount` bytes
    /// of `sealed`; advances the counter. Nothing is decrypted unless the tag
    /// verifies; after a failure the contents of `sealed` are unspecified.
    public mutating func openInPlace(_ sealed: UnsafeMutableRawBufferPointer) throws(P2PError) -> UnsafeMutableRawBufferPointer {
        guard counter < UInt64.max else { throw .counterExhausted }
        guard let plaintext = try? XChaCha20Poly1305.openInPlace(sealed, key: key, nonce: Frame.nonce(counter)) else {
            throw .frameAuthenticationFailed(counter: counter)
        }
        counter += 1
        return plaintext
    }

    /// Starts opening a frame whose header announced `sealedCount` bytes
    /// (already checked against the frame limit, at least the tag and the
    /// channel byte) as its bytes arrive; advances the counter. A frame that
    /// then fails authentication must close the connection.
    mutating func beginFrame(sealedCount: Int) throws(P2PError) -> IncomingFrame {
        guard counter < UInt64.max else { throw .counterExhausted }
        precondition(sealedCount > Frame.tagCount, "beginFrame: \(sealedCount) sealed bytes leave no channel byte")
        // The key is 32 bytes from crypto_kx and the nonce is built by `Frame.nonce`.
        let stream = try! XChaCha20Poly1305.Streaming(key: key, nonce: Frame.nonce(counter))
        defer { counter += 1 }
        return IncomingFrame(counter: counter, sealedCount: sealedCount, stream: stream)
    }
}

/// A frame opened as its bytes arrive: each piece is authenticated and
/// decrypted straight into the message, which grows only as bytes arrive
/// (up to the announced, bounded size) and is handed out only once the tag
/// verifies, so the frame is never held twice or waited for whole.
struct IncomingFrame {
    /// The counter (nonce) the frame must have been sealed with.
    let counter: UInt64
    /// Sealed bytes (ciphertext, then tag) still to come.
    private(set) var remaining: Int
    private let ciphertextCount: Int
    private let stream: XChaCha20Poly1305.Streaming
    private var channel: UInt8 = 0
    private var message: [UInt8] = []
    private var tag: [UInt8] = []

    init(counter: UInt64, sealedCount: Int, stream: XChaCha20Poly1305.Streaming) {
        self.counter = counter
        self.remaining = sealedCount
        self.ciphertextCount = sealedCount - Frame.tagCount
        self.stream = stream
        message.reserveCapacity(ciphertextCount - 1)
    }

    var isComplete: Bool { remaining == 0 }

    /// Takes the frame's next bytes from the start of `bytes` (no more than
    /// the frame has left); returns how many it took.
    mutating func consume(_ bytes: UnsafeRawBufferPointer) -> Int {
        let taken = min(bytes.count, remaining)
        var input = UnsafeRawBufferPointer(rebasing: bytes[..<taken])
        let position = ciphertextCount + Frame.tagCount - remaining
        if position < ciphertextCount {
            var ciphertext = UnsafeRawBufferPointer(rebasing: input.prefix(ciphertextCount - position))
            input = UnsafeRawBufferPointer(rebasing: input[ciphertext.count...])
            if position == 0, !ciphertext.isEmpty {
                let first = UnsafeRawBufferPointer(rebasing: ciphertext[..<1])
                withUnsafeMutableBytes(of: &channel) { stream.decrypt(first, into: $0) }
                ciphertext = UnsafeRawBufferPointer(rebasing: ciphertext[1...])
            }
            if !ciphertext.isEmpty {
                // Zero-filled just before it is overwritten, while those bytes are in cache.
                let start = message.count
                message.append(contentsOf: repeatElement(0, count: ciphertext.count))
                message.withUnsafeMutableBytes { out in
                    stream.decrypt(ciphertext, into: UnsafeMutableRawBufferPointer(rebasing: out[start...]))
                }
            }
        }
        tag.append(contentsOf: input)
        remaining -= taken
        return taken
    }

    /// The message, once every byte is consumed and the tag verifies.
    func open() throws(P2PError) -> PeerMessage {
        precondition(isComplete, "IncomingFrame opened before all its bytes arrived")
        guard tag.withUnsafeBytes({ stream.verify(tag: $0) }) else { throw .frameAuthenticationFailed(counter: counter) }
        return PeerMessage(channel: channel, message: message)
    }
}
