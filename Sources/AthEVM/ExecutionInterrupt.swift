import Synchronization
import AthPrimitives

/// A flag that stops a running execution from outside: read-only calls
/// (eth_call, gas estimation) set one when their wall-clock limit passes,
/// when their client goes away, or when the store must remap. The
/// interpreter reads it at every JUMP and JUMPI and at every call or create
/// frame, so any loop notices it within one iteration; the frame then halts
/// with `HaltReason.interrupted`.
///
/// Block execution never carries one, so it cannot change a block's outcome.
public final class ExecutionInterrupt: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    /// Asks the execution to stop; safe from any thread, any number of times.
    public func trigger() { flag.store(true, ordering: .relaxed) }

    /// Whether `trigger` was called.
    @inline(__always) public var isTriggered: Bool { flag.load(ordering: .relaxed) }
}

/// Where a `JournaledState` loads accounts and slots it does not hold yet:
/// a read-only view of committed state (a store snapshot). Each account and
/// each slot is asked for at most once per state; what the execution changes
/// stays in the `JournaledState` and never reaches the backing.
public protocol StateBacking: AnyObject {
    /// The account's fields and analysed code, or nil when it does not exist.
    func account(_ address: Address) -> BackedAccount?
    /// The slot's value; zero when unset.
    func storage(_ address: Address, _ key: UInt256) -> UInt256
}

/// An account as a `StateBacking` returns it.
public struct BackedAccount {
    public var balance: UInt256
    public var nonce: UInt64
    public var code: Code
    /// Whether any storage slot of the account is set.
    public var hasStorage: Bool

    public init(balance: UInt256, nonce: UInt64, code: Code, hasStorage: Bool) {
        self.balance = balance; self.nonce = nonce; self.code = code; self.hasStorage = hasStorage
    }
}
