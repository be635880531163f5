import AthPrimitives
import Testing
@testable import AthStorage

@Suite struct AtomicityTests {
    let alice = Address(low: 0xa11ce)
    let contract = Address(low: 0xc0de)

    /// A commit that fails at any stage leaves no trace; the same block then commits.
    @Test(arguments: CommitStage.allCases)
    func failedCommitLeavesNothingBehind(stage: CommitStage) throws {
        try withStore { store, _ in
            let logs: [(address: Address, topics: [Hash32])] = [(contract, [topicHash(1)])]
            try store.commit(block: makeBlock(0),
                             state: StateChanges(accounts: [(alice, account(nonce: 0, balance: 10)),
                                                            (contract, account(nonce: 1, balance: 0))],
                                                 storage: [(contract, 1, 5)]))
            let block = makeBlock(1, transactions: 3, logs: logs)
            let changes = StateChanges(accounts: [(alice, account(nonce: 1, balance: 9)), (contract, nil)],
                                       storage: [(alice, 2, 2)],
                                       code: [(topicHash(99), [0x00])])
            store.faultInjection = { $0 == stage ? .corrupt("injected at \(stage)") : nil }
            #expect(throws: StorageError.corrupt("injected at \(stage)")) {
                try store.commit(block: block, state: changes, meta: [("finalized", [1])])
            }
            #expect(store.head?.number == 0)
            #expect(store.header(number: 1) == nil && store.body(number: 1) == nil && store.receipts(number: 1) == nil)
            #expect(store.number(ofHash: block.hash) == nil)
            #expect(store.transactionLocation(block.transactionHashes[0]) == nil)
            #expect(store.logBlocks(from: 0, to: 1, addresses: [contract], topics: [], limit: 10) == [])
            #expect(store.account(alice) == account(nonce: 0, balance: 10))
            #expect(store.account(contract) == account(nonce: 1, balance: 0))
            #expect(store.storage(contract, 1) == 5 && store.storage(alice, 2) == .zero)
            #expect(store.code(topicHash(99)) == nil && store.meta("finalized") == nil)

            store.faultInjection = nil
            try store.commit(block: block, state: changes, meta: [("finalized", [1])])
            #expect(store.head?.number == 1 && store.storage(contract, 1) == .zero && store.meta("finalized") == [1])
            #expect(store.logBlocks(from: 0, to: 1, addresses: [contract], topics: [], limit: 10) == [1])
        }
    }

    /// A failure from LMDB itself in the middle of the transaction (appending a
    /// header below an existing key) also rolls back everything before it.
    @Test func lmdbFailureMidwayRollsBack() throws {
        try withStore { store, _ in
            try store.commit(block: makeBlock(0), state: StateChanges())
            // Plant a stray header for block 5 so block 1's MDB_APPEND fails.
            try store.environment.write { txn throws(StorageError) in
                try txn.put(store.databases.headers, .number(5), [1])
            }
            #expect(throws: StorageError.self) {
                try store.commit(block: makeBlock(1), state: StateChanges(accounts: [(alice, account(nonce: 1, balance: 1))]))
            }
            #expect(store.head?.number == 0 && store.account(alice) == nil && store.body(number: 1) == nil)
        }
    }
}
