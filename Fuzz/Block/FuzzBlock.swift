// libFuzzer target: block headers, bodies and receipt lists (block sync,
// import). The first byte picks the decoder.
import AthPrimitives
import FuzzDriver
import AthTypes

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBlock(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data.map { $0 + 1 }, count: size - 1))
    switch data![0] % 3 {
    case 0:
        if let header = try? Header(decoding: bytes) {
            precondition(header.encoded == bytes, "a decoded header does not re-encode to its bytes")
            _ = header.hash
        }
    case 1:
        let header = Header.fuzzParent
        if let block = try? Block(header: header, body: bytes) { _ = block.encodedBody }
    default:
        _ = try? Receipt.decodeList(bytes)
    }
    return 0
}

extension Header {
    /// A fixed header for body decoding (the body decoder never reads it).
    static let fuzzParent = Header(parentHash: .zero, coinbase: .zero, stateRoot: .zero, transactionsRoot: .zero,
                                   receiptsRoot: .zero, logsBloom: Bloom(), number: 1, gasLimit: 30_000_000, gasUsed: 0,
                                   timestamp: 0, extraData: [], mixHash: .zero, baseFeePerGas: .zero, proposer: .zero)
}

/// The entry point (see FuzzDriver.h): libFuzzer's driver on `fuzzBlock`.
@_cdecl("fuzz_block_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    ath_fuzz_run(argc, argv, fuzzBlock)
}
