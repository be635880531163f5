import AthPrimitives

/// The state a block changes, applied by `ChainStore.commit` in the block's
/// write transaction: account changes first (in order), then storage, then
/// code.
public struct StateChanges: Sendable, Equatable {
    /// New account records; nil deletes the account and every storage slot
    /// it has. Applied in order, before `storage`, so a slot written in the
    /// same change set survives its account's deletion.
    public var accounts: [(Address, AccountRecord?)]
    /// Storage writes `(address, slot, value)`; a zero value deletes the slot.
    /// A later entry for the same slot wins.
    public var storage: [(Address, UInt256, UInt256)]
    /// Contract code by its keccak256 hash; stored only if absent (the hash
    /// is not checked here: the caller computes it).
    public var code: [(Hash32, [UInt8])]

    public init(accounts: [(Address, AccountRecord?)] = [],
                storage: [(Address, UInt256, UInt256)] = [],
                code: [(Hash32, [UInt8])] = []) {
        self.accounts = accounts
        self.storage = storage
        self.code = code
    }

    public static func == (a: StateChanges, b: StateChanges) -> Bool {
        a.accounts.elementsEqual(b.accounts) { $0.0 == $1.0 && $0.1 == $1.1 }
            && a.storage.elementsEqual(b.storage) { $0.0 == $1.0 && $0.1 == $1.1 && $0.2 == $1.2 }
            && a.code.elementsEqual(b.code) { $0.0 == $1.0 && $0.1 == $1.1 }
    }
}
