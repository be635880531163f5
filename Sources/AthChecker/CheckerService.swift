import Foundation
import Logging
import AthPrimitives
import AthClient

/// Why a `CheckerService` could not start.
public struct CheckerError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A checker node: follows the chain through a node's JSON-RPC, verifies
/// every committed `gemm-i8` result (fetches C from the operator, compares
/// its row root with the commitment, runs Freivalds' check with a seed the
/// worker cannot predict) and submits a signed attestation; probes every
/// active operator's `/health` and attests each finished epoch's uptime.
///
/// Runs on two background threads of its own (jobs, uptime), so it can sit
/// inside another process (`athd dev`) or in `ath-checker`. It never stops
/// on what the chain or a worker sends: bad answers are logged and skipped.
/// The threads keep the service alive: call `stop()` to end it.
public final class CheckerService: Sendable {
    public let config: CheckerConfig
    /// The checker's address (from `config.key`).
    public let address: Address
    let logger: Logger
    let signal = StopSignal()
    /// Operators seen committing results, for the uptime probes.
    let committingOperators = Locked<Set<Address>>([])
    private let started = Locked(false)

    /// `logger` gets the checker's address as metadata `checker`, so several
    /// checkers in one process can be told apart.
    public init(config: CheckerConfig, logger: Logger) {
        self.config = config
        self.address = config.key.address
        var logger = logger
        logger[metadataKey: "checker"] = "\(config.key.address)"
        self.logger = logger
    }

    /// Starts the jobs and uptime threads. Throws when the node URL is
    /// invalid or the service was started before. The node need not be up
    /// yet: the threads wait for it.
    public func start() throws {
        guard config.pollInterval > .zero, config.probeInterval > .zero, config.fetchTimeout > .zero,
              config.minFetchBytesPerSecond > 0 else {
            throw CheckerError("the poll interval, probe interval, fetch timeout and minimum fetch rate must be positive")
        }
        let client: ChainClient
        do { client = try ChainClient(url: config.nodeURL, timeout: .seconds(10)) } catch { throw CheckerError(error.description) }
        guard !signal.isStopped else { throw CheckerError("the checker was stopped; make a new one") }
        guard started.withLock({ s in defer { s = true }; return !s }) else { throw CheckerError("the checker was started already") }
        let chain = CheckerChain(client: client)
        let jobs = JobChecker(service: self, chain: chain)
        let uptime = UptimeProber(service: self, chain: chain)
        signal.spawn(name: "ath-checker-jobs") { jobs.run() }
        signal.spawn(name: "ath-checker-uptime") { uptime.run() }
        logger.info("checker started", metadata: ["node": "\(config.nodeURL)", "fault": "\(config.fault?.rawValue ?? "none")"])
    }

    /// Stops both threads and waits for them (a check in progress finishes
    /// first). Idempotent; a stopped service does not start again.
    public func stop() {
        guard signal.stop() else { return }
        signal.waitForThreads()
        logger.info("checker stopped")
    }
}

/// The stop flag and pausing of the service's threads, and their count so
/// `stop()` can wait for them.
final class StopSignal: @unchecked Sendable {
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var stopped = false
    private var running = 0

    var isStopped: Bool { condition.withLock { stopped } }

    /// Waits `duration` unless stopped; returns false when stopped.
    func sleep(_ duration: Duration) -> Bool {
        let (seconds, attoseconds) = duration.components
        let deadline = Date(timeIntervalSinceNow: Double(seconds) + Double(attoseconds) / 1e18)
        condition.lock()
        defer { condition.unlock() }
        while !stopped, condition.wait(until: deadline) {}
        return !stopped
    }

    /// Sets the flag; true the first time.
    @discardableResult
    func stop() -> Bool {
        condition.withLock {
            defer { stopped = true; condition.broadcast() }
            return !stopped
        }
    }

    func spawn(name: String, _ body: @escaping @Sendable () -> Void) {
        condition.withLock { running += 1 }
        let thread = Thread { [self] in
            body()
            condition.withLock { running -= 1; condition.broadcast() }
        }
        thread.name = name
        thread.start()
    }

    func waitForThreads() {
        condition.lock()
        defer { condition.unlock() }
        while running > 0 { condition.wait() }
    }
}

/// Logs a repeating failure (the node down) once, and its end.
struct FailureLog {
    private var last: String?

    mutating func failed(_ message: String, _ logger: Logger, _ what: String) {
        guard message != last else { return }
        last = message
        logger.warning("\(what): \(message)")
    }

    mutating func recovered(_ logger: Logger, _ what: String) {
        guard last != nil else { return }
        last = nil
        logger.info("\(what): working again")
    }
}
