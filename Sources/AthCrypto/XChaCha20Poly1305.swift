import CSodium

/// Why an encryption or decryption was refused.
public enum AEADError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The key is not `XChaCha20Poly1305.keyCount` bytes.
    case wrongKeyLength(got: Int, expected: Int)
    /// The nonce is not `XChaCha20Poly1305.nonceCount` bytes.
    case wrongNonceLength(got: Int, expected: Int)
    /// The sealed box is shorter than its authentication tag, so it cannot be genuine.
    case ciphertextTooShort(got: Int, minimum: Int)
    /// The tag does not match: wrong key, nonce or associated data, or altered data.
    case authenticationFailed

    public var description: String {
        switch self {
        case .wrongKeyLength(let got, let expected):
            return "encryption key is \(got) bytes long, expected \(expected)"
        case .wrongNonceLength(let got, let expected):
            return "nonce is \(got) bytes long, expected \(expected)"
        case .ciphertextTooShort(let got, let minimum):
            return "ciphertext is \(got) bytes long, shorter than the \(minimum)-byte authentication tag"
        case .authenticationFailed:
            return "ciphertext failed authentication: wrong key, nonce or associated data, or the data was altered"
        }
    }
}

/// XChaCha20-Poly1305 authenticated encryption (libsodium's IETF variant): a
/// 32-byte key, a 24-byte nonce that is safe to pick at random, and a 16-byte
/// tag appended to the ciphertext. Used for P2P frames and key files.
public enum XChaCha20Poly1305 {
    public static let keyCount = Int(crypto_aead_xchacha20poly1305_ietf_KEYBYTES)
    public static let nonceCount = Int(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES)
    public static let tagCount = Int(crypto_aead_xchacha20poly1305_ietf_ABYTES)

    /// Encrypts `plaintext` and authenticates it together with `aad`; returns
    /// ciphertext followed by the tag (`plaintext.count + tagCount` bytes).
    /// Never reuse a (key, nonce) pair.
    public static func seal(plaintext: [UInt8], key: [UInt8], nonce: [UInt8],
                            aad: [UInt8] = []) throws(AEADError) -> [UInt8] {
        try checkLengths(key: key, nonce: nonce)
        let count = plaintext.count + tagCount
        // Uninitialised: every byte is written below, so zero-filling would be a wasted pass.
        return [UInt8](unsafeUninitializedCapacity: count) { out, initialized in
            let box = UnsafeMutableRawBufferPointer(out)
            plaintext.withUnsafeBytes { box.copyMemory(from: $0) }
            sealChecked(box, key: key, nonce: nonce, aad: aad)
            initialized = count
        }
    }

    /// Checks the tag and decrypts; throws `.authenticationFailed` when the
    /// ciphertext, tag, nonce, key or `aad` differ from what was sealed.
    public static func open(ciphertext: [UInt8], key: [UInt8], nonce: [UInt8],
                            aad: [UInt8] = []) throws(AEADError) -> [UInt8] {
        try checkLengths(key: key, nonce: nonce)
        guard ciphertext.count >= tagCount else {
            throw .ciphertextTooShort(got: ciphertext.count, minimum: tagCount)
        }
        var box = ciphertext
        var failure: AEADError?
        box.withUnsafeMutableBytes { bytes in
            do throws(AEADError) { try openInPlace(bytes, key: key, nonce: nonce, aad: aad) } catch { failure = error }
        }
        if let failure { throw failure }
        box.removeLast(tagCount)
        return box
    }

    /// Seals in place, without allocating: on entry `box` holds the plaintext in
    /// its first `box.count - tagCount` bytes (the last `tagCount` bytes are
    /// ignored); on return it holds the ciphertext followed by the tag, exactly
    /// what `seal` returns for that plaintext. Never reuse a (key, nonce) pair.
    public static func sealInPlace(_ box: UnsafeMutableRawBufferPointer, key: [UInt8], nonce: [UInt8],
                                   aad: [UInt8] = []) throws(AEADError) {
        try checkLengths(key: key, nonce: nonce)
        guard box.count >= tagCount, box.baseAddress != nil else {
            throw .ciphertextTooShort(got: box.count, minimum: tagCount)
        }
        sealChecked(box, key: key, nonce: nonce, aad: aad)
    }

    /// Opens in place, without allocating: `box` holds ciphertext followed by
    /// the tag. The tag is checked before anything is decrypted; on success
    /// the returned prefix of `box` (`box.count - tagCount` bytes) holds the
    /// plaintext. Throws `.authenticationFailed` like `open`, and then the
    /// contents of `box` are unspecified and must not be used.
    @discardableResult
    public static func openInPlace(_ box: UnsafeMutableRawBufferPointer, key: [UInt8], nonce: [UInt8],
                                   aad: [UInt8] = []) throws(AEADError) -> UnsafeMutableRawBufferPointer {
        try checkLengths(key: key, nonce: nonce)
        guard box.count >= tagCount, let base = box.baseAddress else {
            throw .ciphertextTooShort(got: box.count, minimum: tagCount)
        }
        Sodium.ensureInitialized()
        let bytes = base.assumingMemoryBound(to: UInt8.self)
        let plaintextCount = box.count - tagCount
        // libsodium verifies the tag over the ciphertext first and only then
        // XORs the keystream, so m == c is allowed.
        let status = aad.withUnsafeBufferPointer { ad in
            crypto_aead_xchacha20poly1305_ietf_decrypt_detached(
                bytes, nil, bytes, UInt64(plaintextCount), bytes + plaintextCount,
                ad.baseAddress, UInt64(ad.count), nonce, key)
        }
        guard status == 0 else { throw .authenticationFailed }
        return UnsafeMutableRawBufferPointer(rebasing: box[..<plaintextCount])
    }

