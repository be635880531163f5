import AthConsensus
import AthPrimitives
import Testing

@Suite struct VoteSetTests {
    let f = Fixture(powers: [1, 1, 1])

    func makeSet(_ type: VoteType = .prevote) -> VoteSet {
        VoteSet(chainID: f.chainID, height: 1, round: 0, type: type, validators: f.validators)
    }

    @Test func exactlyTwoThirdsIsNotEnough() throws {
        var set = makeSet()
        let x = blockHash("x")
        #expect(try set.add(f.vote(.prevote, 0, x)) == .added)
        #expect(try set.add(f.vote(.prevote, 1, x)) == .added)
        #expect(set.power(for: x) == 2)
        #expect(!set.hasTwoThirds(for: x))   // 2 of 3 is exactly 2/3
        #expect(!set.hasTwoThirdsAny)
        #expect(set.twoThirdsMajority == nil)
        #expect(try set.add(f.vote(.prevote, 2, x)) == .added)
        #expect(set.hasTwoThirds(for: x))
        #expect(set.twoThirdsMajority == .some(x))
    }

    @Test func twoThirdsAnyCountsMixedVotes() throws {
        var set = makeSet(.precommit)
        _ = try set.add(f.vote(.precommit, 0, blockHash("x")))
        _ = try set.add(f.vote(.precommit, 1, nil))
        _ = try set.add(f.vote(.precommit, 2, blockHash("y")))
        #expect(set.hasTwoThirdsAny)
        #expect(!set.hasTwoThirds(for: nil))
        #expect(set.twoThirdsMajority == nil)
    }

    @Test func nilMajorityIsReported() throws {
        var set = makeSet()
        for i in 0..<3 { _ = try set.add(f.vote(.prevote, i, nil)) }
        #expect(set.hasTwoThirds(for: nil))
        #expect(set.twoThirdsMajority == .some(nil))
    }

    @Test func duplicatesAreIgnored() throws {
        var set = makeSet()
        let v = f.vote(.prevote, 0, blockHash("x"))
        #expect(try set.add(v) == .added)
        #expect(try set.add(v) == .duplicate)
        #expect(set.totalPower == 1)
        #expect(set.count == 1)
    }

    @Test func equivocationGivesEvidenceInCanonicalOrder() throws {
        let a = blockHash("a"), b = blockHash("b")
        let (low, high) = a.bytes.lexicographicallyPrecedes(b.bytes) ? (a, b) : (b, a)
        for (first, second) in [(high, low), (low, high)] {
            var set = makeSet()
            _ = try set.add(f.vote(.prevote, 1, first))
            guard case let .conflicting(e) = try set.add(f.vote(.prevote, 1, second)) else {
                Issue.record("no evidence"); return
            }
            #expect(e.voteA.blockHash == low && e.voteB.blockHash == high)
            #expect(set.power(for: second) == 0)
            try e.verify(against: f.validators, chainID: f.chainID)
        }
        var set = makeSet()
        _ = try set.add(f.vote(.prevote, 2, high))
        guard case let .conflicting(e) = try set.add(f.vote(.prevote, 2, nil)) else { Issue.record("no evidence"); return }
        #expect(e.voteA.blockHash == nil && e.voteB.blockHash == high)
    }

    @Test func badVotesAreRefusedAndChangeNothing() throws {
        var set = makeSet()
        var forged = f.vote(.prevote, 0, blockHash("x"))
        forged.signature[0] ^= 1
        #expect(throws: ConsensusError.invalidSignature(validator: f.address(0))) { try set.add(forged) }
        let otherChain = Fixture(powers: [1, 1, 1], chainID: 2).vote(.prevote, 0, blockHash("x"))
        #expect(throws: ConsensusError.invalidSignature(validator: f.address(0))) { try set.add(otherChain) }
        #expect(throws: ConsensusError.wrongVoteType(got: .precommit, expected: .prevote)) {
            try set.add(f.vote(.precommit, 0, nil))
        }
        #expect(throws: ConsensusError.wrongRound(got: 1, expected: 0)) { try set.add(f.vote(.prevote, 0, round: 1, nil)) }
        var unknown = f.vote(.prevote, 0, nil)
        unknown.validatorIndex = 7
        #expect(throws: ConsensusError.unknownValidator(index: 7, address: f.address(0))) { try set.add(unknown) }
        #expect(set.totalPower == 0)
    }
}
