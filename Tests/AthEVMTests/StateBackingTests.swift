import AthEVM
import AthPrimitives
import Testing

/// A backing that counts what it is asked (a store snapshot in the node).
final class CountingBacking: StateBacking {
    var accounts: [Address: BackedAccount] = [:]
    var slots: [Address: [UInt256: UInt256]] = [:]
    var accountReads = 0, slotReads = 0

    func account(_ address: Address) -> BackedAccount? { accountReads += 1; return accounts[address] }
    func storage(_ address: Address, _ key: UInt256) -> UInt256 { slotReads += 1; return slots[address]?[key] ?? .zero }
}

@Suite struct StateBackingTests {
    /// SLOAD(0) + SLOAD(1) stored at 0x20, SSTORE(1, 0), SLOAD(1) at 0x40, return 0x20..0x60.
    static let code = hexBytes("60005460015401602052600060015560015460405260406020f3")

    func backedState() -> (JournaledState, CountingBacking) {
        let backing = CountingBacking()
        backing.accounts[contractAddress] = BackedAccount(balance: UInt256(5), nonce: 1, code: Code(Self.code), hasStorage: true)
        backing.accounts[callerAddress] = BackedAccount(balance: UInt256(1_000_000), nonce: 0, code: .empty, hasStorage: false)
        backing.slots[contractAddress] = [UInt256(0): UInt256(40), UInt256(1): UInt256(2)]
        let state = JournaledState()
        state.backing = backing
        state.beginTransaction()
        return (state, backing)
    }

    @Test func accountsAndSlotsLoadOnceAndWritesStayLocal() {
        let (state, backing) = backedState()
        let (result, _) = runCode([], state: state)
        #expect(result.status == .success)
        // 40 + 2, then slot 1 cleared: the cleared value is read back as zero, not reloaded.
        #expect(result.output == UInt256(42).bigEndianBytes + UInt256.zero.bigEndianBytes)
        #expect(backing.slotReads == 2)
        #expect(backing.accountReads == 2)
        #expect(backing.slots[contractAddress]?[UInt256(1)] == UInt256(2))  // the backing never changes
        #expect(state.hasStorage(contractAddress))
        #expect(state.balance(Address(low: 0xdead)) == .zero)
        _ = state.balance(Address(low: 0xdead))
        #expect(backing.accountReads == 3)  // an absent account is asked for once
    }

    @Test func aTriggeredInterruptHaltsAnEndlessLoop() {
        let loop = hexBytes("5b600056")  // JUMPDEST PUSH1 0 JUMP
        let state = makeState(code: loop)
        let interrupt = ExecutionInterrupt()
        state.interrupt = interrupt
        interrupt.trigger()
        let (result, _) = runCode(loop, gas: 10_000_000, state: state)
        #expect(result.status == .halt(.interrupted))
        // Without a trigger the same loop runs out of gas as before.
        let plain = makeState(code: loop)
        plain.interrupt = ExecutionInterrupt()
        #expect(runCode(loop, gas: 100_000, state: plain).0.status == .halt(.outOfGas))
    }
}
