import AthPrimitives

// Jumps, logs and SELFDESTRUCT.
extension Frame {
    @inline(__always) mutating func jump(_ pc: inout Int) throws(HaltReason) {
        let destination = stack.pop()
        guard code.isJumpdest(destination) else { throw .invalidJump }
        pc = Int(destination.low64)
    }

    @inline(__always) mutating func jumpi(_ pc: inout Int) throws(HaltReason) {
        let destination = stack.pop(), condition = stack.pop()
        guard !condition.isZero else { return }
        guard code.isJumpdest(destination) else { throw .invalidJump }
        pc = Int(destination.low64)
    }

    /// LOG0–LOG4: 375 per topic and 375 base in the table, 8 per data byte
    /// here; the caller emits the log.
    mutating func log(_ topicCount: Int) throws(HaltReason) -> Log {
        if message.isStatic { throw .staticStateChange }
        let offset = stack.pop(), size = stack.pop()
        let r = try memoryRegion(offset, size)
        try charge(Gas.logDataByte &* Int64(r.size))
        var topics: [Hash32] = []
        topics.reserveCapacity(topicCount)
        for _ in 0..<topicCount { topics.append(Hash32(word: stack.pop())) }
        return Log(address: message.target, topics: topics, data: memory.bytes(r.offset, r.size))
    }

    /// SELFDESTRUCT per EIP-6780: 5000 in the table, 2600 for a cold
    /// beneficiary, 25000 when it sends value to a dead account; no refund
    /// (EIP-3529).
    mutating func selfdestruct<H: Host>(_ host: H) throws(HaltReason) {
        if message.isStatic { throw .staticStateChange }
        let beneficiary = Address(word: stack.pop())
        if host.warmAccount(beneficiary) { try charge(Gas.coldAccountAccess) }
        if !host.balance(message.target).isZero && host.isEmpty(beneficiary) {
            try charge(Gas.selfDestructNewAccount)
        }
        host.selfDestruct(message.target, beneficiary: beneficiary)
    }
}
