import AthPrimitives

/// Why a vote, proposal, commit, evidence or validator set was refused.
/// Every case is about remote or caller input; none of them is a node fault.
public enum ConsensusError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes are not the canonical RLP this type expects.
    case malformed(RLPError)
    /// The encoding is longer than the decoder accepts.
    case tooLarge(got: Int, max: Int)
    /// The vote type tag is neither prevote (1) nor precommit (2).
    case unknownVoteType(UInt64)
    /// A round does not fit in 0...Int32.max.
    case roundOutOfRange(UInt64)
    /// A proposal's valid round is not -1 and not below its round.
    case polRoundOutOfRange(polRound: Int64, round: Int32)
    /// A signature is not 64 bytes long.
    case wrongSignatureLength(got: Int, expected: Int)
    /// A signature does not verify against the validator's consensus key.
    case invalidSignature(validator: Address)
    /// The validator index is out of range or names another address.
    case unknownValidator(index: UInt32, address: Address)
    case wrongHeight(got: UInt64, expected: UInt64)
    case wrongRound(got: Int32, expected: Int32)
    case wrongVoteType(got: VoteType, expected: VoteType)
    case wrongBlockHash(got: Hash32?, expected: Hash32?)
    /// One validator appears twice in a commit.
    case duplicateSigner(Address)
    /// More signatures than validators.
    case tooManySignatures(got: Int, max: Int)
    /// The signers hold `got` of `total` voting power; more than 2/3 is needed.
    case insufficientPower(got: UInt64, total: UInt64)
    /// The two votes of an evidence do not conflict (different validator,
    /// height, round or type, or the same block).
    case votesDoNotConflict
    /// The two votes of an evidence are not in canonical order.
    case evidenceNotCanonical
    case emptyValidatorSet
    case tooManyValidators(got: Int, max: Int)
    case zeroVotingPower(Address)
    case duplicateValidator(Address)
    case duplicateConsensusKey(Address)
    case totalPowerTooLarge(max: UInt64)
    case invalidValidatorSet(String)

    public var description: String {
        switch self {
        case let .malformed(e): return "malformed consensus message: \(e)"
        case let .tooLarge(got, max): return "consensus message is \(got) bytes, more than the \(max) allowed"
        case let .unknownVoteType(t): return "unknown vote type \(t) (expected 1 prevote or 2 precommit)"
        case let .roundOutOfRange(r): return "round \(r) is out of range"
        case let .polRoundOutOfRange(p, r): return "proposal valid round \(p) must be -1 or below the round \(r)"
        case let .wrongSignatureLength(got, expected): return "signature is \(got) bytes, expected \(expected)"
        case let .invalidSignature(v): return "invalid signature from validator \(v)"
        case let .unknownValidator(i, a): return "unknown validator \(a) at index \(i)"
        case let .wrongHeight(got, expected): return "wrong height: got \(got), expected \(expected)"
        case let .wrongRound(got, expected): return "wrong round: got \(got), expected \(expected)"
        case let .wrongVoteType(got, expected): return "wrong vote type: got \(got), expected \(expected)"
        case let .wrongBlockHash(got, expected):
            return "wrong block hash: got \(got.map { "\($0)" } ?? "nil"), expected \(expected.map { "\($0)" } ?? "nil")"
        case let .duplicateSigner(a): return "validator \(a) signed twice"
        case let .tooManySignatures(got, max): return "\(got) signatures for \(max) validators"
        case let .insufficientPower(got, total): return "signers hold \(got) of \(total) voting power, more than 2/3 is needed"
        case .votesDoNotConflict: return "evidence votes do not conflict"
        case .evidenceNotCanonical: return "evidence votes are not in canonical order (nil first, then by block hash)"
        case .emptyValidatorSet: return "validator set is empty"
        case let .tooManyValidators(got, max): return "\(got) validators, more than the \(max) allowed"
        case let .zeroVotingPower(a): return "validator \(a) has zero voting power"
        case let .duplicateValidator(a): return "validator \(a) appears twice"
        case let .duplicateConsensusKey(a): return "validator \(a) reuses another validator's consensus key"
        case let .totalPowerTooLarge(max): return "total voting power exceeds \(max)"
        case let .invalidValidatorSet(why): return "invalid validator set: \(why)"
        }
    }
}
