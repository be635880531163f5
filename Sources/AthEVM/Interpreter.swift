import AthCrypto
import AthPrimitives

/// One executing frame: its stack, memory and gas (the program counter is a
/// local of the loop). The instruction bodies live in `Instructions/` as
/// extensions.
struct Frame {
    var stack: Stack
    var memory = Memory()
    /// Gas left; never negative between instructions.
    var gas: Int64
    /// EIP-2200/3529 refund counter of this frame (merged into the parent on success).
    var refund: Int64 = 0
    let code: Code
    let message: Message
    /// Output of the last call or create made by this frame (EIP-211).
    var returnData: [UInt8] = []
    /// RETURN/REVERT data.
    var output: [UInt8] = []

    init(code: Code, message: Message, stackBase: UnsafeMutablePointer<UInt256>) {
        self.code = code
        self.message = message
        stack = Stack(base: stackBase)
        gas = Int64(clamping: message.gas)
    }

    /// How the loop ended without a halt.
    enum End { case stop, `return`, revert }

    /// Runs the code to its end. Never traps: every failure is a halt value.
    mutating func run<H: Host, T: Tracer>(_ evm: inout EVM<H, T>) -> ExecutionResult {
        let end: End
        do throws(HaltReason) {
            end = try loop(&evm)
        } catch {
            return ExecutionResult(status: .halt(error), gasLeft: 0, gasRefund: 0, output: [])
        }
        let gasLeft = UInt64(gas)
        switch end {
        case .stop: return ExecutionResult(status: .success, gasLeft: gasLeft, gasRefund: refund, output: [])
        case .return: return ExecutionResult(status: .success, gasLeft: gasLeft, gasRefund: refund, output: output)
        case .revert: return ExecutionResult(status: .revert, gasLeft: gasLeft, gasRefund: 0, output: output)
        }
    }

