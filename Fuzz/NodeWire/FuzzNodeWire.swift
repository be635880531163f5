// libFuzzer target: the node's own peer and file formats: proposals with
// their blocks, block sync requests and responses, status messages,
// transaction gossip batches, consensus log records, and config.toml. The
// first byte picks the decoder.
import AthPrimitives
import FuzzDriver
@testable import AthNode

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNodeWire(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data.map { $0 + 1 }, count: size - 1))
    switch data![0] % 7 {
    case 0: _ = try? ConsensusWire.decodeProposal(bytes)
    case 1: _ = try? ConsensusWire.decodeBlockResponse(bytes)
    case 2: _ = ConsensusWire.decodeBlockRequest(bytes)
    case 3: _ = ConsensusWire.decodeStatus(bytes)
    case 4: _ = TransactionGossip.decode(bytes)
    case 5: _ = ConsensusWire.decodeWALRecord(bytes)
    default: _ = try? NodeConfig(toml: String(decoding: bytes, as: UTF8.self))
    }
    return 0
}

/// The entry point (see FuzzDriver.h): libFuzzer's driver on `fuzzNodeWire`.
@_cdecl("fuzz_node_wire_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    ath_fuzz_run(argc, argv, fuzzNodeWire)
}
