import Foundation
import Logging
import AthPrimitives
import AthCrypto
import AthTypes
import AthExecution
import AthStorage
import AthConsensus
import AthP2P

/// Settings of the consensus driver.
public struct ConsensusOptions: Sendable, Equatable {
    public var config: ConsensusConfig
    /// Test only: on each prevote for a block, also sign and send a prevote
    /// for another hash (a Byzantine validator, for the evidence tests).
    public var doubleSignForTesting = false
    /// Test only: append every vote this node sees to this file.
    public var recordVotesPath: String?
    /// Cut the consensus log at its first damaged record instead of refusing
    /// to start (`athd start --repair-wal`).
    public var repairWAL = false
    /// Sign although the sign-state file is missing while this home has
    /// signed before (`athd start --allow-missing-sign-state`).
    public var allowMissingSignState = false

    public init(config: ConsensusConfig) { self.config = config }
}

/// Runs Tendermint consensus for the node: feeds the `ConsensusState`
/// machine with messages from peers and timeouts, and carries out its
/// actions — signing only after the sign state is on disk, building and
/// validating blocks through `Chain`, committing decided blocks with their
/// commit — and keeps the node in step with the network by block sync.
///
/// Everything mutable is confined to `queue`.
public final class ConsensusDriver: @unchecked Sendable {
    let chain: Chain
    let logger: Logger
    let options: ConsensusOptions
    let queue = DispatchQueue(label: "ath.consensus")
    /// Serves block requests off the consensus queue.
    let serveQueue = DispatchQueue(label: "ath.blocksync.serve", attributes: .concurrent)
    let privateKey: Ed25519PrivateKey
    /// Fee recipient of this node's blocks: the validator key's own address.
    let keyAddress: Address
    let signState: SignStateFile
    let wal: WriteAheadLog
    var walRecords: [[UInt8]]
    var peers: PeerManager!
    /// Batches outgoing transaction gossip (set with the peers).
    var txGossip: TransactionGossip?
    /// The oracle module attestations from peers go to.
    nonisolated(unsafe) var oracle: OracleService?

    // Confined to `queue`.
    var state: ConsensusState
    /// The set that signed the head block (verifies the next block's last commit).
    var headValidators: ValidatorSet?
    /// Blocks proposed at the current height, by hash.
    var blocks: [Hash32: ConsensusBlock] = [:]
    /// Hashes the state machine asked to validate before their block arrived.
    var awaitingBlock: Set<Hash32> = []
    /// This node's signed messages of the current height, for rebroadcast.
    var ownProposals: [Int32: [UInt8]] = [:]
    var ownVotes: [Vote] = []
    var evidencePool: [Hash32: DuplicateVoteEvidence] = [:]
    var committedEvidence = Set<Hash32>()
    var signingFailed = false
    var equivocated = false
    var stopped = false
    var lastStep: (UInt64, Int32, RoundStep) = (0, 0, .propose)
    var lastStepChange = DispatchTime.now()
    var sync = BlockSyncState()
    /// The commit of the head block, grown by precommits that arrive after
    /// the decision, so the next block's last commit names every validator
    /// that signed in time (downtime accounting).
    var headCommit: Commit?
    /// Test only: where to append every vote seen (one line each).
    var voteRecord: FileHandle?
    /// Consensus, peer and block-sync metrics; set by the node before `start`.
    var metrics: ConsensusMetrics?
    /// When the current height's first round began (for the time to commit).
    var heightStarted = DispatchTime.now()
    var heightOfStart: UInt64 = 0
    /// When the node last said it is stalled (no peers, no quorum).
    var lastStallWarning = DispatchTime.now()
    /// Seconds between "stalled" warnings, and without progress before the first.
    static let stallWarningSeconds: UInt64 = 5

    let seenVotes = SeenCache(capacity: 1 << 16)
    let seenProposals = SeenCache(capacity: 1 << 12)
    let seenTransactions = SeenCache(capacity: 1 << 17)
    let seenEvidence = SeenCache(capacity: 1 << 12)
    let servingPerPeer = Locked([NodeID: Int]())
    let peerCountCache = Locked(0)
    let statusCache = Locked(StatusSnapshot())

    /// Bounds on what a height keeps.
    static let maxBlocksPerHeight = 64
    static let maxFutureBlocks = 8
    static let maxEvidencePool = 256
    /// Evidence older than this many blocks is not included.
    static let maxEvidenceAge: UInt64 = 100

