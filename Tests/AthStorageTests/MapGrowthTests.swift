import AthPrimitives
import Testing
@testable import AthStorage

@Suite struct MapGrowthTests {
    @Test func storeStartingWithTinyMapGrowsToHoldSeveralMebibytes() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let blocks = 24
        let payload = 200_000  // bodies alone total about 4.8 MB
        do {
            let store = try ChainStore(directory: dir.path, initialMapSize: 64 << 10)
            let initial = store.mapSize
            for n in 0..<blocks {
                let storage = (0..<200).map { (Address(low: UInt64(n)), UInt256(UInt64($0)), UInt256(UInt64($0 + 1))) }
                try store.commit(block: makeBlock(UInt64(n), transactions: 50, payload: payload),
                                 state: StateChanges(storage: storage))
            }
            #expect(initial == 64 << 10)
            #expect(store.mapSize >= 4 << 20)
        }
        // Reopening with the tiny size again keeps the file's larger map.
        let store = try ChainStore(directory: dir.path, initialMapSize: 64 << 10)
        #expect(store.head?.number == UInt64(blocks - 1))
        var intact = 0
        for n in 0..<blocks {
            let body = store.body(number: UInt64(n))
            if body == makeBlock(UInt64(n), payload: payload).body && store.storage(Address(low: UInt64(n)), 199) == 200 {
                intact += 1
            }
        }
        #expect(intact == blocks)
        try store.commit(block: makeBlock(UInt64(blocks), payload: payload), state: StateChanges())
        #expect(store.head?.number == UInt64(blocks))
    }

    @Test func oneWriteLargerThanSeveralDoublingsStillFits() throws {
        try withStore(initialMapSize: 64 << 10) { store, _ in
            let block = makeBlock(0, transactions: 2000, payload: 3 << 20)
            try store.commit(block: block, state: StateChanges())
            #expect(store.body(number: 0) == block.body)
            #expect(store.transactionLocation(block.transactionHashes[1999])?.index == 1999)
        }
    }
}