    /// `sealInPlace` once the key, nonce and box lengths have been checked.
    private static func sealChecked(_ box: UnsafeMutableRawBufferPointer, key: [UInt8], nonce: [UInt8], aad: [UInt8]) {
        Sodium.ensureInitialized()
        let bytes = box.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let plaintextCount = box.count - tagCount
        var tagWritten: UInt64 = 0
        // libsodium allows c == m: it XORs the keystream over the message, then MACs the ciphertext.
        aad.withUnsafeBufferPointer { ad in
            _ = crypto_aead_xchacha20poly1305_ietf_encrypt_detached(
                bytes, bytes + plaintextCount, &tagWritten, bytes, UInt64(plaintextCount),
                ad.baseAddress, UInt64(ad.count), nil, nonce, key)
        }
    }

    fileprivate static func checkLengths(key: [UInt8], nonce: [UInt8]) throws(AEADError) {
        guard key.count == keyCount else { throw .wrongKeyLength(got: key.count, expected: keyCount) }
        guard nonce.count == nonceCount else { throw .wrongNonceLength(got: nonce.count, expected: nonceCount) }
    }
}

extension XChaCha20Poly1305 {
    /// The most bytes one `Streaming` box may hold: the IETF construction's
    /// 32-bit block counter (libsodium's crypto_aead_chacha20poly1305_ietf_MESSAGEBYTES_MAX).
    public static let maxStreamedCount: UInt64 = 64 * ((1 << 32) - 1)

    /// XChaCha20-Poly1305 over a box that is processed in pieces, in order:
    /// the same ciphertext and tag as `seal` and `open` of the pieces joined.
    /// It is libsodium's own construction (HChaCha20 subkey, draft-irtf-cfrg-xchacha;
    /// then ChaCha20-Poly1305, RFC 8439 §2.8) from libsodium's primitives, so a
    /// large frame can be decrypted as it arrives, or encrypted straight from
    /// the message, without being held twice.
    ///
    /// Sealing: `encrypt` every piece, then take `tag()`. Opening: `decrypt`
    /// every piece, then `verify(tag:)`; what `decrypt` wrote is
    /// unauthenticated until `verify` returns true, and must be discarded
    /// otherwise. One instance seals or opens one box, once: never reuse a
    /// (key, nonce) pair.
    public final class Streaming {
        private static let stateCount = MemoryLayout<crypto_onetimeauth_poly1305_state>.size
        private static let blockCount = 64
        /// One allocation, aligned for the Poly1305 state: state ‖ keystream block ‖ subkey ‖ nonce.
        private let memory: UnsafeMutableRawPointer
        private let state: UnsafeMutablePointer<crypto_onetimeauth_poly1305_state>
        private let keystream: UnsafeMutablePointer<UInt8>
        private let subkey: UnsafeMutablePointer<UInt8>
        private let shortNonce: UnsafeMutablePointer<UInt8>
        private let aadCount: Int
        /// Bytes of the box processed so far.
        public private(set) var count: UInt64 = 0
        private var finished = false

        public init(key: [UInt8], nonce: [UInt8], aad: [UInt8] = []) throws(AEADError) {
            try XChaCha20Poly1305.checkLengths(key: key, nonce: nonce)
            Sodium.ensureInitialized()
            let size = Self.stateCount + Self.blockCount + 32 + 12
            memory = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
            memory.initializeMemory(as: UInt8.self, repeating: 0, count: size)
            state = memory.bindMemory(to: crypto_onetimeauth_poly1305_state.self, capacity: 1)
            keystream = (memory + Self.stateCount).bindMemory(to: UInt8.self, capacity: Self.blockCount + 44)
            subkey = keystream + Self.blockCount
            shortNonce = subkey + 32
            aadCount = aad.count
            // XChaCha20: the subkey from the nonce's first 16 bytes, then the
            // IETF nonce 0x00000000 ‖ its last 8 bytes (as libsodium does).
            nonce.withUnsafeBufferPointer { n in
                _ = crypto_core_hchacha20(subkey, n.baseAddress!, key, nil)
                (shortNonce + 4).update(from: n.baseAddress! + 16, count: 8)
            }
            // Block 0 of the keystream keys Poly1305; the data starts at block 1.
            _ = crypto_stream_chacha20_ietf(keystream, UInt64(Self.blockCount), shortNonce, subkey)
            _ = crypto_onetimeauth_poly1305_init(state, keystream)
            sodium_memzero(keystream, Self.blockCount)
            aad.withUnsafeBufferPointer { _ = crypto_onetimeauth_poly1305_update(state, $0.baseAddress, UInt64($0.count)) }
            pad(aad.count)
        }

