import Foundation
import AthPrimitives
import AthP2P

/// Outgoing transaction gossip, batched: transactions admitted within one
/// short window travel to each peer as one message (an RLP list of
/// envelopes), never back to the peer they came from. A burst of thousands
/// of transfers then costs each connection a few frames instead of one
/// frame, one encryption and one wake-up per transaction.
final class TransactionGossip: @unchecked Sendable {
    /// How long an admitted transaction may wait for others to join its batch.
    static let window: DispatchTimeInterval = .milliseconds(5)
    /// Bounds on one batch message; a receiver refuses more.
    static let maxCount = 1024
    static let maxBytes = 512 * 1024
    /// Transactions waiting at most; past this, new ones are not gossiped
    /// (peers still get them in blocks).
    static let maxPending = 65_536

    private let peers: PeerManager
    private let queue = DispatchQueue(label: "ath.txgossip")
    private let pending = Locked(Pending())

    private struct Pending {
        var items: [(bytes: [UInt8], source: NodeID?)] = []
        var scheduled = false
    }

    init(peers: PeerManager) { self.peers = peers }

    /// Queues `bytes` (an admitted envelope) for every peer but `source`.
    func enqueue(_ bytes: [UInt8], from source: NodeID?) {
        let schedule = pending.withLock { p -> Bool in
            guard p.items.count < Self.maxPending else { return false }
            p.items.append((bytes, source))
            defer { p.scheduled = true }
            return !p.scheduled
        }
        if schedule { queue.asyncAfter(deadline: .now() + Self.window) { [self] in flush() } }
    }

    private func flush() {
        let items = pending.withLock { p in
            defer { p = Pending() }
            return p.items
        }
        guard !items.isEmpty else { return }
        for peer in peers.peers {
            var batch: [[UInt8]] = []
            var bytes = 0
            for item in items where item.source != peer.nodeID {
                if !batch.isEmpty && (batch.count == Self.maxCount || bytes + item.bytes.count > Self.maxBytes) {
                    peers.send(to: peer.nodeID, .transactions, Self.encode(batch))
                    batch = []; bytes = 0
                }
                batch.append(item.bytes)
                bytes += item.bytes.count
            }
            if !batch.isEmpty { peers.send(to: peer.nodeID, .transactions, Self.encode(batch)) }
        }
    }

    /// RLP([envelope, ...]).
    static func encode(_ batch: [[UInt8]]) -> [UInt8] {
        var w = RLPWriter(capacity: batch.reduce(16) { $0 + $1.count + 5 })
        w.appendList { l in for tx in batch { l.append(bytes: tx) } }
        return w.bytes
    }

    /// The envelopes of a batch message; nil when it is malformed, empty or
    /// over the bounds.
    static func decode(_ message: [UInt8]) -> [[UInt8]]? {
        guard message.count <= maxBytes + 64 * 1024 else { return nil }
        var out: [[UInt8]] = []
        do {
            var top = RLPDecoder(message)
            var list = try top.readList()
            try top.finish()
            while !list.isAtEnd {
                guard out.count < maxCount else { return nil }
                out.append(Array(try list.readBytes()))
            }
        } catch {
            return nil
        }
        return out.isEmpty ? nil : out
    }
}
