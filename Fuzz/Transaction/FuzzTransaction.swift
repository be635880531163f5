// libFuzzer target: typed transaction envelopes (legacy, EIP-2930, EIP-1559,
// blob) and their signatures, as eth_sendRawTransaction and gossip take them.
import AthPrimitives
import FuzzDriver
import AthTypes

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTransaction(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let tx = try? SignedTransaction.decode(bytes) else { return 0 }
    precondition(tx.encoded == bytes, "a decoded transaction does not keep its exact bytes")
    _ = try? tx.recoverSender()
    _ = tx.hash
    return 0
}

/// The entry point (see FuzzDriver.h): libFuzzer's driver on `fuzzTransaction`.
@_cdecl("fuzz_transaction_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    ath_fuzz_run(argc, argv, fuzzTransaction)
}
