import AthConsensus
import AthPrimitives
import Testing

/// Drives one validator (index 3 of four equal ones; proposers of rounds
/// 0, 1, 2 are validators 0, 1, 2) through the lock rules by hand.
@Suite struct LockingTests {
    let f = Fixture(powers: [10, 10, 10, 10])
    let x = blockHash("X")
    let y = blockHash("Y")

    func votes(in actions: [ConsensusAction]) -> [Vote] {
        actions.compactMap { if case let .broadcastVote(v) = $0 { return v } else { return nil } }
    }

    /// Round 0: validator 3 prevotes and precommits X, so it is locked on X;
    /// then precommit timeout to round 1.
    func lockedOnX() -> ConsensusState {
        var s = ConsensusState(chainID: f.chainID, validators: f.validators, privateKey: f.keys[3])
        _ = s.handle(.start(height: 1))
        let proposers = (0...2).map { s.proposerIndex(round: Int32($0)) }
        #expect(proposers == [0, 1, 2])
        let a = s.handle(.proposalReceived(f.proposal(by: 0, round: 0, x)))
        #expect(a.contains(.requestValidation(height: 1, round: 0, blockHash: x)))
        let b = s.handle(.blockValidated(blockHash: x, valid: true))
        #expect(votes(in: b).map(\.blockHash) == [x])
        _ = s.handle(.voteReceived(f.vote(.prevote, 0, x)))
        let c = s.handle(.voteReceived(f.vote(.prevote, 1, x)))
        #expect(votes(in: c).map(\.type) == [.precommit])
        #expect(s.lockedValue == x && s.lockedRound == 0)
        _ = s.handle(.voteReceived(f.vote(.precommit, 0, nil)))
        let d = s.handle(.voteReceived(f.vote(.precommit, 1, nil)))
        #expect(d.contains(.scheduleTimeout(TimeoutInfo(height: 1, round: 0, step: .precommit), milliseconds: 1000)))
        _ = s.handle(.timeoutFired(TimeoutInfo(height: 1, round: 0, step: .precommit)))
        #expect(s.round == 1 && s.step == .propose)
        return s
    }

    @Test func lockedValidatorPrevotesNilForAnotherValue() {
        var s = lockedOnX()
        _ = s.handle(.proposalReceived(f.proposal(by: 1, round: 1, y)))
        let a = s.handle(.blockValidated(blockHash: y, valid: true))
        let v = votes(in: a)
        #expect(v.count == 1)
        #expect(v.first?.type == .prevote && v.first?.round == 1)
        #expect(v.first.map { $0.blockHash == nil } == true)
    }

    @Test func lockedValidatorPrevotesItsLockedValueAgain() {
        var s = lockedOnX()
        let a = s.handle(.proposalReceived(f.proposal(by: 1, round: 1, x, polRound: 0)))
        #expect(votes(in: a).map(\.blockHash) == [x])
    }

    @Test func polkaInALaterRoundUnlocks() {
        var s = lockedOnX()
        // Round 1: Y without a polka; 3 prevotes nil (by us) ... others precommit nil.
        _ = s.handle(.proposalReceived(f.proposal(by: 1, round: 1, y)))
        _ = s.handle(.blockValidated(blockHash: y, valid: true))
        for i in 0..<3 { _ = s.handle(.voteReceived(f.vote(.precommit, i, round: 1, nil))) }
        _ = s.handle(.timeoutFired(TimeoutInfo(height: 1, round: 1, step: .precommit)))
        #expect(s.round == 2)
        // Round 2: Y claims a polka in round 1 that we have not seen: wait.
        let a = s.handle(.proposalReceived(f.proposal(by: 2, round: 2, y, polRound: 1)))
        #expect(votes(in: a).isEmpty)
        _ = s.handle(.voteReceived(f.vote(.prevote, 0, round: 1, y)))
        let b = s.handle(.voteReceived(f.vote(.prevote, 1, round: 1, y)))
        #expect(votes(in: b).isEmpty)   // two of four is no polka
        let c = s.handle(.voteReceived(f.vote(.prevote, 2, round: 1, y)))
        let v = votes(in: c)
        #expect(v.count == 1)
        #expect(v.first?.round == 2 && v.first?.blockHash == y)
    }

