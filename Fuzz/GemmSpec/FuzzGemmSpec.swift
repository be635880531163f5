// libFuzzer target: gemm-i8 job specs as customers publish them on chain.
import AthPrimitives
import FuzzDriver
import AthTypes

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGemmSpec(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let spec = try? GemmSpec(decoding: bytes) {
        precondition(spec.encoded == bytes, "a gemm-i8 spec decoded from non-canonical bytes")
    }
    return 0
}

/// The entry point (see FuzzDriver.h): libFuzzer's driver on `fuzzGemmSpec`.
@_cdecl("fuzz_gemm_spec_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    ath_fuzz_run(argc, argv, fuzzGemmSpec)
}
