import AthP2P
import Testing

/// `Hello.decode` takes bytes read from a peer: every length but the exact
/// one is refused with an error, never a trap (found by `fuzz-p2p`: an
/// 11-byte hello stopped the process on a precondition).
@Suite struct HelloDecodeTests {
    @Test func everyWrongLengthIsRefused() throws {
        let key = [UInt8](repeating: 9, count: EphemeralKeyPair.publicKeyCount)
        let hello = Hello.encode(ephemeralPublicKey: key)
        #expect(try Hello.decode(hello) == key)
        for count in [0, 1, 4, 8, 12, Hello.byteCount - 1, Hello.byteCount + 1, 4096] {
            let bytes = Array((hello + [UInt8](repeating: 0, count: 4096)).prefix(count))
            #expect(throws: P2PError.malformedHello(got: count, expected: Hello.byteCount)) { try Hello.decode(bytes) }
        }
        // the input the fuzzer found (after its decoder-selecting first byte)
        let found: [UInt8] = [0x6c, 0x04, 0x65, 0x68, 0x6f, 0x20, 0x66, 0x72, 0x61, 0x6d, 0x65]
        #expect(throws: P2PError.malformedHello(got: 11, expected: Hello.byteCount)) { try Hello.decode(found) }
    }
}
