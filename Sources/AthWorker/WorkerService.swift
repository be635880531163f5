import AthClient
import AthCrypto
import AthPrimitives
import Foundation
import Logging

/// The bundled GPU worker: follows the chain for jobs addressed to its
/// operator (or open to any), accepts them, computes them on the chosen
/// backend, commits the result roots, and serves the results over HTTP to
/// checkers and customers.
///
/// `start()` returns once the endpoint listens and the job loop runs on a
/// thread of its own; `stop()` ends both. Neither may be called on a
/// SwiftNIO event loop.
public final class WorkerService: Sendable {
    public let config: WorkerConfig
    /// The operator address (of `config.key`).
    public let operatorAddress: Address
    /// The results held for serving.
    public let store: ResultStore
    let logger: Logger
    private let state = Locked(State())

    private struct State {
        var started = false
        var stopped = false
        var backend: (any ComputeBackend)?
        var hardware: HardwareReport?
        var client: ChainClient?
        var sender: TransactionSender?
        var server: WorkerHTTPServer?
        var loop: JobLoop?
    }

    /// How long `stop()` waits for a job step in progress before returning anyway.
    static let stopTimeout = Duration.seconds(10)

    public init(config: WorkerConfig, logger: Logger = Logger(label: "ath.worker")) {
        self.config = config
        self.logger = logger
        operatorAddress = config.key.address
        store = ResultStore(maxBytes: config.maxStoredBytes)
    }

    /// The port results are served on, once started.
    public var servingPort: Int? { state.withLock { $0.server?.port } }
    /// The compute backend in use, once started.
    public var backend: (any ComputeBackend)? { state.withLock { $0.backend } }
    /// The hardware report, once started.
    public var hardware: HardwareReport? { state.withLock { $0.hardware } }

    /// Resolves the backend, checks the node answers, starts the HTTP
    /// endpoint, registers the operator when `config.registration` asks, and
    /// starts the job loop. Anything started is stopped again on failure.
    public func start() throws(WorkerError) {
        try state.withLock { (s: inout State) throws(WorkerError) in
            guard !s.started, !s.stopped else { throw .alreadyStarted }
            s.started = true
        }
        let backend: any ComputeBackend
        do { backend = try config.backend.resolve(logger: logger) } catch { throw .backend(error) }
        let client: ChainClient
        do {
            client = try ChainClient(url: config.nodeURL, timeout: .seconds(10))
            _ = try client.chainID()
        } catch {
            throw .node(url: config.nodeURL, reason: error.description)
        }
        let sender = TransactionSender(client: client, key: config.key)
        let hardware = HardwareReport.probe(backend: backend.name)
        let server = WorkerHTTPServer(host: config.listenHost, port: config.listenPort, operatorAddress: operatorAddress,
                                      hardware: hardware, store: store)
        try server.start()
        state.withLock { s in
            s.backend = backend
            s.hardware = hardware
            s.client = client
            s.sender = sender
            s.server = server
        }
        let endpoint = config.endpoint(port: server.port ?? config.listenPort)
        logger.info("serving results", metadata: ["endpoint": "\(endpoint)", "operator": "\(operatorAddress.checksummed)",
                                                  "backend": "\(backend.name)", "hardware": "\(backend.hardware)"])
        if let registration = config.registration {
            do {
                try registerIfNeeded(stake: registration.stake, endpoint: registration.endpoint ?? endpoint,
                                     allowCPU: registration.allowCPU)
            } catch {
                server.stop()
                throw error
            }
        }
        if let price = config.minPricePerUnit {
            do { try setMinPriceIfNeeded(price) } catch {
                server.stop()
                throw error
            }
        }
        startLoop(client: client, sender: sender, backend: backend, server: server)
    }

    /// Starts the job loop on a thread of its own, unless `stop()` came first.
    private func startLoop(client: ChainClient, sender: TransactionSender, backend: any ComputeBackend,
                           server: WorkerHTTPServer) {
        if let fault = config.fault {
            logger.warning("test fault enabled: this worker misbehaves on purpose", metadata: ["fault": "\(fault.rawValue)"])
        }
        let stopServing = config.fault == .stopServing
        let logger = self.logger
        let loop = JobLoop(client: client, sender: sender, backend: backend, store: store, pollInterval: config.pollInterval,
                           fault: config.fault, logger: logger) { id in
            guard stopServing, server.isServingResults else { return }
            server.stopServingResults()
            logger.warning("fault stop-serving: refusing result requests from now on", metadata: ["job": "\(id)"])
        }
        loop.metrics = config.metrics
        let stoppedMeanwhile = state.withLock { s in
            s.loop = loop
            return s.stopped
        }
        guard !stoppedMeanwhile else { return }
        let thread = Thread { loop.run() }
        thread.name = "ath-worker-jobs"
        thread.start()
    }

    /// The node client, transaction sender and hardware report of a started worker.
    func startedParts() -> (ChainClient, TransactionSender, HardwareReport)? {
        state.withLock { s in
            guard let client = s.client, let sender = s.sender, let hardware = s.hardware else { return nil }
            return (client, sender, hardware)
        }
    }

    /// Stops the job loop and the endpoint; idempotent. Waits up to ten
    /// seconds for a job step in progress (a long computation finishes on
    /// its own afterwards, without committing).
    public func stop() {
        let (loop, server) = state.withLock { s -> (JobLoop?, WorkerHTTPServer?) in
            guard !s.stopped else { return (nil, nil) }
            s.stopped = true
            return (s.loop, s.server)
        }
        loop?.requestStop()
        server?.stop()
        if let loop, !loop.waitUntilFinished(timeout: Self.stopTimeout) {
            logger.warning("the job loop is still busy; it will stop after its current step")
        }
    }
}
