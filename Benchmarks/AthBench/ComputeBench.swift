import AthPrimitives
import AthCrypto
import AthTypes
import AthWorker
import AthChecker

/// `athbench gemm N ROUNDS`: the worker's CPU backend on an N×N×N gemm-i8
/// job (matrices from the seed, float64 dgemm, back to int32), then a
/// checker's Freivalds check of the result with the spec's ROUNDS (matrices
/// regenerated from the seed, as a checker does). Best of three each.
/// Prints `gemm n=… ms=… gflops=… freivalds_ms=… freivalds_fraction=…`
/// (gflops counts 2·N³ operations).
func gemmBench(n: Int, rounds: Int) {
    let spec: GemmSpec
    do { spec = try GemmSpec(m: n, n: n, k: n, seed: Keccak256.hash(Array("athbench gemm".utf8)), rounds: rounds) } catch {
        fail("gemm: \(error)")
    }
    let backend = CPUBackend(maxElements: Int.max)
    let clock = ContinuousClock()
    var c: [Int32] = []
    var best = Double.infinity
    for _ in 0..<3 {
        let start = clock.now
        do { c = try backend.product(spec) } catch { fail("gemm: \(error)") }
        best = min(best, nanoseconds(clock.now - start))
    }
    let seed = Freivalds.seed(blockHash: Keccak256.hash([1]), checker: Address(low: 0xc4ec))
    var check = Double.infinity
    for _ in 0..<3 {
        let start = clock.now
        guard Freivalds.check(spec: spec, c: c, seed: seed) else { fail("gemm: the product fails Freivalds' check") }
        check = min(check, nanoseconds(clock.now - start))
    }
    let gflops = 2 * Double(n) * Double(n) * Double(n) / best
    print("gemm n=\(n) rounds=\(rounds) ms=\((best / 1e4).rounded() / 100) gflops=\((gflops * 10).rounded() / 10) " +
          "freivalds_ms=\((check / 1e4).rounded() / 100) freivalds_fraction=\((check / best * 1e4).rounded() / 1e4)")
}
