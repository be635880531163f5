// libFuzzer target: consensus messages from peers (votes, proposals,
// commits, double-sign evidence, validator sets). The first byte picks the
// decoder; whatever decodes must re-encode to the same bytes.
import AthPrimitives
import FuzzDriver
import AthConsensus

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConsensus(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data.map { $0 + 1 }, count: size - 1))
    let reencoded: [UInt8]?
    switch data![0] % 5 {
    case 0: reencoded = (try? Vote.decode(bytes))?.encode()
    case 1: reencoded = (try? Proposal.decode(bytes))?.encode()
    case 2: reencoded = (try? Commit.decode(bytes))?.encode()
    case 3: reencoded = (try? DuplicateVoteEvidence.decode(bytes))?.encode()
    default: reencoded = (try? ValidatorSet.decode(bytes))?.encode()
    }
    if let reencoded { precondition(reencoded == bytes, "a consensus message decoded from non-canonical bytes") }
    return 0
}

/// The entry point (see FuzzDriver.h): libFuzzer's driver on `fuzzConsensus`.
@_cdecl("fuzz_consensus_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    ath_fuzz_run(argc, argv, fuzzConsensus)
}
