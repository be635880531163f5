import AthPrimitives

/// What `VoteSet.add` did with a vote.
public enum AddVoteResult: Equatable, Sendable {
    /// Counted.
    case added
    /// The validator already cast this exact vote; nothing changed.
    case duplicate
    /// The validator already voted for another block here: equivocation.
    /// The new vote is not counted.
    case conflicting(DuplicateVoteEvidence)
}

/// The votes of one type at one height and round, with power tallied per
/// block hash. Only votes that verify against the validator set are counted.
public struct VoteSet: Sendable {
    public let chainID: UInt64
    public let height: UInt64
    public let round: Int32
    public let type: VoteType
    public let validators: ValidatorSet

    /// One slot per validator index.
    private var votes: [Vote?]
    /// Power per target (nil = nil vote). Only looked up, never iterated.
    private var powerByTarget: [Hash32?: UInt64] = [:]
    /// Total power of all counted votes.
    public private(set) var totalPower: UInt64 = 0
    /// The first target to reach more than 2/3: `.some(nil)` for nil.
    public private(set) var twoThirdsMajority: Hash32?? = nil

    public init(chainID: UInt64, height: UInt64, round: Int32, type: VoteType, validators: ValidatorSet) {
        self.chainID = chainID; self.height = height; self.round = round; self.type = type
        self.validators = validators
        self.votes = Array(repeating: nil, count: validators.count)
    }

    /// Verifies and counts `vote`. Throws when it does not belong here or its
    /// signature is bad; a second, different vote of one validator comes back
    /// as `.conflicting` with the evidence.
    public mutating func add(_ vote: Vote) throws(ConsensusError) -> AddVoteResult {
        guard vote.type == type else { throw .wrongVoteType(got: vote.type, expected: type) }
        guard vote.height == height else { throw .wrongHeight(got: vote.height, expected: height) }
        guard vote.round == round else { throw .wrongRound(got: vote.round, expected: round) }
        guard let validator = validators.validator(at: vote.validatorIndex, address: vote.validatorAddress) else {
            throw .unknownValidator(index: vote.validatorIndex, address: vote.validatorAddress)
        }
        let index = Int(vote.validatorIndex)
        if let existing = votes[index], existing.blockHash == vote.blockHash { return .duplicate }
        guard vote.verifySignature(publicKey: validator.publicKey, chainID: chainID) else {
            throw .invalidSignature(validator: vote.validatorAddress)
        }
        if let existing = votes[index] {
            return .conflicting(DuplicateVoteEvidence(conflicting: existing, vote))
        }
        votes[index] = vote
        totalPower += validator.votingPower
        let power = powerByTarget[vote.blockHash, default: 0] + validator.votingPower
        powerByTarget[vote.blockHash] = power
        if twoThirdsMajority == nil && validators.isTwoThirds(power) { twoThirdsMajority = .some(vote.blockHash) }
        return .added
    }

    /// Power of the votes for `blockHash` (nil: nil votes).
    public func power(for blockHash: Hash32?) -> UInt64 { powerByTarget[blockHash] ?? 0 }

    /// More than 2/3 of the power voted for `blockHash` (nil: for nil).
    public func hasTwoThirds(for blockHash: Hash32?) -> Bool { validators.isTwoThirds(power(for: blockHash)) }

    /// More than 2/3 of the power voted, for anything.
    public var hasTwoThirdsAny: Bool { validators.isTwoThirds(totalPower) }

    /// The vote of the validator at `index`, if any.
    public func vote(validatorIndex index: Int) -> Vote? {
        index >= 0 && index < votes.count ? votes[index] : nil
    }

    /// Whether the validator at `index` voted (for anything).
    public func hasVote(validatorIndex index: Int) -> Bool { vote(validatorIndex: index) != nil }

    /// The votes for `blockHash` in validator order.
    public func votes(for blockHash: Hash32?) -> [Vote] {
        votes.compactMap { $0 }.filter { $0.blockHash == blockHash }
    }

    /// Number of counted votes.
    public var count: Int { votes.reduce(0) { $0 + ($1 == nil ? 0 : 1) } }
}
