import AthRPC
import AthTestSupport
import Testing

@Suite struct JSONParserTests {
    @Test(arguments: [
        ("null", JSON.null),
        ("true", .bool(true)),
        (" false ", .bool(false)),
        ("0", .number("0")),
        ("-0", .number("-0")),
        ("-12.5e+3", .number("-12.5e+3")),
        ("1E-2", .number("1E-2")),
        ("\"\"", .string("")),
        (#""a\"b\\c\/d\b\f\n\r\t""#, .string("a\"b\\c/d\u{8}\u{c}\n\r\t")),
        (#""\u00e9\u4e2d""#, .string("é中")),
        (#""\ud83d\ude00""#, .string("😀")),
        ("\"é中😀\"", .string("é中😀")),
        (#""\u0000""#, .string("\u{0}")),
        ("[]", .array([])),
        ("[1, [2, [3]], {}]", [1, [2, [3]], .object([])]),
        (#"{"b": 1, "a": [true, null]}"#, ["b": 1, "a": [true, nil]]),
        ("\t\r\n [ \n1 ,2\t] \n", [1, 2]),
    ] as [(String, JSON)])
    func parsesValidDocuments(text: String, expected: JSON) throws {
        #expect(try JSON.parse(text) == expected)
    }

    @Test(arguments: [
        "", "   ", "[1,]", "{\"a\":1,}", "[,1]", "{,}", "{\"a\" 1}", "{a:1}", "{'a':1}", "['a']",
        "01", "-", "1.", ".5", "1e", "1e+", "+1", "0x10", "NaN", "Infinity", "-Infinity", "1.2.3",
        "tru", "nul", "falsey", "True", "[1] [2]", "1 2", "\"abc", "[1", "{\"a\":1", "{\"a\"",
        "// c\n1", "/* c */ 1", "[1 /* c */]", "\"a\tb\"", "\"a\nb\"", "\"\\x\"", "\"\\u12\"", "\"\\u12g4\"",
        "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "\"\\ud800x\"", "\"\\", "\u{feff}1", "[\"a\",]",
    ])
    func refusesInvalidDocuments(text: String) {
        #expect(throws: JSONParseError.self) { try JSON.parse(text) }
    }

    @Test(arguments: [
        [0x22, 0xC0, 0x80, 0x22],  // overlong NUL
        [0x22, 0xED, 0xA0, 0x80, 0x22],  // encoded surrogate
        [0x22, 0xFF, 0x22],
        [0x22, 0xE2, 0x82, 0x22],  // truncated sequence
        [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],  // above U+10FFFF
        [0x22, 0x5C, 0x6E, 0x80, 0x22],  // stray continuation byte after an escape
    ] as [[UInt8]])
    func refusesInvalidUTF8(bytes: [UInt8]) throws {
        let error = try #require(throws: JSONParseError.self) { try JSON.parse(bytes) }
        #expect(error.reason == .invalidUTF8)
    }

    @Test func reportsWhereAndWhy() throws {
        let trailing = try #require(throws: JSONParseError.self) { try JSON.parse("[1,]") }
        #expect(trailing.offset == 3)
        #expect(trailing.reason == .unexpectedCharacter(UInt8(ascii: "]")))
        #expect(trailing.description == "JSON input has an unexpected character ']' at offset 3")
        let lone = try #require(throws: JSONParseError.self) { try JSON.parse(#"["\udc00"]"#) }
        #expect(lone.reason == .loneSurrogate)
        #expect(lone.offset == 2)
        let control = try #require(throws: JSONParseError.self) { try JSON.parse("\"a\u{1}\"") }
        #expect(control.description == "JSON string has a raw control character byte 0x01 at offset 2")
    }

    @Test func nestingDeeperThan64IsRefused() throws {
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(throws: Never.self) { try JSON.parse(ok) }
        let tooDeep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        let error = try #require(throws: JSONParseError.self) { try JSON.parse(tooDeep) }
        #expect(error.reason == .tooDeep(limit: 64))
        let objects = String(repeating: #"{"a":"#, count: 65) + "1" + String(repeating: "}", count: 65)
        #expect(throws: JSONParseError.self) { try JSON.parse(objects) }
        // A hostile depth far past the limit fails fast instead of overflowing the stack.
        let hostile = String(repeating: "[", count: 1_000_000)
        #expect(throws: JSONParseError.self) { try JSON.parse(hostile) }
    }

    @Test func hugeNumbersKeepTheirExactText() throws {
        let text = "123456789012345678901234567890123456789012345678901234567890e999999999"
        let value = try JSON.parse("[\(text), -0.000000000000000000000000000001]")
        #expect(value[0] == .number(text))
        #expect(value[0]?.intValue == nil)
        #expect(value[1]?.numberText == "-0.000000000000000000000000000001")
        #expect(value.serializedString() == "[\(text),-0.000000000000000000000000000001]")
        #expect(try JSON.parse("18446744073709551615").uint64Value == UInt64.max)
        #expect(try JSON.parse("18446744073709551616").uint64Value == nil)
        #expect(try JSON.parse("-9223372036854775808").intValue == Int.min)
    }

    @Test func duplicateKeysLastWinsAtFirstPosition() throws {
        #expect(try JSON.parse(#"{"a":1,"b":2,"a":3}"#) == ["a": 3, "b": 2])
        // Past the linear-scan threshold the index path must behave the same.
        let keys = (0..<20).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        let parsed = try JSON.parse("{\(keys),\"k3\":\"x\",\"k19\":null}")
        let members = try #require(parsed.objectValue)
        #expect(members.count == 20)
        #expect(members[3].0 == "k3" && members[3].1 == "x")
        #expect(parsed["k19"] == .null)
        #expect(parsed["k0"] == 0)
    }

    @Test func accessorsReturnNilForTheWrongShape() throws {
        let value = try JSON.parse(#"{"s":"x","n":7,"a":[1],"b":true}"#)
        #expect(value["s"]?.stringValue == "x")
        #expect(value["n"]?.intValue == 7)
        #expect(value["a"]?[0] == 1)
        #expect(value["a"]?[1] == nil)
        #expect(value["a"]?[-1] == nil)
        #expect(value["b"]?.boolValue == true)
        #expect(value["missing"] == nil)
        #expect(value["s"]?.intValue == nil)
        #expect(value[0] == nil)
        #expect(JSON.string("x")["key"] == nil)
    }

    @Test func randomBytesNeverTrap() {
        var rng = SplitMix64(seed: 0x5eed_1234)
        var accepted = 0
        for _ in 0..<10_000 {
            let length = Int(rng.next() % 48)
            let bytes = rng.bytes(length)
            if (try? JSON.parse(bytes)) != nil { accepted += 1 }
        }
        // Random bytes are almost never JSON; the point is that nothing trapped.
        #expect(accepted < 1_000)
    }

    @Test func mutatedDocumentsNeverTrapAndRoundTripWhenAccepted() throws {
        let seeds = [#"{"jsonrpc":"2.0","id":1,"method":"eth_call","params":[{"to":"0x00"},"latest"]}"#,
                     #"[1,-2.5e3,"\u00e9\ud83d\ude00",null,true,{"a":[[]]}]"#]
        let alphabet = Array(#"{}[]",:\u0123456789eE+-.truefalsn \#t"#.utf8) + [0x00, 0x80, 0xC3, 0xED, 0xFF]
        var rng = SplitMix64(seed: 42)
        var roundTrips = 0
        for i in 0..<10_000 {
            var doc = Array(seeds[i % seeds.count].utf8)
            for _ in 0..<(1 + Int(rng.next() % 3)) {
                let at = Int(rng.next() % UInt64(doc.count))
                switch rng.next() % 3 {
                case 0: doc[at] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
                case 1: doc.remove(at: at)
                default: doc.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: at)
                }
                if doc.isEmpty { doc = [0x30] }
            }
            guard let value = try? JSON.parse(doc) else { continue }
            let again = try JSON.parse(value.serialized())
            if again == value { roundTrips += 1 } else { Issue.record("round trip changed \(doc.text)") }
        }
        #expect(roundTrips > 0)
    }
}