    public init(chain: Chain, home: NodeHome, privateKey: Ed25519PrivateKey, options: ConsensusOptions,
                logger: Logger) throws(NodeError) {
        self.chain = chain
        self.logger = logger
        self.options = options
        self.privateKey = privateKey
        keyAddress = NodeHome.validatorAddress(privateKey)
        do { signState = try SignStateFile(path: home.dataDirectory + "/priv_validator_state") } catch {
            throw NodeError("cannot read the validator's sign state: \(error)")
        }
        do {
            let opened = try WriteAheadLog.open(home.dataDirectory + "/consensus.wal", repair: options.repairWAL)
            wal = opened.log
            walRecords = opened.records
            if opened.cutBytes > 0 {
                logger.warning(options.repairWAL ? "consensus log repaired (--repair-wal): cut at its first damaged record"
                                                 : "consensus log had a torn tail (a crash mid-write); cut it",
                               metadata: ["bytes_cut": "\(opened.cutBytes)", "records_kept": "\(opened.records.count)"])
            }
        } catch {
            throw NodeError("cannot open the consensus log: \(error)")
        }
        if signState.last == nil, let signed = Self.signedBefore(privateKey.publicKey, chain: chain, walRecords: walRecords) {
            let path = home.dataDirectory + "/priv_validator_state"
            guard options.allowMissingSignState else {
                throw NodeError("the validator's sign state \(path) is missing, but this home has signed before (\(signed)); "
                    + "a validator started from an old backup can sign twice at a height and be slashed. Restore the file; "
                    + "if you are sure this key has signed nothing after that on any machine, start once with --allow-missing-sign-state")
            }
            logger.warning("sign state missing although this home has signed before; going on as --allow-missing-sign-state asks",
                           metadata: ["path": "\(path)", "evidence": "\(signed)"])
        }
        let next: ValidatorSet
        if let stored = chain.storedValidatorSet(Chain.nextValidatorsKey) {
            next = stored
        } else if let fromContracts = chain.contractValidatorSet() {
            next = fromContracts
        } else {
            // A chain without Staking: this node's key alone validates.
            next = try! ValidatorSet([Validator(address: keyAddress, publicKey: privateKey.publicKey, votingPower: 1)])
        }
        headValidators = chain.storedValidatorSet(Chain.headValidatorsKey)
        let last = signState.last.flatMap { r -> SignState? in
            guard let step = SignState.Step(rawValue: r.step), r.round <= UInt32(Int32.max) else { return nil }
            return SignState(height: r.height, round: Int32(r.round), step: step,
                             blockHash: r.signBytesHash == .zero ? nil : r.signBytesHash)
        }
        state = ConsensusState(chainID: chain.rules.chainID, validators: next, privateKey: privateKey,
                               config: options.config, lastSignState: last)
        if let path = options.recordVotesPath {
            if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
            voteRecord = FileHandle(forWritingAtPath: path)
            _ = try? voteRecord?.seekToEnd()
        }
    }

    /// Where this validator's signatures show, when its sign state is gone:
    /// a vote of its own in the consensus log, or its precommit in one of the
    /// last 100 commits the chain holds. Nil when neither shows one. The
    /// validator is found by its consensus key in the stored validator sets,
    /// and then by the address those sets give it.
    static func signedBefore(_ key: Ed25519PublicKey, chain: Chain, walRecords: [[UInt8]]) -> String? {
        var addresses: Set<Address> = [Address(Keccak256.hash(key.bytes).bytes[12...])!]
        for name in [Chain.headValidatorsKey, Chain.nextValidatorsKey] {
            if let set = chain.storedValidatorSet(name), let i = set.index(of: key) { addresses.insert(set[i].address) }
        }
        for record in walRecords {
            guard let (kind, payload) = ConsensusWire.decodeWALRecord(record), kind == 2,
                  let vote = try? Vote.decode(payload), addresses.contains(vote.validatorAddress) else { continue }
            return "the consensus log holds its \(vote.type) at height \(vote.height)"
        }
        let head = chain.head.number
        var h = head
        while h > 0 && head - h < 100 {
            if let commit = chain.seenCommit(h) ?? chain.storedConsensusBlock(h + 1)?.block.lastCommit,
               commit.signatures.contains(where: { addresses.contains($0.validatorAddress) }) {
                return "its precommit is in the commit of block \(h)"
            }
            h -= 1
        }
        return nil
    }

