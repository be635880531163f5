import AthPrimitives
import CSodium

/// libsodium set-up. `sodium_init()` must run once before any other libsodium
/// call (it picks the fastest implementations and seeds `randombytes`); every
/// entry point in this module that uses libsodium calls `Sodium.ensureInitialized()`.
enum Sodium {
    /// Initialized on first use; Swift runs a global's initializer exactly once,
    /// even when several threads race to read it.
    private static let initialized: Bool = {
        // 0: initialized now; 1: already initialized; -1: failure.
        guard sodium_init() >= 0 else {
            fatalError("libsodium failed to initialize (sodium_init returned -1)")
        }
        return true
    }()

    @inline(__always) static func ensureInitialized() {
        _ = initialized
    }
}

/// Runs `body` with a pointer to `bytes` that is never null, as libsodium's
/// `nonnull` parameters require even for empty input.
func withNonNullBytes<R>(_ bytes: [UInt8], _ body: (UnsafePointer<UInt8>) -> R) -> R {
    bytes.withUnsafeBufferPointer { buffer in
        if let base = buffer.baseAddress { return body(base) }
        var placeholder: UInt8 = 0
        return withUnsafePointer(to: &placeholder) { body($0) }
    }
}

/// Cryptographically secure random bytes from the operating system, through
/// libsodium's `randombytes_buf`. For keys and nonces only; never in the state
/// transition (randomness there comes from chain data).
public enum SecureRandom {
    /// `count` random bytes; `count` must not be negative.
    public static func bytes(_ count: Int) -> [UInt8] {
        precondition(count >= 0, "SecureRandom.bytes: negative count \(count)")
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { fill($0) }
        return out
    }

    /// Fills `buffer` with random bytes.
    public static func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        Sodium.ensureInitialized()
        randombytes_buf(base, buffer.count)
    }
}

/// SHA-256 through libsodium (`crypto_hash_sha256`). Named to stay clear of
/// swift-crypto's `SHA256`.
public enum SHA256Hash {
    /// The SHA-256 digest of `bytes`.
    public static func hash(_ bytes: [UInt8]) -> Hash32 {
        bytes.withUnsafeBytes { hash($0) }
    }

    /// The SHA-256 digest of the bytes in `buffer`.
    public static func hash(_ buffer: UnsafeRawBufferPointer) -> Hash32 {
        Sodium.ensureInitialized()
        var digest = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        return withUnsafeMutableBytes(of: &digest) { out in
            let input = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self)
            _ = crypto_hash_sha256(out.baseAddress!.assumingMemoryBound(to: UInt8.self),
                                   input, UInt64(buffer.count))
            return Hash32(pointer: UnsafeRawPointer(out.baseAddress!))
        }
    }
}
