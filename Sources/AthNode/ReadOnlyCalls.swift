import Foundation
import Synchronization
import AthPrimitives
import AthCrypto
import AthTypes
import AthEVM
import AthExecution
import AthStorage
#if canImport(Glibc)
import Glibc
#endif

/// Bounds on read-only executions (eth_call, eth_estimateGas and every later
/// read-only run) served to RPC clients.
public struct CallLimits: Sendable {
    /// Threads that run calls; they run at a lower CPU priority than the
    /// chain's own work, so block building and re-execution come first.
    public var workers: Int
    /// Wall-clock limit of one call, from its arrival (geth's `--rpc.evmtimeout`).
    public var timeoutSeconds: Double
    /// Calls one client (by remote address) may have queued or running at once.
    public var perClient: Int
    /// Calls queued or running at once, all clients together.
    public var maxPending: Int

    public init(workers: Int = CallLimits.defaultWorkers, timeoutSeconds: Double = 5, perClient: Int = 8,
                maxPending: Int = 256) {
        self.workers = max(1, workers)
        self.timeoutSeconds = timeoutSeconds
        self.perClient = max(1, perClient)
        self.maxPending = max(1, maxPending)
    }

    /// Half the cores, at least two: calls never take every core from consensus.
    public static var defaultWorkers: Int { max(2, min(16, ProcessInfo.processInfo.activeProcessorCount / 2)) }
}

/// Why a read-only call produced no result.
public enum CallFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The wall-clock limit passed (while queued or running).
    case timeout(seconds: Double)
    /// The client already has `limit` calls in progress.
    case clientBusy(limit: Int)
    /// The node already has `limit` calls in progress.
    case overloaded(limit: Int)
    /// The client went away.
    case cancelled
    /// The store snapshot could not be read.
    case storage(String)
    /// The state of the block asked for is not kept (pruned, or not yet made).
    case stateUnavailable(String)

    public var description: String {
        switch self {
        case .timeout(let s): return "execution aborted (timeout = \(Self.seconds(s)))"
        case .clientBusy(let n): return "too many calls in progress from this client (limit \(n)); wait for one to finish"
        case .overloaded(let n): return "the node has too many calls in progress (limit \(n)); try again later"
        case .cancelled: return "call cancelled: the client went away"
        case .storage(let why): return "cannot read the chain state: \(why)"
        case .stateUnavailable(let why): return why
        }
    }

    static func seconds(_ s: Double) -> String {
        s == s.rounded() ? "\(Int(s))s" : "\(s)s"
    }
}

/// What a read-only job runs on: one consistent snapshot of the committed
/// chain at one block (the head, or a past block read through the history
/// tables), each execution on fresh state over it, all stopped by one interrupt.
public final class ReadContext {
    /// The block whose state the job reads (the committed head unless a past
    /// block was asked for); calls run as if in the block after it.
    public let head: Header
    let rules: ChainRules
    let backing: SnapshotBacking
    let interrupt: ExecutionInterrupt
    let blockHashes: @Sendable (UInt64) -> Hash32

    init(head: Header, rules: ChainRules, backing: SnapshotBacking, interrupt: ExecutionInterrupt,
         blockHashes: @escaping @Sendable (UInt64) -> Hash32) {
        self.head = head; self.rules = rules; self.backing = backing; self.interrupt = interrupt
        self.blockHashes = blockHashes
    }

    /// The base fee of the block after the head.
    public var nextBaseFee: UInt256 { rules.nextBaseFee(after: head) }

    /// The balance of `address` at the context's block.
    public func balance(_ address: Address) -> UInt256 { backing.account(address)?.balance ?? .zero }

    /// Runs `tx` as if in the block after the context's block, changing nothing.
    public func execute(_ tx: ExecutableTransaction) -> Result<TransactionOutcome, InvalidTransaction> {
        let context = Self.callBlock(after: head, rules: rules, for: tx)
        let state = JournaledState(blockHashes: blockHashes)
        state.backing = backing
        state.interrupt = interrupt
        do {
            return .success(try TransactionExecutor.execute(tx, state: state, block: context, simulate: true))
        } catch {
            return .failure(error)
        }
    }

    /// The block a read-only call of `tx` runs in: the one after `head`,
    /// with room for the call's gas, and a zero base fee when the call sets
    /// no fee (as in geth).
    static func callBlock(after head: Header, rules: ChainRules, for tx: ExecutableTransaction) -> BlockContext {
        var env = BlockEnvironment.child(of: head, rules: rules, timestamp: head.timestamp,
                                         coinbase: head.coinbase, proposer: head.proposer)
        env.gasLimit = max(env.gasLimit, tx.gasLimit)
        if tx.maxFeePerGas.isZero { env.baseFee = .zero }
        return rules.blockContext(env)
    }

