import AthPrimitives

/// An in-memory world state for the EVM, with a journal so any frame's
/// changes can be undone, and the per-transaction sets Cancun needs
/// (EIP-2929 warm accounts and slots, EIP-2200 original values, EIP-1153
/// transient storage, EIP-6780 created accounts, EIP-161 touched accounts).
///
/// Use: `setAccount` to load a pre-state; per transaction `beginTransaction`,
/// run the EVM, `finalizeTransaction`; `accounts()` for the state root.
public final class JournaledState: Host {
    final class Account {
        var balance: UInt256
        var nonce: UInt64
        var code: Code
        /// Only nonzero values are stored.
        var storage: [UInt256: UInt256]
        /// Set for an account loaded from the backing: its slots are read
        /// from the backing on first use. Such an account records every slot
        /// it has read or written in `loadedSlots`.
        var backed = false
        var loadedSlots: Set<UInt256> = []
        /// Whether the backing held storage for it when it was loaded.
        var backedStorage = false

        init(balance: UInt256 = .zero, nonce: UInt64 = 0, code: Code = .empty, storage: [UInt256: UInt256] = [:]) {
            self.balance = balance; self.nonce = nonce; self.code = code; self.storage = storage
        }

        var isEmpty: Bool { nonce == 0 && balance.isZero && code.count == 0 }
    }

    struct SlotKey: Hashable {
        var address: Address
        var key: UInt256
    }

    var accountsByAddress: [Address: Account] = [:]
    /// The account most recently looked up: code works on one account's
    /// storage over and over, and this spares hashing its address each time.
    /// Cleared wherever an account leaves `accountsByAddress` or is replaced.
    private var cachedAddress = Address.zero
    private var cachedAccount: Account?
    let codeCache = CodeCache()
    let blockHashes: (UInt64) -> Hash32

    /// Where accounts not held here are loaded from (read-only calls run on
    /// a store snapshot); nil when the state holds everything (blocks).
    public var backing: (any StateBacking)? {
        didSet { resolved.removeAll() }
    }
    /// Addresses already asked of the backing (found or not), so an account
    /// deleted here is never loaded again.
    private var resolved: Set<Address> = []
    /// Stops a running execution (read-only calls only).
    public var interrupt: ExecutionInterrupt? {
        didSet { interruptible = interrupt != nil }
    }
    private var interruptible = false

    // Per transaction.
    var journal: [JournalEntry] = []
    var warmAccounts: Set<Address> = []
    var warmSlots: Set<SlotKey> = []
    var originals: [SlotKey: UInt256] = [:]
    var transient: [SlotKey: UInt256] = [:]
    var createdInTransaction: Set<Address> = []
    var selfDestructed: Set<Address> = []
    var touched: Set<Address> = []
    /// Logs of the current transaction (rolled back with reverts); readable
    /// until the next `beginTransaction`.
    public var logs: [Log] = []

    // Across transactions, until `takeChanges()`: what a block changed, so
    // the node persists and re-hashes only that.
    var changedAccounts: Set<Address> = []
    var changedSlots: [Address: Set<UInt256>] = [:]
    var deletedAccounts: Set<Address> = []

    /// `blockHashes(n)` answers BLOCKHASH for block `n` (the EVM only asks
    /// for the 256 blocks before the current one).
    public init(blockHashes: @escaping (UInt64) -> Hash32 = { _ in .zero }) {
        self.blockHashes = blockHashes
    }

    // MARK: Pre-state and inspection

    /// Creates or replaces an account (pre-state loading; not journaled).
    public func setAccount(_ address: Address, balance: UInt256, nonce: UInt64, code: [UInt8],
                           storage: [(UInt256, UInt256)]) {
        var s: [UInt256: UInt256] = [:]
        for (k, v) in storage where !v.isZero { s[k] = v }
        accountsByAddress[address] = Account(balance: balance, nonce: nonce, code: codeCache.code(for: code), storage: s)
        forgetCachedAccount()
    }

    /// Every account sorted by address, storage sorted by key with zeros
    /// left out: the input of the state root.
    public func accounts() -> [(address: Address, balance: UInt256, nonce: UInt64, code: [UInt8],
                                storage: [(key: UInt256, value: UInt256)])] {
        accountsByAddress.keys.sorted().map { a in
            let acct = accountsByAddress[a]!
            let storage = acct.storage.filter { !$0.value.isZero }.sorted { $0.key < $1.key }
                .map { (key: $0.key, value: $0.value) }
            return (address: a, balance: acct.balance, nonce: acct.nonce, code: acct.code.bytes, storage: storage)
        }
    }

    /// The account's code bytes (empty if none).
    public func code(_ address: Address) -> [UInt8] { existingAccount(address)?.code.bytes ?? [] }

    // MARK: Transactions

    /// Clears the per-transaction sets, the journal and the logs.
    public func beginTransaction() {
        journal.removeAll(keepingCapacity: true)
        warmAccounts.removeAll(keepingCapacity: true)
        warmSlots.removeAll(keepingCapacity: true)
        originals.removeAll(keepingCapacity: true)
        transient.removeAll(keepingCapacity: true)
        createdInTransaction.removeAll(keepingCapacity: true)
        selfDestructed.removeAll(keepingCapacity: true)
        touched.removeAll(keepingCapacity: true)
        logs.removeAll(keepingCapacity: true)
    }

