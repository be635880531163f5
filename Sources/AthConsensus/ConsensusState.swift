import AthCrypto
import AthPrimitives

/// Tendermint consensus (Buchman, Kwon, Milosevic 2018, "The latest gossip on
/// BFT consensus") as a pure state machine: `handle` takes one event and
/// returns the actions to carry out, in order. No I/O, clock or threads;
/// timeouts, block building, validation and persistence are actions.
///
/// Invariants: one height at a time; messages for other heights are dropped
/// (the next height's are buffered, bounded); rounds kept in memory are bounded
/// by the config; this node never signs two different messages of one step at
/// one height and round (`SignState`).
public struct ConsensusState: Sendable {
    public let chainID: UInt64
    public let config: ConsensusConfig
    let privateKey: Ed25519PrivateKey?

    /// Validators of the current height, priorities as of round 0.
    public internal(set) var validators: ValidatorSet
    var nextValidators: ValidatorSet?
    /// This node's index in `validators`, when it is a validator.
    public internal(set) var validatorIndex: Int?

    public internal(set) var height: UInt64 = 0
    public internal(set) var round: Int32 = 0
    public internal(set) var step: RoundStep = .propose
    public internal(set) var started = false
    public internal(set) var lockedValue: Hash32?
    public internal(set) var lockedRound: Int32 = -1
    public internal(set) var validValue: Hash32?
    public internal(set) var validRound: Int32 = -1
    /// The last message this node signed (or was about to sign).
    public internal(set) var lastSignState: SignState?

    // Per-height state; dictionaries are only looked up or iterated in sorted key order.
    var proposals: [Int32: Proposal] = [:]
    var prevotes: [Int32: VoteSet] = [:]
    var precommits: [Int32: VoteSet] = [:]
    var validity: [Hash32: Bool] = [:]
    var validationRequested: Set<Hash32> = []
    var pendingBuildRound: Int32?
    var prevoteTimeoutScheduled: Set<Int32> = []
    var precommitTimeoutScheduled: Set<Int32> = []
    var polkaHandled: Set<Int32> = []
    var reportedEquivocations: Set<EquivocationKey> = []
    var proposerCache: [Int32: Int] = [:]
    /// Proposals and votes for `height + 1`, replayed when it starts.
    var futureMessages: [ConsensusEvent] = []

    /// What the machine holds for the current and the next height (for
    /// checks that it stays bounded).
    public var heldMessages: (proposals: Int, voteRounds: Int, future: Int) {
        (proposals.count, prevotes.count + precommits.count, futureMessages.count)
    }

    struct EquivocationKey: Hashable, Sendable {
        var validator: UInt32, round: Int32, type: VoteType
    }

    /// A state machine for `validators`. `privateKey` makes it sign (if its
    /// key is in the set); `lastSignState` is the record persisted before a restart.
    public init(chainID: UInt64, validators: ValidatorSet, privateKey: Ed25519PrivateKey?,
                config: ConsensusConfig = ConsensusConfig(), lastSignState: SignState? = nil) {
        self.chainID = chainID
        self.config = config
        self.privateKey = privateKey
        self.validators = validators
        self.lastSignState = lastSignState
        self.validatorIndex = privateKey.flatMap { validators.index(of: $0.publicKey) }
    }

    /// Feeds one event; returns the actions to carry out, in order.
    public mutating func handle(_ event: ConsensusEvent) -> [ConsensusAction] {
        var out: [ConsensusAction] = []
        switch event {
        case let .start(h):
            guard !started || h > height else { return [] }
            started = true
            enterNewHeight(h, advancing: false, out: &out)
        case let .proposalReceived(p): receiveProposal(p, out: &out)
        case let .voteReceived(v): receiveVote(v, out: &out)
        case let .timeoutFired(info): onTimeout(info, out: &out)
        case let .proposalBlockReady(h, r, hash): onBlockReady(height: h, round: r, hash: hash, out: &out)
        case let .blockValidated(hash, valid):
            guard validationRequested.contains(hash), validity[hash] == nil else { return [] }
            validity[hash] = valid
        case let .nextValidatorSet(set): nextValidators = set
        }
        if started { evaluateRules(out: &out) }
        return out
    }

    /// Proposer of `round` at this height: the round-0 set advanced `round` times.
    public mutating func proposerIndex(round r: Int32) -> Int {
        if let i = proposerCache[r] { return i }
        let i = r == 0 ? validators.proposerIndex : validators.incrementingProposerPriority(times: Int(r)).proposerIndex
        proposerCache[r] = i
        return i
    }

    var isValidator: Bool { validatorIndex != nil }
}
