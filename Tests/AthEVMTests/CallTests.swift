@testable import AthEVM
import AthPrimitives
import Testing

struct CallTests {
    static let other = Address(low: 0x3000)

    /// CALL(gas, to, value, 0, 0, 0, 32) then returns the success flag.
    static func callCode(_ opcode: UInt8, to: Address, value: UInt64 = 0, gas: UInt256 = 0xffff_ffff) -> [UInt8] {
        var c: [UInt8] = [0x60, 0x20, 0x5f, 0x5f, 0x5f]  // retSize 32, retOffset, argsSize, argsOffset
        if opcode == 0xf1 || opcode == 0xf2 { c += push(UInt256(value)) }
        c += push(to.word) + push(gas) + [opcode]
        return returningTop(c)
    }

    func state(with otherCode: [UInt8], main: [UInt8]) -> JournaledState {
        let s = makeState(code: main)
        s.setAccount(Self.other, balance: 0, nonce: 1, code: otherCode, storage: [])
        return s
    }

    @Test(arguments: [
        ("0x0000000000000000000000000000000000000000", "0x0000000000000000000000000000000000000000000000000000000000000000", "0x00", "0x4D1A2e2bB4F88F0250f26Ffff098B0b30B26BF38"),
        ("0xdeadbeef00000000000000000000000000000000", "0x0000000000000000000000000000000000000000000000000000000000000000", "0x00", "0xB928f69Bb1D91Cd65274e3c79d8986362984fDA3"),
        ("0xdeadbeef00000000000000000000000000000000", "0x000000000000000000000000feed000000000000000000000000000000000000", "0x00", "0xD04116cDd17beBE565EB2422F2497E06cC1C9833"),
        ("0x0000000000000000000000000000000000000000", "0x0000000000000000000000000000000000000000000000000000000000000000", "0xdeadbeef", "0x70f2b2914A2a4b783FaEFb75f459A580616Fcb5e"),
        ("0x00000000000000000000000000000000deadbeef", "0x00000000000000000000000000000000000000000000000000000000cafebabe", "0xdeadbeef", "0x60f3f640a8508fC6a86d45DF051962668E1e8AC7"),
        ("0x00000000000000000000000000000000deadbeef", "0x00000000000000000000000000000000000000000000000000000000cafebabe", "0xdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeef", "0x1d8bfDC5D46DC4f61D6b6115972536eBE6A8854C"),
        ("0x0000000000000000000000000000000000000000", "0x0000000000000000000000000000000000000000000000000000000000000000", "0x", "0xE33C0C7F7df4809055C3ebA6c09CFe4BaF1BD9e0"),
    ])
    func create2AddressMatchesEIP1014(sender: String, salt: String, initcode: String, expected: String) {
        let a = EVM<JournaledState, NoTracer>.create2Address(sender: address(sender), salt: UInt256(hex: salt)!,
                                                             initcode: hexBytes(initcode))
        #expect(a == address(expected))
    }

    @Test func createAddressVectors() {
        let sender = address("0x6ac7ea33f8831ea9dcc53393aaa88b25a785dbf0")
        #expect(EVM<JournaledState, NoTracer>.createAddress(sender: sender, nonce: 0) == address("0xcd234a471b72ba2f1ccf0a70fcaba648a5eecd8d"))
        #expect(EVM<JournaledState, NoTracer>.createAddress(sender: sender, nonce: 1) == address("0x343c43a37d37dff08ae8c4a11544c718abb4fcf8"))
        #expect(EVM<JournaledState, NoTracer>.createAddress(sender: sender, nonce: 2) == address("0xf778b86fa74e846c4f0a1fbd1335fe81c00a0c91"))
    }

    /// Initcode that deploys the one-byte runtime code 0x00... returning `runtime`.
    static func initcode(returning runtime: [UInt8]) -> [UInt8] {
        precondition(runtime.count <= 32)
        let w = UInt256(bigEndianBytes: runtime + [UInt8](repeating: 0, count: 32 - runtime.count))!
        return push(w) + [0x5f, 0x52, 0x60, UInt8(runtime.count), 0x5f, 0xf3]
    }