    /// Starts consensus at the height after the head, replaying this
    /// height's logged messages, and the periodic gossip and sync ticks.
    /// Hands the driver its peer manager; call before the manager starts,
    /// so every callback finds it.
    public func attach(peers: PeerManager) {
        self.peers = peers
        txGossip = TransactionGossip(peers: peers)
    }

    public func start() {
        precondition(peers != nil, "ConsensusDriver.attach(peers:) comes first")
        queue.async { [self] in
            let h = chain.head.number + 1
            let set = state.validators
            logger.info("consensus starting", metadata: [
                "height": "\(h)", "validators": "\(set.count)", "total_power": "\(set.totalVotingPower)",
                "this_node_validates": "\(set.index(of: privateKey.publicKey) != nil)",
            ])
            execute(state.handle(.start(height: h)))
            replayLog(height: h)
            scheduleTick()
        }
    }

    public func stop() {
        queue.sync { stopped = true }
        try? wal.sync()
    }

    // MARK: The state machine

    /// Feeds one event and carries out what it asks.
    func feed(_ event: ConsensusEvent) {
        guard !stopped else { return }
        metrics?.note(event)
        execute(state.handle(event))
        if state.height != heightOfStart {
            heightOfStart = state.height
            heightStarted = .now()
        }
    }

    func execute(_ actions: [ConsensusAction]) {
        for action in actions {
            guard !stopped else { return }
            switch action {
            case .persistSignState(let s):
                persist(s)
            case .broadcastProposal(let p):
                guard !signingFailed else { continue }
                guard let block = blocks[p.blockHash] else {
                    logger.error("no block for our own proposal", metadata: ["hash": "\(p.blockHash)"])
                    continue
                }
                let message = ConsensusWire.proposal(p, block: block.encode())
                ownProposals[p.round] = message
                _ = seenProposals.insert(Keccak256.hash(message))
                log(kind: 1, message)
                peers.broadcast(.proposal, message)
            case .broadcastVote(let v):
                guard !signingFailed else { continue }
                ownVotes.append(v)
                let bytes = v.encode()
                _ = seenVotes.insert(Keccak256.hash(bytes))
                log(kind: 2, bytes)
                peers.broadcast(.vote, bytes)
                if options.doubleSignForTesting { equivocate(v) }
            case let .scheduleTimeout(info, ms):
                queue.asyncAfter(deadline: .now() + .milliseconds(Int(min(ms, 3_600_000)))) { [weak self] in
                    self?.feed(.timeoutFired(info))
                }
            case let .buildProposal(h, r):
                buildProposal(height: h, round: r)
            case let .requestValidation(h, _, hash):
                guard h == state.height else { continue }
                if let block = blocks[hash] { validate(block) } else { awaitingBlock.insert(hash) }
            case let .commit(hash, commit):
                commitDecided(hash, commit)
            case .reportEvidence(let e):
                addEvidence(e, from: nil)
            }
        }
    }

    /// Makes the signing record durable (log first, then the sign state)
    /// before the signed message can leave the node.
    func persist(_ s: SignState) {
        do {
            try wal.sync()
            try signState.recordSigning(height: s.height, round: UInt32(s.round), step: s.step.rawValue,
                                        signBytesHash: s.blockHash ?? .zero)
        } catch {
            signingFailed = true
            logger.critical("cannot record the sign state; this validator stops signing", metadata: ["error": "\(error)"])
        }
    }

    /// Test only: a conflicting prevote, signed without the sign-state guard.
    func equivocate(_ v: Vote) {
        guard !equivocated, v.type == .prevote, v.height >= 3, let hash = v.blockHash else { return }
        equivocated = true
        let other = Vote.signed(type: .prevote, height: v.height, round: v.round, blockHash: Keccak256.hash(hash.bytes),
                                validatorIndex: v.validatorIndex, validatorAddress: v.validatorAddress,
                                key: privateKey, chainID: chain.rules.chainID)
        logger.warning("double-signing for testing", metadata: ["height": "\(v.height)", "round": "\(v.round)"])
        peers.broadcast(.vote, other.encode())
    }

    func log(kind: UInt64, _ payload: [UInt8]) {
        do { try wal.append(ConsensusWire.walRecord(kind: kind, payload)) } catch {
            logger.error("cannot append to the consensus log", metadata: ["error": "\(error)"])
        }
    }

