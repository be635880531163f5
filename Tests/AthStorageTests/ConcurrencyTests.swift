import AthPrimitives
import Foundation
import Testing
@testable import AthStorage

@Suite struct ConcurrencyTests {
    /// Two reader threads run while a writer commits (and grows the map):
    /// every head a reader sees has its header, headers match their number,
    /// and the head never moves backwards. (Without the guard in
    /// `LMDBEnvironment.beginRead`, a reader descheduled across two commits
    /// occasionally saw a head and then an older one.)
    @Test func readersNeverSeeATornCommit() throws {
        try withStore(initialMapSize: 64 << 10) { store, _ in
            try store.commit(block: makeBlock(0), state: StateChanges())
            let done = Shared(false)
            let problems = Shared<[String]>([])
            let reads = Shared(0)
            let group = DispatchGroup()
            for reader in 0..<2 {
                DispatchQueue.global().async(group: group) {
                    var last: UInt64 = 0
                    var count = 0
                    var found: [String] = []
                    while !done.get() || count < 10 {
                        count += 1
                        // Separate reads: the head's header must already be there.
                        if let head = store.head {
                            if store.header(number: head.number) != headerBytes(head.number) {
                                found.append("reader \(reader): wrong or missing header for head \(head.number)")
                            }
                            if head.number < last { found.append("reader \(reader): head went back from \(last) to \(head.number)") }
                            last = head.number
                        }
                        // One snapshot: head, header, hash index and state agree.
                        let consistent = try? store.snapshot { s -> Bool in
                            guard let head = s.head else { return false }
                            return s.header(number: head.number) == headerBytes(head.number)
                                && s.number(ofHash: head.hash) == head.number
                                && s.storage(Address(low: 1), 0) == UInt256(head.number)
                        }
                        if consistent != true { found.append("reader \(reader): inconsistent snapshot") }
                    }
                    reads.update { $0 += count }
                    problems.update { $0 += found }
                }
            }
            for n in 1...300 as ClosedRange<UInt64> {
                try store.commit(block: makeBlock(n, transactions: 20, payload: 8_000),
                                 state: StateChanges(storage: [(Address(low: 1), 0, UInt256(n))]))
            }
            done.update { $0 = true }
            group.wait()
            let found = problems.get()
            #expect(found.isEmpty, "\(found.prefix(3))")
            #expect(reads.get() >= 20)
            #expect(store.mapSize > 64 << 10)
        }
    }

    /// Writers on several threads queue; each commit lands exactly once.
    @Test func concurrentWritersAreSerialized() throws {
        try withStore { store, _ in
            try store.commit(block: makeBlock(0), state: StateChanges())
            let committed = Shared<[UInt64]>([])
            let group = DispatchGroup()
            for writer in 0..<4 {
                DispatchQueue.global().async(group: group) {
                    for i in 0..<25 {
                        // Each try extends whatever the head is now; losers of a race retry.
                        while true {
                            let next = (store.head?.number ?? 0) + 1
                            let block = makeBlock(next, salt: UInt64(writer * 100 + i))
                            if (try? store.commit(block: block, state: StateChanges())) != nil {
                                committed.update { $0.append(next) }
                                break
                            }
                        }
                    }
                }
            }
            group.wait()
            #expect(committed.get().sorted() == Array(1...100))
            #expect(store.head?.number == 100)
        }
    }

    /// A read nested inside a snapshot does not deadlock with a writer that must grow the map.
    @Test func nestedReadsDoNotDeadlockAgainstMapGrowth() throws {
        try withStore(initialMapSize: 64 << 10) { store, _ in
            try store.commit(block: makeBlock(0), state: StateChanges())
            let group = DispatchGroup()
            let ok = Shared(true)
            DispatchQueue.global().async(group: group) {
                for _ in 0..<200 {
                    // The inner read is a second transaction on the same thread: it sees the same or a newer head.
                    let fine = (try? store.snapshot { s -> Bool in
                        guard let outer = s.head?.number, let inner = store.head?.number else { return false }
                        return inner >= outer
                    }) ?? false
                    if !fine { ok.update { $0 = false } }
                }
            }
            for n in 1...20 as ClosedRange<UInt64> {
                try store.commit(block: makeBlock(n, payload: 64_000), state: StateChanges())
            }
            group.wait()
            #expect(ok.get())
        }
    }

    /// Committing from inside a snapshot fails cleanly if the map must grow, instead of hanging.
    @Test func commitInsideSnapshotThatNeedsGrowthThrows() throws {
        try withStore(initialMapSize: 64 << 10) { store, _ in
            try store.commit(block: makeBlock(0), state: StateChanges())
            try store.snapshot { _ in
                #expect(throws: StorageError.writeInsideRead) {
                    try store.commit(block: makeBlock(1, payload: 1 << 20), state: StateChanges())
                }
            }
            #expect(store.head?.number == 0)
        }
    }
}
