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

    public init(maxElements: Int = 1 << 27) { self.maxElements = maxElements }

    public var hardware: String {
        "CPU: \(ProcessInfo.processInfo.activeProcessorCount) cores, OpenBLAS \(String(cString: openblas_get_config()))"
    }

    public func product(_ spec: GemmSpec) throws(ComputeError) -> [Int32] {
        let (m, n, k) = (spec.m, spec.n, spec.k)
        guard m * k <= maxElements, k * n <= maxElements, m * n <= maxElements else {
            throw ComputeError("job \(m)×\(k)·\(k)×\(n) is larger than this worker takes (\(maxElements) elements per matrix)")
        }
        let a = spec.matrixA().map(Double.init), b = spec.matrixB().map(Double.init)
        var c = [Double](repeating: 0, count: m * n)
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1.0,
                                a.baseAddress, Int32(k), b.baseAddress, Int32(n), 0.0, c.baseAddress, Int32(n))
                }
            }
        }
        return c.map { Int32($0) }
    }
}
