import AthEVM
import AthPrimitives

// The opcode cases: every defined opcode of `OpcodeTable.cancun`, at the
// operands and state that make it cost the most time per gas.
extension WorstCase {
    /// Where the memory cases work: the last word of 1 MiB, paid for in the prologue.
    static let highOffset = 0xF_FFE0
    static let tiny = Address(low: 0x4000)
    static let wallet = Address(low: 0x4001)
    static let coldBase: UInt64 = 0x3000_0000

    static func opcodeCases(gas: UInt64) -> [WorstCase] {
        var cases: [WorstCase] = []
        var covered = Set<UInt8>()
        for (index, info) in OpcodeTable.cancun.enumerated() where info.isDefined {
            let op = UInt8(index)
            let made = Self.cases(for: op, info, gas: gas)
            if !made.isEmpty { covered.insert(op) }
            cases += made
        }
        for (index, info) in OpcodeTable.cancun.enumerated() where info.isDefined && !covered.contains(UInt8(index)) {
            fail("worstcase: no case for \(info.name)")
        }
        return cases
    }

    // Full-width operands.
    static let a = UInt256(limbs: 0x0123_4567_89ab_cdef, 0xfedc_ba98_7654_3210, 0x0f1e_2d3c_4b5a_6978, 0xf7e6_d5c4_b3a2_9180)
    static let b = UInt256(limbs: 0x9e37_79b9_7f4a_7c15, 0xbf58_476d_1ce4_e5b9, 0x94d0_49bb_1331_11eb, 0x7fb5_d329_728e_a185)
    static let modulus = UInt256(limbs: 0xd6e8_feb8_6659_fd93, 0xa076_1d64_78bd_642f, 0xe703_7ed1_a0b4_28db, 0xcb7a_d5f1_a3c2_e9b7)
    static let half = UInt256(limbs: 0x2545_f491_4f6c_dd1d, 0x9fb2_1c65_1e98_df25, 0, 0)
    static let threeQuarters = UInt256(limbs: 0x2545_f491_4f6c_dd1d, 0x9fb2_1c65_1e98_df25, 0x1234_5678_9abc_def1, 0)
    static let minusA = UInt256.zero &- a.withTopBit(false)