    /// Whether the interrupt stopped (or will stop) the job.
    public var interrupted: Bool { interrupt.isTriggered }
}

/// A store snapshot as the EVM's state backing. Valid only while the
/// snapshot's closure runs.
final class SnapshotBacking: StateBacking {
    let snapshot: StoreSnapshot
    let codes: SharedCodeCache
    /// The past block whose state is read; nil reads the snapshot's head.
    let block: UInt64?

    init(_ snapshot: StoreSnapshot, codes: SharedCodeCache, at block: UInt64? = nil) {
        self.snapshot = snapshot; self.codes = codes; self.block = block
    }

    func account(_ address: Address) -> BackedAccount? {
        let found = block.map { snapshot.account(address, at: $0) } ?? snapshot.account(address)
        guard let record = found else { return nil }
        var code = Code.empty
        if record.codeHash != Commitments.emptyCodeHash {
            code = codes.code(record.codeHash) { snapshot.code(record.codeHash) ?? [] }
        }
        return BackedAccount(balance: record.balance, nonce: record.nonce, code: code,
                             hasStorage: record.storageRoot != AccountRecord.emptyStorageRoot)
    }

    func storage(_ address: Address, _ key: UInt256) -> UInt256 {
        block.map { snapshot.storage(address, key, at: $0) } ?? snapshot.storage(address, key)
    }
}

/// Block hashes from a snapshot's headers, for calls at a past block. Used
/// only while the snapshot's closure runs (the job that made it).
final class SnapshotHeaders: @unchecked Sendable {
    let snapshot: StoreSnapshot
    init(_ snapshot: StoreSnapshot) { self.snapshot = snapshot }

    func hash(of number: UInt64) -> Hash32 {
        guard let raw = snapshot.header(number: number), let header = try? Header(decoding: raw) else { return .zero }
        return header.hash
    }
}

/// What a read at a block whose state is not kept says.
enum HistoryLimit {
    static func pruned(_ block: UInt64, from: UInt64) -> String {
        "the state of block \(block) is not kept: this node keeps state from block \(from) on (athd --history)"
    }
}

/// Analysed code by hash, shared by every read-only call (code is immutable
/// by hash); bounded, dropped whole when full.
final class SharedCodeCache: Sendable {
    private let byHash = Mutex<[Hash32: Code]>([:])
    static let capacity = 1024

    func code(_ hash: Hash32, load: () -> [UInt8]) -> Code {
        if let c = byHash.withLock({ $0[hash] }) { return c }
        let c = Code(load(), hash: hash)
        byHash.withLock { m in
            if m.count >= Self.capacity { m.removeAll() }
            m[hash] = c
        }
        return c
    }
}

/// Runs read-only executions on store snapshots on its own bounded pool of
/// low-priority threads, never on the chain's queue that builds and commits
/// blocks: a slow or hostile call cannot delay consensus.
///
/// Each call has a wall-clock limit counted from its arrival (a call still
/// queued at its deadline never runs), stops when its client goes away
/// (Swift task cancellation), and counts against its client's limit. The
/// worker threads hold only the queue, so the pool (and the store it reads)
/// goes away with its chain; the threads then exit.
public final class ReadOnlyCalls: @unchecked Sendable {
    public let limits: CallLimits
    let store: ChainStore
    let rules: ChainRules
    let blockHashes: @Sendable (UInt64) -> Hash32
    let codes = SharedCodeCache()
    let queue: CallQueue

    init(store: ChainStore, rules: ChainRules, limits: CallLimits, blockHashes: @escaping @Sendable (UInt64) -> Hash32) {
        self.store = store; self.rules = rules; self.limits = limits; self.blockHashes = blockHashes
        let queue = CallQueue(limits: limits)
        self.queue = queue
        for i in 0..<limits.workers {
            let thread = Thread {
                Self.lowerPriority()
                while let job = queue.next() { queue.finish(job, failure: job.run(job)) }
            }
            thread.name = "ath.calls.\(i)"
            thread.start()
        }
        store.setBeforeRemap { [weak queue] in queue?.interruptRunning() }
    }

    deinit { queue.close() }

