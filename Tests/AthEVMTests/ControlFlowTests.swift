import AthEVM
import AthPrimitives
import Testing

struct ControlFlowTests {
    @Test func jumpToJumpdestWorks() {
        // PUSH1 4 JUMP INVALID JUMPDEST PUSH1 1 ...return
        let (result, _) = runCode(returningTop([0x60, 0x04, 0x56, 0xfe, 0x5b, 0x60, 0x01]))
        #expect(result.status == .success)
        #expect(word(result.output) == 1)
    }

    @Test func jumpIntoPushDataHalts() {
        // PUSH1 3 JUMP PUSH1 0x5b: byte 4 is 0x5b but inside PUSH data.
        let (result, _) = runCode([0x60, 0x04, 0x56, 0x60, 0x5b, 0x00], gas: 100)
        #expect(result.status == .halt(.invalidJump))
        #expect(result.gasLeft == 0)
    }

    @Test func jumpPastEndOrHugeHalts() {
        #expect(runCode([0x60, 0x40, 0x56]).0.status == .halt(.invalidJump))
        #expect(runCode(push(.max) + [0x56]).0.status == .halt(.invalidJump))
    }

    @Test func jumpiFallsThroughOnZero() {
        // PUSH0 PUSH1 0xff JUMPI PUSH1 7 ...return
        let (result, _) = runCode(returningTop([0x5f, 0x60, 0xff, 0x57, 0x60, 0x07]))
        #expect(word(result.output) == 7)
    }

    @Test func stackUnderflowHalts() {
        let (result, _) = runCode([0x60, 0x01, 0x01], gas: 100)
        #expect(result.status == .halt(.stackUnderflow))
        #expect(result.gasLeft == 0)
    }

    @Test func stackOverflowHalts() {
        // JUMPDEST PUSH0 PUSH0 JUMP: grows by one each loop.
        let (result, _) = runCode([0x5b, 0x5f, 0x5f, 0x56], gas: 1_000_000)
        #expect(result.status == .halt(.stackOverflow))
    }

    @Test func exactly1024ItemsIsFine() {
        let code = [UInt8](repeating: 0x5f, count: 1024) + [0x00]
        #expect(runCode(code).0.status == .success)
        let over = [UInt8](repeating: 0x5f, count: 1025) + [0x00]
        #expect(runCode(over).0.status == .halt(.stackOverflow))
    }

    @Test func outOfGasConsumesAllGas() {
        let (result, _) = runCode([0x5b, 0x60, 0x00, 0x56], gas: 50_000)  // infinite loop
        #expect(result.status == .halt(.outOfGas))
        #expect(result.gasLeft == 0)
    }

    @Test func undefinedOpcodeHalts() {
        #expect(runCode([0x0c]).0.status == .halt(.invalidOpcode(0x0c)))
        #expect(runCode([0xfe]).0.status == .halt(.invalidOpcode(0xfe)))
    }

    @Test func pushPastEndOfCodeReadsZeros() {
        // PUSH2 0x01 (one byte missing) → 0x0100, then falls off the end: STOP.
        let (result, _) = runCode([0x61, 0x01], gas: 100)
        #expect(result.status == .success)
        #expect(result.gasLeft == 97)
    }

    @Test func revertKeepsGasAndUndoesStorage() {
        // SSTORE(0, 1); MSTORE(0, 0x2a); REVERT(0, 32)
        let code: [UInt8] = [0x60, 0x01, 0x5f, 0x55, 0x60, 0x2a, 0x5f, 0x52, 0x60, 0x20, 0x5f, 0xfd]
        let (result, state) = runCode(code, gas: 100_000)
        #expect(result.status == .revert)
        #expect(result.gasLeft > 0)
        #expect(word(result.output) == 0x2a)
        #expect(state.storage(contractAddress, 0) == 0)
    }

    @Test func traceSeesEverySteps() {
        let state = makeState(code: [0x60, 0x01, 0x60, 0x02, 0x01, 0x00])
        var ops: [String] = []
        let m = Message(kind: .call, target: contractAddress, codeAddress: contractAddress, caller: callerAddress,
                        value: .zero, input: [], gas: 100)
        _ = executeOnJournaledState(state, block: testBlock, transaction: TransactionContext(origin: callerAddress, gasPrice: 1),
                                    message: m, trace: { ops.append($0.opName) })
        #expect(ops == ["PUSH1", "PUSH1", "ADD", "STOP"])
    }
}