    // swiftlint:disable:next cyclomatic_complexity function_body_length
    static func cases(for op: UInt8, _ info: OpcodeInfo, gas: UInt64) -> [WorstCase] {
        let name = info.name
        switch op {
        case 0x00: return [callCase(name + " (CALL to 00)", code: [0x00])]
        case 0x01...0x03, 0x0b, 0x10...0x14, 0x16...0x18, 0x1a:
            let operands: [UInt256] = op == 0x0b ? [UInt256(15), b] : op == 0x1a ? [UInt256(17), b] : [a, b]
            return [stackCase(name, op, operands, info)]
        case 0x04, 0x06:
            return [stackCase(name + " 256/128-bit", op, [a, half], info),
                    stackCase(name + " 256/192-bit", op, [a, threeQuarters], info)]
        case 0x05, 0x07:
            return [stackCase(name + " -256/128-bit", op, [minusA, half], info),
                    stackCase(name + " -256/-192-bit", op, [minusA, UInt256.zero &- threeQuarters], info)]
        case 0x08, 0x09: return [stackCase(name, op, [a, b, modulus], info)]
        case 0x0a:
            return [stackCase(name + " 1-byte exponent", op, [b, UInt256(0xff)], info, extraGas: 50),
                    stackCase(name + " 32-byte exponent", op, [b, .max], info, extraGas: 50 * 32)]
        case 0x15, 0x19: return [stackCase(name, op, [a], info)]
        case 0x1b, 0x1c: return [stackCase(name, op, [UInt256(129), a], info)]
        case 0x1d: return [stackCase(name + " negative", op, [UInt256(129), minusA], info)]
        case 0x20:
            return [0, 32, 136, 4096].map { size in
                stackCase("\(name) \(size) B", op, [.zero, UInt256(UInt64(size))], info,
                          extraGas: 6 * ((size + 31) / 32))
            }
        case 0x31, 0x3b, 0x3f:
            return [coldAccountCase(name + " cold accounts", op, gas: gas),
                    stackCase(name + " warm", op, [tiny.word], info, accounts: [Account(address: tiny, code: [0x00], warm: true)])]
        case 0x35: return [stackCase(name, op, [UInt256(5)], info, calldata: [UInt8](repeating: 0xab, count: 1056))]
        case 0x37, 0x39:
            return [32, 1024].map { size in copyCase("\(name) \(size) B", op, size: size) }
        case 0x3e:
            return [32, 1024].map { size in copyCase("\(name) \(size) B", op, size: size) }
        case 0x3c:
            return [extcodecopyColdCase(gas: gas),
                    copyCase(name + " warm 1024 B", op, size: 1024)]
        case 0x40: return [stackCase(name, op, [UInt256(block.number - 1)], info)]
        case 0x49: return [stackCase(name, op, [.zero], info)]
        case 0x30, 0x32...0x34, 0x36, 0x38, 0x3a, 0x3d, 0x41...0x48, 0x4a, 0x58...0x5a, 0x5f:
            return [stackCase(name, op, [], info)]
        case 0x50:
            return [WorstCase(name: name, prologue: { $0.op(.push0) }, body: { a, _ in a.op(.dup1, .pop) }, bodyGas: 5)]
        case 0x51, 0x53, 0x52: return [memoryCase(name + " at 1 MiB", op)]
        case 0x5e:
            return [32, 32_768].map { size in copyCase("\(name) \(size) B at 1 MiB", op, size: size) }
        case 0x54, 0x55, 0x5c, 0x5d: return storageCases(op, name, gas: gas)
        case 0x56, 0x57:
            return [WorstCase(name: name, body: { a, k in
                if op == 0x57 { a.push(1) }
                a.pushLabel("j\(k)")
                a.raw([op])
                a.label("j\(k)")
            }, bodyGas: op == 0x56 ? 12 : 17)]
        case 0x5b:
            return [WorstCase(name: name, body: { a, _ in a.op(.jumpdest) }, bodyGas: 1, unroll: 4_000)]
        case 0x60...0x7f:
            let n = Int(op - 0x5f)
            return [WorstCase(name: name, body: { a, _ in a.push(bytes: n, fill: 0xa5); a.op(.pop) }, bodyGas: 5)]
        case 0x80...0x8f:
            return [WorstCase(name: name, prologue: { a in for k in 0..<16 { a.push(k + 1) } },
                              body: { a, _ in a.raw([op]); a.op(.pop) }, bodyGas: 5)]
        case 0x90...0x9f:
            return [WorstCase(name: name, prologue: { a in for k in 0..<17 { a.push(k + 1) } },
                              body: { a, _ in a.raw([op]) }, bodyGas: 3)]
        case 0xa0...0xa4: return logCases(Int(op - 0xa0), name)
        case 0xf0, 0xf5: return [createCase(name + " 1-byte init code", create2: op == 0xf5)]
        case 0xf1, 0xf2, 0xf4, 0xfa:
            var made = [callCase(name + " warm tiny contract", code: [0x00], op: op), coldCallCase(name, op)]
            if op == 0xf1 { made.append(callCase("CALL 1 wei to warm account", code: [], op: op, value: 1)) }
            return made
        case 0xf3: return [callCase(name + " (CALL to PUSH0 PUSH0 RETURN)", code: [0x5f, 0x5f, 0xf3])]
        case 0xfd: return [callCase(name + " (CALL to PUSH0 PUSH0 REVERT)", code: [0x5f, 0x5f, 0xfd], expectSuccess: false)]
        case 0xfe: return [callCase(name + " (CALL with 0 gas)", code: [0xfe], expectSuccess: false, callGas: 0)]
        case 0xff: return [callCase(name + " (CALL to ADDRESS SELFDESTRUCT)", code: [0x30, 0xff], extraGas: 5_000)]
        default: return []
        }
    }

    /// `op` on constant operands (top of the stack first): DUPs, `op`, POPs.
    static func stackCase(_ name: String, _ op: UInt8, _ operands: [UInt256], _ info: OpcodeInfo,
                          extraGas: Int = 0, calldata: [UInt8] = [], accounts: [Account] = []) -> WorstCase {
        let k = operands.count
        var c = WorstCase(name: name, prologue: { a in for v in operands.reversed() { a.push(v) } }, body: { a, _ in
            for _ in 0..<k { a.raw([0x7f + UInt8(k)]) }
            a.raw([op])
            for _ in 0..<info.outputs { a.op(.pop) }
        }, bodyGas: 3 * k + info.staticGas + 2 * info.outputs + extraGas)
        c.calldata = calldata
        c.accounts = { _ in accounts }
        return c
    }

    /// MLOAD/MSTORE/MSTORE8 at the top of 1 MiB of memory.
    static func memoryCase(_ name: String, _ op: UInt8) -> WorstCase {
        WorstCase(name: name, prologue: { a in
            a.push(highOffset)
            a.op(.mload, .pop)
            if op != 0x51 { a.push(a.code.count) }  // a value to store
            a.push(highOffset)
        }, body: { a, _ in
            if op == 0x51 { a.op(.dup1, .mload, .pop) } else { a.op(.dup2, .dup2); a.raw([op]) }
        }, bodyGas: op == 0x51 ? 8 : 9)
    }

