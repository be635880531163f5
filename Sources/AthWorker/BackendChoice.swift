import Logging

/// Which compute backend a worker uses: chosen by the operator, resolved
/// once at start.
public enum BackendChoice: String, Sendable, CaseIterable {
    /// CUDA when its libraries load and a device is present, else the CPU.
    case auto
    /// `CPUBackend` (OpenBLAS), the reference.
    case cpu
    /// `CUDABackend`; fails to start without CUDA libraries or a device.
    case cuda

    /// The backend to compute with. `.auto` logs which one it picked and why.
    public func resolve(logger: Logger) throws(ComputeError) -> any ComputeBackend {
        switch self {
        case .cpu:
            return CPUBackend()
        case .cuda:
            return try CUDABackend()
        case .auto:
            do throws(ComputeError) {
                let cuda = try CUDABackend()
                logger.info("backend: CUDA", metadata: ["devices": "\(cuda.deviceCount)"])
                return cuda
            } catch {
                logger.info("backend: CPU (CUDA unavailable)", metadata: ["reason": "\(error.description)"])
                return CPUBackend()
            }
        }
    }
}
