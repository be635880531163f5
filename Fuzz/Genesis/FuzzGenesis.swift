// libFuzzer target: genesis files (`athd init --genesis`, `athd dev --genesis`).
import AthPrimitives
import FuzzDriver
import AthTypes

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGenesis(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    _ = try? Genesis(json: Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

/// The entry point (see FuzzDriver.h): libFuzzer's driver on `fuzzGenesis`.
@_cdecl("fuzz_genesis_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    ath_fuzz_run(argc, argv, fuzzGenesis)
}