    // The hot loop: one table check (stack bounds, static gas), one switch.
    // `pc` and the stack's base are locals: every stack write goes through a
    // pointer that might alias `self`, so fields of `self` are reloaded after
    // each one, and these two sit on the dispatch's critical path.
    // swiftlint:disable:next cyclomatic_complexity function_body_length
    private mutating func loop<H: Host, T: Tracer>(_ evm: inout EVM<H, T>) throws(HaltReason) -> End {
        let bytecode = code.padded
        let checks = OpcodeTable.checks
        let stackBase = UnsafeRawPointer(stack.base)
        var pc = 0
        while true {
            let op = bytecode[pc]
            let check = checks[Int(op)]
            if T.isEnabled {
                evm.tracer.step(TraceStep(pc: pc, op: op, gas: UInt64(gas), gasCost: UInt64(check.gas),
                                          depth: message.depth + 1, stack: stack.items,
                                          memorySize: memory.size, refund: refund,
                                          memory: evm.tracer.wantsMemory ? memory.bytes(0, memory.size) : [],
                                          address: message.target))
            }
            let overMin = (UnsafeRawPointer(stack.top) - stackBase) &- Int(check.minStackBytes)
            if UInt(bitPattern: overMin) > UInt(check.stackRangeBytes) {
                throw overMin < 0 ? .stackUnderflow : .stackOverflow
            }
            gas &-= check.gas
            if gas < 0 { throw .outOfGas }
            pc &+= 1
            switch op {
            case 0x00: return .stop
            case 0x01: stack.binary { $0 &+ $1 }
            case 0x02: stack.binary { $0 &* $1 }
            case 0x03: stack.binary { $0 &- $1 }
            case 0x04: stack.binary { $0 / $1 }
            case 0x05: stack.binary { $0.sdiv($1) }
            case 0x06: stack.binary { $0 % $1 }
            case 0x07: stack.binary { $0.smod($1) }
            case 0x08: addmod()
            case 0x09: mulmod()
            case 0x0a: try exp()
            case 0x0b: stack.binary { UInt256.signextend(byteIndex: $0, value: $1) }
            case 0x10: stack.binary { .flag(UInt256.less($0, $1)) }
            case 0x11: stack.binary { .flag(UInt256.less($1, $0)) }
            case 0x12: stack.binary { .flag($0.slt($1)) }
            case 0x13: stack.binary { .flag($0.sgt($1)) }
            case 0x14: stack.binary { .flag($0 == $1) }
            case 0x15: stack.setTop(.flag(stack[0].isZero))
            case 0x16: stack.binary { $0 & $1 }
            case 0x17: stack.binary { $0 | $1 }
            case 0x18: stack.binary { $0 ^ $1 }
            case 0x19: stack.setTop(~stack[0])
            case 0x1a: stack.binary { $1.byte(index: $0) }
            case 0x1b: stack.binary { $1 << $0 }
            case 0x1c: stack.binary { $1 >> $0 }
            case 0x1d: stack.binary { $1.sar(by: $0) }
            case 0x20: try keccak256()
            case 0x30: stack.push(message.target.word)
            case 0x31: try balance(evm.host)
            case 0x32: stack.push(evm.transaction.origin.word)
            case 0x33: stack.push(message.caller.word)
            case 0x34: stack.push(message.value)
            case 0x35: calldataload()
            case 0x36: stack.push(UInt256(UInt64(message.input.count)))
            case 0x37: try calldatacopy()
            case 0x38: stack.push(UInt256(UInt64(code.count)))
            case 0x39: try codecopy()
            case 0x3a: stack.push(evm.transaction.gasPrice)
            case 0x3b: try extcodesize(evm.host)
            case 0x3c: try extcodecopy(evm.host)
            case 0x3d: stack.push(UInt256(UInt64(returnData.count)))
            case 0x3e: try returndatacopy()
            case 0x3f: try extcodehash(evm.host)
            case 0x40: blockhash(evm.host, evm.block)
            case 0x41: stack.push(evm.block.coinbase.word)
            case 0x42: stack.push(UInt256(evm.block.timestamp))
            case 0x43: stack.push(UInt256(evm.block.number))
            case 0x44: stack.push(evm.block.prevRandao.word)
            case 0x45: stack.push(UInt256(evm.block.gasLimit))
            case 0x46: stack.push(evm.block.chainID)
            case 0x47: stack.push(evm.host.balance(message.target))
            case 0x48: stack.push(evm.block.baseFee)
            case 0x49: blobhash(evm.transaction)
            case 0x4a: stack.push(evm.block.blobBaseFee)
            case 0x50: stack.top -= 1
            case 0x51: try mload()
            case 0x52: try mstore()
            case 0x53: try mstore8()
            case 0x54: try sload(evm.host)
            case 0x55: try sstore(evm.host)
            case 0x56:
                if evm.host.isInterrupted { throw .interrupted }
                try jump(&pc)
            case 0x57:
                if evm.host.isInterrupted { throw .interrupted }
                try jumpi(&pc)
            case 0x58: stack.push(UInt256(UInt64(pc &- 1)))
            case 0x59: stack.push(UInt256(UInt64(memory.size)))
            case 0x5a: stack.push(UInt256(UInt64(gas)))
            case 0x5b: break
            case 0x5c: tload(evm.host)
            case 0x5d: try tstore(evm.host)
            case 0x5e: try mcopy()
            case 0x5f: stack.push(.flag(false))
            case 0x60:
                stack.push(UInt256(UInt64(bytecode[pc])))
                pc &+= 1
            case 0x61...0x7f:
                let n = Int(op &- 0x5f)
                stack.push(Self.immediate(n, at: bytecode + pc))
                pc &+= n
            case 0x80...0x8f: stack.push(stack[Int(op &- 0x80)])
            case 0x90...0x9f: swap(Int(op &- 0x8f))
            case 0xa0...0xa4:
                let emitted = try log(Int(op &- 0xa0))
                evm.host.emitLog(emitted)
                if T.isEnabled { evm.tracer.log(emitted) }
            case 0xf0: try create(&evm, kind: .create)
            case 0xf1: try call(&evm, kind: .call)
            case 0xf2: try call(&evm, kind: .callCode)
            case 0xf3:
                try setOutput()
                return .return
            case 0xf4: try call(&evm, kind: .delegateCall)
            case 0xf5: try create(&evm, kind: .create2)
            case 0xfa: try call(&evm, kind: .staticCall)
            case 0xfd:
                try setOutput()
                return .revert
            case 0xff:
                try selfdestruct(evm.host)
                return .stop
            default: throw .invalidOpcode(op)
            }
        }
    }

