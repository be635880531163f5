import Testing
import AthPrimitives
import AthCrypto
import AthTypes
import AthWorker

struct CPUBackendTests {
    static let seed = Keccak256.hash(Array("cpu backend".utf8))

    @Test(arguments: [(1, 1, 1), (7, 33, 19), (64, 64, 64), (100, 3, 257), (5, 200, 128)])
    func matchesTheIntegerReference(m: Int, n: Int, k: Int) throws {
        let spec = try GemmSpec(m: m, n: n, k: k, seed: Self.seed, rounds: 8)
        #expect(try CPUBackend().product(spec) == spec.referenceProduct())
    }

    @Test func extremeValuesStayExact() throws {
        // k = 16,384 with the largest products: the float64 path must still be exact.
        let spec = try GemmSpec(m: 2, n: 2, k: 16_384, seed: Self.seed, rounds: 1)
        #expect(try CPUBackend().product(spec) == spec.referenceProduct())
    }

    @Test func refusesJobsLargerThanItTakes() throws {
        let spec = try GemmSpec(m: 64, n: 64, k: 64, seed: Self.seed, rounds: 1)
        #expect(throws: ComputeError.self) { try CPUBackend(maxElements: 1000).product(spec) }
    }
}
