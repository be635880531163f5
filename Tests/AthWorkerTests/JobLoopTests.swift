import Foundation
import Logging
import Testing
import AthClient
import AthCrypto
import AthPrimitives
import AthTypes
import AthWorker

/// The worker's job loop against `FakeNode`: what it accepts, commits and
/// serves, and what it leaves alone.
struct JobLoopTests {
    static let key = try! Secp256k1PrivateKey(Keccak256.hash(Array("job loop operator".utf8)).bytes)
    static let spec = try! GemmSpec(m: 12, n: 9, k: 20, seed: Keccak256.hash(Array("job loop".utf8)), rounds: 4)
    static let referenceRoot = RowMerkleTree(rowsOf: spec.referenceProduct(), n: spec.n).root
    static let quiet = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    static func worker(_ node: FakeNode, fault: WorkerFault? = nil) -> WorkerService {
        WorkerService(config: WorkerConfig(key: key, nodeURL: node.url, listenPort: 0, backend: .cpu,
                                           pollInterval: .milliseconds(20), fault: fault), logger: quiet)
    }

    /// The escrow functions the worker sent transactions for, as (name, job id).
    static func calls(_ node: FakeNode) -> [(String, UInt64)] {
        node.sentCalls.compactMap { data in
            for f in [EscrowABI.acceptJob, EscrowABI.commitResult] {
                if let args = try? f.decodeCall(data), let id = args[0].uintValue.uint64IfFits { return (f.name, id) }
            }
            return nil
        }
    }

    @Test func aJobForThisOperatorIsAcceptedComputedCommittedAndServed() throws {
        let node = try FakeNode(operator: Self.key.address)
        defer { node.stop() }
        node.createJob(1, spec: Self.spec.encoded, operator: Self.key.address)
        let worker = Self.worker(node)
        try worker.start()
        defer { worker.stop() }
        #expect(node.wait { $0.job(1)?.state == 3 })
        #expect(node.job(1)?.resultRoot == Self.referenceRoot)
        #expect(Self.calls(node).map { "\($0.0) \($0.1)" } == ["acceptJob 1", "commitResult 1"])
        let served = try HTTPTestClient.get(port: try #require(worker.servingPort), "/jobs/1/result")
        #expect(served.status == 200)
        #expect(WorkerHTTPServerTests.decode(served.body) == Self.spec.referenceProduct())
    }

    /// A job priced below the operator's on-chain floor (1 wei for 1 work
    /// unit, floor 2 wei) gets no acceptJob, which would revert; once the
    /// floor drops to the price, the job is taken.
    @Test func aJobBelowTheOperatorsFloorIsLeftAlone() throws {
        let node = try FakeNode(operator: Self.key.address)
        defer { node.stop() }
        node.minPricePerUnit = UInt256(2)
        node.createJob(1, spec: Self.spec.encoded, operator: Self.key.address)
        let worker = Self.worker(node)
        try worker.start()
        defer { worker.stop() }
        node.createJob(2, spec: Self.spec.encoded)
        Thread.sleep(forTimeInterval: 0.5)
        #expect(Self.calls(node).isEmpty)
        #expect(node.job(1)?.state == 1 && node.job(2)?.state == 1)
        node.minPricePerUnit = .one
        node.createJob(3, spec: Self.spec.encoded)
        #expect(node.wait { $0.job(3)?.state == 3 })
        #expect(Self.calls(node).map { "\($0.0) \($0.1)" } == ["acceptJob 3", "commitResult 3"])
    }

    @Test func openJobsAreTakenAndOtherOperatorsJobsAndBadSpecsLeftAlone() throws {
        let node = try FakeNode(operator: Self.key.address)
        defer { node.stop() }
        node.createJob(1, spec: Self.spec.encoded, operator: Address(low: 0xBEEF))
        node.createJob(2, spec: Self.spec.encoded, specHash: Keccak256.hash([1, 2, 3]))
        node.createJob(3, spec: [UInt8](repeating: 7, count: 192))
        node.createJob(4, spec: Self.spec.encoded, deadlineIn: -1)
        let worker = Self.worker(node)
        try worker.start()
        defer { worker.stop() }
        // A job created after the start is found too.
        node.createJob(5, spec: Self.spec.encoded)
        #expect(node.wait { $0.job(5)?.state == 3 })
        let polls = node.headQueryCount
        #expect(node.wait { $0.headQueryCount >= polls + 5 })
        #expect(Self.calls(node).map { "\($0.0) \($0.1)" } == ["acceptJob 5", "commitResult 5"])
        for id: UInt64 in 1...4 { #expect(node.job(id)?.state == 1) }
    }

    @Test func corruptResultCommitsTheRootOfTheWrongResultItServes() throws {
        let node = try FakeNode(operator: Self.key.address)
        defer { node.stop() }
        node.createJob(1, spec: Self.spec.encoded)
        let worker = Self.worker(node, fault: .corruptResult)
        try worker.start()
        defer { worker.stop() }
        #expect(node.wait { $0.job(1)?.state == 3 })
        let served = try HTTPTestClient.get(port: try #require(worker.servingPort), "/jobs/1/result")
        let c = WorkerHTTPServerTests.decode(served.body)
        #expect(c != Self.spec.referenceProduct())
        #expect(node.job(1)?.resultRoot == RowMerkleTree(rowsOf: c, n: Self.spec.n).root)
        #expect(served.headers["x-ath-result-root"] == node.job(1)?.resultRoot.description)
    }

    @Test func noCommitAcceptsAndComputesButNeverCommits() throws {
        let node = try FakeNode(operator: Self.key.address)
        defer { node.stop() }
        node.createJob(1, spec: Self.spec.encoded)
        let worker = Self.worker(node, fault: .noCommit)
        try worker.start()
        defer { worker.stop() }
        #expect(node.wait { _ in worker.store.result(1) != nil })
        let polls = node.headQueryCount
        #expect(node.wait { $0.headQueryCount >= polls + 5 })
        #expect(node.job(1)?.state == 2)
        #expect(Self.calls(node).map(\.0) == ["acceptJob"])
    }

    @Test func stopServingCommitsThenRefusesResults() throws {
        let node = try FakeNode(operator: Self.key.address)
        defer { node.stop() }
        node.createJob(1, spec: Self.spec.encoded)
        let worker = Self.worker(node, fault: .stopServing)
        try worker.start()
        defer { worker.stop() }
        #expect(node.wait { $0.job(1)?.state == 3 })
        #expect(node.job(1)?.resultRoot == Self.referenceRoot)
        let port = try #require(worker.servingPort)
        #expect(node.wait { _ in (try? HTTPTestClient.get(port: port, "/jobs/1/result").status) == 503 })
    }

    @Test func startFailsClearlyWhenTheNodeIsUnreachable() throws {
        let node = try FakeNode(operator: Self.key.address)
        let url = node.url
        node.stop()
        let worker = WorkerService(config: WorkerConfig(key: Self.key, nodeURL: url, listenPort: 0, backend: .cpu), logger: Self.quiet)
        #expect(throws: WorkerError.self) { try worker.start() }
        worker.stop()
    }
}
