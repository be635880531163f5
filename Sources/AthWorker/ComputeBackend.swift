import AthTypes

/// A way to compute a `gemm-i8` job's C = A·B. Every backend must give
/// exactly the same C as `GemmSpec.referenceProduct()`.
public protocol ComputeBackend: Sendable {
    /// Short name for logs ("cpu-openblas", "cuda").
    var name: String { get }
    /// What it runs on, for the operator's registration and logs.
    var hardware: String { get }
    /// C (m×n, row-major) for `spec`.
    func product(_ spec: GemmSpec) throws(ComputeError) -> [Int32]
}

public struct ComputeError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
