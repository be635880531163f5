import AthPrimitives
import AthCrypto
import AthEVM
import AthTrie

/// The latest state of the chain in memory, with its Merkle-Patricia tries
/// kept up to date incrementally: after a block only the accounts and slots
/// it changed are re-hashed, so the state root costs a few hashes per change
/// rather than a pass over the whole state.
///
/// Not thread safe: the node confines it to one queue.
public final class WorldState {
    /// The accounts and storage the EVM runs on.
    public let state: JournaledState
    private var accountTrie = SecureTrie()
    private var storageTries: [Address: SecureTrie] = [:]
    /// Code hashes already handed to the store, so code is written once.
    private var knownCode: Set<Hash32> = [Commitments.emptyCodeHash]

    /// `blockHashes(n)` answers BLOCKHASH.
    public init(blockHashes: @escaping (UInt64) -> Hash32) {
        state = JournaledState(blockHashes: blockHashes)
    }

    /// Adds an account when loading a state (genesis or the store); not
    /// journaled, and reflected in the root at once. `storage` holds nonzero values.
    public func load(_ address: Address, balance: UInt256, nonce: UInt64, code: [UInt8],
                     storage: [(UInt256, UInt256)]) {
        state.setAccount(address, balance: balance, nonce: nonce, code: code, storage: storage)
        var trie = SecureTrie()
        for (key, value) in storage where !value.isZero {
            trie.insert(key: key.bigEndianBytes, value: Self.encodeSlot(value))
        }
        let codeHash = code.isEmpty ? Commitments.emptyCodeHash : Keccak256.hash(code)
        let root = trie.rootHash
        knownCode.insert(codeHash)
        if !trie.isEmpty { storageTries[address] = trie }
        accountTrie.insert(key: address.bytes, value: Self.encodeAccount(nonce: nonce, balance: balance,
                                                                           storageRoot: root, codeHash: codeHash))
    }

    /// The root of every account loaded or committed.
    public var root: Hash32 { accountTrie.rootHash }

    /// Folds the changes since the last commit into the tries and returns the
    /// new state root with what a store must write.
    public func commit() -> (root: Hash32, diff: StateDiff) {
        let changes = state.takeChanges()
        var diff = StateDiff()
        for address in changes.accounts.sorted() {
            if changes.deleted.contains(address) {
                // Dropped at some point in the block: the store forgets its old
                // storage before any slot of a later incarnation is written.
                storageTries[address] = nil
                diff.accounts.append(AccountUpdate(address: address, account: nil))
            }
            guard let fields = state.accountFields(address) else {
                accountTrie.delete(key: address.bytes)
                storageTries[address] = nil
                if !changes.deleted.contains(address) { diff.accounts.append(AccountUpdate(address: address, account: nil)) }
                continue
            }
            var trie = storageTries[address] ?? SecureTrie()
            if let slots = changes.slots[address] {
                for key in slots.sorted() {
                    let value = state.storage(address, key)
                    if value.isZero { trie.delete(key: key.bigEndianBytes) } else {
                        trie.insert(key: key.bigEndianBytes, value: Self.encodeSlot(value))
                    }
                    diff.storage.append((address, key, value))
                }
            }
            let storageRoot = trie.rootHash
            storageTries[address] = trie.isEmpty ? nil : trie
            let codeHash = fields.code.count == 0 ? Commitments.emptyCodeHash : fields.code.hash
            if knownCode.insert(codeHash).inserted { diff.code.append((codeHash, fields.code.bytes)) }
            let account = StateAccount(nonce: fields.nonce, balance: fields.balance, storageRoot: storageRoot, codeHash: codeHash)
            accountTrie.insert(key: address.bytes, value: account.encoded)
            diff.accounts.append(AccountUpdate(address: address, account: account))
        }
        return (accountTrie.rootHash, diff)
    }

    static func encodeSlot(_ value: UInt256) -> [UInt8] {
        var w = RLPWriter(capacity: 34)
        w.append(value)
        return w.bytes
    }

    static func encodeAccount(nonce: UInt64, balance: UInt256, storageRoot: Hash32, codeHash: Hash32) -> [UInt8] {
        StateAccount(nonce: nonce, balance: balance, storageRoot: storageRoot, codeHash: codeHash).encoded
    }
}

/// An account as the state trie holds it.
public struct StateAccount: Hashable, Sendable {
    public var nonce: UInt64
    public var balance: UInt256
    public var storageRoot: Hash32
    public var codeHash: Hash32

    public init(nonce: UInt64, balance: UInt256, storageRoot: Hash32, codeHash: Hash32) {
        self.nonce = nonce; self.balance = balance; self.storageRoot = storageRoot; self.codeHash = codeHash
    }

    /// rlp([nonce, balance, storageRoot, codeHash]).
    public var encoded: [UInt8] {
        var w = RLPWriter(capacity: 80)
        w.appendList { w in
            w.append(nonce); w.append(balance); w.append(storageRoot); w.append(codeHash)
        }
        return w.bytes
    }
}

/// One account's new value in a `StateDiff`; `nil` removes it and all its storage.
public struct AccountUpdate: Sendable {
    public var address: Address
    public var account: StateAccount?
}

/// What one block changed, in the order a store must apply it: account
/// removals and updates (a removal of an address comes before its update),
/// then slots (zero removes), then code by hash.
public struct StateDiff: Sendable {
    public var accounts: [AccountUpdate] = []
    public var storage: [(Address, UInt256, UInt256)] = []
    public var code: [(Hash32, [UInt8])] = []
    public init() {}
}
