import AthPrimitives
import CSodium

/// The ChaCha20 stream cipher of RFC 8439 (32-byte key, 96-bit nonce, 32-bit
/// block counter), through libsodium: a deterministic keystream, used where
/// data must be derived from a seed by anyone (job matrices, checker
/// randomness). Not an AEAD; never for secrecy on its own.
public enum ChaCha20 {
    /// Fills `out` with keystream bytes from block `counter` on.
    public static func keystream(key: Hash32, nonce: [UInt8], counter: UInt32 = 0, into out: UnsafeMutableRawBufferPointer) {
        Keystream(key: key, nonce: nonce).read(fromBlock: counter, into: out)
    }

    /// `count` keystream bytes from block `counter` on.
    public static func keystream(key: Hash32, nonce: [UInt8], counter: UInt32 = 0, count: Int) -> [UInt8] {
        precondition(count >= 0)
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            keystream(key: key, nonce: nonce, counter: counter, into: UnsafeMutableRawBufferPointer(buffer))
            initialized = count
        }
    }

    /// One keystream (key and nonce fixed) read at any block: the key and
    /// nonce are laid out once, so reading many scattered blocks (one entry
    /// of a `gemm-i8` column) costs no allocation per read.
    public struct Keystream: Sendable {
        /// key (32 bytes) ‖ nonce (12 bytes).
        private let keyAndNonce: [UInt8]

        public init(key: Hash32, nonce: [UInt8]) {
            precondition(nonce.count == 12, "ChaCha20 nonce must be 12 bytes")
            keyAndNonce = key.bytes + nonce
        }

        /// Fills `out` with keystream bytes from block `counter` on. The
        /// caller keeps the read within the 2^32 blocks of one nonce.
        public func read(fromBlock counter: UInt32, into out: UnsafeMutableRawBufferPointer) {
            Sodium.ensureInitialized()
            guard let base = out.baseAddress, out.count > 0 else { return }
            let target = base.assumingMemoryBound(to: UInt8.self)
            target.initialize(repeating: 0, count: out.count)
            keyAndNonce.withUnsafeBufferPointer { kn in
                _ = crypto_stream_chacha20_ietf_xor_ic(target, target, UInt64(out.count), kn.baseAddress! + 32, counter,
                                                       kn.baseAddress!)
            }
        }
    }
}
