import AthPrimitives
import Testing

@Suite struct RLPTests {
    @Test(arguments: [
        ("", "0x80"), ("0x00", "0x00"), ("0x7f", "0x7f"), ("0x80", "0x8180"),
        ("0x646f67", "0x83646f67"),
    ])
    func encodesStrings(input: String, expected: String) throws {
        #expect(RLP.encode(.bytes(try Hex.decode(input))) == (try Hex.decode(expected)))
    }

    @Test func encodesLongStringAndNestedLists() throws {
        let long = [UInt8](repeating: 0x61, count: 56)
        #expect(RLP.encode(.bytes(long)) == [0xb8, 56] + long)
        // The set-theoretic representation of three: [ [], [[]], [ [], [[]] ] ].
        let three = RLPItem.list([.list([]), .list([.list([])]), .list([.list([]), .list([.list([])])])])
        #expect(RLP.encode(three) == (try Hex.decode("0xc7c0c1c0c3c0c1c0")))
    }

    @Test func encodesIntegersMinimally() {
        func enc(_ v: UInt64) -> [UInt8] { var w = RLPWriter(); w.append(v); return w.bytes }
        #expect(enc(0) == [0x80])
        #expect(enc(0x7f) == [0x7f])
        #expect(enc(0x80) == [0x81, 0x80])
        #expect(enc(0x0400) == [0x82, 0x04, 0x00])
        var w = RLPWriter(); w.append(UInt256.max)
        #expect(w.bytes == [0xa0] + [UInt8](repeating: 0xff, count: 32))
    }

    @Test(arguments: [
        ("0x8100", "non-canonical"), ("0x817f", "non-canonical"), ("0xb800", "leading zero"),
        ("0xb80100", "short form"), ("0xf80100", "short form"), ("0x81", "needs"),
        ("0xc5010203", "needs"), ("0xbf0f000000000000021111", "needs"), ("0x8080", "trailing"),
        ("0x", "empty"), ("0xffffffffffffffffff0001020304050607", "impossibly large"),
    ])
    func refusesMalformed(hex: String, phrase: String) throws {
        let bytes = try Hex.decode(hex)
        #expect {
            try RLP.decode(bytes)
        } throws: { error in
            String(describing: error).contains(phrase)
        }
    }

    @Test func refusesDeepNesting() {
        let deep = [UInt8](repeating: 0xc1, count: RLP.maxDepth + 5) + [0xc0]
        // Each c1 wraps the rest; lengths do not add up past the first, so
        // build a correctly sized chain instead.
        var item = RLPItem.list([])
        for _ in 0..<(RLP.maxDepth + 1) { item = .list([item]) }
        let bytes = RLP.encode(item)
        #expect(throws: RLPError.self) { try RLP.decode(bytes) }
        #expect(throws: RLPError.self) { try RLP.decode(deep) }
    }

    @Test func integerFieldsAreStrict() throws {
        var d = RLPDecoder([0x82, 0x00, 0x01])
        #expect(throws: RLPError.leadingZeroInInteger(offset: 0)) { try d.readUInt64() }
        var big = RLPDecoder([0x89, 1, 0, 0, 0, 0, 0, 0, 0, 0])
        #expect(throws: RLPError.integerOverflow(offset: 0, bytes: 9, maxBytes: 8)) { try big.readUInt64() }
        var ok = RLPDecoder([0x82, 0x04, 0x00])
        #expect(try ok.readUInt64() == 1024)
    }

    @Test func hexIsStrict() throws {
        #expect(try Hex.decode("0xABcd") == [0xab, 0xcd])
        #expect(try Hex.decode("abcd") == [0xab, 0xcd])
        #expect(throws: HexError.oddLength(3)) { try Hex.decode("0xabc") }
        #expect(throws: HexError.invalidCharacter(offset: 3)) { try Hex.decode("0xag") }
        #expect(throws: HexError.invalidCharacter(offset: 0)) { try Hex.decode(" a") }
        #expect(throws: HexError.wrongLength(got: 1, expected: 20)) { try Address(hex: "0x01") }
    }
}
