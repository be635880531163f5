import AthPrimitives
import AthCrypto
import AthTypes
import AthRPC

/// How a `CheckerService` runs. Defaults suit a local devnet.
public struct CheckerConfig: Sendable {
    /// The node's JSON-RPC endpoint (`http://host:port`).
    public var nodeURL: String
    /// Where the checker counts its verdicts and times (none: not counted).
    public var metrics: MetricsRegistry?
    /// The checker's key: its address seeds Freivalds' vectors and signs attestations.
    public var key: Secp256k1PrivateKey
    /// How often the node is asked for new blocks and `ResultCommitted` logs.
    public var pollInterval: Duration
    /// How long to keep trying to fetch a result before judging it
    /// unavailable, for an empty result: the window grows with the result's
    /// size at `minFetchBytesPerSecond` (`fetchWindow(resultBytes:)`).
    public var fetchTimeout: Duration
    /// The slowest transfer rate an operator's endpoint is allowed: a result
    /// of `b` bytes gets `fetchTimeout + b / minFetchBytesPerSecond` before it
    /// is judged unavailable, so a large honest result is not.
    public var minFetchBytesPerSecond: Int
    /// The pause between two tries of a fetch.
    public var fetchRetryInterval: Duration
    /// How often every active operator's `/health` is probed.
    public var probeInterval: Duration
    /// How long one `/health` probe may take.
    public var probeTimeout: Duration
    /// The round signed into every attestation.
    public var round: UInt256
    /// How many blocks before the head at start-up the search for committed jobs begins.
    public var lookbackBlocks: UInt64
    /// Operators to probe besides those the chain's `OperatorRegistered` logs
    /// and committed jobs name: genesis operators have no log.
    public var operators: [Address]
    /// The largest matrix (elements of A, B or C) the checker verifies; a
    /// larger job is left to other checkers (8 bytes per element while checking).
    public var maxMatrixElements: Int
    /// A test-only fault; nil for an honest checker.
    public var fault: CheckerFault?

    public init(key: Secp256k1PrivateKey, nodeURL: String = "http://127.0.0.1:8545",
                pollInterval: Duration = .milliseconds(200), fetchTimeout: Duration = .seconds(10),
                fetchRetryInterval: Duration = .milliseconds(500), probeInterval: Duration = .seconds(5),
                probeTimeout: Duration = .seconds(2), round: UInt256 = 1, lookbackBlocks: UInt64 = 1000,
                operators: [Address] = [], maxMatrixElements: Int = GemmSpec.maxElements,
                minFetchBytesPerSecond: Int = CheckerConfig.defaultMinFetchBytesPerSecond, fault: CheckerFault? = nil) {
        self.key = key
        self.nodeURL = nodeURL
        self.pollInterval = pollInterval
        self.fetchTimeout = fetchTimeout
        self.fetchRetryInterval = fetchRetryInterval
        self.probeInterval = probeInterval
        self.probeTimeout = probeTimeout
        self.round = round
        self.lookbackBlocks = lookbackBlocks
        self.operators = operators
        self.maxMatrixElements = maxMatrixElements
        self.minFetchBytesPerSecond = minFetchBytesPerSecond
        self.fault = fault
    }

    /// 16 MiB/s: the largest result a checker verifies (2^27 int32 entries,
    /// 512 MiB) gets 32 s on top of `fetchTimeout`.
    public static let defaultMinFetchBytesPerSecond = 16 << 20

    /// How long a result of `resultBytes` bytes may take to fetch, retries
    /// included, before the checker attests it unavailable.
    public func fetchWindow(resultBytes: Int) -> Duration {
        let rate = max(minFetchBytesPerSecond, 1)
        let bytes = max(resultBytes, 0)
        return fetchTimeout + .seconds(bytes / rate) + .nanoseconds((bytes % rate) * 1_000_000_000 / rate)
    }
}