    /// CALLDATACOPY, CODECOPY, RETURNDATACOPY, EXTCODECOPY (warm) and MCOPY of `size` bytes.
    static func copyCase(_ name: String, _ op: UInt8, size: Int) -> WorstCase {
        let words = (size + 31) / 32
        var c = WorstCase(name: name, prologue: { a in
            a.push(highOffset)
            a.op(.mload, .pop)
            if op == 0x3e {  // return data: IDENTITY on 1 KiB
                a.push(0); a.push(0); a.push(1024); a.push(0); a.push(4)
                a.op(.gas, .staticcall, .pop)
            }
        }, body: { a, _ in
            a.push(size)
            a.push(op == 0x5e ? 0x8_0000 : 0)  // source offset
            a.push(op == 0x5e ? 0x1000 : 0x2000)  // destination offset
            if op == 0x3c { a.push(tiny) }
            a.raw([op])
        }, bodyGas: 3 * 3 + (op == 0x3c ? 103 : 3) + 3 * words)
        c.calldata = [UInt8](repeating: 0x5a, count: 1024)
        if op == 0x3c { c.accounts = { _ in [Account(address: tiny, code: [UInt8](repeating: 0x5b, count: 1024), warm: true)] } }
        return c
    }

    /// BALANCE, EXTCODESIZE, EXTCODEHASH of a new cold account each time.
    static func coldAccountCase(_ name: String, _ op: UInt8, gas: UInt64) -> WorstCase {
        var c = WorstCase(name: name, prologue: { a in a.push(UInt256(coldBase)) }, body: { a, _ in
            a.op(.dup1); a.raw([op]); a.op(.pop); a.push(1); a.op(.add)
        }, bodyGas: 2_600 + 3 + 2 + 6)
        c.accounts = { gas in coldAccounts(count: Int(gas / 2_600) + 16, code: [0x60, 0x01, 0x00]) }
        return c
    }

    static func coldAccounts(count: Int, code: [UInt8]) -> [Account] {
        (0..<UInt64(count)).map { Account(address: Address(low: coldBase + $0), balance: UInt256($0 + 1), code: code) }
    }

    /// EXTCODECOPY of 32 bytes from a new cold account each time.
    static func extcodecopyColdCase(gas: UInt64) -> WorstCase {
        var c = WorstCase(name: "EXTCODECOPY cold accounts 32 B", prologue: { a in a.push(UInt256(coldBase)) }, body: { a, _ in
            a.push(32); a.push(0); a.push(0); a.raw([0x83, 0x3c]); a.push(1); a.op(.add)
        }, bodyGas: 2_600 + 3 + 9 + 3 + 6)
        c.accounts = { gas in coldAccounts(count: Int(gas / 2_600) + 16, code: [UInt8](repeating: 0x5b, count: 64)) }
        return c
    }

    static func storageCases(_ op: UInt8, _ name: String, gas: UInt64) -> [WorstCase] {
        func counted(_ name: String, bodyGas: Int, _ body: @escaping (inout Assembler) -> Void) -> WorstCase {
            WorstCase(name: name, prologue: { a in a.push(0) }, body: { a, _ in body(&a); a.push(1); a.op(.add) },
                      bodyGas: bodyGas + 6)
        }
        let slots: (UInt64) -> [(UInt256, UInt256)] = { gas in
            (0..<gas / 2_000).map { (UInt256($0), UInt256($0 &* 0x9e37_79b9 &+ 1)) }
        }
        switch op {
        case 0x54:
            var cold = counted(name + " cold existing slots", bodyGas: 2_105) { a in a.op(.dup1); a.raw([op]); a.op(.pop) }
            cold.targetStorage = slots
            var warm = WorstCase(name: name + " warm", body: { a, _ in a.push(7); a.raw([op]); a.op(.pop) }, bodyGas: 105)
            warm.targetStorage = slots
            return [cold, warm]
        case 0x55:
            var reset = counted(name + " cold nonzero to nonzero", bodyGas: 5_009) { a in
                a.push(3); a.op(.dup2, .sstore)
            }
            reset.targetStorage = slots
            let new = counted(name + " cold zero to nonzero", bodyGas: 22_109) { a in a.push(1); a.op(.dup2, .sstore) }
            let dirty = WorstCase(name: name + " warm dirty slot", prologue: { a in a.push(1); a.push(0); a.op(.sstore) },
                                  body: { a, k in a.push(k % 2 == 0 ? 2 : 1); a.push(0); a.op(.sstore) },
                                  bodyGas: 105, unroll: 200)
            let same = WorstCase(name: name + " warm same value", prologue: { a in a.push(1); a.push(0); a.op(.sstore) },
                                 body: { a, _ in a.push(1); a.push(0); a.op(.sstore) }, bodyGas: 105)
            return [reset, new, dirty, same]
        case 0x5c:
            return [WorstCase(name: name, prologue: { a in a.push(1); a.push(0); a.raw([0x5d]) },
                              body: { a, _ in a.push(0); a.raw([op]); a.op(.pop) }, bodyGas: 105)]
        default:
            return [counted(name + " new keys", bodyGas: 109) { a in a.push(1); a.op(.dup2); a.raw([op]) },
                    WorstCase(name: name + " same key", body: { a, _ in a.push(1); a.push(0); a.raw([op]) }, bodyGas: 106)]
        }
    }