    /// Feeds the logged proposals and votes of `height` after a restart.
    func replayLog(height: UInt64) {
        let records = walRecords
        walRecords = []
        var replayed = 0
        for record in records {
            guard let (kind, payload) = ConsensusWire.decodeWALRecord(record) else { continue }
            if kind == 1, let (p, block) = try? ConsensusWire.decodeProposal(payload), p.height == height {
                _ = seenProposals.insert(Keccak256.hash(payload))
                acceptProposal(p, block, raw: payload, relayExcept: nil, relay: false)
                replayed += 1
            } else if kind == 2, let v = try? Vote.decode(payload), v.height == height {
                _ = seenVotes.insert(Keccak256.hash(payload))
                if v.validatorIndex == state.validatorIndex.map(UInt32.init) { ownVotes.append(v) }
                feed(.voteReceived(v))
                replayed += 1
            }
        }
        if replayed > 0 { logger.info("consensus log replayed", metadata: ["height": "\(height)", "messages": "\(replayed)"]) }
    }

    // MARK: Blocks

    /// What the system calls of `block` are told: the signers of its last
    /// commit and its evidence.
    func inputs(for block: ConsensusBlock) -> ConsensusInputs {
        inputs(lastCommit: block.lastCommit, evidence: block.evidence)
    }

    func inputs(lastCommit: Commit?, evidence: [DuplicateVoteEvidence]) -> ConsensusInputs {
        var signers = CommitSigners.none
        if let c = lastCommit, let set = headValidators {
            var keys = Set<Hash32>()
            for s in c.signatures {
                if let v = set.validator(at: s.validatorIndex, address: s.validatorAddress) { keys.insert(Hash32(v.publicKey.bytes)!) }
            }
            signers = .keys(keys)
        }
        let evidence = evidence.map {
            DoubleSignEvidenceInput(validator: $0.validatorAddress, height: $0.height, evidenceHash: Keccak256.hash($0.encode()))
        }
        return ConsensusInputs(signers: signers, evidence: evidence)
    }

    func buildProposal(height h: UInt64, round r: Int32) {
        guard h == chain.head.number + 1 else { return }
        let lastCommit = h > 1 ? (headCommit?.height == h - 1 ? headCommit : chain.seenCommit(h - 1)) : nil
        if h > 1 && lastCommit == nil {
            logger.error("no commit stored for block \(h - 1); cannot propose")
            return
        }
        let evidence = Array(evidencePool.values
            .filter { $0.height + Self.maxEvidenceAge > h && (try? $0.verify(against: state.validators, chainID: chain.rules.chainID)) != nil }
            .sorted { Keccak256.hash($0.encode()).bytes.lexicographicallyPrecedes(Keccak256.hash($1.encode()).bytes) }
            .prefix(ConsensusBlock.maxEvidence))
        let proposer = state.validators[state.proposerIndex(round: r)].address
        // Priority fees go to the proposer's Staking account (the set's
        // address for it), which a secp256k1 key controls.
        let built = chain.buildConsensusBlock(timestamp: UInt64(Date().timeIntervalSince1970), coinbase: proposer,
                                              proposer: proposer, validatorsHash: state.validators.hash,
                                              lastCommit: lastCommit, evidence: evidence,
                                              inputs: inputs(lastCommit: lastCommit, evidence: evidence))
        remember(built)
        logger.debug("proposing", metadata: ["height": "\(h)", "round": "\(r)", "txs": "\(built.block.transactions.count)"])
        feed(.proposalBlockReady(height: h, round: r, blockHash: built.hash))
    }

    /// Keeps a proposed block of this height or the next. Blocks of the
    /// next height cannot be checked against their proposer yet, so only a
    /// few are kept.
    func remember(_ block: ConsensusBlock) {
        guard block.number == state.height || block.number == state.height + 1,
              blocks[block.hash] == nil, blocks.count < Self.maxBlocksPerHeight else { return }
        if block.number == state.height + 1 {
            guard blocks.values.count(where: { $0.number == block.number }) < Self.maxFutureBlocks else { return }
        }
        blocks[block.hash] = block
    }

    /// What the driver and its state machine hold, for checks that floods
    /// leave it bounded.
    public var footprint: ConsensusFootprint {
        queue.sync {
            let held = state.heldMessages
            return ConsensusFootprint(blocks: blocks.count, proposals: held.proposals, voteRounds: held.voteRounds,
                                      futureMessages: held.future, evidence: evidencePool.count,
                                      peerHeights: sync.peerHeights.count, blockRequests: sync.inFlight.count,
                                      receivedBlocks: sync.received.count,
                                      seen: seenVotes.count + seenProposals.count + seenTransactions.count + seenEvidence.count)
        }
    }

