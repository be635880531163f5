import AthPrimitives
import AthCrypto

/// A log as recorded in a receipt.
public struct LogRecord: Hashable, Sendable {
    public var address: Address
    public var topics: [Hash32]
    public var data: [UInt8]

    public init(address: Address, topics: [Hash32], data: [UInt8]) {
        self.address = address; self.topics = topics; self.data = data
    }
}

/// A transaction receipt in Ethereum's post-Byzantium form: the consensus
/// fields that the receipts root commits to. Everything else an RPC client
/// sees (gas used by this transaction, effective gas price, contract address,
/// log indexes) is derived from the block.
public struct Receipt: Hashable, Sendable {
    public var type: TransactionType
    public var succeeded: Bool
    public var cumulativeGasUsed: UInt64
    public var logs: [LogRecord]
    public var bloom: Bloom

    /// Upper bounds applied when decoding stored or received receipts.
    public static let maxLogs = 1 << 16, maxTopics = 4

    public init(type: TransactionType, succeeded: Bool, cumulativeGasUsed: UInt64, logs: [LogRecord]) {
        self.type = type; self.succeeded = succeeded; self.cumulativeGasUsed = cumulativeGasUsed; self.logs = logs
        self.bloom = Bloom(logs: logs.lazy.map { (address: $0.address, topics: $0.topics) })
    }

    /// The typed envelope: the type byte (omitted for legacy) then
    /// rlp([status, cumulativeGasUsed, bloom, logs]).
    public var encoded: [UInt8] {
        var w = RLPWriter(capacity: 300 + logs.count * 128)
        if type != .legacy { w.append(raw: [type.rawValue]) }
        w.appendList { w in
            w.append(UInt64(succeeded ? 1 : 0))
            w.append(cumulativeGasUsed)
            w.append(bytes: bloom.bytes)
            w.appendList { w in
                for log in logs {
                    w.appendList { w in
                        w.append(log.address)
                        w.appendList { w in for t in log.topics { w.append(t) } }
                        w.append(bytes: log.data)
                    }
                }
            }
        }
        return w.bytes
    }

    public init(decoding bytes: [UInt8]) throws(BlockDecodingError) {
        guard let first = bytes.first else { throw .invalid("empty receipt") }
        var payload = bytes
        if first < 0x80 {
            guard let t = TransactionType(rawValue: first), t != .legacy else {
                throw .invalid("unknown receipt type \(first)")
            }
            type = t
            payload = Array(bytes.dropFirst())
        } else {
            type = .legacy
        }
        do {
            var outer = RLPDecoder(payload)
            var d = try outer.readList()
            try outer.finish()
            let status = try d.readUInt64()
            guard status <= 1 else { throw BlockDecodingError.invalid("receipt status \(status)") }
            succeeded = status == 1
            cumulativeGasUsed = try d.readUInt64()
            guard let b = Bloom(try d.readBytes()) else { throw BlockDecodingError.invalid("receipt bloom is not 256 bytes") }
            bloom = b
            var list = try d.readList()
            var logs: [LogRecord] = []
            while !list.isAtEnd {
                guard logs.count < Self.maxLogs else { throw BlockDecodingError.invalid("too many logs in a receipt") }
                var l = try list.readList()
                let address = try l.readAddress()
                var ts = try l.readList()
                var topics: [Hash32] = []
                while !ts.isAtEnd {
                    guard topics.count < Self.maxTopics else { throw BlockDecodingError.invalid("more than 4 topics in a log") }
                    topics.append(try ts.readHash())
                }
                let data = Array(try l.readBytes())
                try l.finish()
                logs.append(LogRecord(address: address, topics: topics, data: data))
            }
            try d.finish()
            self.logs = logs
        } catch let e as BlockDecodingError {
            throw e
        } catch let e as RLPError {
            throw .rlp("receipt", e)
        } catch {
            throw .invalid("receipt: \(error)")
        }
    }

    /// A list of receipts as stored: rlp([envelope, ...]) with each envelope a byte string.
    public static func encodeList(_ receipts: [Receipt]) -> [UInt8] {
        var w = RLPWriter(capacity: receipts.count * 400 + 16)
        w.appendList { w in for r in receipts { w.append(bytes: r.encoded) } }
        return w.bytes
    }

    public static func decodeList(_ bytes: [UInt8]) throws(BlockDecodingError) -> [Receipt] {
        var out: [Receipt] = []
        do {
            var outer = RLPDecoder(bytes)
            var list = try outer.readList()
            try outer.finish()
            while !list.isAtEnd { out.append(try Receipt(decoding: Array(try list.readBytes()))) }
        } catch let e as BlockDecodingError {
            throw e
        } catch let e as RLPError {
            throw .rlp("receipts", e)
        } catch {
            throw .invalid("receipts: \(error)")
        }
        return out
    }
}
