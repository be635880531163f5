import AthPrimitives

/// Everything the interpreter may know about the world. The interpreter never
/// sees a database: a `Host` answers from wherever it keeps state and records
/// every change in a journal so a frame's changes can be rolled back.
///
/// Accounts that do not exist read as balance 0, nonce 0, empty code and
/// empty storage. Implementations must not trap on any address or key.
public protocol Host: AnyObject {
    // MARK: Accounts

    /// Whether the account exists in the state (it may still be empty).
    func exists(_ address: Address) -> Bool
    /// EIP-161 "dead": absent, or nonce 0, balance 0 and no code.
    func isEmpty(_ address: Address) -> Bool
    func balance(_ address: Address) -> UInt256
    func nonce(_ address: Address) -> UInt64
    /// Sets the nonce, creating the account if it is absent.
    func setNonce(_ address: Address, _ nonce: UInt64)
    /// Moves `value` and touches both accounts (creating `to` if absent);
    /// `false`, changing nothing, if `from` holds less than `value`.
    func transfer(from: Address, to: Address, value: UInt256) -> Bool
    /// EIP-161: marks an existing account as touched (deleted at the end of
    /// the transaction if empty). Does nothing for an absent account.
    func touch(_ address: Address)

    // MARK: Code

    /// The account's analysed code (`Code.empty` if none).
    func loadCode(_ address: Address) -> Code
    /// EXTCODEHASH: zero for a dead account, else the code's hash (EIP-1052).
    func codeHash(_ address: Address) -> Hash32
    func setCode(_ address: Address, _ code: [UInt8])
    /// EIP-7610: whether the account has any nonzero storage (a create
    /// collision, like nonzero nonce or code).
    func hasStorage(_ address: Address) -> Bool
    /// Starts a contract at `address`: creates it if absent, sets nonce 1
    /// (EIP-161) and remembers it as created in this transaction (EIP-6780).
    func createContract(_ address: Address)

    // MARK: Storage

    func storage(_ address: Address, _ key: UInt256) -> UInt256
    /// The value at the start of the transaction (EIP-2200 "original").
    func originalStorage(_ address: Address, _ key: UInt256) -> UInt256
    func setStorage(_ address: Address, _ key: UInt256, _ value: UInt256)
    /// EIP-1153 transient storage, cleared at the end of each transaction.
    func transientStorage(_ address: Address, _ key: UInt256) -> UInt256
    func setTransientStorage(_ address: Address, _ key: UInt256, _ value: UInt256)

    // MARK: EIP-2929 access lists

    /// Marks the account warm; returns whether it was cold.
    func warmAccount(_ address: Address) -> Bool
    /// Marks the slot warm; returns whether it was cold.
    func warmStorage(_ address: Address, _ key: UInt256) -> Bool

    // MARK: Effects

    func emitLog(_ log: Log)
    /// EIP-6780 SELFDESTRUCT: moves the whole balance to `beneficiary`; if the
    /// account was created in this transaction it is also zeroed (its ether
    /// burned when `beneficiary` is itself) and deleted at the end of the
    /// transaction, otherwise nothing else happens.
    func selfDestruct(_ address: Address, beneficiary: Address)
    /// BLOCKHASH for a block the interpreter has already checked lies in the
    /// last 256.
    func blockHash(_ number: UInt64) -> Hash32

    // MARK: Checkpoints

    /// Marks the journal; `revert(to:)` undoes everything after the mark.
    func checkpoint() -> Int
    func revert(to checkpoint: Int)
    /// Keeps the changes since `checkpoint` (an outer revert still undoes them).
    func commit(_ checkpoint: Int)

    // MARK: Interruption

    /// True once the execution must stop (see `ExecutionInterrupt`); the
    /// interpreter halts with `HaltReason.interrupted`. Read at every jump:
    /// keep it a plain field load.
    var isInterrupted: Bool { get }
}
