// libFuzzer target: what a peer sends before and after the handshake: the
// hello (magic, version, ephemeral X25519 key), the signed auth message, the
// session derivation from the peer's key, encrypted frames, and peer
// exchange messages. The first byte picks the decoder.
import AthPrimitives
import FuzzDriver
import AthCrypto
import AthP2P

private let localPair = EphemeralKeyPair.generate()
private let transcript = Keccak256.hash(Array("fuzz transcript".utf8))
private let frameKey = [UInt8](repeating: 7, count: 32)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzP2P(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data.map { $0 + 1 }, count: size - 1))
    switch data![0] % 6 {
    case 0: _ = try? Hello.decode(bytes)
    case 1: _ = try? AuthMessage.verify(bytes, transcript: transcript)
    case 2: _ = try? HandshakeSession.derive(local: localPair, remotePublicKey: bytes, networkName: "fuzz")
    case 3:
        var opener = FrameOpener(key: frameKey)
        _ = try? opener.open(bytes)
    case 4:
        // A frame we seal must open to the same bytes.
        var sealer = FrameSealer(key: frameKey)
        var opener = FrameOpener(key: frameKey)
        if let sealed = try? sealer.seal(bytes) {
            // The frame is the u32 length header, then the sealed payload.
            let header = sealed.prefix(Frame.headerCount).reduce(0) { $0 << 8 | Int($1) }
            precondition(header == sealed.count - Frame.headerCount, "a sealed frame's header is not its length")
            precondition((try? opener.open(Array(sealed.dropFirst(Frame.headerCount)))) == bytes,
                         "a sealed frame did not open to its plaintext")
        }
    default:
        if let message = try? PEXMessage.decode(bytes) {
            precondition(message.encode() == bytes, "a PEX message decoded from non-canonical bytes")
        }
    }
    return 0
}

/// The entry point (see FuzzDriver.h): libFuzzer's driver on `fuzzP2P`.
@_cdecl("fuzz_p2p_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    ath_fuzz_run(argc, argv, fuzzP2P)
}