    // MARK: Gas and memory

    /// Takes `cost` gas or halts out of gas.
    @inline(__always) mutating func charge(_ cost: Int64) throws(HaltReason) {
        gas &-= cost
        if gas < 0 { throw .outOfGas }
    }

    /// Charges for and makes room for `size` bytes at `offset` (nothing when
    /// `size` is 0, whatever `offset`). Offsets past `Gas.maxMemory` are out
    /// of gas. Returns the region as `Int`s.
    @inline(__always)
    mutating func memoryRegion(_ offset: UInt256, _ size: UInt256) throws(HaltReason) -> (offset: Int, size: Int) {
        guard let s = size.uint64IfFits else { throw .outOfGas }
        if s == 0 { return (0, 0) }
        guard let o = offset.uint64IfFits, o <= Gas.maxMemory, s <= Gas.maxMemory else { throw .outOfGas }
        let end = Int(o &+ s)  // both below 2^32: no overflow
        if end > memory.size { try expandMemory(to: end) }
        return (Int(o), Int(s))
    }

    mutating func expandMemory(to end: Int) throws(HaltReason) {
        guard end <= Int(Gas.maxMemory) else { throw .outOfGas }
        let newWords = Gas.words(end)
        let oldWords = Int64(memory.size >> 5)
        try charge(Gas.memoryCost(words: newWords) &- Gas.memoryCost(words: oldWords))
        memory.grow(to: Int(newWords) << 5)
    }

    /// Charges 3 gas per word copied.
    @inline(__always) mutating func chargeCopy(_ size: Int) throws(HaltReason) {
        try charge(Gas.copyWord &* Gas.words(size))
    }

    // MARK: Stack helpers

    /// PUSH2–PUSH32: the `n`-byte immediate at `immediate` read as big-endian
    /// 64-bit loads (no byte copies through a temporary, which stall store
    /// forwarding). Reading up to 8 bytes past the immediate is safe:
    /// `Code.padded` has 33 zero bytes after the code.
    @inline(__always) static func immediate(_ n: Int, at immediate: UnsafeMutablePointer<UInt8>) -> UInt256 {
        let start = UnsafeRawPointer(immediate)
        let end = start + n
        @inline(__always) func full(_ p: UnsafeRawPointer) -> UInt64 {
            UInt64(bigEndian: p.loadUnaligned(as: UInt64.self))
        }
        /// The first `count` (1...8) bytes at `start`, big-endian.
        @inline(__always) func partial(_ count: Int) -> UInt64 {
            full(start) &>> UInt64(64 &- 8 &* count)
        }
        let w0 = n >= 8 ? full(end - 8) : partial(n)
        let w1 = n >= 16 ? full(end - 16) : (n > 8 ? partial(n &- 8) : 0)
        let w2 = n >= 24 ? full(end - 24) : (n > 16 ? partial(n &- 16) : 0)
        let w3 = n > 24 ? partial(n &- 24) : 0
        return UInt256(limbs: w0, w1, w2, w3)
    }

    @inline(__always) func swap(_ n: Int) {
        let a = stack[0]
        stack[0] = stack[n]
        stack[n] = a
    }
}

/// Instructions throw their halt reason; the frame turns it into a result value.
extension HaltReason: Error {}
