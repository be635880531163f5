import AthTypes

/// C = A·B on an NVIDIA GPU through cuBLAS `dgemm`, the libraries loaded at
/// run time (`CUDALibrary`). Like `CPUBackend` it multiplies float64 copies
/// of the int8 matrices, which is exact for every job the spec allows, and
/// converts C back to int32. Runs on device 0, one job at a time.
public struct CUDABackend: ComputeBackend {
    public let name = "cuda"
    /// Largest matrix (elements of A, B or C) this backend accepts: each
    /// takes 8 bytes per element on the host and on the device while computing.
    public let maxElements: Int
    /// CUDA devices found when the backend was created.
    public let deviceCount: Int
    let library: CUDALibrary
    /// Host float64 buffers kept from job to job (as `CPUBackend` does).
    let scratch = GemmScratch()

    /// Loads the CUDA runtime and cuBLAS and checks that a device is present;
    /// throws a `ComputeError` saying which part is missing otherwise.
    public init(maxElements: Int = GemmSpec.maxElements) throws(ComputeError) {
        library = try CUDALibrary.shared.get()
        deviceCount = try library.deviceCount()
        guard deviceCount > 0 else { throw ComputeError("the CUDA libraries loaded, but there is no CUDA device") }
        self.maxElements = maxElements
    }

    public var hardware: String { "CUDA: \(deviceCount) device(s), cuBLAS dgemm on device 0" }

    public func product(_ spec: GemmSpec) throws(ComputeError) -> [Int32] {
        let (m, n, k) = (spec.m, spec.n, spec.k)
        guard accepts(spec) else {
            throw ComputeError("job \(m)×\(k)·\(k)×\(n) is larger than this worker takes (\(maxElements) elements per matrix)")
        }
        let outcome = scratch.withBuffers(a: m * k, b: k * n, c: m * n) { a, b, c -> Result<[Int32], ComputeError> in
            CPUBackend.convert(spec.matrixA(), into: a)
            CPUBackend.convert(spec.matrixB(), into: b)
            do throws(ComputeError) {
                try gemm(a: UnsafeBufferPointer(a), b: UnsafeBufferPointer(b), c: c, m: m, n: n, k: k)
            } catch {
                return .failure(error)
            }
            return .success([Int32](unsafeUninitializedCapacity: m * n) { out, initialized in
                nonisolated(unsafe) let (source, target) = (c, out)
                CPUBackend.inParallel(m * n) { range in for i in range { target[i] = Int32(source[i]) } }
                initialized = m * n
            })
        }
        return try outcome.get()
    }

    /// C (row-major m×n) = A (row-major m×k) · B (row-major k×n) on the device.
    ///
    /// cuBLAS is column-major, and a row-major matrix read column-major is its
    /// transpose, so it computes Cᵀ = Bᵀ·Aᵀ: an n×m column-major result whose
    /// memory is exactly C row-major.
    func gemm(a: UnsafeBufferPointer<Double>, b: UnsafeBufferPointer<Double>, c: UnsafeMutableBufferPointer<Double>,
              m: Int, n: Int, k: Int) throws(ComputeError) {
        let cuda = library
        var device: [UnsafeMutableRawPointer?] = [nil, nil, nil]
        defer { for p in device where p != nil { _ = cuda.free(p) } }
        for (i, count) in [a.count, b.count, c.count].enumerated() {
            try cuda.check(cuda.malloc(&device[i], count * 8), "cudaMalloc of \(count * 8) bytes")
        }
        try cuda.check(cuda.memcpy(device[0], a.baseAddress, a.count * 8, CUDALibrary.hostToDevice), "cudaMemcpy of A")
        try cuda.check(cuda.memcpy(device[1], b.baseAddress, b.count * 8, CUDALibrary.hostToDevice), "cudaMemcpy of B")
        var handle: OpaquePointer?
        try cuda.checkBlas(cuda.blasCreate(&handle), "cublasCreate")
        defer { _ = cuda.blasDestroy(handle) }
        let (dA, dB, dC) = (device[0]!.assumingMemoryBound(to: Double.self), device[1]!.assumingMemoryBound(to: Double.self),
                            device[2]!.assumingMemoryBound(to: Double.self))
        var (alpha, beta) = (1.0, 0.0)
        let status = withUnsafePointer(to: &alpha) { alpha in
            withUnsafePointer(to: &beta) { beta in
                // beta = 0: C is written without being read.
                cuda.blasDgemm(handle, CUDALibrary.noTranspose, CUDALibrary.noTranspose, Int32(n), Int32(m), Int32(k),
                               alpha, dB, Int32(n), dA, Int32(k), beta, dC, Int32(n))
            }
        }
        try cuda.checkBlas(status, "cublasDgemm")
        // cudaMemcpy waits for the GEMM on the default stream; a failure in the kernel surfaces here.
        try cuda.check(cuda.memcpy(c.baseAddress, device[2], c.count * 8, CUDALibrary.deviceToHost), "cudaMemcpy of C")
    }
}