    @Test func createDeploysCodeAndBumpsNonces() {
        let runtime: [UInt8] = [0x60, 0x2a, 0x5f, 0x52, 0x60, 0x20, 0x5f, 0xf3]
        let initcode = Self.initcode(returning: runtime)
        // Put initcode in memory at 0 (one PUSH32 per 32 bytes), then CREATE(0, 0, len).
        var code: [UInt8] = []
        var padded = initcode
        while padded.count % 32 != 0 { padded.append(0) }
        for i in stride(from: 0, to: padded.count, by: 32) {
            code += push(UInt256(bigEndianBytes: Array(padded[i..<i + 32]))!) + push(UInt256(UInt64(i))) + [0x52]
        }
        code += [0x60, UInt8(initcode.count), 0x5f, 0x5f, 0xf0]
        let (result, state) = runCode(returningTop(code), gas: 1_000_000)
        #expect(result.status == .success)
        let created = EVM<JournaledState, NoTracer>.createAddress(sender: contractAddress, nonce: 1)
        #expect(word(result.output) == created.word)
        #expect(state.code(created) == runtime)
        #expect(state.nonce(created) == 1)
        #expect(state.nonce(contractAddress) == 2)
    }

    @Test func topLevelCreateUsesAndBumpsCallerNonce() {
        let state = makeState(code: [])
        state.setNonce(callerAddress, 5)
        let m = Message(kind: .create, target: .zero, codeAddress: .zero, caller: callerAddress, value: 10,
                        input: Self.initcode(returning: [0x00]), gas: 100_000)
        let r = executeOnJournaledState(state, block: testBlock, transaction: TransactionContext(origin: callerAddress, gasPrice: 1),
                                        message: m)
        let expected = EVM<JournaledState, NoTracer>.createAddress(sender: callerAddress, nonce: 5)
        #expect(r.status == .success)
        #expect(r.createdAddress == expected)
        #expect(state.nonce(callerAddress) == 6)
        #expect(state.balance(expected) == 10)
        #expect(state.code(expected) == [0x00])
    }

    @Test func createRejectsEFPrefixAndCollision() {
        let state = makeState(code: [])
        let m = Message(kind: .create, target: .zero, codeAddress: .zero, caller: callerAddress, value: 0,
                        input: Self.initcode(returning: [0xef]), gas: 100_000)
        let tx = TransactionContext(origin: callerAddress, gasPrice: 1)
        #expect(executeOnJournaledState(state, block: testBlock, transaction: tx, message: m).status == .halt(.invalidCodePrefix))
        // The nonce was used anyway; put code at the next address: collision.
        let next = EVM<JournaledState, NoTracer>.createAddress(sender: callerAddress, nonce: 1)
        state.setAccount(next, balance: 0, nonce: 0, code: [0x00], storage: [])
        let r = executeOnJournaledState(state, block: testBlock, transaction: tx, message: m)
        #expect(r.status == .halt(.createCollision))
        #expect(r.gasLeft == 0)
    }

    @Test func callReturnsDataAndSuccess() {
        let callee = returningTop([0x60, 0x2a])
        let main = Self.callCode(0xf1, to: Self.other)
        let (result, _) = runCode(main, state: state(with: callee, main: main))
        #expect(result.status == .success)
        #expect(word(result.output) == 1)
    }

    @Test func callWithValueTransfersAndFailsWithoutFunds() {
        let main = Self.callCode(0xf1, to: Self.other, value: 500)
        let (ok, s) = runCode(main, state: state(with: [0x00], main: main))
        #expect(word(ok.output) == 1)
        #expect(s.balance(Self.other) == 500)
        let tooMuch = Self.callCode(0xf1, to: Self.other, value: 2_000_000)
        let (fail, s2) = runCode(tooMuch, state: state(with: [0x00], main: tooMuch))
        #expect(fail.status == .success)
        #expect(word(fail.output) == 0)
        #expect(s2.balance(Self.other) == 0)
    }

    @Test func revertedCalleeChangesNothing() {
        let callee: [UInt8] = [0x60, 0x01, 0x5f, 0x55, 0x5f, 0x5f, 0xfd]  // SSTORE(0,1) REVERT(0,0)
        let main = Self.callCode(0xf1, to: Self.other)
        let (result, s) = runCode(main, state: state(with: callee, main: main))
        #expect(word(result.output) == 0)
        #expect(s.storage(Self.other, 0) == 0)
    }

