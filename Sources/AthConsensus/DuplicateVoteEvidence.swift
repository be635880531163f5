import AthPrimitives

/// Proof that one validator signed two different votes of one type at one
/// height and round. The votes are kept in canonical order (nil first, then by
/// block hash bytes) so the evidence encodes and hashes the same however it arrived.
public struct DuplicateVoteEvidence: Hashable, Sendable {
    public static let maxEncodedSize = 2 * Vote.maxEncodedSize + 8

    public let voteA: Vote
    public let voteB: Vote

    /// Evidence from two votes already known to conflict; orders them canonically.
    init(conflicting a: Vote, _ b: Vote) {
        if Self.precedes(a.blockHash, b.blockHash) { voteA = a; voteB = b } else { voteA = b; voteB = a }
    }

    /// Evidence from two votes; throws unless they conflict. Orders them canonically.
    public init(_ a: Vote, _ b: Vote) throws(ConsensusError) {
        guard a.validatorAddress == b.validatorAddress, a.validatorIndex == b.validatorIndex,
              a.height == b.height, a.round == b.round, a.type == b.type, a.blockHash != b.blockHash else {
            throw .votesDoNotConflict
        }
        self.init(conflicting: a, b)
    }

    /// Canonical order of vote targets: nil first, then lexicographic hash bytes.
    static func precedes(_ a: Hash32?, _ b: Hash32?) -> Bool {
        switch (a, b) {
        case (nil, nil): return false
        case (nil, _): return true
        case (_, nil): return false
        case let (x?, y?): return x.bytes.lexicographicallyPrecedes(y.bytes)
        }
    }

    public var height: UInt64 { voteA.height }
    public var validatorAddress: Address { voteA.validatorAddress }

    /// Checks both signatures against the validator set of the height.
    public func verify(against validators: ValidatorSet, chainID: UInt64) throws(ConsensusError) {
        _ = try DuplicateVoteEvidence(voteA, voteB)
        guard Self.precedes(voteA.blockHash, voteB.blockHash) else { throw .evidenceNotCanonical }
        try voteA.verify(against: validators, chainID: chainID)
        try voteB.verify(against: validators, chainID: chainID)
    }

    /// Wire form: RLP([voteA, voteB]).
    public func encode() -> [UInt8] {
        var w = RLPWriter(capacity: 320)
        w.appendList { l in
            voteA.encode(into: &l)
            voteB.encode(into: &l)
        }
        return w.bytes
    }

    /// Decodes the wire form; refuses votes that do not conflict or are out of
    /// canonical order. Signatures are checked by `verify`.
    public static func decode(_ bytes: [UInt8]) throws(ConsensusError) -> DuplicateVoteEvidence {
        try decodeTopLevelList(bytes, maxSize: maxEncodedSize) { (d: inout RLPDecoder) throws(ConsensusError) in
            var l = try d.wrap { (d: inout RLPDecoder) throws(RLPError) in try d.readList() }
            let a = try Vote.decode(from: &l)
            let b = try Vote.decode(from: &l)
            try l.wrap { (d: inout RLPDecoder) throws(RLPError) in try d.finish() }
            let evidence = try DuplicateVoteEvidence(a, b)
            guard evidence.voteA == a else { throw .evidenceNotCanonical }
            return evidence
        }
    }
}
