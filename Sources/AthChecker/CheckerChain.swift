import AthPrimitives
import AthCrypto
import AthTypes
import AthClient

/// The Staking views and event a checker reads besides `AthClient`'s (Contracts/Staking.vy).
public enum CheckerABI {
    public static let isActiveOperator = ABIFunction("isActiveOperator", [.address], returns: [.bool])
    public static let isActiveChecker = ABIFunction("isActiveChecker", [.address], returns: [.bool])
    public static let operatorRegistered = ABIEvent("OperatorRegistered", [
        ("operator", .address), ("gpuModel", .string), ("gpuCount", .uint256), ("gpuMemoryGiB", .uint256),
        ("endpoint", .string), ("stake", .uint256),
    ], indexed: ["operator"])
}

/// A `ResultCommitted` log: a result awaiting the checkers; or an
/// `AppealOpened` log: a job awaiting its jury (`appeal`), whose operator,
/// root and commitment block the check reads from the chain.
struct CommittedResult: Sendable, Equatable {
    var jobID: UInt256
    var `operator`: Address
    var root: Hash32
    /// The block that holds the commitment; the next block's hash seeds
    /// Freivalds. For an appeal, the block that opened it.
    var block: UInt64
    var appeal = false

    /// What the queue checks once: a job's first round, and its appeal.
    struct Key: Hashable { var jobID: UInt256; var appeal: Bool }
    var key: Key { Key(jobID: jobID, appeal: appeal) }
}

/// Where a job's appeal stands, as the checker reads it.
struct AppealState {
    /// Open: the jury may still report.
    var open: Bool
    /// This checker signed the appealed verdict.
    var excluded: Bool
    /// The last report round; the jury signs the next.
    var lastRound: UInt256
}

/// What a job's published spec turned out to be.
enum PublishedSpec {
    case gemm(GemmSpec)
    /// No spec, or one the checker cannot verify, with the reason.
    case unusable(String)
}

/// The chain reads of a checker, over a `ChainClient` (blocking; never on an
/// event loop thread). Every answer is decoded without trusting it.
struct CheckerChain: Sendable {
    let client: ChainClient

    /// The `ResultCommitted` logs of blocks `from...to`, in chain order; logs that do not decode are skipped.
    func committedResults(from: UInt64, to: UInt64) throws(ChainClientError) -> [CommittedResult] {
        let event = JobEvents.resultCommitted
        return try client.logs(address: ProtocolContract.escrow.address, topics: [event.topic0], from: from, to: to)
            .compactMap { log in
                guard let fields = try? event.decode(topics: log.topics, data: log.data), fields.count == 3,
                      let root = Hash32(fields[2].1.bytesValue) else { return nil }
                return CommittedResult(jobID: fields[0].1.uintValue, operator: fields[1].1.addressValue, root: root,
                                       block: log.blockNumber)
            }
    }

    /// The `AppealOpened` logs of blocks `from...to`, in chain order.
    func appealsOpened(from: UInt64, to: UInt64) throws(ChainClientError) -> [CommittedResult] {
        let event = OracleABI.appealOpened
        return try client.logs(address: ProtocolContract.oracle.address, topics: [event.topic0], from: from, to: to)
            .compactMap { log in
                guard let fields = try? event.decode(topics: log.topics, data: log.data), fields.count == 6 else { return nil }
                return CommittedResult(jobID: fields[0].1.uintValue, operator: .zero, root: .zero, block: log.blockNumber, appeal: true)
            }
    }

    /// Job `id`'s appeal as of the head, for `checker`.
    func appeal(_ id: UInt256, checker: Address, head: UInt64) throws(ChainClientError) -> AppealState {
        try appealState(key: id, checker: checker, head: head, lastRound: (OracleABI.lastRound, [.uint(id)]))
    }

    /// The appeal with Oracle key `key` as of the head, for `checker`; the
    /// last report round is read with `lastRound` (job or uptime).
    private func appealState(key: UInt256, checker: Address, head: UInt64,
                             lastRound: (ABIFunction, [ABIValue])) throws(ChainClientError) -> AppealState {
        let deadline = try client.view(.oracle, OracleABI.appealDeadline, [.uint(key)]).first?.uintValue ?? .zero
        let decided = try client.view(.oracle, OracleABI.appealDecided, [.uint(key)]).first?.boolValue ?? true
        let excluded = try client.view(.oracle, OracleABI.appealExcluded, [.uint(key), .address(checker)]).first?.boolValue ?? true
        let last = try client.view(.oracle, lastRound.0, lastRound.1).first?.uintValue ?? .zero
        return AppealState(open: !deadline.isZero && !decided && UInt256(head) < deadline, excluded: excluded, lastRound: last)
    }

