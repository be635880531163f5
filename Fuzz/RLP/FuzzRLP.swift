// libFuzzer target: strict RLP. A decoded item must re-encode to exactly the
// input (the decoder accepts only canonical encodings).
import AthPrimitives
import FuzzDriver

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRLP(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let item = try? RLP.decode(bytes) {
        precondition(RLP.encode(item) == bytes, "RLP decode accepted a non-canonical encoding")
    }
    return 0
}

/// The entry point (see FuzzDriver.h): libFuzzer's driver on `fuzzRLP`.
@_cdecl("fuzz_rlp_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    ath_fuzz_run(argc, argv, fuzzRLP)
}