        deinit {
            sodium_memzero(memory, Self.stateCount + Self.blockCount + 44)
            memory.deallocate()
        }

        /// Encrypts the next piece of plaintext into `ciphertext` (same count;
        /// it may be the same memory as `plaintext`).
        public func encrypt(_ plaintext: UnsafeRawBufferPointer, into ciphertext: UnsafeMutableRawBufferPointer) {
            xorKeystream(plaintext, into: ciphertext)
            if !ciphertext.isEmpty {
                _ = crypto_onetimeauth_poly1305_update(state, ciphertext.baseAddress!.assumingMemoryBound(to: UInt8.self),
                                                       UInt64(ciphertext.count))
            }
        }

        /// Decrypts the next piece of ciphertext into `plaintext` (same count;
        /// it may be the same memory as `ciphertext`). Unauthenticated until `verify`.
        public func decrypt(_ ciphertext: UnsafeRawBufferPointer, into plaintext: UnsafeMutableRawBufferPointer) {
            if !ciphertext.isEmpty {
                _ = crypto_onetimeauth_poly1305_update(state, ciphertext.baseAddress!.assumingMemoryBound(to: UInt8.self),
                                                       UInt64(ciphertext.count))
            }
            xorKeystream(ciphertext, into: plaintext)
        }

        /// The tag of everything encrypted; ends the box.
        public func tag() -> [UInt8] {
            finish()
        }

        /// Whether `tag` authenticates everything decrypted (constant time); ends the box.
        public func verify(tag: UnsafeRawBufferPointer) -> Bool {
            let computed = finish()
            guard tag.count == XChaCha20Poly1305.tagCount else { return false }
            return computed.withUnsafeBufferPointer { c in
                crypto_verify_16(c.baseAddress!, tag.baseAddress!.assumingMemoryBound(to: UInt8.self)) == 0
            }
        }

        private func finish() -> [UInt8] {
            precondition(!finished, "XChaCha20Poly1305.Streaming used after its tag")
            finished = true
            pad(Int(count % 16))
            var lengths = [UInt8](repeating: 0, count: 16)
            for i in 0..<8 {
                lengths[i] = UInt8(truncatingIfNeeded: UInt64(aadCount) >> (8 * UInt64(i)))
                lengths[8 + i] = UInt8(truncatingIfNeeded: count >> (8 * UInt64(i)))
            }
            _ = crypto_onetimeauth_poly1305_update(state, lengths, 16)
            var mac = [UInt8](repeating: 0, count: XChaCha20Poly1305.tagCount)
            _ = crypto_onetimeauth_poly1305_final(state, &mac)
            return mac
        }

        /// Zero bytes up to the next 16-byte boundary after `dataCount` bytes.
        private func pad(_ dataCount: Int) {
            let padding = (16 - dataCount % 16) % 16
            let zeros = [UInt8](repeating: 0, count: 16)
            _ = crypto_onetimeauth_poly1305_update(state, zeros, UInt64(padding))
        }

        /// `output = input ⊕ keystream`, continuing from `count`. The keystream
        /// block holding a partial block's remainder is kept between calls.
        private func xorKeystream(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) {
            precondition(!finished, "XChaCha20Poly1305.Streaming used after its tag")
            precondition(output.count == input.count, "XChaCha20Poly1305.Streaming: output is not the input's size")
            let total = input.count
            guard total > 0 else { return }
            precondition(UInt64(total) <= XChaCha20Poly1305.maxStreamedCount - count, "XChaCha20Poly1305.Streaming: box too large")
            let source = input.baseAddress!.assumingMemoryBound(to: UInt8.self)
            let target = output.baseAddress!.assumingMemoryBound(to: UInt8.self)
            let block = UInt64(Self.blockCount)
            var done = 0
            let offset = Int(count % block)
            if offset != 0 {  // the rest of the block begun by the previous piece
                done = min(Self.blockCount - offset, total)
                for i in 0..<done { target[i] = source[i] ^ keystream[offset + i] }
            }
            let whole = (total - done) / Self.blockCount * Self.blockCount
            if whole > 0 {
                let position = count + UInt64(done)
                _ = crypto_stream_chacha20_ietf_xor_ic(target + done, source + done, UInt64(whole), shortNonce,
                                                       UInt32(1 + position / block), subkey)
                done += whole
            }
            if done < total {  // a partial block: keep its keystream for the next piece
                let position = count + UInt64(done)
                keystream.initialize(repeating: 0, count: Self.blockCount)
                _ = crypto_stream_chacha20_ietf_xor_ic(keystream, keystream, block, shortNonce,
                                                       UInt32(1 + position / block), subkey)
                for i in 0..<(total - done) { target[done + i] = source[done + i] ^ keystream[i] }
            }
            count += UInt64(total)
        }
    }
}
