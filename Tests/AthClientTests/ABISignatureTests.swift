import AthClient
import AthPrimitives
import Testing

/// Signatures and arguments as typed on the command line, checked against
/// eth_abi's encoding and the well-known ERC-20 selectors.
@Suite struct ABISignatureTests {
    @Test func knownSelectorsAndReturnTypes() throws {
        let balanceOf = try ABISignature.function("balanceOf(address)(uint256)")
        #expect(Hex.encode(balanceOf.selector) == "0x70a08231" && balanceOf.outputs == [.uint256])
        let transfer = try ABISignature.function("transfer(address to, uint256 amount)")
        #expect(Hex.encode(transfer.selector) == "0xa9059cbb" && transfer.outputs.isEmpty)
    }

    /// eth_abi.encode(['int8','int16[2]','(uint8,address)[]','bytes32','string'], [-1, [-300, 7], [(5, 0x11…)], 0x22…, 'hi']).
    @Test func argumentsEncodeAsEthAbiDoes() throws {
        let f = try ABISignature.function("f(int8,int16[2],(uint8,address)[],bytes32,string)")
        #expect(f.signature == "f(int8,int16[2],(uint8,address)[],bytes32,string)")
        #expect(Hex.encode(f.selector) == "0x6024898c")
        let texts = ["-1", "[-300,7]", "[(5,0x" + String(repeating: "11", count: 20) + ")]",
                     "0x" + String(repeating: "22", count: 32), "hi"]
        var values: [ABIValue] = []
        for (t, type) in zip(texts, f.inputs) { values.append(try ABISignature.value(t, type)) }
        let expected = "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
            + "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffed4"
            + "0000000000000000000000000000000000000000000000000000000000000007"
            + "00000000000000000000000000000000000000000000000000000000000000c0"
            + "2222222222222222222222222222222222222222222222222222222222222222"
            + "0000000000000000000000000000000000000000000000000000000000000120"
            + "0000000000000000000000000000000000000000000000000000000000000001"
            + "0000000000000000000000000000000000000000000000000000000000000005"
            + "0000000000000000000000001111111111111111111111111111111111111111"
            + "0000000000000000000000000000000000000000000000000000000000000002"
            + "6869000000000000000000000000000000000000000000000000000000000000"
        #expect(Hex.encode(ABI.encode(values)) == expected)
        // And back: the decoder reads what the encoder wrote, signed values as signed.
        let decoded = try ABI.decode(f.inputs, try Hex.decode(expected))
        #expect(decoded == values)
        #expect(ABISignature.text(decoded[0], .int(8)) == "-1" && ABISignature.text(decoded[1], f.inputs[1]) == "[-300, 7]")
    }

    @Test(arguments: [("int8", "-128", true), ("int8", "-129", false), ("int8", "127", true), ("int8", "128", false),
                      ("uint8", "255", true), ("uint8", "256", false), ("uint256", "1.5ath", true), ("uint8", "-1", false),
                      ("bytes2", "0x1234", true), ("bytes2", "0x12", false), ("bool", "yes", false), ("address", "0x12", false),
                      ("uint8[2]", "[1,2,3]", false), ("uint8[]", "[1,[2]]", false), ("(uint8,bool)", "(1,true)", true),
                      ("(uint8,bool)", "(1)", false), ("uint8[]", "[1,2", false)])
    func argumentsAreCheckedAgainstTheirType(type: String, text: String, accepted: Bool) throws {
        let t = try ABISignature.type(type)
        if accepted {
            #expect(throws: Never.self) { try ABISignature.value(text, t) }
        } else {
            #expect(throws: ABIError.self) { try ABISignature.value(text, t) }
        }
    }

    @Test(arguments: ["f(uint7)", "f(uint264)", "f(bytes33)", "f(uint8[0])", "f(uint8[100000])", "f(", "f(uint8))",
                      "1f()", "f(uint8)(", "f(foo)", "f(" + String(repeating: "(", count: 20) + "uint8" + String(repeating: ")", count: 20) + ")",
                      "f(" + String(repeating: "uint8,", count: 2000) + "uint8)"])
    func hostileSignaturesAreRefusedWithAReason(text: String) {
        do {
            _ = try ABISignature.function(text)
            Issue.record("accepted \(text.prefix(40))")
        } catch {
            #expect(!error.description.isEmpty && error.description.count < 400)
        }
    }

    @Test func decodingRefusesAWordOutsideAnIntRange() throws {
        // 0x80 in int8's word without sign extension is not an int8.
        let word = [UInt8](repeating: 0, count: 31) + [0x80]
        #expect(throws: ABIError.self) { try ABI.decode([.int(8)], word) }
        #expect(try ABI.decode([.int(16)], word) == [.uint(128)])
    }
}
