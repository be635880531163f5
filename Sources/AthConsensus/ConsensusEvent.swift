import AthPrimitives

/// The steps of a Tendermint round; `.commit` is the wait after a decision.
public enum RoundStep: UInt8, Hashable, Sendable, Comparable {
    case propose = 1
    case prevote = 2
    case precommit = 3
    case commit = 4

    public static func < (a: RoundStep, b: RoundStep) -> Bool { a.rawValue < b.rawValue }
}

/// Which timeout fired: the one scheduled for `step` at `height`/`round`.
public struct TimeoutInfo: Hashable, Sendable {
    public var height: UInt64
    public var round: Int32
    public var step: RoundStep

    public init(height: UInt64, round: Int32, step: RoundStep) {
        self.height = height; self.round = round; self.step = step
    }
}

/// What a validator is about to sign. The node must persist it durably
/// (fsync) before broadcasting the signed message, and hand the last one back
/// to `ConsensusState.init` after a restart, so it never signs twice.
public struct SignState: Hashable, Sendable {
    public enum Step: UInt8, Hashable, Sendable, Comparable {
        case proposal = 1, prevote = 2, precommit = 3
        public static func < (a: Step, b: Step) -> Bool { a.rawValue < b.rawValue }
    }

    public var height: UInt64
    public var round: Int32
    public var step: Step
    public var blockHash: Hash32?

    public init(height: UInt64, round: Int32, step: Step, blockHash: Hash32?) {
        self.height = height; self.round = round; self.step = step; self.blockHash = blockHash
    }

    /// Whether signing `next` after `self` is safe: strictly later, or the
    /// very same message again.
    func allows(_ next: SignState) -> Bool {
        if (height, round, step.rawValue) < (next.height, next.round, next.step.rawValue) { return true }
        return next == self
    }
}

/// Inputs of the state machine. Everything from the network arrives here
/// unverified; the state machine checks signatures and bounds itself.
public enum ConsensusEvent: Sendable {
    /// Begin (or jump to) `height` at round 0.
    case start(height: UInt64)
    case proposalReceived(Proposal)
    case voteReceived(Vote)
    /// A timeout scheduled by `.scheduleTimeout` has expired.
    case timeoutFired(TimeoutInfo)
    /// Answer to `.buildProposal`: the hash of the block this node proposes.
    case proposalBlockReady(height: UInt64, round: Int32, blockHash: Hash32)
    /// Answer to `.requestValidation`: whether the block re-executes correctly.
    case blockValidated(blockHash: Hash32, valid: Bool)
    /// The validator set for the next height (read from Staking at an epoch
    /// boundary); used as given, priorities included. Without it the current
    /// set continues with its priorities advanced by one.
    case nextValidatorSet(ValidatorSet)
}

/// Outputs of the state machine, to be carried out by the node in order.
public enum ConsensusAction: Equatable, Sendable {
    /// Write this record durably before carrying out the broadcast after it.
    case persistSignState(SignState)
    case broadcastProposal(Proposal)
    case broadcastVote(Vote)
    /// Fire `.timeoutFired(info)` after `milliseconds`.
    case scheduleTimeout(TimeoutInfo, milliseconds: UInt64)
    /// Build a block for this height and round and answer with `.proposalBlockReady`.
    case buildProposal(height: UInt64, round: Int32)
    /// Fetch (if needed) and validate the block and answer with `.blockValidated`.
    case requestValidation(height: UInt64, round: Int32, blockHash: Hash32)
    /// The block is final; `commit` proves it.
    case commit(blockHash: Hash32, Commit)
    case reportEvidence(DuplicateVoteEvidence)
}

/// Timeouts and bounds. Durations are milliseconds (no floating point).
public struct ConsensusConfig: Hashable, Sendable {
    public var timeoutPropose: UInt64 = 3000
    public var timeoutProposeDelta: UInt64 = 500
    public var timeoutPrevote: UInt64 = 1000
    public var timeoutPrevoteDelta: UInt64 = 500
    public var timeoutPrecommit: UInt64 = 1000
    public var timeoutPrecommitDelta: UInt64 = 500
    public var timeoutCommit: UInt64 = 1000
    /// Votes and proposals more than this many rounds ahead are ignored.
    public var maxFutureRounds: Int32 = 16
    /// Rounds this far behind the current one are dropped (except the locked and valid rounds).
    public var maxPastRounds: Int32 = 32
    /// Messages for the next height kept until it starts.
    public var maxFutureHeightMessages: Int = 4096

    public init() {}

    /// The duration of the timeout for `step` in `round`: base + delta × round.
    public func timeout(_ step: RoundStep, round: Int32) -> UInt64 {
        let r = UInt64(max(0, round))
        func grow(_ base: UInt64, _ delta: UInt64) -> UInt64 {
            let (extra, o1) = delta.multipliedReportingOverflow(by: r)
            let (sum, o2) = base.addingReportingOverflow(extra)
            return o1 || o2 ? UInt64.max : sum
        }
        switch step {
        case .propose: return grow(timeoutPropose, timeoutProposeDelta)
        case .prevote: return grow(timeoutPrevote, timeoutPrevoteDelta)
        case .precommit: return grow(timeoutPrecommit, timeoutPrecommitDelta)
        case .commit: return timeoutCommit
        }
    }
}
