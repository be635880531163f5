import Foundation
import Logging
import AthPrimitives
import AthOracle
import AthCrypto
import AthTypes
import AthMempool
import AthRPC
import AthConsensus
import AthP2P

extension ConsensusDriver {
    /// Blocks requested at once during block sync, and how long a request may take.
    static let syncWindow: UInt64 = 32
    static let syncRequestTimeout: UInt64 = 5_000_000_000
    /// Block requests one peer may have in service at once.
    static let maxServingPerPeer = 16

    // MARK: Inbound messages (any thread)

    /// Entry point for every message from a peer.
    public func receive(from peer: NodeID, channel: P2PChannel, _ bytes: [UInt8]) {
        switch channel {
        case .transactions:
            receiveTransactions(from: peer, bytes)
        case .blockRequest:
            serve(peer, bytes)
        case .status:
            guard let (height, _) = ConsensusWire.decodeStatus(bytes) else { return ban(peer, "malformed status") }
            queue.async { [self] in noteHeight(peer, height) }
        case .vote:
            guard seenVotes.insert(Keccak256.hash(bytes)) else { return }
            guard let vote = try? Vote.decode(bytes) else { return ban(peer, "malformed vote") }
            queue.async { [self] in receiveVote(vote, bytes, from: peer) }
        case .proposal:
            guard seenProposals.insert(Keccak256.hash(bytes)) else { return }
            let decoded: (Proposal, ConsensusBlock)
            do {
                decoded = try ConsensusWire.decodeProposal(bytes, knownSenders: { [chain] in chain.mempool.get($0)?.sender })
            } catch { return ban(peer, "invalid proposal: \(error)") }
            queue.async { [self] in receiveProposal(decoded.0, decoded.1, bytes, from: peer) }
        case .blockResponse:
            let decoded: (ConsensusBlock, Commit)
            do { decoded = try ConsensusWire.decodeBlockResponse(bytes) } catch { return ban(peer, "invalid block response: \(error)") }
            queue.async { [self] in receiveBlock(decoded.0, decoded.1, from: peer) }
        case .evidence:
            guard seenEvidence.insert(Keccak256.hash(bytes)) else { return }
            guard let e = try? DuplicateVoteEvidence.decode(bytes) else { return ban(peer, "malformed evidence") }
            queue.async { [self] in if !addEvidence(e, from: peer) { ban(peer, "evidence that does not verify") } }
        case .attestation:
            receiveAttestation(from: peer, bytes)
        case .pex:
            return  // the peer manager's
        }
    }

    /// A gossiped attestation: a malformed one, or one whose signature does
    /// not recover an active checker, bans the peer; one the pool already
    /// holds or that the chain has moved past (races between honest peers)
    /// is dropped quietly.
    func receiveAttestation(from peer: NodeID, _ bytes: [UInt8]) {
        guard let oracle else { return }
        guard let (statement, signature) = OracleWire.decode(bytes) else { return ban(peer, "malformed attestation") }
        do {
            try oracle.submit(statement, signature: signature, from: peer)
        } catch {
            switch error {
            case .malformedSignature, .uptimeAbove100: ban(peer, "invalid attestation: \(error)")
            default: return
            }
        }
    }

    func ban(_ peer: NodeID, _ reason: String) {
        peers.ban(peer, reason: reason)
    }

    /// A batch of gossiped transactions: each new one is admitted and
    /// passed on; a malformed batch or an invalid transaction bans the peer.
    func receiveTransactions(from peer: NodeID, _ message: [UInt8]) {
        guard let batch = TransactionGossip.decode(message) else { return ban(peer, "malformed transaction batch") }
        for bytes in batch {
            guard seenTransactions.insert(Keccak256.hash(bytes)) else { continue }
            do {
                try chain.admit(raw: bytes)
                txGossip?.enqueue(bytes, from: peer)
            } catch {
                switch error {
                case .invalidTransaction, .invalidSender, .oversized: return ban(peer, "invalid transaction: \(error)")
                default: continue  // known, underpriced, nonce already used…: not the peer's fault
                }
            }
        }
    }

    /// Gossips a transaction admitted through JSON-RPC.
    public func gossipTransaction(_ hash: Hash32) {
        guard let pooled = chain.mempool.get(hash) else { return }
        let bytes = pooled.signed.encoded
        guard seenTransactions.insert(Keccak256.hash(bytes)) else { return }
        txGossip?.enqueue(bytes, from: nil)
    }

