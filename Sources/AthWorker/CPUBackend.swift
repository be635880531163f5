import Foundation
import AthTypes
import COpenBLAS

/// The reference backend: A and B as float64 through OpenBLAS `dgemm` (int8
/// products and their sums up to k = 16,384 are exact in float64), then C
/// back to int32.
public struct CPUBackend: ComputeBackend {
    public let name = "cpu-openblas"
    /// Largest matrix (elements of A, B or C) this backend accepts, so one
    /// job cannot take the worker's memory (8 bytes per element while computing).
    public let maxElements: Int

    public init(maxElements: Int = GemmSpec.maxElements) { self.maxElements = maxElements }

    public var hardware: String {
        "CPU: \(ProcessInfo.processInfo.activeProcessorCount) cores, OpenBLAS \(String(cString: openblas_get_config()))"
    }

    public func product(_ spec: GemmSpec) throws(ComputeError) -> [Int32] {
        let (m, n, k) = (spec.m, spec.n, spec.k)
        guard accepts(spec) else {
            throw ComputeError("job \(m)×\(k)·\(k)×\(n) is larger than this worker takes (\(maxElements) elements per matrix)")
        }
        return scratch.withBuffers(a: m * k, b: k * n, c: m * n) { a, b, c in
            Self.convert(spec.matrixA(), into: a)
            Self.convert(spec.matrixB(), into: b)
            // beta = 0: dgemm writes C without reading it.
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1.0,
                        a.baseAddress, Int32(k), b.baseAddress, Int32(n), 0.0, c.baseAddress, Int32(n))
            return [Int32](unsafeUninitializedCapacity: m * n) { out, initialized in
                nonisolated(unsafe) let (source, target) = (c, out)
                Self.inParallel(m * n) { range in for i in range { target[i] = Int32(source[i]) } }
                initialized = m * n
            }
        }
    }

    /// Float64 matrices kept from job to job, so a job does not pay for
    /// fresh pages of memory (a 2048³ job needs 96 MiB of them).
    let scratch = GemmScratch()

    /// Writes the int8 values into `target` as float64, on all cores.
    static func convert(_ values: [Int8], into target: UnsafeMutableBufferPointer<Double>) {
        values.withUnsafeBufferPointer { v in
            nonisolated(unsafe) let (source, out) = (v, target)
            inParallel(v.count) { range in for i in range { out[i] = Double(source[i]) } }
        }
    }

    /// Runs `body` over `0..<count` split into one range per core.
    static func inParallel(_ count: Int, _ body: @Sendable (Range<Int>) -> Void) {
        let parts = max(1, min(ProcessInfo.processInfo.activeProcessorCount, count / 65_536, 16))
        let chunk = (count + parts - 1) / parts
        DispatchQueue.concurrentPerform(iterations: parts) { p in
            let lo = p * chunk, hi = min(count, lo + chunk)
            if lo < hi { body(lo..<hi) }
        }
    }
}

/// Buffers of float64 that grow to the largest job seen; one job at a time.
final class GemmScratch: @unchecked Sendable {
    private let lock = NSLock()
    private var buffers = [UnsafeMutableBufferPointer<Double>](repeating: UnsafeMutableBufferPointer(start: nil, count: 0), count: 3)

    func withBuffers<R>(a: Int, b: Int, c: Int,
                        _ body: (UnsafeMutableBufferPointer<Double>, UnsafeMutableBufferPointer<Double>,
                                 UnsafeMutableBufferPointer<Double>) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        for (i, count) in [a, b, c].enumerated() where buffers[i].count < count {
            buffers[i].deallocate()
            buffers[i] = .allocate(capacity: count)
        }
        return body(UnsafeMutableBufferPointer(rebasing: buffers[0][0..<a]), UnsafeMutableBufferPointer(rebasing: buffers[1][0..<b]),
                    UnsafeMutableBufferPointer(rebasing: buffers[2][0..<c]))
    }

    deinit { for b in buffers { b.deallocate() } }
}
