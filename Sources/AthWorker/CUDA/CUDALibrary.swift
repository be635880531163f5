#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The CUDA runtime and cuBLAS entry points the CUDA backend calls, found
/// with `dlopen`/`dlsym` at run time, so building the worker needs no CUDA
/// toolkit and a machine without one still runs it on the CPU.
///
/// The libraries stay loaded for the life of the process (never `dlclose`d).
/// The CUDA runtime and cuBLAS are thread-safe for the calls made here, and
/// the table is immutable after loading.
final class CUDALibrary: @unchecked Sendable {
    // C signatures (cuda_runtime_api.h, cublas_api.h). Enums and status codes
    // are C ints; size_t is Int on the 64-bit platforms the worker runs on.
    typealias GetDeviceCount = @convention(c) (UnsafeMutablePointer<Int32>) -> Int32
    typealias Malloc = @convention(c) (UnsafeMutablePointer<UnsafeMutableRawPointer?>, Int) -> Int32
    typealias Free = @convention(c) (UnsafeMutableRawPointer?) -> Int32
    typealias Memcpy = @convention(c) (UnsafeMutableRawPointer?, UnsafeRawPointer?, Int, Int32) -> Int32
    typealias ErrorString = @convention(c) (Int32) -> UnsafePointer<CChar>?
    typealias BlasCreate = @convention(c) (UnsafeMutablePointer<OpaquePointer?>) -> Int32
    typealias BlasDestroy = @convention(c) (OpaquePointer?) -> Int32
    typealias BlasDgemm = @convention(c) (OpaquePointer?, Int32, Int32, Int32, Int32, Int32,
                                          UnsafePointer<Double>, UnsafePointer<Double>?, Int32,
                                          UnsafePointer<Double>?, Int32, UnsafePointer<Double>,
                                          UnsafeMutablePointer<Double>?, Int32) -> Int32

    /// `cudaMemcpyKind` values.
    static let hostToDevice: Int32 = 1, deviceToHost: Int32 = 2
    /// `CUBLAS_OP_N`.
    static let noTranspose: Int32 = 0

    static let runtimeNames = ["libcudart.so", "libcudart.so.12", "libcudart.so.11"]
    static let blasNames = ["libcublas.so", "libcublas.so.12", "libcublas.so.11"]

    let getDeviceCount: GetDeviceCount
    let malloc: Malloc
    let free: Free
    let memcpy: Memcpy
    let errorString: ErrorString
    let blasCreate: BlasCreate
    let blasDestroy: BlasDestroy
    let blasDgemm: BlasDgemm

    /// The libraries, loaded once per process (a failure is remembered too).
    static let shared: Result<CUDALibrary, ComputeError> = Result { () throws(ComputeError) in try CUDALibrary() }

    private init() throws(ComputeError) {
        let runtime = try Self.open(Self.runtimeNames, what: "the CUDA runtime")
        let blas = try Self.open(Self.blasNames, what: "cuBLAS")
        getDeviceCount = try Self.symbol(runtime, "cudaGetDeviceCount")
        malloc = try Self.symbol(runtime, "cudaMalloc")
        free = try Self.symbol(runtime, "cudaFree")
        memcpy = try Self.symbol(runtime, "cudaMemcpy")
        errorString = try Self.symbol(runtime, "cudaGetErrorString")
        // The `_v2` names are the exported symbols behind cublas_v2.h's macros.
        blasCreate = try Self.symbol(blas, "cublasCreate_v2")
        blasDestroy = try Self.symbol(blas, "cublasDestroy_v2")
        blasDgemm = try Self.symbol(blas, "cublasDgemm_v2")
    }

    /// The number of CUDA devices; throws when the driver is missing or refuses.
    func deviceCount() throws(ComputeError) -> Int {
        var count: Int32 = 0
        try check(getDeviceCount(&count), "cudaGetDeviceCount")
        return Int(count)
    }

    /// Throws a `ComputeError` naming `call` and the runtime's message unless `status` is cudaSuccess.
    func check(_ status: Int32, _ call: String) throws(ComputeError) {
        guard status != 0 else { return }
        let message = errorString(status).map { String(cString: $0) } ?? "unknown error"
        throw ComputeError("\(call) failed: \(message) (CUDA error \(status))")
    }

    /// Throws unless `status` is CUBLAS_STATUS_SUCCESS.
    func checkBlas(_ status: Int32, _ call: String) throws(ComputeError) {
        guard status != 0 else { return }
        throw ComputeError("\(call) failed with cuBLAS status \(status)")
    }

    private static func open(_ names: [String], what: String) throws(ComputeError) -> UnsafeMutableRawPointer {
        var reasons: [String] = []
        for name in names {
            if let handle = dlopen(name, RTLD_NOW | RTLD_LOCAL) { return handle }
            reasons.append(dlerror().map { String(cString: $0) } ?? "\(name): not found")
        }
        throw ComputeError("cannot load \(what) (tried \(names.joined(separator: ", "))): \(reasons.last ?? "not found")")
    }

    private static func symbol<F>(_ library: UnsafeMutableRawPointer, _ name: String) throws(ComputeError) -> F {
        guard let address = dlsym(library, name) else {
            throw ComputeError("the CUDA library has no symbol \(name) (too old a CUDA version?)")
        }
        return unsafeBitCast(address, to: F.self)
    }
}