    /// Lowers the calling thread's CPU priority (Linux threads have their own nice value).
    static func lowerPriority() {
        #if canImport(Glibc)
        // The thread id, from /proc/thread-self -> "PID/task/TID".
        var buffer = [CChar](repeating: 0, count: 64)
        let n = readlink("/proc/thread-self", &buffer, buffer.count - 1)
        guard n > 0 else { return }
        let text = String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let tid = text.split(separator: "/").last, let id = Int32(tid) else { return }
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(id), 10)
        #endif
    }

    /// Runs `body` on a snapshot of the committed head (or of past block
    /// `block`) on the pool, within the limits. `client` names who asked
    /// (the remote address).
    public func run<T: Sendable>(client: String, at block: UInt64? = nil,
                                 _ body: @escaping @Sendable (ReadContext) -> T) async -> Result<T, CallFailure> {
        let deadline = DispatchTime.now() + limits.timeoutSeconds
        let holder = JobHolder()
        let (store, rules, codes, blockHashes) = (self.store, self.rules, self.codes, self.blockHashes)
        let timeout = limits.timeoutSeconds
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (cont: CheckedContinuation<Result<T, CallFailure>, Never>) in
                let result = ResultBox<T>()
                let job = CallJob(client: client, deadline: deadline, timeoutSeconds: timeout, run: { job in
                    Self.execute(job, store: store) { snap in
                        let ctx: ReadContext
                        switch ReadContext.make(snap, at: block, rules: rules, codes: codes, interrupt: job.interrupt,
                                                blockHashes: blockHashes) {
                        case .success(let c): ctx = c
                        case .failure(let failure): return failure
                        }
                        result.value = body(ctx)
                        return nil
                    }
                }, finish: { failure in
                    if failure == nil, let value = result.value { cont.resume(returning: .success(value)) } else {
                        cont.resume(returning: .failure(failure ?? .cancelled))
                    }
                })
                holder.set(job)
                queue.submit(job)
            }
        } onCancel: {
            holder.cancel()
        }
    }

    /// Runs a job's body on a store snapshot, unless it was cancelled or its
    /// deadline passed while it waited; the failure when it could not run.
    static func execute(_ job: CallJob, store: ChainStore,
                        _ body: (StoreSnapshot) -> CallFailure?) -> CallFailure? {
        if job.interrupt.isTriggered { return nil }  // the queue names why
        guard DispatchTime.now() < job.deadline else { return .timeout(seconds: job.timeoutSeconds) }
        let timer = DispatchWorkItem { [interrupt = job.interrupt] in interrupt.trigger() }
        DispatchQueue.global().asyncAfter(deadline: job.deadline, execute: timer)
        defer { timer.cancel() }
        do {
            return try store.snapshot { snap in body(snap) }
        } catch {
            return .storage("\(error)")
        }
    }

    /// Runs `body` on a snapshot of the committed head in the calling thread,
    /// with no limits: for the node's own bounded reads (protocol views).
    public func runHere<T>(_ body: (ReadContext) -> T) -> T? {
        try? store.snapshot { snap -> T? in
            guard let ctx = ReadContext(snap, rules: rules, codes: codes, interrupt: ExecutionInterrupt(),
                                        blockHashes: blockHashes) else { return nil }
            return body(ctx)
        }
    }

    /// Calls queued or running now (tests, metrics).
    public var inProgress: Int { queue.pending }

    /// A job's result: written by the worker thread that runs it, read by
    /// the same thread when it finishes the job.
    final class ResultBox<T>: @unchecked Sendable { var value: T? }

    /// Holds the job for the cancellation handler, which may run before or
    /// after the job exists.
    final class JobHolder: Sendable {
        private let slot = Mutex<(job: CallJob?, cancelled: Bool)>((nil, false))
        func set(_ job: CallJob) {
            let cancelled = slot.withLock { s -> Bool in s.job = job; return s.cancelled }
            if cancelled { job.cancel() }
        }
        func cancel() {
            let job = slot.withLock { s -> CallJob? in s.cancelled = true; return s.job }
            job?.cancel()
        }
    }
}

extension ReadContext {
    /// A context on past block `block` of `snapshot` (its head when nil), or why there is none.
    static func make(_ snapshot: StoreSnapshot, at block: UInt64?, rules: ChainRules, codes: SharedCodeCache,
                     interrupt: ExecutionInterrupt, blockHashes: @escaping @Sendable (UInt64) -> Hash32)
        -> Result<ReadContext, CallFailure> {
        guard let block, let head = snapshot.head, block < head.number else {
            guard let ctx = ReadContext(snapshot, rules: rules, codes: codes, interrupt: interrupt,
                                        blockHashes: blockHashes) else {
                return .failure(.storage("the head block is missing"))
            }
            return .success(ctx)
        }
        let from = snapshot.historyFrom
        guard block >= from else { return .failure(.stateUnavailable(HistoryLimit.pruned(block, from: from))) }
        guard let raw = snapshot.header(number: block), let header = try? Header(decoding: raw) else {
            return .failure(.storage("the header of block \(block) is missing"))
        }
        // BLOCKHASH below a past block reads the snapshot's headers (the
        // recent list covers only the head's last 256).
        let headers = SnapshotHeaders(snapshot)
        return .success(ReadContext(head: header, rules: rules, backing: SnapshotBacking(snapshot, codes: codes, at: block),
                                    interrupt: interrupt, blockHashes: { headers.hash(of: $0) }))
    }

