import AthEVM
import AthPrimitives
import Testing

struct ArithmeticTests {
    static let minusOne = UInt256.max
    static let minInt = UInt256(limbs: 0, 0, 0, 1 << 63)

    /// (opcode, a (top), b, expected)
    static let binaryCases: [(UInt8, UInt256, UInt256, UInt256)] = [
        (0x01, 2, 3, 5),
        (0x01, .max, 1, 0),                       // ADD wraps
        (0x02, .max, 2, .max &- 1),               // MUL wraps
        (0x03, 3, 5, .max &- 1),                  // SUB: 3 - 5 wraps to -2
        (0x04, 10, 3, 3),
        (0x04, 10, 0, 0),                         // DIV by zero
        (0x05, minusOne &- 9, 3, minusOne &- 2),  // SDIV -10 / 3 = -3
        (0x05, minInt, minusOne, minInt),         // SDIV overflow case
        (0x06, 10, 3, 1),
        (0x06, 10, 0, 0),
        (0x07, minusOne &- 9, 3, minusOne),       // SMOD -10 % 3 = -1
        (0x0a, 2, 10, 1024),                      // EXP
        (0x0a, 3, 0, 1),
        (0x0b, 0, 0xff, minusOne),                // SIGNEXTEND byte 0 of 0xff
        (0x0b, 0, 0x7f, 0x7f),
        (0x10, 1, 2, 1), (0x11, 1, 2, 0),
        (0x12, minusOne, 0, 1),                   // SLT -1 < 0
        (0x13, minusOne, 0, 0),
        (0x14, 7, 7, 1),
        (0x16, 0b1100, 0b1010, 0b1000), (0x17, 0b1100, 0b1010, 0b1110), (0x18, 0b1100, 0b1010, 0b0110),
        (0x1a, 31, 0x1234, 0x34),                 // BYTE 31 is the lowest
        (0x1a, 32, 0x1234, 0),
        (0x1b, 4, 1, 16),                         // SHL
        (0x1c, 4, 256, 16),                       // SHR
        (0x1c, 256, 1, 0),
        (0x1d, 4, minusOne &- 15, minusOne),      // SAR -16 >> 4 = -1
    ]

    @Test(arguments: 0..<binaryCases.count)
    func binaryOpcode(index: Int) {
        let (op, a, b, expected) = Self.binaryCases[index]
        let code = returningTop(push(b) + push(a) + [op])
        let (result, _) = runCode(code)
        #expect(result.status == .success)
        #expect(word(result.output) == expected, "opcode 0x\(String(op, radix: 16))")
    }

    @Test func addmodAndMulmodUseFullPrecision() {
        let (r1, _) = runCode(returningTop(push(7) + push(.max) + push(.max) + [0x08]))
        #expect(word(r1.output) == (UInt256.addmod(.max, .max, 7)))
        let (r2, _) = runCode(returningTop(push(12) + push(.max) + push(.max) + [0x09]))
        #expect(word(r2.output) == UInt256.mulmod(.max, .max, 12))
        let (r3, _) = runCode(returningTop(push(0) + push(5) + push(5) + [0x08]))
        #expect(word(r3.output) == 0)
    }

    @Test func isZeroAndNot() {
        #expect(word(runCode(returningTop([0x5f, 0x15])).0.output) == 1)
        #expect(word(runCode(returningTop([0x5f, 0x19])).0.output) == .max)
    }

    @Test func expChargesFiftyPerExponentByte() {
        // PUSH2 0x0100 (exponent, 2 bytes) PUSH1 2 EXP STOP: 3 + 3 + 10 + 100.
        let (result, _) = runCode([0x61, 0x01, 0x00, 0x60, 0x02, 0x0a, 0x00], gas: 1000)
        #expect(result.gasLeft == 1000 - 116)
    }
}
