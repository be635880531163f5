import AthPrimitives

// Other accounts, the block and the transaction.
extension Frame {
    /// EIP-2929: the table charged the warm cost; a cold account costs 2500 more.
    @inline(__always) mutating func accessAccount<H: Host>(_ address: Address, _ host: H) throws(HaltReason) {
        if host.warmAccount(address) { try charge(Gas.coldAccountSurcharge) }
    }

    mutating func balance<H: Host>(_ host: H) throws(HaltReason) {
        let a = Address(word: stack[0])
        try accessAccount(a, host)
        stack.setTop(host.balance(a))
    }

    mutating func extcodesize<H: Host>(_ host: H) throws(HaltReason) {
        let a = Address(word: stack[0])
        try accessAccount(a, host)
        stack.setTop(UInt256(UInt64(host.loadCode(a).count)))
    }

    mutating func extcodecopy<H: Host>(_ host: H) throws(HaltReason) {
        let a = Address(word: stack.pop())
        let c = try copyOperands()
        try accessAccount(a, host)
        let code = host.loadCode(a)
        memory.copy(to: c.offset, count: c.size, from: UnsafeRawBufferPointer(start: code.padded, count: code.count),
                    sourceOffset: c.source)
    }

    /// EIP-1052: zero for a dead account.
    mutating func extcodehash<H: Host>(_ host: H) throws(HaltReason) {
        let a = Address(word: stack[0])
        try accessAccount(a, host)
        stack.setTop(host.codeHash(a).word)
    }

    /// BLOCKHASH: only the 256 blocks before the current one; zero otherwise.
    mutating func blockhash<H: Host>(_ host: H, _ block: BlockContext) {
        let n = stack[0]
        if let k = n.uint64IfFits, k < block.number, block.number &- k <= 256 {
            stack.setTop(host.blockHash(k).word)
        } else {
            stack.setTop(.zero)
        }
    }

    /// EIP-4844 BLOBHASH: zero past the end of the list.
    mutating func blobhash(_ transaction: TransactionContext) {
        let hashes = transaction.blobHashes
        if let i = stack[0].intIfFits, i < hashes.count {
            stack.setTop(hashes[i].word)
        } else {
            stack.setTop(.zero)
        }
    }
}
