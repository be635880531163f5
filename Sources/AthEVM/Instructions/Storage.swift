import AthPrimitives

// Persistent (EIP-2200, EIP-2929, EIP-3529) and transient (EIP-1153) storage.
extension Frame {
    mutating func sload<H: Host>(_ host: H) throws(HaltReason) {
        let key = stack[0]
        if host.warmStorage(message.target, key) { try charge(Gas.coldSloadSurcharge) }
        stack.setTop(host.storage(message.target, key))
    }

    /// SSTORE per EIP-2200 with EIP-2929 costs and EIP-3529 refunds.
    mutating func sstore<H: Host>(_ host: H) throws(HaltReason) {
        if message.isStatic { throw .staticStateChange }
        // EIP-2200 sentry: never with only the call stipend left.
        if gas <= Gas.sstoreSentry { throw .outOfGas }
        let key = stack.pop(), value = stack.pop()
        let address = message.target
        var cost: Int64 = 0
        if host.warmStorage(address, key) { cost &+= Gas.coldSload }
        let current = host.storage(address, key)
        if current == value {
            cost &+= Gas.warmStorageRead
        } else {
            let original = host.originalStorage(address, key)
            if original == current {
                if original.isZero {
                    cost &+= Gas.sstoreSet
                } else {
                    cost &+= Gas.sstoreReset
                    if value.isZero { refund &+= Gas.sstoreClearsRefund }
                }
            } else {
                cost &+= Gas.warmStorageRead
                if !original.isZero {
                    if current.isZero {
                        refund &-= Gas.sstoreClearsRefund
                    } else if value.isZero {
                        refund &+= Gas.sstoreClearsRefund
                    }
                }
                if value == original {
                    refund &+= original.isZero ? Gas.sstoreSet &- Gas.warmStorageRead
                        : Gas.sstoreReset &- Gas.warmStorageRead
                }
            }
        }
        try charge(cost)
        if current != value { host.setStorage(address, key, value) }
    }

    mutating func tload<H: Host>(_ host: H) {
        stack.setTop(host.transientStorage(message.target, stack[0]))
    }

    mutating func tstore<H: Host>(_ host: H) throws(HaltReason) {
        if message.isStatic { throw .staticStateChange }
        let key = stack.pop(), value = stack.pop()
        host.setTransientStorage(message.target, key, value)
    }
}
