/// The Cancun gas schedule's dynamic parts. Static per-opcode costs live in
/// `OpcodeTable`; these are the costs that depend on operands or state.
enum Gas {
    // Yellow Paper appendix G unless noted.
    static let memoryWord: Int64 = 3
    static let copyWord: Int64 = 3
    static let keccakWord: Int64 = 6
    static let logTopic: Int64 = 375
    static let logDataByte: Int64 = 8
    /// EIP-160: EXP costs 50 per byte of the exponent.
    static let expByte: Int64 = 50

    // EIP-2929: access lists.
    static let coldAccountAccess: Int64 = 2600
    static let coldSload: Int64 = 2100
    static let warmStorageRead: Int64 = 100
    /// What the table already charged for a warm access (CALL*, BALANCE, EXTCODE*).
    static let coldAccountSurcharge: Int64 = coldAccountAccess - warmStorageRead
    static let coldSloadSurcharge: Int64 = coldSload - warmStorageRead

    // EIP-2200 with EIP-2929 and EIP-3529 numbers.
    static let sstoreSet: Int64 = 20000
    static let sstoreReset: Int64 = 5000 - coldSload
    /// EIP-2200: SSTORE fails if gas left is at most the call stipend.
    static let sstoreSentry: Int64 = 2300
    /// EIP-3529: SSTORE_CLEARS_SCHEDULE = SSTORE_RESET_GAS + ACCESS_LIST_STORAGE_KEY_COST.
    static let sstoreClearsRefund: Int64 = 4800

    // Calls.
    static let callValue: Int64 = 9000
    static let callStipend: Int64 = 2300
    /// EIP-161: value sent to a dead account.
    static let newAccount: Int64 = 25000

    // EIP-6780 SELFDESTRUCT (EIP-3529 removed its refund).
    static let selfDestructNewAccount: Int64 = 25000

    // Contract creation.
    /// EIP-3860: 2 gas per 32-byte word of initcode.
    static let initcodeWord: Int64 = 2
    /// EIP-1014: CREATE2 hashes the initcode, 6 per word.
    static let create2HashWord: Int64 = 6
    static let codeDepositByte: Int64 = 200

    /// EIP-170.
    static let maxCodeSize = 24576
    /// EIP-3860.
    static let maxInitcodeSize = 2 * maxCodeSize
    static let maxCallDepth = 1024

    /// Memory beyond this many bytes is refused as out of gas (it would cost
    /// far more than any block's gas anyway); keeps offsets in `Int` range.
    static let maxMemory: UInt64 = 0xFFFF_FFFF

    /// Total cost of `words` 32-byte words of memory: 3w + w²/512.
    @inline(__always) static func memoryCost(words: Int64) -> Int64 {
        memoryWord &* words &+ (words &* words) >> 9
    }

    /// Number of 32-byte words needed for `bytes` bytes (bytes ≤ 2^32).
    @inline(__always) static func words(_ bytes: Int) -> Int64 { Int64((bytes &+ 31) >> 5) }
}