    /// LOGn with 32 bytes of data (and LOG0 with none).
    static func logCases(_ topics: Int, _ name: String) -> [WorstCase] {
        func make(_ size: Int) -> WorstCase {
            let items = topics + 2
            return WorstCase(name: "\(name) \(size) B", prologue: { a in
                for t in 0..<topics { a.push(UInt256(limbs: UInt64(t), 0, 0, 0xfeed)) }
                a.push(size); a.push(0)
            }, body: { a, _ in
                for _ in 0..<items { a.raw([0x7f + UInt8(items)]) }
                a.raw([0xa0 + UInt8(topics)])
            }, bodyGas: 3 * items + 375 * (topics + 1) + 8 * size + 3)
        }
        return topics == 0 ? [make(0), make(32)] : [make(32)]
    }

    /// CREATE/CREATE2 of the 1-byte init code STOP (an empty contract).
    static func createCase(_ name: String, create2: Bool) -> WorstCase {
        WorstCase(name: name, prologue: { a in a.push(0) }, body: { a, _ in
            if create2 { a.op(.dup1) }
            a.push(1); a.push(0); a.push(0)
            a.op(create2 ? .create2 : .create, .iszero)
            a.pushLabel("fail")
            a.op(.jumpi)
            if create2 { a.push(1); a.op(.add) }
        }, bodyGas: 32_000 + 2 + (create2 ? 6 : 0) + 40)
    }

    /// A CALL-family call to `tiny` holding `code`.
    static func callCase(_ name: String, code: [UInt8], op: UInt8 = 0xf1, value: Int = 0, expectSuccess: Bool = true,
                         callGas: Int? = nil, extraGas: Int = 0) -> WorstCase {
        let address = value == 0 ? tiny : wallet
        var c = WorstCase(name: name, body: { a, _ in
            a.push(0); a.push(0); a.push(0); a.push(0)
            if op == 0xf1 || op == 0xf2 { a.push(value) }
            a.push(address)
            if let callGas { a.push(callGas) } else { a.op(.gas) }
            a.raw([op])
            if expectSuccess {
                a.op(.iszero)
                a.pushLabel("fail")
                a.op(.jumpi)
            } else {
                a.op(.pop)
            }
        }, bodyGas: 100 + 30 + (value == 0 ? 0 : 9_000) + extraGas)
        c.accounts = { _ in [Account(address: address, code: code, warm: true)] }
        return c
    }

    /// A CALL-family call to a new cold, absent account each time.
    static func coldCallCase(_ name: String, _ op: UInt8) -> WorstCase {
        let withValue = op == 0xf1 || op == 0xf2
        return WorstCase(name: name + " cold absent accounts", prologue: { a in a.push(UInt256(coldBase)) }, body: { a, _ in
            a.push(0); a.push(0); a.push(0); a.push(0)
            if withValue { a.push(0) }
            a.raw([withValue ? 0x85 : 0x84])  // DUP6/DUP5: the address
            a.op(.gas)
            a.raw([op])
            a.op(.iszero)
            a.pushLabel("fail")
            a.op(.jumpi)
            a.push(1); a.op(.add)
        }, bodyGas: 2_600 + 40)
    }
}

extension UInt256 {
    func withTopBit(_ set: Bool) -> UInt256 {
        let l = limbs
        return UInt256(limbs: l.0, l.1, l.2, set ? l.3 | 1 << 63 : l.3 & ~(1 << 63))
    }
}

extension Address {
    /// The address as an EVM word.
    var word: UInt256 { UInt256(bigEndianBytes: bytes)! }
}
