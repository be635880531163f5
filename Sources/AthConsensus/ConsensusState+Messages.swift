import AthPrimitives

extension ConsensusState {
    /// Rounds this node accepts messages for: not beyond `maxFutureRounds` ahead.
    func isRoundAcceptable(_ r: Int32) -> Bool {
        r >= 0 && Int64(r) <= Int64(round) + Int64(config.maxFutureRounds)
    }

    mutating func bufferFutureMessage(_ event: ConsensusEvent) {
        guard futureMessages.count < config.maxFutureHeightMessages else { return }
        futureMessages.append(event)
    }

    mutating func receiveProposal(_ p: Proposal, out: inout [ConsensusAction]) {
        guard started else { return }
        if p.height == height &+ 1 && height < UInt64.max { bufferFutureMessage(.proposalReceived(p)); return }
        guard p.height == height, p.round >= round, isRoundAcceptable(p.round), proposals[p.round] == nil else { return }
        let index = proposerIndex(round: p.round)
        let proposer = validators[index]
        // verifySignature also checks -1 ≤ polRound < round.
        guard p.verifySignature(publicKey: proposer.publicKey, chainID: chainID) else { return }
        proposals[p.round] = p
        requestValidation(p.blockHash, round: p.round, out: &out)
    }

    mutating func receiveVote(_ v: Vote, out: inout [ConsensusAction]) {
        guard started else { return }
        if v.height == height &+ 1 && height < UInt64.max { bufferFutureMessage(.voteReceived(v)); return }
        guard v.height == height, isRoundAcceptable(v.round) else { return }
        let result: AddVoteResult
        do {
            switch v.type {
            case .prevote:
                var set = prevotes[v.round] ?? makeVoteSet(.prevote, round: v.round)
                result = try set.add(v)
                prevotes[v.round] = set
            case .precommit:
                var set = precommits[v.round] ?? makeVoteSet(.precommit, round: v.round)
                result = try set.add(v)
                precommits[v.round] = set
            }
        } catch {
            return  // a bad vote from a peer is dropped; it changes nothing
        }
        if case let .conflicting(evidence) = result {
            let key = EquivocationKey(validator: v.validatorIndex, round: v.round, type: v.type)
            if reportedEquivocations.insert(key).inserted { out.append(.reportEvidence(evidence)) }
        }
    }

    func makeVoteSet(_ type: VoteType, round r: Int32) -> VoteSet {
        VoteSet(chainID: chainID, height: height, round: r, type: type, validators: validators)
    }

    mutating func requestValidation(_ hash: Hash32, round r: Int32, out: inout [ConsensusAction]) {
        guard validity[hash] == nil, validationRequested.insert(hash).inserted else { return }
        out.append(.requestValidation(height: height, round: r, blockHash: hash))
    }

    mutating func onBlockReady(height h: UInt64, round r: Int32, hash: Hash32, out: inout [ConsensusAction]) {
        guard started, h == height, r == round, step == .propose, pendingBuildRound == r, proposals[r] == nil else { return }
        pendingBuildRound = nil
        validity[hash] = true  // this node built it
        validationRequested.insert(hash)
        signProposal(hash, polRound: -1, out: &out)
    }

    // MARK: Signing

    /// Signs only if `SignState` allows it; emits the record to persist first.
    mutating func signProposal(_ hash: Hash32, polRound: Int32, out: inout [ConsensusAction]) {
        guard let key = privateKey, isValidator else { return }
        let record = SignState(height: height, round: round, step: .proposal, blockHash: hash)
        guard lastSignState?.allows(record) ?? true else { return }
        lastSignState = record
        out.append(.persistSignState(record))
        let p = Proposal.signed(height: height, round: round, blockHash: hash, polRound: polRound, key: key, chainID: chainID)
        proposals[round] = p
        out.append(.broadcastProposal(p))
    }

    mutating func signVote(_ type: VoteType, _ hash: Hash32?, out: inout [ConsensusAction]) {
        guard let key = privateKey, let index = validatorIndex else { return }
        let record = SignState(height: height, round: round, step: type == .prevote ? .prevote : .precommit, blockHash: hash)
        guard lastSignState?.allows(record) ?? true else { return }
        lastSignState = record
        out.append(.persistSignState(record))
        let v = Vote.signed(type: type, height: height, round: round, blockHash: hash, validatorIndex: UInt32(index),
                            validatorAddress: validators[index].address, key: key, chainID: chainID)
        receiveVote(v, out: &out)
        out.append(.broadcastVote(v))
    }
}
