import AthEVM
import AthPrimitives
import Testing

struct GasTests {
    @Test func memoryExpansionCostsThreePerWordPlusQuadratic() {
        // PUSH1 1 PUSH2 offset MSTORE STOP: 3 + 3 + 3 + expansion.
        for offset in [0, 31, 32, 1000, 0x4000] as [Int] {
            let words = Int64((offset + 32 + 31) / 32)
            let expansion = 3 * words + words * words / 512
            let code: [UInt8] = [0x60, 0x01, 0x61, UInt8(offset >> 8), UInt8(offset & 0xff), 0x52, 0x00]
            let (result, _) = runCode(code, gas: 1_000_000)
            #expect(result.status == .success)
            #expect(Int64(1_000_000 - result.gasLeft) == 9 + expansion, "offset \(offset)")
        }
    }

    @Test func hugeMemoryOffsetIsOutOfGas() {
        let (result, _) = runCode(push(UInt256(1) << 100) + [0x51], gas: 1_000_000)
        #expect(result.status == .halt(.outOfGas))
        let (r2, _) = runCode(push(.max) + [0x51], gas: .max)
        #expect(r2.status == .halt(.outOfGas))
    }

    @Test func zeroSizeCopyAtHugeOffsetIsFree() {
        // CALLDATACOPY(dst = 2^200, src = 0, size = 0)
        let code = [0x5f, 0x5f] + push(UInt256(1) << 200) + [0x37, 0x00]
        let (result, _) = runCode(code, gas: 1000)
        #expect(result.status == .success)
        #expect(result.gasLeft == 1000 - 2 - 2 - 3 - 3)
    }

    @Test func keccakOfEmptyAndCost() {
        // PUSH0 PUSH0 KECCAK256 → keccak of nothing; 2 + 2 + 30.
        let (result, _) = runCode(returningTop([0x5f, 0x5f, 0x20]), gas: 1000)
        #expect(word(result.output) == UInt256(bigEndianBytes: Code.emptyHash.bytes))
    }

    /// EIP-3529's table (Berlin gas with EIP-3529 refunds; slot 0 already warm).
    static let sstoreCases: [(code: String, used: UInt64, refund: Int64, original: UInt64)] = [
        ("0x60006000556000600055", 212, 0, 0),
        ("0x60006000556001600055", 20112, 0, 0),
        ("0x60016000556000600055", 20112, 19900, 0),
        ("0x60016000556002600055", 20112, 0, 0),
        ("0x60016000556001600055", 20112, 0, 0),
        ("0x60006000556000600055", 3012, 4800, 1),
        ("0x60006000556001600055", 3012, 2800, 1),
        ("0x60006000556002600055", 3012, 0, 1),
        ("0x60026000556000600055", 3012, 4800, 1),
        ("0x60026000556003600055", 3012, 0, 1),
        ("0x60026000556001600055", 3012, 2800, 1),
        ("0x60026000556002600055", 3012, 0, 1),
        ("0x60016000556000600055", 3012, 4800, 1),
        ("0x60016000556002600055", 3012, 0, 1),
        ("0x60016000556001600055", 212, 0, 1),
        ("0x600160005560006000556001600055", 40118, 19900, 0),
        ("0x600060005560016000556000600055", 5918, 7600, 1),
    ]

    @Test(arguments: 0..<sstoreCases.count)
    func sstoreGasAndRefundMatchEIP3529(index: Int) {
        let c = Self.sstoreCases[index]
        let code = hexBytes(c.code)
        let state = makeState(code: code, storage: [(0, UInt256(c.original))])
        state.warmStorage(contractAddress, 0)
        let (result, _) = runCode(code, gas: 100_000, state: state)
        #expect(result.status == .success)
        #expect(100_000 - result.gasLeft == c.used, "\(c.code) original \(c.original)")
        #expect(result.gasRefund == c.refund, "\(c.code) original \(c.original)")
    }

    @Test func sstoreColdSlotCostsExtra2100() {
        let (result, _) = runCode(hexBytes("0x6001600055"), gas: 100_000)  // SSTORE(0, 1), cold
        #expect(100_000 - result.gasLeft == 6 + 2100 + 20000)
    }

    @Test func sstoreSentryRefusesWithStipendLeft() {
        // PUSH1 1 PUSH0 SSTORE with 2305 gas: 2300 left at SSTORE.
        let (result, _) = runCode([0x60, 0x01, 0x5f, 0x55], gas: 2305)
        #expect(result.status == .halt(.outOfGas))
    }

