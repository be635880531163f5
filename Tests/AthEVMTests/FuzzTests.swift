import AthEVM
import AthPrimitives
import AthTestSupport
import Testing

struct FuzzTests {
    static let definedOpcodes: [UInt8] = (0...255).map(UInt8.init).filter { OpcodeTable.cancun[Int($0)].isDefined }

    /// A random program biased toward defined opcodes with small operands,
    /// so runs get past the first few instructions.
    static func program(_ rng: inout SplitMix64) -> [UInt8] {
        let length = Int(rng.next() % 96) + 1
        var code: [UInt8] = []
        code.reserveCapacity(length + 8)
        while code.count < length {
            let r = rng.next() % 100
            if r < 35 {
                // Small push: offsets, sizes, jump targets, addresses of the other contracts.
                code += [0x60, UInt8(truncatingIfNeeded: rng.next() % (r < 5 ? 256 : 64))]
            } else if r < 40 {
                code += [0x61, 0x10, UInt8(truncatingIfNeeded: rng.next() % 4)]  // 0x1000…0x1003
            } else if r < 95 {
                code.append(definedOpcodes[Int(rng.next() % UInt64(definedOpcodes.count))])
            } else {
                code.append(UInt8(truncatingIfNeeded: rng.next()))
            }
        }
        return code
    }

    @Test func randomProgramsNeverTrapAndReturnValues() {
        var rng = SplitMix64(seed: 0xE7A_5EED)
        let state = JournaledState(blockHashes: { n in Hash32(UInt256(n).bigEndianBytes)! })
        let tx = TransactionContext(origin: callerAddress, gasPrice: 1)
        var outcomes: [String: Int] = [:]
        for i in 0..<100_000 {
            if i % 1000 == 0 {
                // Fresh neighbours to call into every so often.
                for k in 1...3 {
                    state.setAccount(Address(low: 0x1000 + UInt64(k)), balance: UInt256(rng.next() % 1000),
                                     nonce: 1, code: Self.program(&rng), storage: [(1, 1)])
                }
                state.setAccount(callerAddress, balance: UInt256(1) << 100, nonce: 0, code: [], storage: [])
            }
            let code = Self.program(&rng)
            state.setAccount(contractAddress, balance: UInt256(rng.next() % 1000), nonce: 1, code: code, storage: [(0, 5)])
            state.beginTransaction()
            state.warmAccount(callerAddress)
            state.warmAccount(contractAddress)
            let gas: UInt64 = 100_000
            let m = Message(kind: rng.next() % 10 == 0 ? .create : .call, target: contractAddress,
                            codeAddress: contractAddress, caller: callerAddress, value: UInt256(rng.next() % 3),
                            input: rng.bytes(Int(rng.next() % 40)), gas: gas, isStatic: false)
            let input = m.kind == .create ? Message(kind: .create, target: .zero, codeAddress: .zero, caller: callerAddress,
                                                    value: m.value, input: code, gas: gas) : m
            let r = executeOnJournaledState(state, block: testBlock, transaction: tx, message: input)
            #expect(r.gasLeft <= gas)
            if r.status.isHalt { #expect(r.gasLeft == 0) }
            state.finalizeTransaction()
            let key: String
            switch r.status {
            case .success: key = "success"
            case .revert: key = "revert"
            case .halt(let h): key = "\(h)"
            }
            outcomes[key, default: 0] += 1
        }
        // The bias works: plenty of programs get somewhere.
        #expect((outcomes["success"] ?? 0) > 5_000)
    }
}
