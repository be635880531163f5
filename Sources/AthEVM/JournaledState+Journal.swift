import AthPrimitives

/// One undo record: enough to restore what a change overwrote.
enum JournalEntry {
    /// The account did not exist: remove it.
    case accountCreated(Address)
    case balance(Address, UInt256)
    case nonce(Address, UInt64)
    case code(Address, Code)
    case storage(Address, UInt256, UInt256)
    case transient(JournaledState.SlotKey, UInt256)
    case warmAccount(Address)
    case warmSlot(JournaledState.SlotKey)
    case touched(Address)
    case created(Address)
    case selfDestructed(Address)
    /// A log was appended: drop it.
    case log
}

extension JournaledState {
    public func checkpoint() -> Int { journal.count }

    /// Undoes every change after `checkpoint`, newest first.
    public func revert(to checkpoint: Int) {
        while journal.count > checkpoint {
            undo(journal.removeLast())
        }
    }

    /// Nothing to do: the entries stay so an enclosing frame can still revert them.
    public func commit(_ checkpoint: Int) {}

    private func undo(_ entry: JournalEntry) {
        switch entry {
        case .accountCreated(let a):
            accountsByAddress[a] = nil
            forgetCachedAccount()
        case .balance(let a, let old): accountsByAddress[a]?.balance = old
        case .nonce(let a, let old): accountsByAddress[a]?.nonce = old
        case .code(let a, let old): accountsByAddress[a]?.code = old
        case .storage(let a, let key, let old): accountsByAddress[a]?.storage[key] = old.isZero ? nil : old
        case .transient(let slot, let old): transient[slot] = old.isZero ? nil : old
        case .warmAccount(let a): warmAccounts.remove(a)
        case .warmSlot(let slot): warmSlots.remove(slot)
        case .touched(let a): touched.remove(a)
        case .created(let a): createdInTransaction.remove(a)
        case .selfDestructed(let a): selfDestructed.remove(a)
        case .log: logs.removeLast()
        }
    }
}
