import AthPrimitives
import AthCrypto
import AthTypes
import AthExecution

/// The logs a block's system calls emitted (rewards minted, epochs started,
/// payouts released, downtime jails…): they belong to no transaction, so no
/// receipt holds them. The node keeps them per block beside the receipts and
/// serves them in eth_getLogs, `logs` subscriptions and ath_blockEvents as
/// one pseudo-transaction after the block's last transaction.
public struct SystemEvents: Sendable, Equatable {
    /// Emitted by the begin-block calls (before the transactions ran).
    public var begin: [LogRecord] = []
    /// Emitted by the end-block calls.
    public var end: [LogRecord] = []

    public init() {}

    init(_ executed: ExecutedBlock) {
        begin = Array(executed.systemLogs.prefix(executed.systemLogsBeforeTransactions))
        end = Array(executed.systemLogs.dropFirst(executed.systemLogsBeforeTransactions))
    }

    public var all: [LogRecord] { begin + end }
    public var isEmpty: Bool { begin.isEmpty && end.isEmpty }

    /// As stored: two receipts' worth of logs (begin, end) in the receipt list encoding.
    var encoded: [UInt8] {
        Receipt.encodeList([Receipt(type: .legacy, succeeded: true, cumulativeGasUsed: 0, logs: begin),
                            Receipt(type: .legacy, succeeded: true, cumulativeGasUsed: 0, logs: end)])
    }

    init(decoding bytes: [UInt8]) throws(BlockDecodingError) {
        let parts = try Receipt.decodeList(bytes)
        guard parts.count == 2 else { throw .invalid("system events hold \(parts.count) parts, expected 2") }
        begin = parts[0].logs
        end = parts[1].logs
    }

    /// The pseudo-transaction hash the logs of block `blockHash` carry:
    /// keccak256("ath-system-events" ‖ block hash). No transaction has it.
    static func transactionHash(blockHash: Hash32) -> Hash32 {
        Keccak256.hash(Array("ath-system-events".utf8) + blockHash.bytes)
    }
}