    /// Ends the transaction: deletes self-destructed accounts (EIP-6780),
    /// then touched accounts that are empty (EIP-161), and clears the
    /// per-transaction sets. `logs` stay readable until `beginTransaction`.
    public func finalizeTransaction() {
        recordChanges()
        for a in selfDestructed {
            accountsByAddress[a] = nil
            deletedAccounts.insert(a); changedAccounts.insert(a); changedSlots[a] = nil
        }
        for a in touched where accountsByAddress[a]?.isEmpty == true {
            accountsByAddress[a] = nil
            deletedAccounts.insert(a); changedAccounts.insert(a); changedSlots[a] = nil
        }
        forgetCachedAccount()
        let keptLogs = logs
        beginTransaction()
        logs = keptLogs
    }

    /// Notes every account and slot the current transaction's journal
    /// changed (reverted changes are no longer in the journal).
    private func recordChanges() {
        for entry in journal {
            switch entry {
            case .accountCreated(let a), .balance(let a, _), .nonce(let a, _), .code(let a, _):
                changedAccounts.insert(a)
            case .storage(let a, let key, _):
                changedAccounts.insert(a)
                changedSlots[a, default: []].insert(key)
            default:
                break
            }
        }
    }

    /// What changed since the last call, and forgets it: accounts whose
    /// fields or storage changed, the slots written per account, and the
    /// accounts deleted at some point (their stored storage must be dropped
    /// before `slots` of a later incarnation are applied).
    public func takeChanges() -> StateChangeSet {
        defer {
            changedAccounts.removeAll(keepingCapacity: true)
            changedSlots.removeAll(keepingCapacity: true)
            deletedAccounts.removeAll(keepingCapacity: true)
        }
        return StateChangeSet(accounts: changedAccounts, slots: changedSlots, deleted: deletedAccounts)
    }

    /// The account's fields if it exists.
    public func accountFields(_ address: Address) -> (balance: UInt256, nonce: UInt64, code: Code)? {
        guard let acct = existingAccount(address) else { return nil }
        return (acct.balance, acct.nonce, acct.code)
    }

    /// The account's nonzero storage (unordered).
    public func storageEntries(_ address: Address) -> [UInt256: UInt256] {
        existingAccount(address)?.storage ?? [:]
    }

    // MARK: Host: accounts

    public func exists(_ address: Address) -> Bool { existingAccount(address) != nil }

    public func isEmpty(_ address: Address) -> Bool { existingAccount(address)?.isEmpty ?? true }

    public func balance(_ address: Address) -> UInt256 { existingAccount(address)?.balance ?? .zero }

    public func nonce(_ address: Address) -> UInt64 { existingAccount(address)?.nonce ?? 0 }

    public func setNonce(_ address: Address, _ nonce: UInt64) {
        let acct = account(creating: address)
        journal.append(.nonce(address, acct.nonce))
        acct.nonce = nonce
    }

    /// Adds `value` (wrapping is impossible in practice: total supply is far
    /// below 2^256; a wrap would need more ether than exists) and touches.
    public func addBalance(_ address: Address, _ value: UInt256) {
        let acct = account(creating: address)
        journal.append(.balance(address, acct.balance))
        acct.balance = acct.balance &+ value  // cannot wrap: supply < 2^256
        touch(address)
    }

    /// Subtracts `value` and touches; `false`, changing nothing, if the
    /// balance is smaller.
    @discardableResult
    public func subtractBalance(_ address: Address, _ value: UInt256) -> Bool {
        guard let acct = existingAccount(address) else { return value.isZero }
        let (rest, borrow) = acct.balance.subtractingReportingOverflow(value)
        guard !borrow else { return false }
        journal.append(.balance(address, acct.balance))
        acct.balance = rest
        touch(address)
        return true
    }

    public func transfer(from: Address, to: Address, value: UInt256) -> Bool {
        guard subtractBalance(from, value) else { return false }
        addBalance(to, value)
        return true
    }

    public func touch(_ address: Address) {
        guard existingAccount(address) != nil, !touched.contains(address) else { return }
        touched.insert(address)
        journal.append(.touched(address))
    }

    // MARK: Host: code

    public func loadCode(_ address: Address) -> Code { existingAccount(address)?.code ?? .empty }

    public func codeHash(_ address: Address) -> Hash32 {
        guard let acct = existingAccount(address), !acct.isEmpty else { return .zero }
        return acct.code.hash
    }

    public func setCode(_ address: Address, _ code: [UInt8]) {
        let acct = account(creating: address)
        journal.append(.code(address, acct.code))
        acct.code = codeCache.code(for: code)
    }

    public func hasStorage(_ address: Address) -> Bool {
        guard let acct = existingAccount(address) else { return false }
        return !acct.storage.isEmpty || acct.backedStorage
    }

