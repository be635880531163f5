import AthCrypto
import AthPrimitives
import AthRPC

/// Everything a `WorkerService` needs to run: the node it follows, the
/// operator key it signs with, where it serves results, and its limits.
public struct WorkerConfig: Sendable {
    /// The node's JSON-RPC URL.
    public var nodeURL: String
    /// Where the worker counts its jobs and compute rate (none: not counted).
    public var metrics: MetricsRegistry?
    /// The operator's key: it accepts jobs and commits results.
    public var key: Secp256k1PrivateKey
    /// Address and port of the result endpoint; port 0 lets the system choose.
    public var listenHost: String
    public var listenPort: Int
    /// Which compute backend to use.
    public var backend: BackendChoice
    /// How often the job loop looks for new blocks.
    public var pollInterval: Duration
    /// Memory the stored results may take. Past it the oldest results whose
    /// jobs are settled are dropped first; unsettled ones only if that is not
    /// enough (the newest is always kept).
    public var maxStoredBytes: Int
    /// When set, `start()` registers the operator with this stake unless it
    /// already is, before following jobs.
    public var registration: WorkerRegistration?
    /// When set, `start()` makes this the operator's on-chain minimum price
    /// per gemm-i8 work unit (`Escrow.setJobMinPrice`) unless it already is.
    /// Whatever is on chain, the job loop never tries to accept a job priced
    /// below it.
    public var minPricePerUnit: UInt256?
    /// A deliberate misbehaviour, for tests of checkers and slashing only.
    public var fault: WorkerFault?

    public init(key: Secp256k1PrivateKey, nodeURL: String = "http://127.0.0.1:8545", listenHost: String = "127.0.0.1",
                listenPort: Int = 8600, backend: BackendChoice = .auto, pollInterval: Duration = .milliseconds(200),
                maxStoredBytes: Int = 2 << 30, registration: WorkerRegistration? = nil, fault: WorkerFault? = nil) {
        self.nodeURL = nodeURL
        self.key = key
        self.listenHost = listenHost
        self.listenPort = listenPort
        self.backend = backend
        self.pollInterval = pollInterval
        self.maxStoredBytes = maxStoredBytes
        self.registration = registration
        self.fault = fault
    }
}

extension WorkerConfig {
    /// `http://<listenHost>:<port>` (an IPv6 host in brackets): the endpoint
    /// registered when `registration.endpoint` is nil.
    public func endpoint(port: Int) -> String {
        "http://\(listenHost.contains(":") ? "[\(listenHost)]" : listenHost):\(port)"
    }
}

/// How a worker registers itself with Staking when it is not yet an operator.
public struct WorkerRegistration: Sendable {
    /// Stake sent with `registerOperator`, in wei.
    public var stake: UInt256
    /// The result endpoint recorded on chain; nil means `http://<listenHost>:<bound port>`.
    public var endpoint: String?
    /// Whether a worker without a GPU backend may register (as `cpu:<model>`;
    /// dev chains only): otherwise a CPU is never registered as a GPU.
    public var allowCPU: Bool

    public init(stake: UInt256, endpoint: String? = nil, allowCPU: Bool = false) {
        self.stake = stake
        self.endpoint = endpoint
        self.allowCPU = allowCPU
    }
}

/// Misbehaviours a worker can be told to show, so tests can check that
/// checkers catch them and the chain slashes for them. Never for real use.
public enum WorkerFault: String, Sendable, CaseIterable {
    /// Adds 1 to C[0], commits the root of that wrong C and serves it consistently.
    case corruptResult = "corrupt-result"
    /// Accepts and computes jobs but never commits a result.
    case noCommit = "no-commit"
    /// Commits correctly, then answers every `/jobs` request with 503 and closes the connection.
    case stopServing = "stop-serving"

    /// What the fault does to a correct C before it is committed.
    func apply(to c: inout [Int32]) {
        guard self == .corruptResult, !c.isEmpty else { return }
        // Wrapping: the point is only that the value changes.
        c[0] = c[0] &+ 1
    }
}