    /// A context on the head block of `snapshot`; nil when the store has none.
    convenience init?(_ snapshot: StoreSnapshot, rules: ChainRules, codes: SharedCodeCache,
                      interrupt: ExecutionInterrupt, blockHashes: @escaping @Sendable (UInt64) -> Hash32) {
        guard let head = snapshot.head, let raw = snapshot.header(number: head.number),
              let header = try? Header(decoding: raw) else { return nil }
        self.init(head: header, rules: rules, backing: SnapshotBacking(snapshot, codes: codes), interrupt: interrupt,
                  blockHashes: blockHashes)
    }
}

/// One read-only call waiting for or running on the pool.
final class CallJob: @unchecked Sendable {
    let client: String
    let deadline: DispatchTime
    let timeoutSeconds: Double
    let interrupt = ExecutionInterrupt()
    /// Runs on a worker: nil when the body ran to its end.
    let run: (CallJob) -> CallFailure?
    /// Called exactly once: nil when the body ran to its end uninterrupted.
    let finish: (CallFailure?) -> Void
    private let reason = Mutex<CallFailure?>(nil)

    init(client: String, deadline: DispatchTime, timeoutSeconds: Double, run: @escaping (CallJob) -> CallFailure?,
         finish: @escaping (CallFailure?) -> Void) {
        self.client = client; self.deadline = deadline; self.timeoutSeconds = timeoutSeconds
        self.run = run; self.finish = finish
    }

    /// Stops the job with `why`, unless something stopped it first.
    func stop(_ why: CallFailure) {
        reason.withLock { r in if r == nil { r = why } }
        interrupt.trigger()
    }

    func cancel() { stop(.cancelled) }

    /// Why the job was stopped; a timeout when only its timer fired.
    var stoppedBecause: CallFailure? {
        if let r = reason.withLock({ $0 }) { return r }
        return interrupt.isTriggered ? .timeout(seconds: timeoutSeconds) : nil
    }
}

/// The pool's queue: jobs in arrival order, the counts the limits need,
/// and a semaphore the worker threads wait on.
final class CallQueue: @unchecked Sendable {
    let limits: CallLimits
    private struct State {
        var jobs: [CallJob] = []
        var head = 0
        var running: [ObjectIdentifier: CallJob] = [:]
        var perClient: [String: Int] = [:]
        var pending = 0
        var closed = false
    }
    private let state = Mutex(State())
    private let ready = DispatchSemaphore(value: 0)

    init(limits: CallLimits) { self.limits = limits }

    var pending: Int { state.withLock { $0.pending } }

    /// Queues `job`, or finishes it at once with the limit it meets.
    func submit(_ job: CallJob) {
        let refusal = state.withLock { q -> CallFailure? in
            if job.interrupt.isTriggered { return .cancelled }
            if q.closed { return .storage("the node is stopping") }
            if q.pending >= limits.maxPending { return .overloaded(limit: limits.maxPending) }
            let mine = q.perClient[job.client, default: 0]
            if mine >= limits.perClient { return .clientBusy(limit: limits.perClient) }
            q.perClient[job.client] = mine + 1
            q.pending += 1
            q.jobs.append(job)
            return nil
        }
        if let refusal { job.finish(refusal); return }
        ready.signal()
    }

    /// The next job to run, waiting for one; nil once the queue is closed.
    func next() -> CallJob? {
        while true {
            ready.wait()
            let (job, closed) = state.withLock { q -> (CallJob?, Bool) in
                if q.closed { return (nil, true) }
                guard q.head < q.jobs.count else { return (nil, false) }
                let j = q.jobs[q.head]
                q.head += 1
                if q.head > 64 && q.head * 2 > q.jobs.count { q.jobs.removeFirst(q.head); q.head = 0 }
                q.running[ObjectIdentifier(j)] = j
                return (j, false)
            }
            if closed { return nil }
            if let job { return job }
        }
    }

    /// Releases what `job` counted and tells its caller.
    func finish(_ job: CallJob, failure: CallFailure?) {
        state.withLock { q in
            q.running[ObjectIdentifier(job)] = nil
            q.pending -= 1
            let left = q.perClient[job.client, default: 1] - 1
            q.perClient[job.client] = left > 0 ? left : nil
        }
        job.finish(failure ?? job.stoppedBecause)
    }

    /// Stops every running job: the store must remap its file.
    func interruptRunning() {
        let running = state.withLock { Array($0.running.values) }
        for job in running { job.stop(.storage("the database was being resized; try again")) }
    }

    /// Lets the worker threads exit; queued jobs finish with an error.
    func close() {
        let (queued, workers) = state.withLock { q -> ([CallJob], Int) in
            q.closed = true
            let rest = Array(q.jobs[q.head...])
            q.jobs = []; q.head = 0
            return (rest, limits.workers)
        }
        for job in queued { job.finish(.storage("the node is stopping")) }
        for _ in 0..<workers { ready.signal() }
    }
}