    @Test func falsePolkaClaimDoesNotUnlock() {
        var s = lockedOnX()
        // Y claims a polka in round 0, where the polka was for X.
        let a = s.handle(.proposalReceived(f.proposal(by: 1, round: 1, y, polRound: 0)))
        _ = s.handle(.blockValidated(blockHash: y, valid: true))
        #expect(votes(in: a).isEmpty)
        let b = s.handle(.timeoutFired(TimeoutInfo(height: 1, round: 1, step: .propose)))
        #expect(votes(in: b).map(\.blockHash) == [nil])
    }

    @Test func neverSignsTwoDifferentVotesForOneStep() {
        var s = ConsensusState(chainID: f.chainID, validators: f.validators, privateKey: f.keys[3],
                               lastSignState: SignState(height: 1, round: 0, step: .prevote, blockHash: y))
        _ = s.handle(.start(height: 1))
        _ = s.handle(.proposalReceived(f.proposal(by: 0, round: 0, x)))
        let a = s.handle(.blockValidated(blockHash: x, valid: true))
        #expect(votes(in: a).isEmpty)   // restart record says it already prevoted Y here
        let b = s.handle(.timeoutFired(TimeoutInfo(height: 1, round: 0, step: .propose)))
        #expect(votes(in: b).isEmpty)
    }

    @Test func persistsBeforeEveryBroadcast() {
        var s = ConsensusState(chainID: f.chainID, validators: f.validators, privateKey: f.keys[0])
        let a = s.handle(.start(height: 1))
        #expect(a.contains(.buildProposal(height: 1, round: 0)))
        let b = s.handle(.proposalBlockReady(height: 1, round: 0, blockHash: x))
        guard b.count >= 4 else { Issue.record("\(b)"); return }
        #expect(b[0] == .persistSignState(SignState(height: 1, round: 0, step: .proposal, blockHash: x)))
        if case .broadcastProposal = b[1] {} else { Issue.record("expected a proposal, got \(b[1])") }
        #expect(b[2] == .persistSignState(SignState(height: 1, round: 0, step: .prevote, blockHash: x)))
        if case .broadcastVote = b[3] {} else { Issue.record("expected a vote, got \(b[3])") }
    }

    @Test func badAndForeignMessagesChangeNothing() {
        var s = ConsensusState(chainID: f.chainID, validators: f.validators, privateKey: f.keys[3])
        _ = s.handle(.start(height: 1))
        // Proposal from a non-proposer, for another height, and far-future round.
        #expect(s.handle(.proposalReceived(f.proposal(by: 2, round: 0, x))).isEmpty)
        #expect(s.handle(.proposalReceived(f.proposal(by: 0, height: 9, round: 0, x))).isEmpty)
        #expect(s.handle(.voteReceived(f.vote(.prevote, 0, round: 1000, x))).isEmpty)
        var forged = f.vote(.prevote, 0, x); forged.signature[3] ^= 1
        #expect(s.handle(.voteReceived(forged)).isEmpty)
        #expect(s.round == 0 && s.step == .propose)
    }

    @Test func oneThirdFromALaterRoundSkipsAhead() {
        var s = ConsensusState(chainID: f.chainID, validators: f.validators, privateKey: f.keys[3])
        _ = s.handle(.start(height: 1))
        _ = s.handle(.voteReceived(f.vote(.prevote, 0, round: 5, nil)))
        #expect(s.round == 0)
        _ = s.handle(.voteReceived(f.vote(.precommit, 1, round: 5, nil)))
        #expect(s.round == 5)
    }
}
