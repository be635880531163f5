import AthTypes

/// A way to compute a `gemm-i8` job's C = A·B. Every backend must give
/// exactly the same C as `GemmSpec.referenceProduct()`.
public protocol ComputeBackend: Sendable {
    /// Short name for logs ("cpu-openblas", "cuda").
    var name: String { get }
    /// What it runs on, for the operator's registration and logs.
    var hardware: String { get }
    /// Largest matrix (elements of A, B or C) it takes: the worker declines a
    /// bigger job before accepting it, rather than failing after.
    var maxElements: Int { get }
    /// C (m×n, row-major) for `spec`.
    func product(_ spec: GemmSpec) throws(ComputeError) -> [Int32]
}

extension ComputeBackend {
    /// Whether every matrix of `spec` is within `maxElements`.
    public func accepts(_ spec: GemmSpec) -> Bool {
        spec.m * spec.k <= maxElements && spec.k * spec.n <= maxElements && spec.m * spec.n <= maxElements
    }
}

/// Why a backend could not compute a job, in one sentence.
public struct ComputeError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