    /// A new peer: tell it where we are and what we signed at this height.
    public func peerConnected(_ peer: NodeID) {
        queue.async { [self] in
            let head = chain.head
            peers.send(to: peer, .status, ConsensusWire.status(height: head.number, hash: head.hash))
            for message in ownProposals.sorted(by: { $0.key < $1.key }).map(\.value) { peers.send(to: peer, .proposal, message) }
            for v in ownVotes { peers.send(to: peer, .vote, v.encode()) }
            for e in evidencePool.values { peers.send(to: peer, .evidence, e.encode()) }
        }
    }

    public func peerDisconnected(_ peer: NodeID) {
        queue.async { [self] in
            sync.peerHeights[peer] = nil
            for (h, r) in sync.inFlight where r.peer == peer { sync.inFlight[h] = nil }
        }
    }

    // MARK: Consensus messages (on queue)

    func receiveVote(_ vote: Vote, _ bytes: [UInt8], from peer: NodeID) {
        guard !stopped else { return }
        if let record = voteRecord {
            let line = "\(vote.validatorAddress) \(vote.height) \(vote.round) \(vote.type) \(vote.blockHash.map { "\($0)" } ?? "nil")\n"
            record.write(Data(line.utf8))
        }
        if vote.height == chain.head.number { extendHeadCommit(vote) }
        if vote.height == state.height {
            // Verified here too, so a peer flooding bad votes is cut off and
            // only good votes travel on.
            guard let v = state.validators.validator(at: vote.validatorIndex, address: vote.validatorAddress),
                  vote.verifySignature(publicKey: v.publicKey, chainID: chain.rules.chainID) else {
                return ban(peer, "vote with a bad signature or unknown validator")
            }
            log(kind: 2, bytes)
            peers.broadcast(.vote, bytes, except: peer)
        }
        feed(.voteReceived(vote))
    }

    func receiveProposal(_ p: Proposal, _ block: ConsensusBlock, _ bytes: [UInt8], from peer: NodeID) {
        guard !stopped else { return }
        guard p.height == state.height else {
            // The next height's proposal, before this node has moved there:
            // the machine buffers it; keep its block for then.
            if p.height == state.height + 1 {
                remember(block)
                feed(.proposalReceived(p))
            }
            return
        }
        let proposerIndex = state.proposerIndex(round: p.round)
        guard p.verifySignature(publicKey: state.validators[proposerIndex].publicKey, chainID: chain.rules.chainID) else {
            // Possibly a proposer of a round we compute differently after a set change: drop, do not ban.
            return
        }
        acceptProposal(p, block, raw: bytes, relayExcept: peer, relay: true)
    }

    func acceptProposal(_ p: Proposal, _ block: ConsensusBlock, raw: [UInt8], relayExcept: NodeID?, relay: Bool) {
        remember(block)
        if relay {
            log(kind: 1, raw)
            peers.broadcast(.proposal, raw, except: relayExcept)
        }
        feed(.proposalReceived(p))
        if awaitingBlock.remove(block.hash) != nil, block.number == state.height { validate(block) }
    }

    // MARK: Block sync (on queue)

    func noteHeight(_ peer: NodeID, _ height: UInt64) {
        if let known = sync.peerHeights[peer], known >= height { return }
        sync.peerHeights[peer] = height
        requestBlocks()
    }

    /// Asks peers for the blocks between the head and the highest height
    /// reported, a window at a time, spread over the peers that have them.
    func requestBlocks() {
        let head = chain.head.number
        let target = sync.target
        // Requests for heights consensus has committed meanwhile are moot.
        for h in sync.inFlight.keys where h <= head { sync.inFlight[h] = nil }
        guard target > head else {
            if sync.syncing {
                sync.syncing = false
                logger.info("block sync done; following consensus", metadata: ["height": "\(head)"])
            }
            return
        }
        // One block behind while the network decides the next is normal consensus, not sync.
        if !sync.syncing && target > head + 1 {
            sync.syncing = true
            sync.startHeight = head
            sync.reportHeight = head
            sync.lastReport = .now()
            logger.info("block sync starting", metadata: ["height": "\(head)", "target": "\(target)"])
        }
        let now = DispatchTime.now()
        var n = head + 1
        while n <= min(target, head + Self.syncWindow) {
            defer { n += 1 }
            if sync.received[n] != nil { continue }
            if let r = sync.inFlight[n] {
                if now.uptimeNanoseconds - r.at.uptimeNanoseconds < Self.syncRequestTimeout { continue }
                // The peer did not deliver what it claimed to have: forget its claim.
                sync.inFlight[n] = nil
                sync.peerHeights[r.peer] = nil
                continue
            }
            let candidates = sync.peerHeights.filter { $0.value >= n }.map(\.key).sorted { $0.bytes.lexicographicallyPrecedes($1.bytes) }
            guard !candidates.isEmpty else { break }
            let peer = candidates[sync.nextPeer % candidates.count]
            sync.nextPeer &+= 1
            if peers.send(to: peer, .blockRequest, ConsensusWire.blockRequest(n)) {
                sync.inFlight[n] = (peer, now)
            }
        }
    }

