import AthEVM
import AthPrimitives

/// Bytes from a hex literal typed into a test (a typo there is a test bug, so it traps).
func hexBytes(_ text: String) -> [UInt8] {
    do { return try Hex.decode(text) } catch { fatalError("bad hex literal in test: \(error)") }
}

func address(_ text: String) -> Address {
    do { return try Address(hex: text) } catch { fatalError("bad address literal in test: \(error)") }
}

let contractAddress = Address(low: 0x1000)
let callerAddress = Address(low: 0x2000)
let testBlock = BlockContext(coinbase: Address(low: 0xc0), number: 1000, timestamp: 1_700_000_000, gasLimit: 30_000_000,
                             baseFee: UInt256(7), prevRandao: .zero, chainID: UInt256(1))

/// A world with the contract at `contractAddress` and a funded caller, both
/// warm as after the transaction executor's set-up.
func makeState(code: [UInt8], storage: [(UInt256, UInt256)] = []) -> JournaledState {
    let state = JournaledState()
    state.setAccount(contractAddress, balance: UInt256(1_000_000), nonce: 1, code: code, storage: storage)
    state.setAccount(callerAddress, balance: UInt256(1_000_000_000), nonce: 0, code: [], storage: [])
    state.beginTransaction()
    state.warmAccount(contractAddress)
    state.warmAccount(callerAddress)
    return state
}

/// Calls the contract holding `code` and returns the result and the state.
@discardableResult
func runCode(_ code: [UInt8], gas: UInt64 = 1_000_000, input: [UInt8] = [], value: UInt256 = .zero,
             isStatic: Bool = false, depth: Int = 0, state: JournaledState? = nil) -> (ExecutionResult, JournaledState) {
    let s = state ?? makeState(code: code)
    let m = Message(kind: .call, target: contractAddress, codeAddress: contractAddress, caller: callerAddress,
                    value: value, input: input, gas: gas, isStatic: isStatic, depth: depth)
    let result = executeOnJournaledState(s, block: testBlock, transaction: TransactionContext(origin: callerAddress, gasPrice: UInt256(10)),
                                         message: m)
    return (result, s)
}

/// Code that runs `body` (leaving one word on the stack) and returns that word.
func returningTop(_ body: [UInt8]) -> [UInt8] {
    body + [0x5f, 0x52, 0x60, 0x20, 0x5f, 0xf3]  // PUSH0 MSTORE PUSH1 32 PUSH0 RETURN
}

/// PUSH32 of `v`.
func push(_ v: UInt256) -> [UInt8] { [0x7f] + v.bigEndianBytes }

func word(_ bytes: [UInt8]) -> UInt256 { UInt256(bigEndianBytes: bytes) ?? .zero }

extension ExecutionStatus {
    var isHalt: Bool { if case .halt = self { return true } else { return false } }
}