    @Test func staticCallForbidsStateChanges() {
        let writers: [[UInt8]] = [
            [0x60, 0x01, 0x5f, 0x55],            // SSTORE
            [0x5f, 0x5f, 0xa0],                  // LOG0
            [0x60, 0x01, 0x5f, 0x5d],            // TSTORE
            [0x5f, 0x5f, 0x5f, 0xf0],            // CREATE
            [0x60, 0x99, 0xff],                  // SELFDESTRUCT
            Self.callCode(0xf1, to: Address(low: 0x99), value: 1),  // CALL with value
        ]
        for w in writers {
            let main = Self.callCode(0xfa, to: Self.other)
            let (result, s) = runCode(main, state: state(with: w, main: main))
            #expect(word(result.output) == 0, "\(w)")
            #expect(s.storage(Self.other, 0) == 0)
            #expect(s.logs.isEmpty)
        }
        // Reading is fine.
        let main = Self.callCode(0xfa, to: Self.other)
        let (r, _) = runCode(main, state: state(with: returningTop([0x5f, 0x54]), main: main))
        #expect(word(r.output) == 1)
    }

    @Test func callAtMaximumDepthPushesZero() {
        let main = Self.callCode(0xf1, to: Self.other)
        let s = state(with: [0x00], main: main)
        #expect(word(runCode(main, depth: 1023, state: s).0.output) == 1)
        #expect(word(runCode(main, depth: 1024, state: s).0.output) == 0)
    }

    @Test func deepRecursionReachesDepthLimitWithoutCrashing() {
        // PUSH0×5 ADDRESS GAS CALL STOP: calls itself with all it can.
        let code: [UInt8] = [0x5f, 0x5f, 0x5f, 0x5f, 0x5f, 0x30, 0x5a, 0xf1, 0x00]
        let state = makeState(code: code)
        var maxDepth = 0
        let m = Message(kind: .call, target: contractAddress, codeAddress: contractAddress, caller: callerAddress,
                        value: .zero, input: [], gas: 1 << 40)
        let r = executeOnJournaledState(state, block: testBlock, transaction: TransactionContext(origin: callerAddress, gasPrice: 1),
                                        message: m, trace: { maxDepth = max(maxDepth, $0.depth) })
        #expect(r.status == .success)
        #expect(maxDepth == 1025)  // depths 0…1024, reported 1-based
    }

    @Test func callGasIsCappedAtAllButOne64th() {
        // CALL(gas = max, other, 0, 0, 0, 0, 32); POP; RETURN(0, 32): the callee returns its GAS.
        let main: [UInt8] = [0x60, 0x20, 0x5f, 0x5f, 0x5f, 0x5f] + push(Self.other.word) + push(.max)
            + [0xf1, 0x50, 0x60, 0x20, 0x5f, 0xf3]
        let s = state(with: returningTop([0x5a]), main: main)
        s.warmAccount(Self.other)
        let (result, _) = runCode(main, gas: 100_000, state: s)
        // Before the callee starts: 3 + 4×2 + 3 + 3 (pushes) + 100 (warm CALL) + 3 (memory).
        let available: UInt64 = 100_000 - 120
        #expect(word(result.output) == UInt256(available - available / 64 - 2))
    }

    @Test func identityPrecompileEchoes() {
        // MSTORE(0, 0x2a); STATICCALL(gas, 4, 0, 32, 0, 32); return mem[0]
        let code: [UInt8] = [0x60, 0x2a, 0x5f, 0x52, 0x60, 0x20, 0x5f, 0x60, 0x20, 0x5f, 0x60, 0x04, 0x5a, 0xfa, 0x50,
                             0x60, 0x20, 0x5f, 0xf3]
        let (result, _) = runCode(code)
        #expect(word(result.output) == 0x2a)
    }

    @Test func selfdestructMovesBalanceButKeepsOldAccount() {
        let code: [UInt8] = [0x60, 0x99, 0xff]  // SELFDESTRUCT(0x99)
        let (result, state) = runCode(code, gas: 100_000)
        #expect(result.status == .success)
        #expect(100_000 - result.gasLeft == 3 + 5000 + 2600 + 25000)
        #expect(state.balance(Address(low: 0x99)) == 1_000_000)
        state.finalizeTransaction()
        #expect(state.exists(contractAddress))  // EIP-6780: not created in this transaction
        #expect(state.code(contractAddress) == code)
    }

    @Test func returndatacopyOutOfBoundsHalts() {
        // RETURNDATACOPY(0, 0, 1) with no return data.
        let (result, _) = runCode([0x60, 0x01, 0x5f, 0x5f, 0x3e], gas: 1000)
        #expect(result.status == .halt(.returnDataOutOfBounds))
    }

    @Test func emptyAccountTouchedIsDeletedAtFinalize() {
        let main = Self.callCode(0xf1, to: Self.other)
        let s = makeState(code: main)
        s.setAccount(Self.other, balance: 0, nonce: 0, code: [], storage: [])
        _ = runCode(main, state: s)
        s.finalizeTransaction()
        #expect(!s.exists(Self.other))
    }
}
