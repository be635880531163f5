import AthPrimitives
import AthCrypto

/// The last height, round and step a validator signed at, and a hash of
/// what it signed. Saved (fsync'd) before a signed vote or proposal leaves
/// the node, so that after any crash it never signs a second, different
/// message for a step it already signed: the rule that keeps an honest
/// validator from double-signing.
public struct SignRecord: Equatable, Sendable {
    public var height: UInt64
    public var round: UInt32
    /// Proposal 1, prevote 2, precommit 3 (the order of a round's steps).
    public var step: UInt8
    /// keccak256 of the signed bytes, so the very same message may be sent again.
    public var signBytesHash: Hash32

    public init(height: UInt64, round: UInt32, step: UInt8, signBytesHash: Hash32) {
        self.height = height; self.round = round; self.step = step; self.signBytesHash = signBytesHash
    }

    /// Whether signing `signBytesHash` at (height, round, step) is safe after
    /// this state: a later step, or the same step with the same bytes.
    public func permits(height: UInt64, round: UInt32, step: UInt8, signBytesHash: Hash32) -> Bool {
        if (height, round, step) == (self.height, self.round, self.step) { return signBytesHash == self.signBytesHash }
        return (height, round, step) > (self.height, self.round, self.step)
    }
}

/// Why a validator refused to sign, or could not record that it did.
public enum SignStateError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Signing would contradict what was already signed.
    case wouldDoubleSign(last: SignRecord, height: UInt64, round: UInt32, step: UInt8)
    case file(FileError)
    /// The file exists but does not decode: the node must not guess.
    case corrupt(path: String)

    public var description: String {
        switch self {
        case let .wouldDoubleSign(last, height, round, step):
            return "refusing to sign height \(height) round \(round) step \(step): already signed height \(last.height) round \(last.round) step \(last.step)"
        case .file(let e): return "the sign state file \(e)"
        case .corrupt(let path): return "the sign state file \(path) is damaged; move it aside only if this validator has not signed since"
        }
    }
}

/// The validator's sign state on disk: one 64-byte record, replaced
/// atomically (temporary file, fsync, rename, directory fsync).
public final class SignStateFile: @unchecked Sendable {
    public let path: String
    private let lock = Locked<SignRecord?>(nil)

    static let magic: [UInt8] = Array("ATHSIGN1".utf8)
    static let recordSize = 8 + 8 + 4 + 1 + 32 + 4

    /// Opens `path`, reading the state there (none when the file does not exist).
    public init(path: String) throws(SignStateError) {
        self.path = path
        let bytes: [UInt8]?
        do { bytes = try DurableFile.read(path, limit: 4096) } catch { throw .file(error) }
        if let bytes {
            guard let state = Self.decode(bytes) else { throw .corrupt(path: path) }
            lock.withLock { $0 = state }
        }
    }

    /// The last state recorded.
    public var last: SignRecord? { lock.withLock { $0 } }

    /// Records that the validator is about to sign `signBytesHash` at
    /// (height, round, step); durable when it returns. Refuses, changing
    /// nothing, when that would contradict an earlier signature.
    public func recordSigning(height: UInt64, round: UInt32, step: UInt8, signBytesHash: Hash32) throws(SignStateError) {
        let next = SignRecord(height: height, round: round, step: step, signBytesHash: signBytesHash)
        try lock.withLock { (state: inout SignRecord?) throws(SignStateError) in
            if let last = state {
                guard last.permits(height: height, round: round, step: step, signBytesHash: signBytesHash) else {
                    throw .wouldDoubleSign(last: last, height: height, round: round, step: step)
                }
                if last == next { return }
            }
            do throws(FileError) { try DurableFile.replace(path, with: Self.encode(next)) } catch { throw .file(error) }
            state = next
        }
    }

    static func encode(_ s: SignRecord) -> [UInt8] {
        var out = magic
        out += withUnsafeBytes(of: s.height.bigEndian, Array.init)
        out += withUnsafeBytes(of: s.round.bigEndian, Array.init)
        out.append(s.step)
        out += s.signBytesHash.bytes
        out += Keccak256.hash(out).bytes.prefix(4)
        return out
    }

    static func decode(_ b: [UInt8]) -> SignRecord? {
        guard b.count == recordSize, b.prefix(8).elementsEqual(magic),
              Keccak256.hash(Array(b[0..<recordSize - 4])).bytes.prefix(4).elementsEqual(b[(recordSize - 4)...]) else { return nil }
        let height = b[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let round = b[16..<20].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        guard let hash = Hash32(b[21..<53]) else { return nil }
        return SignRecord(height: height, round: round, step: b[20], signBytesHash: hash)
    }
}
