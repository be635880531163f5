// libFuzzer target: the attestation gossip format (statement and signature).
import AthPrimitives
import FuzzDriver
import AthOracle

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAttestation(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let (statement, signature) = OracleWire.decode(bytes) {
        precondition(OracleWire.encode(statement, signature: signature) == bytes,
                     "an attestation decoded from non-canonical bytes")
    }
    return 0
}

/// The entry point (see FuzzDriver.h): libFuzzer's driver on `fuzzAttestation`.
@_cdecl("fuzz_attestation_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    ath_fuzz_run(argc, argv, fuzzAttestation)
}