    @Test func sloadColdThenWarm() {
        // PUSH0 SLOAD PUSH0 SLOAD STOP: 2 + 2100 + 2 + 100.
        let (result, _) = runCode([0x5f, 0x54, 0x5f, 0x54, 0x00], gas: 10_000)
        #expect(10_000 - result.gasLeft == 2204)
    }

    @Test func balanceColdThenWarm() {
        // PUSH1 0x99 BALANCE PUSH1 0x99 BALANCE STOP: 3 + 2600 + 3 + 100
        let (result, _) = runCode([0x60, 0x99, 0x31, 0x60, 0x99, 0x31, 0x00], gas: 10_000)
        #expect(10_000 - result.gasLeft == 2706)
    }

    @Test func logChargesTopicsAndBytes() {
        // PUSH1 topic PUSH1 32 PUSH0 LOG1: 3 + 3 + 2 + 375*2 + 8*32 + memory 3.
        let (result, state) = runCode([0x60, 0x07, 0x60, 0x20, 0x5f, 0xa1, 0x00], gas: 10_000)
        #expect(result.status == .success)
        #expect(10_000 - result.gasLeft == 8 + 750 + 256 + 3)
        #expect(state.logs.count == 1)
        #expect(state.logs.first?.topics.first?.bytes.last == 7)
    }

    @Test func transientStorageRoundTrips() {
        // TSTORE(1, 5) TLOAD(1) → 5
        let (result, state) = runCode(returningTop([0x60, 0x05, 0x60, 0x01, 0x5d, 0x60, 0x01, 0x5c]))
        #expect(word(result.output) == 5)
        state.finalizeTransaction()
        state.beginTransaction()
        let reader = returningTop([0x60, 0x01, 0x5c])
        state.setAccount(contractAddress, balance: 0, nonce: 1, code: reader, storage: [])
        let (r2, _) = runCode(reader, state: state)
        #expect(word(r2.output) == 0)
    }

    @Test func mcopyCopiesOverlapping() {
        // MSTORE(0, 0x0102…) then MCOPY(1, 0, 32) then MLOAD(0)
        let code = push(UInt256(hex: "0x0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20")!)
            + [0x5f, 0x52, 0x60, 0x20, 0x5f, 0x60, 0x01, 0x5e, 0x5f, 0x51]
        let (result, _) = runCode(returningTop(code))
        #expect(result.output == [0x01, 0x01] + (2...31).map { UInt8($0) })
    }

    @Test func blockhashOnlyForLast256Blocks() {
        let state = JournaledState(blockHashes: { n in Hash32(UInt256(n).bigEndianBytes)! })
        let code = returningTop([0x61, 0x03, 0xe7, 0x40])  // BLOCKHASH(999)
        state.setAccount(contractAddress, balance: 0, nonce: 1, code: code, storage: [])
        state.beginTransaction()
        #expect(word(runCode(code, state: state).0.output) == 999)
        let current = returningTop([0x61, 0x03, 0xe8, 0x40])  // BLOCKHASH(1000), the current block
        state.setAccount(contractAddress, balance: 0, nonce: 1, code: current, storage: [])
        #expect(word(runCode(current, state: state).0.output) == 0)
        let old = returningTop([0x61, 0x02, 0xe7, 0x40])  // 743 = 1000 - 257
        state.setAccount(contractAddress, balance: 0, nonce: 1, code: old, storage: [])
        #expect(word(runCode(old, state: state).0.output) == 0)
    }

    @Test func environmentOpcodes() {
        #expect(word(runCode(returningTop([0x46])).0.output) == 1)           // CHAINID
        #expect(word(runCode(returningTop([0x48])).0.output) == 7)           // BASEFEE
        #expect(word(runCode(returningTop([0x43])).0.output) == 1000)        // NUMBER
        #expect(word(runCode(returningTop([0x4a])).0.output) == 1)           // BLOBBASEFEE
        #expect(word(runCode(returningTop([0x5f, 0x49])).0.output) == 0)     // BLOBHASH(0), none
        #expect(word(runCode(returningTop([0x47])).0.output) == 1_000_000)   // SELFBALANCE
        #expect(word(runCode(returningTop([0x33])).0.output) == UInt256(0x2000))  // CALLER
    }
}
