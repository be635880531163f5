import AthConsensus
import AthCrypto
import AthPrimitives
import AthTestSupport

/// A deterministic in-process network: N state machines, messages delivered
/// after pseudo-random delays and timeouts fired, all in virtual time.
struct SimulatedNetwork {
    enum Behaviour {
        case honest
        /// Never started; receives and sends nothing.
        case silent
        /// Sends one proposal to the first half of its peers and another to the rest.
        case equivocatingProposer
        /// Signs a second, different prevote for every prevote it sends.
        case doublePrevoter
    }

    struct Scheduled {
        var time: UInt64, seq: UInt64, node: Int, event: ConsensusEvent
    }

    let fixture: Fixture
    var nodes: [ConsensusState]
    let behaviours: [Behaviour]
    var commits: [[UInt64: Hash32]]
    var evidence: [[DuplicateVoteEvidence]]
    var queue: [Scheduled] = []
    var now: UInt64 = 0
    var seq: UInt64 = 0
    var rng = SplitMix64(seed: 42)
    /// Set when an action list broke "persist before broadcast" or a commit did not verify.
    var violations: [String] = []

    init(powers: [UInt64], behaviours: [Behaviour], seed: UInt64 = 42) {
        fixture = Fixture(powers: powers, chainID: 7)
        self.behaviours = behaviours
        nodes = fixture.keys.map { ConsensusState(chainID: 7, validators: Fixture(powers: powers, chainID: 7).validators, privateKey: $0) }
        commits = Array(repeating: [:], count: powers.count)
        evidence = Array(repeating: [], count: powers.count)
        rng = SplitMix64(seed: seed)
    }

    var activeNodes: [Int] { behaviours.indices.filter { behaviours[$0] != .silent } }

    mutating func enqueue(_ node: Int, after delay: UInt64, _ event: ConsensusEvent) {
        guard behaviours[node] != .silent else { return }
        seq += 1
        let item = Scheduled(time: now + delay, seq: seq, node: node, event: event)
        // Keep the queue sorted by (time, seq); insert by binary search.
        var lo = 0, hi = queue.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if (queue[mid].time, queue[mid].seq) < (item.time, item.seq) { lo = mid + 1 } else { hi = mid }
        }
        queue.insert(item, at: lo)
    }

    mutating func networkDelay() -> UInt64 { 5 + rng.next() % 40 }

    mutating func send(from: Int, to: Int, _ event: ConsensusEvent) {
        guard to != from else { return }
        enqueue(to, after: networkDelay(), event)
    }

    mutating func broadcast(from: Int, _ event: ConsensusEvent) {
        for j in nodes.indices { send(from: from, to: j, event) }
    }

    /// Runs until every active honest node has committed `heights` heights or
    /// virtual time reaches `maxTime` milliseconds.
    mutating func run(heights: Int, maxTime: UInt64) {
        for i in activeNodes { enqueue(i, after: 0, .start(height: 1)) }
        let honest = activeNodes.filter { behaviours[$0] == .honest }
        while !queue.isEmpty {
            if honest.allSatisfy({ commits[$0].count >= heights }) { return }
            let item = queue.removeFirst()
            guard item.time <= maxTime else { return }
            now = item.time
            let actions = nodes[item.node].handle(item.event)
            perform(actions, node: item.node)
        }
    }

    mutating func perform(_ actions: [ConsensusAction], node i: Int) {
        var persisted = false
        for action in actions {
            switch action {
            case .persistSignState:
                persisted = true
            case let .broadcastProposal(p):
                if !persisted { violations.append("node \(i) broadcast a proposal before persisting") }
                persisted = false
                if behaviours[i] == .equivocatingProposer {
                    let other = Proposal.signed(height: p.height, round: p.round, blockHash: Keccak256.hash(p.blockHash.bytes),
                                                polRound: p.polRound, key: fixture.keys[i], chainID: fixture.chainID)
                    for j in nodes.indices { send(from: i, to: j, .proposalReceived(j < nodes.count / 2 ? p : other)) }
                } else {
                    broadcast(from: i, .proposalReceived(p))
                }
            case let .broadcastVote(v):
                if !persisted { violations.append("node \(i) broadcast a vote before persisting") }
                persisted = false
                broadcast(from: i, .voteReceived(v))
                if behaviours[i] == .doublePrevoter, v.type == .prevote {
                    let second = fixture.vote(.prevote, i, height: v.height, round: v.round,
                                              v.blockHash == nil ? blockHash("evil \(v.height)") : nil)
                    broadcast(from: i, .voteReceived(second))
                }
            case let .scheduleTimeout(info, ms):
                enqueue(i, after: ms, .timeoutFired(info))
            case let .buildProposal(h, r):
                enqueue(i, after: 1, .proposalBlockReady(height: h, round: r, blockHash: blockHash("block h\(h) r\(r) by \(i)")))
            case let .requestValidation(_, _, hash):
                enqueue(i, after: 2, .blockValidated(blockHash: hash, valid: true))
            case let .commit(hash, commit):
                let h = commit.height
                if commits[i][h] != nil { violations.append("node \(i) committed height \(h) twice") }
                commits[i][h] = hash
                do {
                    try commit.verify(against: nodes[i].validators, chainID: fixture.chainID, height: h, blockHash: hash)
                } catch {
                    violations.append("node \(i) produced a commit that does not verify: \(error)")
                }
            case let .reportEvidence(e):
                evidence[i].append(e)
            }
        }
    }

    /// Whether all nodes that committed a height committed the same hash.
    var isSafe: Bool {
        var decided: [UInt64: Hash32] = [:]
        for c in commits {
            for (h, hash) in c {
                if let other = decided[h], other != hash { return false }
                decided[h] = hash
            }
        }
        return true
    }
}
