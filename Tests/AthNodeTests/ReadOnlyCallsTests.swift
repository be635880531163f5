import Testing
import Foundation
import AthPrimitives
import AthCrypto
import AthTypes
import AthExecution
import AthNode

private func scratchDirectory() -> String {
    var template = Array((NSTemporaryDirectory() + "/athcalls-test-XXXXXX").utf8CString)
    return String(cString: mkdtemp(&template)!)
}

/// Read-only calls run on store snapshots on their own pool, bounded in
/// time, per client and in all; a hostile client's calls stop when it goes.
struct ReadOnlyCallsTests {
    static let sender = DevChain.accounts(count: 1)[0].key.address

    func withChain(_ limits: CallLimits, _ body: (Chain) async throws -> Void) async throws {
        let dir = scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let chain = try Chain(dataDirectory: dir, genesis: try Genesis(json: Array(DevChain.genesisJSON.utf8)), callLimits: limits)
        try await body(chain)
    }

    /// A body that runs until something interrupts it (as a 50M-gas call would run long).
    static func spin(_ ctx: ReadContext) -> Int {
        while !ctx.interrupted { usleep(1_000) }
        return 1
    }

    @Test func aCallRunsOnTheCommittedHead() async throws {
        try await withChain(CallLimits()) { chain in
            let tx = ExecutableTransaction(sender: Self.sender, to: Address(low: 0xabcd), nonce: 0, gasLimit: 21_000,
                                           value: UInt256(5), data: [], accessList: [], maxFeePerGas: .zero,
                                           maxPriorityFeePerGas: .zero)
            let result = await chain.calls.run(client: "a") { $0.execute(tx) }
            guard case .success(.success(let outcome)) = result else { Issue.record("\(result)"); return }
            #expect(outcome.status == .success && outcome.gasUsed == 21_000)
            // nothing changed
            #expect(chain.store.account(Address(low: 0xabcd)) == nil)
            #expect(chain.calls.inProgress == 0)
        }
    }

    @Test func aCallPastItsLimitStopsWithATimeout() async throws {
        try await withChain(CallLimits(workers: 1, timeoutSeconds: 0.2)) { chain in
            let started = Date()
            let result = await chain.calls.run(client: "a", Self.spin)
            #expect(result == .failure(.timeout(seconds: 0.2)))
            #expect(Date().timeIntervalSince(started) < 3)
            #expect(CallFailure.timeout(seconds: 0.2).description == "execution aborted (timeout = 0.2s)")
            #expect(CallFailure.timeout(seconds: 5).description == "execution aborted (timeout = 5s)")
        }
    }

    @Test func aCallStopsWhenItsClientGoesAway() async throws {
        try await withChain(CallLimits(workers: 1, timeoutSeconds: 60)) { chain in
            let task = Task { await chain.calls.run(client: "a", Self.spin) }
            try await Task.sleep(nanoseconds: 200_000_000)
            let started = Date()
            task.cancel()
            #expect(await task.value == .failure(.cancelled))
            #expect(Date().timeIntervalSince(started) < 3)
            // the worker is free again
            let next = await chain.calls.run(client: "b") { _ in 7 }
            #expect(next == .success(7))
        }
    }

    @Test func oneClientCannotHoldEveryWorker() async throws {
        try await withChain(CallLimits(workers: 1, timeoutSeconds: 60, perClient: 2, maxPending: 3)) { chain in
            let hostile = (0..<2).map { _ in Task { await chain.calls.run(client: "10.0.0.1", Self.spin) } }
            while chain.calls.inProgress < 2 { try await Task.sleep(nanoseconds: 10_000_000) }
            let third = await chain.calls.run(client: "10.0.0.1") { _ in 1 }
            #expect(third == .failure(.clientBusy(limit: 2)))
            #expect(CallFailure.clientBusy(limit: 2).description.contains("too many calls in progress from this client"))
            // another client queues behind; once the hostile calls go, it runs
            let other = Task { await chain.calls.run(client: "10.0.0.2") { _ in 2 } }
            while chain.calls.inProgress < 3 { try await Task.sleep(nanoseconds: 10_000_000) }
            #expect(await chain.calls.run(client: "10.0.0.3") { _ in 3 } == .failure(.overloaded(limit: 3)))
            for t in hostile { t.cancel() }
            for t in hostile { #expect(await t.value == .failure(.cancelled)) }
            #expect(await other.value == .success(2))
        }
    }
}
