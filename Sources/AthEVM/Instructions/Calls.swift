import AthPrimitives

// CALL, CALLCODE, DELEGATECALL, STATICCALL, CREATE, CREATE2.
extension Frame {
    /// The CALL family: charges memory, access (EIP-2929), value and
    /// new-account costs, passes all but 1/64 of the rest (EIP-150) plus the
    /// 2300 stipend for value calls, then runs the callee. A call that cannot
    /// start (depth, balance) pushes 0 and gives its gas back.
    mutating func call<H: Host, T: Tracer>(_ evm: inout EVM<H, T>, kind: CallKind) throws(HaltReason) {
        let requestedGas = stack.pop()
        let address = Address(word: stack.pop())
        let value = kind == .call || kind == .callCode ? stack.pop() : .zero
        let argsOffset = stack.pop(), argsSize = stack.pop()
        let retOffset = stack.pop(), retSize = stack.pop()
        if kind == .call && message.isStatic && !value.isZero { throw .staticStateChange }

        let args = try memoryRegion(argsOffset, argsSize)
        let ret = try memoryRegion(retOffset, retSize)
        try accessAccount(address, evm.host)
        if !value.isZero {
            try charge(Gas.callValue)
            // EIP-161: only value sent to a dead account creates one.
            if kind == .call && evm.host.isEmpty(address) { try charge(Gas.newAccount) }
        }
        // EIP-150: all but one 64th.
        var callGas = Swift.min(Int64(clamping: requestedGas.uint64IfFits ?? .max), gas &- gas / 64)
        gas &-= callGas
        if !value.isZero { callGas &+= Gas.callStipend }

        returnData = []
        let me = message.target
        if message.depth >= Gas.maxCallDepth
            || (!value.isZero && kind != .delegateCall && evm.host.balance(me) < value) {
            gas &+= callGas
            stack.push(.zero)
            return
        }

        let input = memory.bytes(args.offset, args.size)
        let callee: Message
        switch kind {
        case .callCode:
            callee = Message(kind: kind, target: me, codeAddress: address, caller: me, value: value, input: input,
                             gas: UInt64(callGas), isStatic: message.isStatic, depth: message.depth + 1)
        case .delegateCall:
            callee = Message(kind: kind, target: me, codeAddress: address, caller: message.caller,
                             value: message.value, input: input, gas: UInt64(callGas), isStatic: message.isStatic,
                             depth: message.depth + 1)
        case .staticCall:
            callee = Message(kind: kind, target: address, codeAddress: address, caller: me, value: .zero, input: input,
                             gas: UInt64(callGas), isStatic: true, depth: message.depth + 1)
        default:
            callee = Message(kind: .call, target: address, codeAddress: address, caller: me, value: value,
                             input: input, gas: UInt64(callGas), isStatic: message.isStatic, depth: message.depth + 1)
        }
        if T.isEnabled { evm.tracer.charged(gasLeft: UInt64(gas)) }
        let result = evm.call(callee)
        gas &+= Int64(clamping: result.gasLeft)
        returnData = result.output
        let n = Swift.min(ret.size, returnData.count)
        if n > 0 { returnData.withUnsafeBytes { memory.pointer(ret.offset).copyMemory(from: $0.baseAddress!, byteCount: n) } }
        if result.status == .success {
            refund &+= result.gasRefund
            stack.push(.one)
        } else {
            stack.push(.zero)
        }
    }

    /// CREATE/CREATE2: EIP-3860 initcode limit and word cost, EIP-1014 hash
    /// cost, all but 1/64 of the gas to the new frame. A create that cannot
    /// start (depth, balance, nonce at its maximum) pushes 0 and keeps its gas.
    mutating func create<H: Host, T: Tracer>(_ evm: inout EVM<H, T>, kind: CallKind) throws(HaltReason) {
        if message.isStatic { throw .staticStateChange }
        let value = stack.pop(), offset = stack.pop(), size = stack.pop()
        let salt = kind == .create2 ? stack.pop() : .zero
        guard size <= UInt256(UInt64(Gas.maxInitcodeSize)) else { throw .initcodeSizeLimit }
        let r = try memoryRegion(offset, size)
        let words = Gas.words(r.size)
        try charge(Gas.initcodeWord &* words &+ (kind == .create2 ? Gas.create2HashWord &* words : 0))

        returnData = []
        let me = message.target
        if message.depth >= Gas.maxCallDepth || evm.host.balance(me) < value || evm.host.nonce(me) == .max {
            stack.push(.zero)
            return
        }
        let callGas = gas &- gas / 64
        gas &-= callGas
        let m = Message(kind: kind, target: .zero, codeAddress: .zero, caller: me, value: value,
                        input: memory.bytes(r.offset, r.size), gas: UInt64(callGas), isStatic: false,
                        depth: message.depth + 1, salt: salt)
        if T.isEnabled { evm.tracer.charged(gasLeft: UInt64(gas)) }
        let result = evm.create(m)
        gas &+= Int64(clamping: result.gasLeft)
        switch result.status {
        case .success:
            refund &+= result.gasRefund
            stack.push(result.createdAddress?.word ?? .zero)
        case .revert:
            returnData = result.output
            stack.push(.zero)
        case .halt:
            stack.push(.zero)
        }
    }
}
