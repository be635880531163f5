import Foundation
import AthConsensus
import AthP2P
import AthRPC

/// Consensus and peer metrics, named after CometBFT's (`consensus_height`,
/// `consensus_rounds`, `p2p_peers`, …) with the `ath_` prefix.
final class ConsensusMetrics: Sendable {
    let registry: MetricsRegistry
    init(_ registry: MetricsRegistry) { self.registry = registry }

    /// Counts what an event brings in.
    func note(_ event: ConsensusEvent) {
        switch event {
        case .proposalReceived:
            registry.counter("ath_consensus_proposals_received_total", help: "Block proposals received from peers").increment()
        case .voteReceived(let v):
            registry.counter("ath_consensus_votes_received_total", help: "Votes received from peers, by type",
                             labels: [("type", v.type == .prevote ? "prevote" : "precommit")]).increment()
        case .timeoutFired(let t):
            registry.counter("ath_consensus_timeouts_total", help: "Round timeouts fired, by step",
                             labels: [("step", Self.name(t.step))]).increment()
        default:
            break
        }
    }

    /// Where the state machine stands now.
    func state(height: UInt64, round: Int32, step: RoundStep) {
        registry.gauge("ath_consensus_height", help: "Height consensus is deciding").set(Double(height))
        registry.gauge("ath_consensus_round", help: "Round of the current height").set(Double(round))
        registry.gauge("ath_consensus_step", help: "Step of the current round: 1 propose, 2 prevote, 3 precommit, 4 commit")
            .set(Double(step.rawValue))
    }

    /// A height was decided after `rounds` rounds, `seconds` after it started.
    func committed(rounds: Int32, seconds: Double) {
        registry.histogram("ath_consensus_rounds", help: "Rounds a height took to decide",
                           buckets: [1, 2, 3, 4, 6, 8, 12, 16]).observe(Double(rounds))
        registry.histogram("ath_consensus_commit_seconds", help: "Seconds from a height's start to its commit")
            .observe(seconds)
    }

    /// Peers by direction, and the traffic and bans of the peer manager.
    func peers(_ manager: PeerManager) {
        let list = manager.peers
        for (direction, outbound) in [("inbound", false), ("outbound", true)] {
            registry.gauge("ath_p2p_peers", help: "Connected peers, by direction", labels: [("direction", direction)])
                .set(Double(list.count { $0.outbound == outbound }))
        }
        for (channel, c) in manager.traffic.receivedByChannel {
            let name = P2PChannel(rawValue: channel).map { "\($0)" } ?? String(channel)
            registry.gauge("ath_p2p_received_bytes_total", help: "Message bytes received from peers, by channel",
                           labels: [("channel", name)]).set(Double(c.bytes))
            registry.gauge("ath_p2p_received_messages_total", help: "Messages received from peers, by channel",
                           labels: [("channel", name)]).set(Double(c.messages))
        }
        for (channel, c) in manager.traffic.sentByChannel {
            let name = P2PChannel(rawValue: channel).map { "\($0)" } ?? String(channel)
            registry.gauge("ath_p2p_sent_bytes_total", help: "Message bytes sent to peers, by channel",
                           labels: [("channel", name)]).set(Double(c.bytes))
            registry.gauge("ath_p2p_sent_messages_total", help: "Messages sent to peers, by channel",
                           labels: [("channel", name)]).set(Double(c.messages))
        }
        registry.gauge("ath_p2p_bans_total", help: "Peers banned since start").set(Double(manager.traffic.bans))
    }

    /// Block sync: whether it runs and the height it aims at.
    func sync(running: Bool, target: UInt64) {
        registry.gauge("ath_blocksync_syncing", help: "1 while block sync catches up, else 0").set(running ? 1 : 0)
        registry.gauge("ath_blocksync_target_height", help: "Highest height a peer reported").set(Double(target))
    }

    static func name(_ step: RoundStep) -> String {
        switch step {
        case .propose: return "propose"
        case .prevote: return "prevote"
        case .precommit: return "precommit"
        case .commit: return "commit"
        }
    }
}
