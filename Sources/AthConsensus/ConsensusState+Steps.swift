import AthPrimitives

/// The protocol's steps and "upon" rules; line numbers refer to Algorithm 1
/// of the Tendermint paper.
extension ConsensusState {
    /// Resets the per-height state and starts round 0. `advancing` is true
    /// after a decision, when the current set's priorities move on by one.
    mutating func enterNewHeight(_ h: UInt64, advancing: Bool, out: inout [ConsensusAction]) {
        if let next = nextValidators {
            validators = next
            nextValidators = nil
        } else if advancing {
            validators = validators.incrementingProposerPriority(times: 1)
        }
        validatorIndex = privateKey.flatMap { validators.index(of: $0.publicKey) }
        height = h
        lockedValue = nil; lockedRound = -1
        validValue = nil; validRound = -1
        proposals = [:]; prevotes = [:]; precommits = [:]
        validity = [:]; validationRequested = []
        pendingBuildRound = nil
        prevoteTimeoutScheduled = []; precommitTimeoutScheduled = []; polkaHandled = []
        reportedEquivocations = []; proposerCache = [:]
        enterNewRound(0, out: &out)
        let buffered = futureMessages
        futureMessages = []
        for event in buffered {
            switch event {
            case let .proposalReceived(p) where p.height == h: receiveProposal(p, out: &out)
            case let .voteReceived(v) where v.height == h: receiveVote(v, out: &out)
            default: break
            }
        }
    }

    /// StartRound (lines 11–21).
    mutating func enterNewRound(_ r: Int32, out: inout [ConsensusAction]) {
        round = r
        step = .propose
        pendingBuildRound = nil
        pruneOldRounds()
        schedule(.propose, out: &out)
        guard let me = validatorIndex, proposerIndex(round: r) == me else { return }
        if let v = validValue {
            signProposal(v, polRound: validRound, out: &out)
        } else {
            pendingBuildRound = r
            out.append(.buildProposal(height: height, round: r))
        }
    }

    mutating func schedule(_ s: RoundStep, out: inout [ConsensusAction]) {
        out.append(.scheduleTimeout(TimeoutInfo(height: height, round: round, step: s),
                                    milliseconds: config.timeout(s, round: round)))
    }

    /// Keeps memory bounded when a height runs through many rounds.
    mutating func pruneOldRounds() {
        let floor = Int64(round) - Int64(config.maxPastRounds)
        let (locked, valid) = (lockedRound, validRound)
        let stale = { (r: Int32) -> Bool in Int64(r) < floor && r != locked && r != valid }
        proposals = proposals.filter { !stale($0.key) }
        prevotes = prevotes.filter { !stale($0.key) }
        precommits = precommits.filter { !stale($0.key) }
        proposerCache = proposerCache.filter { !stale($0.key) }
    }

    mutating func onTimeout(_ info: TimeoutInfo, out: inout [ConsensusAction]) {
        guard started, info.height == height else { return }
        switch info.step {
        case .propose:  // OnTimeoutPropose (57–60)
            guard info.round == round, step == .propose else { return }
            signVote(.prevote, nil, out: &out)
            step = .prevote
        case .prevote:  // OnTimeoutPrevote (61–64)
            guard info.round == round, step == .prevote else { return }
            signVote(.precommit, nil, out: &out)
            step = .precommit
        case .precommit:  // OnTimeoutPrecommit (65–67)
            guard info.round == round, step != .commit, round < Int32.max else { return }
            enterNewRound(round + 1, out: &out)
        case .commit:
            guard step == .commit, height < UInt64.max else { return }
            enterNewHeight(height + 1, advancing: true, out: &out)
        }
    }

    /// Re-evaluates every "upon" rule until none fires.
    mutating func evaluateRules(out: inout [ConsensusAction]) {
        while step != .commit {
            if tryDecide(out: &out) { return }
            if trySkipRound(out: &out) { continue }
            if tryPrevoteOnProposal(out: &out) { continue }
            if tryPolkaForProposal(out: &out) { continue }
            if step == .prevote, prevotes[round]?.hasTwoThirds(for: nil) == true {  // lines 44–46
                signVote(.precommit, nil, out: &out)
                step = .precommit
                continue
            }
            if step == .prevote, prevotes[round]?.hasTwoThirdsAny == true,  // lines 34–35
               prevoteTimeoutScheduled.insert(round).inserted {
                schedule(.prevote, out: &out)
            }
            if precommits[round]?.hasTwoThirdsAny == true,  // lines 47–48
               precommitTimeoutScheduled.insert(round).inserted {
                schedule(.precommit, out: &out)
            }
            return
        }
    }

    /// Lines 49–54: +2/3 precommits for a valid block in any round decide it.
    mutating func tryDecide(out: inout [ConsensusAction]) -> Bool {
        for r in precommits.keys.sorted() {
            guard let set = precommits[r], case let .some(.some(hash)) = set.twoThirdsMajority else { continue }
            switch validity[hash] {
            case true?:
                let signatures = set.votes(for: hash).map {
                    CommitSignature(validatorIndex: $0.validatorIndex, validatorAddress: $0.validatorAddress, signature: $0.signature)
                }
                out.append(.commit(blockHash: hash, Commit(height: height, round: r, blockHash: hash, signatures: signatures)))
                step = .commit
                schedule(.commit, out: &out)
                return true
            case false?:
                continue  // more than 1/3 is faulty; nothing safe to do
            case nil:
                requestValidation(hash, round: r, out: &out)
            }
        }
        return false
    }

    /// Lines 55–56: votes from more than 1/3 of the power in a later round.
    mutating func trySkipRound(out: inout [ConsensusAction]) -> Bool {
        let later = Set(prevotes.keys).union(precommits.keys).filter { $0 > round }.sorted(by: >)
        for r in later {
            var power: UInt64 = 0
            for i in 0..<validators.count
            where prevotes[r]?.hasVote(validatorIndex: i) == true || precommits[r]?.hasVote(validatorIndex: i) == true {
                power += validators[i].votingPower
            }
            if validators.isOneThird(power) {
                enterNewRound(r, out: &out)
                return true
            }
        }
        return false
    }

    /// Lines 22–33: prevote on the round's proposal once it is validated.
    mutating func tryPrevoteOnProposal(out: inout [ConsensusAction]) -> Bool {
        guard step == .propose, let p = proposals[round], let valid = validity[p.blockHash] else { return false }
        let v = p.blockHash
        let acceptable: Bool
        if p.polRound == -1 {
            acceptable = valid && (lockedRound == -1 || lockedValue == v)
        } else if p.polRound < round, prevotes[p.polRound]?.hasTwoThirds(for: v) == true {
            acceptable = valid && (lockedRound <= p.polRound || lockedValue == v)
        } else {
            return false  // wait for the polka it claims, or the propose timeout
        }
        signVote(.prevote, acceptable ? v : nil, out: &out)
        step = .prevote
        return true
    }

    /// Lines 36–43: a polka for the valid proposal of this round, first time.
    mutating func tryPolkaForProposal(out: inout [ConsensusAction]) -> Bool {
        guard step >= .prevote, !polkaHandled.contains(round), let p = proposals[round],
              validity[p.blockHash] == true, prevotes[round]?.hasTwoThirds(for: p.blockHash) == true else { return false }
        polkaHandled.insert(round)
        if step == .prevote {
            lockedValue = p.blockHash
            lockedRound = round
            signVote(.precommit, p.blockHash, out: &out)
            step = .precommit
        }
        validValue = p.blockHash
        validRound = round
        return true
    }
}