    public func createContract(_ address: Address) {
        let acct = account(creating: address)
        journal.append(.nonce(address, acct.nonce))
        acct.nonce = 1  // EIP-161
        if createdInTransaction.insert(address).inserted { journal.append(.created(address)) }
        touch(address)
    }

    // MARK: Host: storage

    public func storage(_ address: Address, _ key: UInt256) -> UInt256 {
        guard let acct = existingAccount(address) else { return .zero }
        if let value = acct.storage[key] { return value }
        if acct.backed { return loadSlot(acct, address, key) }
        return .zero
    }

    /// Reads a slot of a backed account from the backing once.
    private func loadSlot(_ acct: Account, _ address: Address, _ key: UInt256) -> UInt256 {
        guard acct.loadedSlots.insert(key).inserted, let backing else { return .zero }
        let value = backing.storage(address, key)
        if !value.isZero { acct.storage[key] = value }
        return value
    }

    public func originalStorage(_ address: Address, _ key: UInt256) -> UInt256 {
        originals[SlotKey(address: address, key: key)] ?? storage(address, key)
    }

    public func setStorage(_ address: Address, _ key: UInt256, _ value: UInt256) {
        let acct = account(creating: address)
        if acct.backed && acct.storage[key] == nil { _ = loadSlot(acct, address, key) }
        // One hash lookup both reads the old value and writes the new one.
        let old = (value.isZero ? acct.storage.removeValue(forKey: key)
            : acct.storage.updateValue(value, forKey: key)) ?? .zero
        let slot = SlotKey(address: address, key: key)
        // The first write of the transaction sees the original value.
        if originals[slot] == nil { originals[slot] = old }
        journal.append(.storage(address, key, old))
    }

    public func transientStorage(_ address: Address, _ key: UInt256) -> UInt256 {
        transient[SlotKey(address: address, key: key)] ?? .zero
    }

    public func setTransientStorage(_ address: Address, _ key: UInt256, _ value: UInt256) {
        let slot = SlotKey(address: address, key: key)
        journal.append(.transient(slot, transient[slot] ?? .zero))
        transient[slot] = value.isZero ? nil : value
    }

    // MARK: Host: access lists

    @discardableResult
    public func warmAccount(_ address: Address) -> Bool {
        guard warmAccounts.insert(address).inserted else { return false }
        journal.append(.warmAccount(address))
        return true
    }

    @discardableResult
    public func warmStorage(_ address: Address, _ key: UInt256) -> Bool {
        let slot = SlotKey(address: address, key: key)
        guard warmSlots.insert(slot).inserted else { return false }
        journal.append(.warmSlot(slot))
        return true
    }

    // MARK: Host: effects

    public func emitLog(_ log: Log) {
        logs.append(log)
        journal.append(.log)
    }

    public func selfDestruct(_ address: Address, beneficiary: Address) {
        let value = balance(address)
        if createdInTransaction.contains(address) {
            // EIP-6780: created in this transaction, so really destroyed;
            // sent to itself the ether is burned.
            if let acct = existingAccount(address) {
                journal.append(.balance(address, acct.balance))
                acct.balance = .zero
            }
            if beneficiary != address { addBalance(beneficiary, value) }
            if selfDestructed.insert(address).inserted { journal.append(.selfDestructed(address)) }
        } else if beneficiary != address {
            _ = transfer(from: address, to: beneficiary, value: value)
        }
    }

    public func blockHash(_ number: UInt64) -> Hash32 { blockHashes(number) }

    @inline(__always) public var isInterrupted: Bool { interruptible && interrupt!.isTriggered }

    // MARK: Helpers

    /// The account, or `nil` if absent.
    @inline(__always) func existingAccount(_ address: Address) -> Account? {
        if let acct = cachedAccount, cachedAddress == address { return acct }
        guard let acct = accountsByAddress[address] ?? loadFromBacking(address) else { return nil }
        cachedAddress = address
        cachedAccount = acct
        return acct
    }

    /// Loads an account from the backing the first time it is asked for.
    private func loadFromBacking(_ address: Address) -> Account? {
        guard let backing, resolved.insert(address).inserted, let found = backing.account(address) else { return nil }
        let acct = Account(balance: found.balance, nonce: found.nonce, code: found.code)
        acct.backed = true
        acct.backedStorage = found.hasStorage
        accountsByAddress[address] = acct
        return acct
    }

    /// Empties the `existingAccount` cache; call after removing or replacing
    /// an entry of `accountsByAddress`.
    func forgetCachedAccount() {
        cachedAccount = nil
    }

    /// The account, created (journaled) if absent.
    func account(creating address: Address) -> Account {
        if let acct = existingAccount(address) { return acct }
        let acct = Account()
        accountsByAddress[address] = acct
        journal.append(.accountCreated(address))
        return acct
    }
}

/// What a run of transactions changed in a `JournaledState`.
public struct StateChangeSet: Sendable {
    /// Accounts whose balance, nonce, code or storage changed, or that were
    /// created or deleted.
    public var accounts: Set<Address>
    /// Storage keys written, per account (only for accounts that exist or existed).
    public var slots: [Address: Set<UInt256>]
    /// Accounts deleted at some point (self-destructed or empty and touched).
    public var deleted: Set<Address>
}
