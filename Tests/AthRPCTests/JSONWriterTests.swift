import AthRPC
import Testing

@Suite struct JSONWriterTests {
    @Test func writesCompactText() {
        let value: JSON = ["jsonrpc": "2.0", "id": 1, "result": [true, false, nil, "x", JSON.object([])]]
        #expect(value.serializedString() == #"{"jsonrpc":"2.0","id":1,"result":[true,false,null,"x",{}]}"#)
    }

    @Test func escapesPerRFC8259() {
        let value = JSON.string("q\"b\\s/\n\r\t\u{8}\u{c}\u{0}\u{1f}\u{7f}é😀")
        #expect(value.serializedString() == #""q\"b\\s/\n\r\t\b\f\u0000\u001f"# + "\u{7f}é😀\"")
        #expect(JSON.object([("k\"", 1)]).serializedString() == #"{"k\"":1}"#)
    }

    @Test func invalidNumberTextIsWrittenAsNull() {
        #expect(JSON.array([.number("abc"), .number("01"), .number(""), .number("1.5e-3")]).serializedString()
            == "[null,null,null,1.5e-3]")
    }

    @Test func roundTripsEveryKindOfValue() throws {
        let value: JSON = [
            "nested": [[["deep": [1, 2, 3]]]],
            "text": "line\nbreak \u{1} \"quoted\" \\ é 中 😀",
            "numbers": [0, -1, .number("3.14159"), .number("1e400"), .number("-0.0E-0")],
            "empty": ["a": [], "o": JSON.object([])],
        ]
        #expect(try JSON.parse(value.serialized()) == value)
        var bytes = Array("prefix:".utf8)
        value.write(to: &bytes)
        #expect(bytes.count == 7 + value.serialized().count)
        #expect(value.description == value.serializedString())
    }

    @Test func objectEqualityIsOrderSensitive() {
        #expect(JSON.object([("a", 1), ("b", 2)]) != JSON.object([("b", 2), ("a", 1)]))
        #expect(JSON.number("1.0") != JSON.number("1"))
        #expect(JSON(UInt64.max) == .number("18446744073709551615"))
    }
}