    /// The `UptimeAppealOpened` logs of blocks `from...to`: (operator, epoch), in chain order.
    func uptimeAppealsOpened(from: UInt64, to: UInt64) throws(ChainClientError) -> [(operator: Address, epoch: UInt64)] {
        let event = OracleABI.uptimeAppealOpened
        return try client.logs(address: ProtocolContract.oracle.address, topics: [event.topic0], from: from, to: to)
            .compactMap { log in
                guard let fields = try? event.decode(topics: log.topics, data: log.data), fields.count == 6,
                      let epoch = fields[1].1.uintValue.uint64IfFits else { return nil }
                return (fields[0].1.addressValue, epoch)
            }
    }

    /// The appeal of `operator`'s uptime report of `epoch` as of the head, for `checker`.
    func uptimeAppeal(_ operator: Address, epoch: UInt64, checker: Address, head: UInt64) throws(ChainClientError) -> AppealState {
        try appealState(key: OracleABI.uptimeKey(`operator`, epoch), checker: checker, head: head,
                        lastRound: (OracleABI.lastUptimeRound, [.address(`operator`), .uint(UInt256(epoch))]))
    }

    /// The block of job `id`'s commitment (0: none).
    func commitBlock(_ id: UInt256) throws(ChainClientError) -> UInt64 {
        let block = try client.view(.escrow, EscrowABI.commitBlock, [.uint(id)]).first?.uintValue ?? .zero
        return block.uint64IfFits ?? 0
    }

    /// The operators that registered in blocks `from...to`.
    func registeredOperators(from: UInt64, to: UInt64) throws(ChainClientError) -> [Address] {
        let event = CheckerABI.operatorRegistered
        return try client.logs(address: ProtocolContract.staking.address, topics: [event.topic0], from: from, to: to)
            .compactMap { log in (try? event.decode(topics: log.topics, data: log.data))?.first?.1.addressValue }
    }

    /// The escrow job, nil when the node's answer does not decode as one.
    func job(_ id: UInt256) throws(ChainClientError) -> EscrowJob? {
        EscrowJob(try client.view(.escrow, EscrowABI.job, [.uint(id)]))
    }

    /// The job's spec from its `JobSpecPublished` log in the block that created it.
    func spec(of job: EscrowJob, id: UInt256) throws(ChainClientError) -> PublishedSpec {
        let event = JobEvents.jobSpecPublished
        let logs = try client.logs(address: ProtocolContract.escrow.address, topics: [event.topic0, Hash32(id.bigEndianBytes)!],
                                   from: job.createdBlock, to: job.createdBlock)
        for log in logs {
            guard let fields = try? event.decode(topics: log.topics, data: log.data), fields.count == 2 else { continue }
            let bytes = fields[1].1.bytesValue
            guard Keccak256.hash(bytes) == job.specHash else { continue }
            do { return .gemm(try GemmSpec(decoding: bytes)) } catch { return .unusable("its spec is not gemm-i8: \(error)") }
        }
        return .unusable("no published spec matches its spec hash \(job.specHash)")
    }

    /// A protocol parameter (Params.get).
    func param(_ name: String) throws(ChainClientError) -> UInt256 {
        guard let v = try client.view(.params, ParamsABI.get, [.string(name)]).first?.uintValue else {
            throw ChainClientError("Params.get(\"\(name)\") returned nothing")
        }
        return v
    }

    /// The endpoint an operator registered.
    func endpoint(of op: Address) throws(ChainClientError) -> String {
        let fields = try client.view(.staking, StakingABI.operators, [.address(op)]).first?.items ?? []
        guard fields.count == 6 else { throw ChainClientError("Staking.operators(\(op)) returned malformed data") }
        return fields[3].stringValue
    }

    func isActiveOperator(_ op: Address) throws(ChainClientError) -> Bool {
        try client.view(.staking, CheckerABI.isActiveOperator, [.address(op)]).first?.boolValue ?? false
    }

    func isActiveChecker(_ checker: Address) throws(ChainClientError) -> Bool {
        try client.view(.staking, CheckerABI.isActiveChecker, [.address(checker)]).first?.boolValue ?? false
    }
}
