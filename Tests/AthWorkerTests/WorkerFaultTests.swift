import Testing
import AthCrypto
import AthPrimitives
import AthTypes
import AthWorker

struct WorkerFaultTests {
    static let spec = try! GemmSpec(m: 19, n: 23, k: 31, seed: Keccak256.hash(Array("worker fault".utf8)), rounds: 8)

    @Test func anHonestResultIsTheReferenceProduct() throws {
        let result = try JobResult.compute(jobId: 1, spec: Self.spec, backend: CPUBackend())
        #expect(result.c == Self.spec.referenceProduct())
        #expect(result.root == RowMerkleTree(rowsOf: Self.spec.referenceProduct(), n: Self.spec.n).root)
    }

    @Test func corruptResultChangesExactlyOneElementAndCommitsToWhatIsServed() throws {
        let reference = Self.spec.referenceProduct()
        let result = try JobResult.compute(jobId: 1, spec: Self.spec, backend: CPUBackend(), fault: .corruptResult)
        let differing = zip(result.c, reference).enumerated().filter { $0.element.0 != $0.element.1 }.map(\.offset)
        #expect(differing == [0])
        #expect(result.c[0] == reference[0] + 1)
        // The committed root is that of the served (wrong) C, not of the reference.
        #expect(result.root == RowMerkleTree(rowsOf: result.c, n: Self.spec.n).root)
        #expect(result.root != RowMerkleTree(rowsOf: reference, n: Self.spec.n).root)
    }

    @Test(arguments: [WorkerFault.noCommit, .stopServing])
    func otherFaultsComputeHonestly(fault: WorkerFault) throws {
        let result = try JobResult.compute(jobId: 1, spec: Self.spec, backend: CPUBackend(), fault: fault)
        #expect(result.c == Self.spec.referenceProduct())
    }

    @Test func faultNamesMatchTheCommandLine() {
        #expect(WorkerFault.allCases.map(\.rawValue) == ["corrupt-result", "no-commit", "stop-serving"])
    }

    @Test func aBackendReturningTheWrongShapeIsAnError() {
        struct Short: ComputeBackend {
            let name = "short", hardware = "none", maxElements = 1 << 20
            func product(_ spec: GemmSpec) throws(ComputeError) -> [Int32] { [1, 2, 3] }
        }
        #expect(throws: ComputeError.self) { try JobResult.compute(jobId: 1, spec: Self.spec, backend: Short()) }
    }
}