    /// Checks a proposed block against consensus rules, then re-executes it.
    func validate(_ block: ConsensusBlock) {
        let verdict = check(block).flatMap { chain.validateConsensusBlock(block, inputs: inputs(for: block)) }
        switch verdict {
        case .success:
            feed(.blockValidated(blockHash: block.hash, valid: true))
        case .failure(let e):
            logger.warning("proposed block refused", metadata: ["height": "\(block.number)", "hash": "\(block.hash)", "reason": "\(e)"])
            feed(.blockValidated(blockHash: block.hash, valid: false))
        }
    }

    /// The consensus checks of a block at the height after the head: the
    /// validator set it names, its proposer, its last commit, its evidence
    /// and its time.
    func check(_ block: ConsensusBlock) -> Result<Void, ChainError> {
        let h = block.block.header
        let head = chain.head
        guard h.number == head.number + 1 else { return .failure(ChainError("block \(h.number) does not follow the head \(head.number)")) }
        guard h.validatorsHash == state.validators.hash else { return .failure(ChainError("validators hash does not name this height's set")) }
        guard state.validators.index(of: h.proposer) != nil else { return .failure(ChainError("proposer \(h.proposer) is not a validator")) }
        if head.number == 0 {
            guard block.lastCommit == nil else { return .failure(ChainError("block 1 carries a last commit")) }
        } else {
            guard let c = block.lastCommit else { return .failure(ChainError("missing the commit of block \(head.number)")) }
            guard c.height == head.number, c.blockHash == head.hash else { return .failure(ChainError("last commit is not for block \(head.number)")) }
            guard let set = headValidators else { return .failure(ChainError("the validator set of block \(head.number) is unknown")) }
            do { try c.verify(against: set, chainID: chain.rules.chainID) } catch { return .failure(ChainError("last commit: \(error)")) }
        }
        var seen = Set<Hash32>()
        for e in block.evidence {
            guard seen.insert(Keccak256.hash(e.encode())).inserted else { return .failure(ChainError("evidence included twice")) }
            guard e.height <= h.number, e.height + Self.maxEvidenceAge > h.number else { return .failure(ChainError("evidence from height \(e.height) is out of range")) }
            do { try e.verify(against: state.validators, chainID: chain.rules.chainID) } catch { return .failure(ChainError("evidence: \(error)")) }
        }
        let now = UInt64(Date().timeIntervalSince1970)
        guard h.timestamp <= now + 30 else { return .failure(ChainError("timestamp \(h.timestamp) is more than 30 s ahead")) }
        return .success(())
    }

    /// Commits a decided block, moves the validator set on, and clears the
    /// height's state.
    func commitDecided(_ hash: Hash32, _ commit: Commit) {
        guard let block = blocks[hash] else {
            // Decided without the block (it never reached us): block sync fetches it.
            logger.warning("decided a block we do not have; waiting for block sync", metadata: ["height": "\(commit.height)", "hash": "\(hash)"])
            return
        }
        guard case .success = check(block) else {
            logger.critical("a block decided by the network fails this node's checks", metadata: ["height": "\(commit.height)"])
            return
        }
        apply(block, commit: commit, source: "consensus")
    }