    func receiveBlock(_ block: ConsensusBlock, _ commit: Commit, from peer: NodeID) {
        guard !stopped else { return }
        let n = block.number
        guard let asked = sync.inFlight[n], asked.peer == peer else { return }  // unsolicited: ignore
        sync.inFlight[n] = nil
        guard n > chain.head.number else { return }  // consensus got there first
        guard commit.height == n, commit.blockHash == block.hash else { return ban(peer, "block \(n) with a commit for another block") }
        sync.received[n] = (block, commit, peer)
        applyReceivedBlocks()
        requestBlocks()
    }

    /// Applies received blocks in order, each only with a commit of more
    /// than 2/3 of its validator set.
    func applyReceivedBlocks() {
        let head = chain.head.number
        for n in sync.received.keys where n <= head { sync.received[n] = nil }
        while let next = sync.received[chain.head.number + 1] {
            let n = next.block.number
            sync.received[n] = nil
            // The machine is at this height: its set is the one that signs it.
            guard state.height == n else { break }
            do { try next.commit.verify(against: state.validators, chainID: chain.rules.chainID) } catch {
                ban(next.peer, "block \(n) with an invalid commit: \(error)")
                continue
            }
            if case .failure(let e) = check(next.block) {
                ban(next.peer, "block \(n) refused: \(e)")
                continue
            }
            guard apply(next.block, commit: next.commit, source: "sync") else {
                ban(next.peer, "block \(n) does not execute")
                continue
            }
        }
        reportSync()
    }

    func reportSync() {
        guard sync.syncing else { return }
        let now = DispatchTime.now()
        let elapsed = Double(now.uptimeNanoseconds - sync.lastReport.uptimeNanoseconds) / 1e9
        let head = chain.head.number
        guard elapsed >= 2 || head >= sync.target else { return }
        let rate = elapsed > 0 ? Double(head - min(head, sync.reportHeight)) / elapsed : 0
        logger.info("block sync", metadata: ["height": "\(head)", "target": "\(sync.target)",
                                             "blocks_per_second": "\(String(format: "%.1f", rate))"])
        sync.lastReport = now
        sync.reportHeight = head
    }

    /// Answers a block request from the store, off the consensus queue, a
    /// bounded number per peer at a time.
    func serve(_ peer: NodeID, _ bytes: [UInt8]) {
        guard let height = ConsensusWire.decodeBlockRequest(bytes) else { return ban(peer, "malformed block request") }
        let admitted = servingPerPeer.withLock { m -> Bool in
            guard m[peer, default: 0] < Self.maxServingPerPeer else { return false }
            m[peer, default: 0] += 1
            return true
        }
        guard admitted else { return }
        serveQueue.async { [self] in
            defer { servingPerPeer.withLock { m in m[peer] = m[peer].map { $0 > 1 ? $0 - 1 : 0 } } }
            guard height <= chain.head.number, let (block, commit) = chain.storedConsensusBlock(height) else { return }
            peers.send(to: peer, .blockResponse, ConsensusWire.blockResponse(block, commit: commit))
        }
    }

    // MARK: Periodic work (on queue)

    func scheduleTick() {
        queue.asyncAfter(deadline: .now() + .milliseconds(250)) { [weak self] in
            guard let self, !self.stopped else { return }
            self.tick()
            self.scheduleTick()
        }
    }

