import CSodium

/// Why a key derivation was refused or failed.
public enum Argon2idError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The salt is not exactly `Argon2id.saltCount` bytes.
    case wrongSaltLength(got: Int, expected: Int)
    /// The requested key length is outside `Argon2id.outputCountRange`.
    case outputCountOutOfRange(got: Int, allowed: ClosedRange<Int>)
    /// The operations limit (passes over memory) is outside what libsodium accepts.
    case opsLimitOutOfRange(got: UInt64, allowed: ClosedRange<UInt64>)
    /// The memory limit (bytes) is outside what libsodium accepts.
    case memLimitOutOfRange(got: Int, allowed: ClosedRange<Int>)
    /// The password is longer than libsodium accepts.
    case passwordTooLong(got: Int, maximum: Int)
    /// libsodium could not finish, in practice because it could not allocate `memLimit` bytes.
    case derivationFailed(memLimit: Int)

    public var description: String {
        switch self {
        case .wrongSaltLength(let got, let expected):
            return "Argon2id salt is \(got) bytes long, expected \(expected)"
        case .outputCountOutOfRange(let got, let allowed):
            return "Argon2id output length \(got) is outside \(allowed.lowerBound)...\(allowed.upperBound) bytes"
        case .opsLimitOutOfRange(let got, let allowed):
            return "Argon2id operations limit \(got) is outside \(allowed.lowerBound)...\(allowed.upperBound)"
        case .memLimitOutOfRange(let got, let allowed):
            return "Argon2id memory limit \(got) bytes is outside \(allowed.lowerBound)...\(allowed.upperBound)"
        case .passwordTooLong(let got, let maximum):
            return "Argon2id password is \(got) bytes long, at most \(maximum) allowed"
        case .derivationFailed(let memLimit):
            return "Argon2id key derivation failed (could not use \(memLimit) bytes of memory?)"
        }
    }
}

/// Argon2id password hashing (RFC 9106) through libsodium's `crypto_pwhash`,
/// for deriving encryption keys from passphrases.
public enum Argon2id {
    /// Cost parameters: passes over memory, and memory in bytes.
    public struct Limits: Equatable, Sendable {
        public var opsLimit: UInt64
        public var memLimit: Int

        public init(opsLimit: UInt64, memLimit: Int) {
            self.opsLimit = opsLimit
            self.memLimit = memLimit
        }

        /// libsodium's interactive limits (2 passes, 64 MiB): for keys unlocked often.
        public static let interactive = Limits(
            opsLimit: UInt64(crypto_pwhash_argon2id_opslimit_interactive()),
            memLimit: Int(crypto_pwhash_argon2id_memlimit_interactive()))

        /// libsodium's moderate limits (3 passes, 256 MiB): for keys at rest.
        public static let moderate = Limits(
            opsLimit: UInt64(crypto_pwhash_argon2id_opslimit_moderate()),
            memLimit: Int(crypto_pwhash_argon2id_memlimit_moderate()))
    }

    /// libsodium's interactive limits (2 passes, 64 MiB): for keys unlocked often.
    public static let interactive = Limits.interactive
    /// libsodium's moderate limits (3 passes, 256 MiB): for keys at rest.
    public static let moderate = Limits.moderate

    /// Salt length libsodium requires (16 bytes).
    public static let saltCount = Int(crypto_pwhash_argon2id_saltbytes())

    /// Accepted key lengths: libsodium's minimum, and a cap that no key needs to
    /// exceed so the output allocation stays bounded.
    public static let outputCountRange = Int(crypto_pwhash_argon2id_bytes_min())...1024

    /// Derives `outputCount` bytes from `password` and a 16-byte random `salt`.
    public static func deriveKey(password: [UInt8], salt: [UInt8], outputCount: Int,
                                 limits: Limits) throws(Argon2idError) -> [UInt8] {
        try deriveKey(password: password, salt: salt, outputCount: outputCount,
                      opsLimit: limits.opsLimit, memLimit: limits.memLimit)
    }

    /// Derives `outputCount` bytes from `password` and a 16-byte random `salt`
    /// with explicit cost parameters.
    public static func deriveKey(password: [UInt8], salt: [UInt8], outputCount: Int,
                                 opsLimit: UInt64, memLimit: Int) throws(Argon2idError) -> [UInt8] {
        guard salt.count == saltCount else {
            throw .wrongSaltLength(got: salt.count, expected: saltCount)
        }
        guard outputCountRange.contains(outputCount) else {
            throw .outputCountOutOfRange(got: outputCount, allowed: outputCountRange)
        }
        let opsRange = UInt64(crypto_pwhash_argon2id_opslimit_min())...UInt64(crypto_pwhash_argon2id_opslimit_max())
        guard opsRange.contains(opsLimit) else { throw .opsLimitOutOfRange(got: opsLimit, allowed: opsRange) }
        let memRange = Int(crypto_pwhash_argon2id_memlimit_min())...Int(clamping: crypto_pwhash_argon2id_memlimit_max())
        guard memRange.contains(memLimit) else { throw .memLimitOutOfRange(got: memLimit, allowed: memRange) }
        let passwordMax = Int(clamping: crypto_pwhash_argon2id_passwd_max())
        guard password.count <= passwordMax else {
            throw .passwordTooLong(got: password.count, maximum: passwordMax)
        }

        Sodium.ensureInitialized()
        var out = [UInt8](repeating: 0, count: outputCount)
        let status = out.withUnsafeMutableBufferPointer { outBuffer in
            withNonNullBytes(password) { passwordPointer in
                salt.withUnsafeBufferPointer { saltBuffer in
                    crypto_pwhash_argon2id(outBuffer.baseAddress!, UInt64(outputCount),
                                           UnsafeRawPointer(passwordPointer).assumingMemoryBound(to: CChar.self),
                                           UInt64(password.count), saltBuffer.baseAddress!,
                                           opsLimit, memLimit, crypto_pwhash_argon2id_alg_argon2id13())
                }
            }
        }
        guard status == 0 else { throw .derivationFailed(memLimit: memLimit) }
        return out
    }
}