    /// Writes `block` and its commit, then prepares the next height.
    @discardableResult
    func apply(_ block: ConsensusBlock, commit: Commit, source: String) -> Bool {
        let current = state.validators
        let result = chain.commitConsensusBlock(block, commit: commit, inputs: inputs(for: block)) { contractSet in
            let next: ValidatorSet
            if let s = contractSet, !Self.sameMembers(s, current) { next = s } else { next = current.incrementingProposerPriority(times: 1) }
            return (next, [(Chain.nextValidatorsKey, next.encode()), (Chain.headValidatorsKey, current.encode())])
        }
        switch result {
        case .failure(let e):
            logger.critical("cannot commit a decided block", metadata: ["height": "\(block.number)", "error": "\(e)"])
            return false
        case .success(let (committed, next)):
            headValidators = current
            headCommit = commit
            for e in block.evidence {
                let id = Keccak256.hash(e.encode())
                evidencePool[id] = nil
                if committedEvidence.count > 4096 { committedEvidence.removeAll() }
                committedEvidence.insert(id)
                logger.warning("double-sign evidence committed", metadata: ["validator": "\(e.validatorAddress)", "height": "\(e.height)"])
            }
            if !Self.sameMembers(next, current) {
                logger.info("validator set changes", metadata: ["height": "\(block.number + 1)", "validators": "\(next.count)",
                                                                 "total_power": "\(next.totalVotingPower)"])
            }
            blocks = blocks.filter { $0.value.number > block.number }
            awaitingBlock = []; ownProposals = [:]; ownVotes = []
            do { try wal.reset() } catch { logger.error("cannot reset the consensus log", metadata: ["error": "\(error)"]) }
            if source == "consensus" {
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - heightStarted.uptimeNanoseconds) / 1e9
                metrics?.committed(rounds: commit.round + 1, seconds: seconds)
                if !Self.sameMembers(next, current) { feed(.nextValidatorSet(next)) }
                logger.debug("committed", metadata: ["height": "\(block.number)", "round": "\(commit.round)", "txs": "\(committed.block.transactions.count)"])
            } else {
                // Block sync moved the head: restart the machine at the next height.
                feed(.nextValidatorSet(next))
                feed(.start(height: block.number + 1))
            }
            peers.broadcast(.status, ConsensusWire.status(height: block.number, hash: block.hash))
            return true
        }
    }

    /// Adds a late precommit for the head block to `headCommit`.
    func extendHeadCommit(_ vote: Vote) {
        guard var c = headCommit, vote.type == .precommit, vote.height == c.height, vote.round == c.round,
              vote.blockHash == c.blockHash, let set = headValidators,
              !c.signatures.contains(where: { $0.validatorIndex == vote.validatorIndex }),
              let v = set.validator(at: vote.validatorIndex, address: vote.validatorAddress),
              vote.verifySignature(publicKey: v.publicKey, chainID: chain.rules.chainID) else { return }
        c.signatures.append(CommitSignature(validatorIndex: vote.validatorIndex, validatorAddress: vote.validatorAddress,
                                            signature: vote.signature))
        c.signatures.sort { $0.validatorIndex < $1.validatorIndex }
        headCommit = c
    }

    static func sameMembers(_ a: ValidatorSet, _ b: ValidatorSet) -> Bool {
        a.count == b.count && zip(a.validators, b.validators).allSatisfy {
            $0.address == $1.address && $0.publicKey == $1.publicKey && $0.votingPower == $1.votingPower
        }
    }

    // MARK: Evidence

    /// Verifies and pools double-sign evidence (ours or a peer's) and gossips it.
    @discardableResult
    func addEvidence(_ e: DuplicateVoteEvidence, from peer: NodeID?) -> Bool {
        let id = Keccak256.hash(e.encode())
        guard !committedEvidence.contains(id), evidencePool[id] == nil else { return true }
        guard e.height + Self.maxEvidenceAge > state.height, e.height <= state.height else { return true }
        do { try e.verify(against: state.validators, chainID: chain.rules.chainID) } catch { return false }
        guard evidencePool.count < Self.maxEvidencePool else { return true }
        evidencePool[id] = e
        _ = seenEvidence.insert(id)
        logger.warning("double signing detected", metadata: ["validator": "\(e.validatorAddress)", "height": "\(e.height)",
                                                             "round": "\(e.voteA.round)", "from": "\(peer.map { "\($0)" } ?? "this node")"])
        peers.broadcast(.evidence, e.encode(), except: peer)
        return true
    }
}

/// Block sync bookkeeping (confined to the driver's queue).
struct BlockSyncState {
    /// Heights peers report as committed.
    var peerHeights: [NodeID: UInt64] = [:]
    /// Requested heights: who was asked and when.
    var inFlight: [UInt64: (peer: NodeID, at: DispatchTime)] = [:]
    /// Received blocks waiting for their turn.
    var received: [UInt64: (block: ConsensusBlock, commit: Commit, peer: NodeID)] = [:]
    var syncing = false
    var startHeight: UInt64 = 0
    var lastReport = DispatchTime.now()
    var reportHeight: UInt64 = 0
    var nextPeer = 0

    var target: UInt64 { peerHeights.values.max() ?? 0 }
}

/// Sizes of what consensus holds in memory (see `ConsensusDriver.footprint`).
public struct ConsensusFootprint: Sendable {
    public var blocks, proposals, voteRounds, futureMessages, evidence: Int
    public var peerHeights, blockRequests, receivedBlocks, seen: Int
}

/// What `ath_status` reads without waiting for the consensus queue.
struct StatusSnapshot: Sendable {
    var height: UInt64 = 0
    var round: Int32 = 0
    var step: RoundStep = .propose
    var validators: ValidatorSet?
    var syncing = false
    var syncStart: UInt64 = 0
    var syncTarget: UInt64 = 0
}
