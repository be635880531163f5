// libFuzzer target: JSON-RPC request bodies: the strict JSON parser, then the
// request validation every transport applies to each request of a batch.
import AthPrimitives
import FuzzDriver
@testable import AthRPC

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONRPC(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let json = try? JSON.parse(UnsafeRawBufferPointer(start: data, count: size)) else { return 0 }
    if case .array(let items) = json {
        for item in items.prefix(1000) { _ = RPCRequest.validate(item) }
    } else {
        _ = RPCRequest.validate(json)
    }
    return 0
}

/// The entry point (see FuzzDriver.h): libFuzzer's driver on `fuzzJSONRPC`.
@_cdecl("fuzz_jsonrpc_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    ath_fuzz_run(argc, argv, fuzzJSONRPC)
}
