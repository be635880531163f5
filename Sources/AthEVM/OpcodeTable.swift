import AthPrimitives

/// One opcode's static description at the Cancun revision.
public struct OpcodeInfo: Sendable {
    public let name: String
    /// Stack items consumed.
    public let inputs: Int
    /// Stack items produced.
    public let outputs: Int
    /// Bytes of immediate data (PUSH1–PUSH32).
    public let immediateSize: Int
    /// Gas charged before the instruction runs; dynamic parts are charged by
    /// the instruction itself.
    public let staticGas: Int
    public var isDefined: Bool { !name.isEmpty }
}

/// What the hot loop checks before every instruction, packed into 16 bytes
/// so one load gets it all. Stack heights are in bytes (the distance from
/// the stack's base to its top), so checking them needs no division.
struct OpcodeCheck {
    /// Static gas.
    var gas: Int64
    /// Least stack height the instruction needs, in bytes.
    var minStackBytes: Int32
    /// How far above `minStackBytes` the height may be without overflowing
    /// 1024 items: one unsigned compare of `height - minStackBytes` against
    /// it catches underflow and overflow together.
    var stackRangeBytes: UInt32

    init(gas: Int64, minStack: Int, maxStack: Int) {
        let stride = MemoryLayout<UInt256>.stride
        self.gas = gas
        minStackBytes = Int32(minStack * stride)
        stackRangeBytes = UInt32((maxStack - minStack) * stride)
    }
}