    /// Every 250 ms: sync requests; every second without progress, our
    /// signed messages and status again (peers may have missed them).
    func tick() {
        applyReceivedBlocks()
        requestBlocks()
        let now = DispatchTime.now()
        let step = (state.height, state.round, state.step)
        if step != lastStep {
            lastStep = step
            lastStepChange = now
        } else if now.uptimeNanoseconds - lastStepChange.uptimeNanoseconds > 1_000_000_000 {
            lastStepChange = now
            let head = chain.head
            peers.broadcast(.status, ConsensusWire.status(height: head.number, hash: head.hash))
            if let message = ownProposals[state.round] { peers.broadcast(.proposal, message) }
            for v in ownVotes.suffix(4) { peers.broadcast(.vote, v.encode()) }
        }
        statusCache.withLock {
            $0.height = state.height; $0.round = state.round; $0.step = state.step
            $0.validators = state.validators
            $0.syncing = sync.syncing; $0.syncStart = sync.startHeight; $0.syncTarget = sync.target
        }
        peerCountCache.withLock { $0 = peers.peerCount }
        warnIfStalled(now)
        if let metrics {
            metrics.state(height: state.height, round: state.round, step: state.step)
            metrics.peers(peers)
            metrics.sync(running: sync.syncing, target: sync.target)
        }
    }
}

extension ConsensusDriver {
    /// Every few seconds while no height is decided: says why as far as the
    /// node can tell (no peers at all, or peers but no quorum).
    func warnIfStalled(_ now: DispatchTime) {
        let limit = Self.stallWarningSeconds * 1_000_000_000
        guard !sync.syncing, now.uptimeNanoseconds - heightStarted.uptimeNanoseconds > limit,
              now.uptimeNanoseconds - lastStallWarning.uptimeNanoseconds > limit else { return }
        lastStallWarning = now
        let stalled = (now.uptimeNanoseconds - heightStarted.uptimeNanoseconds) / 1_000_000_000
        let count = peers.peerCount
        if count == 0 {
            logger.warning("no peers: this node reaches no other node, so height \(state.height) cannot be decided; check persistent_peers and the P2P port", metadata: [
                "height": "\(state.height)", "stalled_s": "\(stalled)"])
        } else {
            logger.warning("no quorum: height \(state.height) is undecided after \(stalled) s with \(count) peer(s); more than 2/3 of the voting power must be online", metadata: [
                "height": "\(state.height)", "round": "\(state.round)", "step": "\(ConsensusMetrics.name(state.step))",
                "peers": "\(count)", "validators": "\(state.validators.count)"])
        }
    }
}

extension ConsensusDriver: NetworkStatusSource {
    public var peerCount: Int { peers?.peerCount ?? 0 }

    public var syncProgress: (start: UInt64, target: UInt64)? {
        let s = statusCache.withLock { $0 }
        return s.syncing ? (s.syncStart, s.syncTarget) : nil
    }

    public func statusJSON() -> JSON {
        let s = statusCache.withLock { $0 }
        let head = chain.head
        let stepName: String
        switch s.step {
        case .propose: stepName = "propose"
        case .prevote: stepName = "prevote"
        case .precommit: stepName = "precommit"
        case .commit: stepName = "commit"
        }
        let me = privateKey.publicKey
        let validators = (s.validators?.validators ?? []).map { v in
            JSON.object([("address", RPCValue.address(v.address)), ("publicKey", RPCValue.data(v.publicKey.bytes)),
                         ("power", RPCValue.quantity(UInt256(v.votingPower) &* UInt256(1_000_000_000_000_000_000))),
                         ("proposerPriority", .string(String(v.proposerPriority)))])
        }
        let peerList = (peers?.peers ?? []).map { p in
            JSON.object([("id", .string(p.nodeID.description)), ("address", p.address.map { JSON.string($0) } ?? .null),
                         ("outbound", .bool(p.outbound))])
        }
        let mine = s.validators?.validators.first { $0.publicKey == me }
        return .object([
            ("chainId", RPCValue.quantity(chain.rules.chainID)),
            ("nodeId", .string(peers?.nodeID.description ?? "")),
            ("height", RPCValue.quantity(head.number)),
            ("head", RPCValue.hash(head.hash)),
            ("syncing", .bool(s.syncing)),
            ("syncTarget", RPCValue.quantity(max(s.syncTarget, head.number))),
            ("peers", .array(peerList)),
            ("validators", .array(validators)),
            ("validator", .object([("address", RPCValue.address(mine?.address ?? keyAddress)),
                                   ("publicKey", RPCValue.data(me.bytes)), ("inSet", .bool(mine != nil))])),
            ("consensus", .object([("height", RPCValue.quantity(s.height)), ("round", .number(String(s.round))),
                                   ("step", .string(stepName))])),
        ])
    }
}
