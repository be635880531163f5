import AthCrypto
import AthMempool
import AthPrimitives
import AthTestSupport
import AthTypes
import Dispatch
import Testing

/// Parallel admission, hostile bytes, and order independence.
@Suite struct ConcurrencyAndFuzzTests {
    @Test func twoThreadsAdmitTwoThousandTransactionsWithoutLoss() throws {
        // 40 senders × 50 nonces; one thread sends even nonces, the other odd,
        // so gaps open and close across threads.
        let keys = (1...40).map(key)
        let lanes: [[SignedTransaction]] = (0..<2).map { lane in
            keys.flatMap { k in stride(from: UInt64(lane), to: 50, by: 2).map { transfer(k, nonce: $0, tip: $0 % 7, fee: 100) } }
        }
        let pool = Mempool(config: config())
        let state = FakeState()
        let failures = Locked(0)
        DispatchQueue.concurrentPerform(iterations: 2) { lane in
            for tx in lanes[lane] {
                do { _ = try pool.admit(raw: tx.encoded, state: state, baseFee: .zero) } catch { failures.withLock { $0 += 1 } }
            }
        }
        let all = lanes.flatMap { $0 }
        let missing = all.filter { !pool.contains($0.hash) }.count
        let bytes = all.reduce(0) { $0 + $1.encoded.count }
        #expect(failures.withLock { $0 } == 0)
        #expect(missing == 0)
        #expect(pool.stats == MempoolStats(pending: 2_000, queued: 0, bytes: bytes))
        let pending = pool.pendingTransactions()
        #expect(pending.count == 2_000)
        #expect(keys.allSatisfy { pool.pendingNonce(of: $0.address, state: state) == 50 })
    }

    @Test func tenThousandRandomByteStringsAreAllRefused() {
        let pool = Mempool(config: config())
        var rng = SplitMix64(seed: 0x6d656d706f6f6c)
        let prefixes: [[UInt8]] = [[], [0x01], [0x02], [0xf8], [0xc0], [0x02, 0xf8]]
        var admitted = 0
        for i in 0..<10_000 {
            let length = Int(rng.next() % 300)
            let bytes = prefixes[i % prefixes.count] + rng.bytes(length)
            if (try? pool.admit(raw: bytes, state: FakeState(), baseFee: .zero)) != nil { admitted += 1 }
        }
        #expect(admitted == 0)
        #expect(pool.stats == MempoolStats(pending: 0, queued: 0, bytes: 0))
    }

    @Test func reapIsIndependentOfArrivalAcrossSenders() throws {
        let txs = (1...12).map { transfer(key($0), nonce: 0, tip: UInt64($0 % 4), fee: 100) }
        let forward = Mempool(config: config()), backward = Mempool(config: config())
        for tx in txs { try forward.admit(tx) }
        for tx in txs.reversed() { try backward.admit(tx) }
        let f = forward.reap(maxGas: 10_000_000, baseFee: .zero, maxCount: 100).map(\.hash)
        let b = backward.reap(maxGas: 10_000_000, baseFee: .zero, maxCount: 100).map(\.hash)
        // Same set; equal tips keep each pool's own arrival order, higher tips lead.
        #expect(Set(f) == Set(b) && f.count == 12)
        let tipsF = f.map { h in txs.first { $0.hash == h }!.transaction.maxPriorityFeePerGas }
        #expect(tipsF == tipsF.sorted(by: >))
        #expect(forward.pendingTransactions().map(\.hash) == backward.pendingTransactions().map(\.hash))
    }
}