/// The opcode table: every opcode declared once (name, stack effect,
/// immediate size, Cancun static gas). The interpreter reads `checks` only.
public enum OpcodeTable {
    /// The table, indexed by opcode; undefined opcodes have an empty name.
    public static let cancun: [OpcodeInfo] = {
        var t = [OpcodeInfo](repeating: OpcodeInfo(name: "", inputs: 0, outputs: 0, immediateSize: 0, staticGas: 0),
                             count: 256)
        func def(_ op: UInt8, _ name: String, _ inputs: Int, _ outputs: Int, _ gas: Int, immediate: Int = 0) {
            t[Int(op)] = OpcodeInfo(name: name, inputs: inputs, outputs: outputs, immediateSize: immediate, staticGas: gas)
        }
        def(0x00, "STOP", 0, 0, 0)
        def(0x01, "ADD", 2, 1, 3); def(0x02, "MUL", 2, 1, 5); def(0x03, "SUB", 2, 1, 3)
        def(0x04, "DIV", 2, 1, 5); def(0x05, "SDIV", 2, 1, 5); def(0x06, "MOD", 2, 1, 5)
        def(0x07, "SMOD", 2, 1, 5); def(0x08, "ADDMOD", 3, 1, 8); def(0x09, "MULMOD", 3, 1, 8)
        def(0x0a, "EXP", 2, 1, 10); def(0x0b, "SIGNEXTEND", 2, 1, 5)
        def(0x10, "LT", 2, 1, 3); def(0x11, "GT", 2, 1, 3); def(0x12, "SLT", 2, 1, 3)
        def(0x13, "SGT", 2, 1, 3); def(0x14, "EQ", 2, 1, 3); def(0x15, "ISZERO", 1, 1, 3)
        def(0x16, "AND", 2, 1, 3); def(0x17, "OR", 2, 1, 3); def(0x18, "XOR", 2, 1, 3)
        def(0x19, "NOT", 1, 1, 3); def(0x1a, "BYTE", 2, 1, 3)
        def(0x1b, "SHL", 2, 1, 3); def(0x1c, "SHR", 2, 1, 3); def(0x1d, "SAR", 2, 1, 3)  // EIP-145
        def(0x20, "KECCAK256", 2, 1, 30)
        def(0x30, "ADDRESS", 0, 1, 2)
        def(0x31, "BALANCE", 1, 1, 100)  // EIP-2929: warm cost; cold surcharge is dynamic
        def(0x32, "ORIGIN", 0, 1, 2); def(0x33, "CALLER", 0, 1, 2); def(0x34, "CALLVALUE", 0, 1, 2)
        def(0x35, "CALLDATALOAD", 1, 1, 3); def(0x36, "CALLDATASIZE", 0, 1, 2)
        def(0x37, "CALLDATACOPY", 3, 0, 3); def(0x38, "CODESIZE", 0, 1, 2); def(0x39, "CODECOPY", 3, 0, 3)
        def(0x3a, "GASPRICE", 0, 1, 2)
        def(0x3b, "EXTCODESIZE", 1, 1, 100); def(0x3c, "EXTCODECOPY", 4, 0, 100)  // EIP-2929
        def(0x3d, "RETURNDATASIZE", 0, 1, 2); def(0x3e, "RETURNDATACOPY", 3, 0, 3)  // EIP-211
        def(0x3f, "EXTCODEHASH", 1, 1, 100)  // EIP-1052, EIP-2929
        def(0x40, "BLOCKHASH", 1, 1, 20); def(0x41, "COINBASE", 0, 1, 2); def(0x42, "TIMESTAMP", 0, 1, 2)
        def(0x43, "NUMBER", 0, 1, 2); def(0x44, "PREVRANDAO", 0, 1, 2); def(0x45, "GASLIMIT", 0, 1, 2)
        def(0x46, "CHAINID", 0, 1, 2)  // EIP-1344
        def(0x47, "SELFBALANCE", 0, 1, 5)  // EIP-1884
        def(0x48, "BASEFEE", 0, 1, 2)  // EIP-3198
        def(0x49, "BLOBHASH", 1, 1, 3)  // EIP-4844
        def(0x4a, "BLOBBASEFEE", 0, 1, 2)  // EIP-7516
        def(0x50, "POP", 1, 0, 2); def(0x51, "MLOAD", 1, 1, 3); def(0x52, "MSTORE", 2, 0, 3)
        def(0x53, "MSTORE8", 2, 0, 3)
        def(0x54, "SLOAD", 1, 1, 100)  // EIP-2929
        def(0x55, "SSTORE", 2, 0, 0)  // EIP-2200: all dynamic
        def(0x56, "JUMP", 1, 0, 8); def(0x57, "JUMPI", 2, 0, 10); def(0x58, "PC", 0, 1, 2)
        def(0x59, "MSIZE", 0, 1, 2); def(0x5a, "GAS", 0, 1, 2); def(0x5b, "JUMPDEST", 0, 0, 1)
        def(0x5c, "TLOAD", 1, 1, 100); def(0x5d, "TSTORE", 2, 0, 100)  // EIP-1153
        def(0x5e, "MCOPY", 3, 0, 3)  // EIP-5656
        def(0x5f, "PUSH0", 0, 1, 2)  // EIP-3855
        for n in 1...32 { def(0x5f + UInt8(n), "PUSH\(n)", 0, 1, 3, immediate: n) }
        for n in 1...16 { def(0x7f + UInt8(n), "DUP\(n)", n, n + 1, 3) }
        for n in 1...16 { def(0x8f + UInt8(n), "SWAP\(n)", n + 1, n + 1, 3) }
        for n in 0...4 { def(0xa0 + UInt8(n), "LOG\(n)", n + 2, 0, 375 * (n + 1)) }
        def(0xf0, "CREATE", 3, 1, 32000); def(0xf1, "CALL", 7, 1, 100); def(0xf2, "CALLCODE", 7, 1, 100)
        def(0xf3, "RETURN", 2, 0, 0); def(0xf4, "DELEGATECALL", 6, 1, 100)  // EIP-7
        def(0xf5, "CREATE2", 4, 1, 32000)  // EIP-1014
        def(0xfa, "STATICCALL", 6, 1, 100)  // EIP-214
        def(0xfd, "REVERT", 2, 0, 0)  // EIP-140
        def(0xfe, "INVALID", 0, 0, 0)  // EIP-141
        def(0xff, "SELFDESTRUCT", 1, 0, 5000)  // EIP-6780, EIP-2929 surcharge dynamic
        return t
    }()

    /// The hot loop's view of `cancun`, allocated once and never freed.
    nonisolated(unsafe) static let checks: UnsafePointer<OpcodeCheck> = {
        let p = UnsafeMutablePointer<OpcodeCheck>.allocate(capacity: 256)
        for (i, info) in cancun.enumerated() {
            let growth = info.outputs - info.inputs
            p[i] = OpcodeCheck(gas: Int64(info.staticGas), minStack: info.inputs,
                               maxStack: Stack.capacity - max(0, growth))
        }
        return UnsafePointer(p)
    }()

    /// The mnemonic, or `0x..` for an undefined opcode (traces).
    public static func name(_ op: UInt8) -> String {
        let n = cancun[Int(op)].name
        return n.isEmpty ? "0x" + String(op, radix: 16) : n
    }
}
