import Foundation
import Logging
import AthCrypto
import AthPrimitives
import AthP2P

/// `athbench gossip SIZE PEERS ROUNDS`: one node sends a SIZE-byte message
/// (a block) to PEERS peers over authenticated, encrypted P2P connections on
/// 127.0.0.1; the time from the send until every peer has the whole message,
/// best of ROUNDS. Prints `gossip size=… peers=… best_ms=… mb_per_s=…`
/// (megabytes delivered, all peers together, per second).
func gossipBench(size: Int, peerCount: Int, rounds: Int) {
    let done = DispatchSemaphore(value: 0)
    Task {
        do { try await runGossip(size: size, peerCount: peerCount, rounds: rounds) } catch {
            fail("gossip: \(error)")
        }
        done.signal()
    }
    done.wait()
}

private final class Arrivals: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    private var waiter: (target: Int, continuation: CheckedContinuation<Void, Never>)?

    func arrived() {
        lock.lock()
        count += 1
        if let w = waiter, count >= w.target {
            waiter = nil
            lock.unlock()
            w.continuation.resume()
            return
        }
        lock.unlock()
    }

    func wait(for target: Int) async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            lock.lock()
            if count >= target { lock.unlock(); c.resume(); return }
            waiter = (target, c)
            lock.unlock()
        }
    }
}

private func runGossip(size: Int, peerCount: Int, rounds: Int) async throws {
    var quiet = Logger(label: "gossip")
    quiet.logLevel = .critical
    let arrivals = Arrivals()
    var receivers: [PeerManager] = []
    var addresses: [PeerAddress] = []
    for i in 0..<peerCount {
        var c = PeerManagerConfig(networkName: "athbench-gossip")
        c.listenHost = "127.0.0.1"; c.listenPort = 0; c.pex = false
        let key = try Ed25519PrivateKey(seed: Keccak256.hash(Array("gossip receiver \(i)".utf8)).bytes)
        let m = PeerManager(nodeKey: key, config: c, logger: quiet, onMessage: { _, _, message in
            if message.count == size { arrivals.arrived() }
        })
        try await m.start()
        receivers.append(m)
        addresses.append(PeerAddress(nodeID: m.nodeID, host: "127.0.0.1", port: m.listenPort!))
    }
    var c = PeerManagerConfig(networkName: "athbench-gossip")
    c.listenHost = "127.0.0.1"; c.listenPort = 0; c.pex = false
    c.persistentPeers = addresses
    c.maxOutbound = peerCount
    let sender = PeerManager(nodeKey: try Ed25519PrivateKey(seed: Keccak256.hash(Array("gossip sender".utf8)).bytes),
                             config: c, logger: quiet, onMessage: { _, _, _ in })
    try await sender.start()
    for _ in 0..<400 where sender.peerCount < peerCount { try await Task.sleep(for: .milliseconds(25)) }
    guard sender.peerCount == peerCount else { fail("gossip: only \(sender.peerCount) of \(peerCount) peers connected") }
    let message = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 17) }
    let clock = ContinuousClock()
    var best = Double.infinity
    var delivered = 0
    for round in 0...rounds {  // round 0 warms up
        let start = clock.now
        sender.broadcast(.blockResponse, message)
        delivered += peerCount
        await arrivals.wait(for: delivered)
        let ns = nanoseconds(clock.now - start)
        if round > 0 { best = min(best, ns) }
    }
    let mbPerSecond = Double(size * peerCount) / best * 1e3
    print("gossip size=\(size) peers=\(peerCount) rounds=\(rounds) best_ms=\((best / 1e4).rounded() / 100) " +
          "mb_per_s=\((mbPerSecond * 10).rounded() / 10)")
    await sender.stop()
    for r in receivers { await r.stop() }
}
