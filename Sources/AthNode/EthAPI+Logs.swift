import AthPrimitives
import AthTypes
import AthRPC

/// A log filter's criteria, as eth_getLogs and eth_newFilter take them.
struct LogQuery: Sendable {
    /// A range bound: a block number, or the head at the time of the query (nil).
    var fromBlock: UInt64?, toBlock: UInt64?
    /// A single block by hash (then no range).
    var blockHash: Hash32?
    var addresses: [Address] = []
    /// Per position: nil matches any topic, else one of the listed ones.
    var topics: [[Hash32]?] = []

    /// Whether `log` meets the address and topic criteria.
    func matches(_ log: LogRecord) -> Bool {
        if !addresses.isEmpty && !addresses.contains(log.address) { return false }
        for (pos, alts) in topics.enumerated() {
            guard let alts else { continue }
            if pos >= log.topics.count || !alts.contains(log.topics[pos]) { return false }
        }
        return true
    }
}

/// eth_getLogs, and the log search the filters share.
extension EthAPI {
    /// Parses a filter object (argument `i`), refusing unknown fields and malformed values.
    func logQuery(_ filter: JSON?, _ i: Int) throws(RPCError) -> LogQuery {
        guard let filter, let fields = filter.objectValue else { throw Params.invalid(i, "expected a filter object") }
        for (k, _) in fields where !["fromBlock", "toBlock", "address", "topics", "blockHash"].contains(k) {
            throw Params.invalid(i, "unknown filter field \"\(k)\"")
        }
        var q = LogQuery()
        if let bh = filter["blockHash"], !bh.isNull {
            if filter["fromBlock"] != nil || filter["toBlock"] != nil {
                throw Params.invalid(i, "cannot specify both BlockHash and FromBlock/ToBlock, choose one or the other")
            }
            guard let s = bh.stringValue else { throw Params.invalid(i, "blockHash must be a hash") }
            q.blockHash = try Params.hash(s, i)
        } else {
            q.fromBlock = try filterBound(filter["fromBlock"], i)
            q.toBlock = try filterBound(filter["toBlock"], i)
        }
        if let a = filter["address"], !a.isNull {
            if let s = a.stringValue { q.addresses = [try Params.address(s, i)] } else if let arr = a.arrayValue {
                for v in arr {
                    guard let s = v.stringValue else { throw Params.invalid(i, "addresses must be strings") }
                    q.addresses.append(try Params.address(s, i))
                }
            } else {
                throw Params.invalid(i, "address must be an address or a list of addresses")
            }
        }
        if let t = filter["topics"], !t.isNull {
            guard let arr = t.arrayValue else { throw Params.invalid(i, "topics must be an array") }
            guard arr.count <= 4 else { throw Params.invalid(i, "too many topics, at most 4") }
            for entry in arr {
                if entry.isNull { q.topics.append(nil); continue }
                if let s = entry.stringValue { q.topics.append([try Params.hash(s, i)]); continue }
                guard let alts = entry.arrayValue else { throw Params.invalid(i, "a topic must be a hash, a list or null") }
                if alts.isEmpty { q.topics.append(nil); continue }
                var hs: [Hash32] = []
                for v in alts {
                    guard let s = v.stringValue else { throw Params.invalid(i, "topics must be hashes") }
                    hs.append(try Params.hash(s, i))
                }
                q.topics.append(hs)
            }
        }
        return q
    }

    /// A range bound: a number, `earliest` (0), or nil for the head at query time.
    func filterBound(_ v: JSON?, _ i: Int) throws(RPCError) -> UInt64? {
        switch try BlockSelector.parse(v, i) {
        case .hash: throw Params.invalid(i, "fromBlock/toBlock must be numbers or tags")
        case .number(let n): return n
        case .earliest: return 0
        default: return nil
        }
    }

    func logs(_ p: Params) throws(RPCError) -> JSON {
        let q = try logQuery(p[0], 0)
        return .array(try findLogs(q, since: nil))
    }

    /// The logs matching `q`, in block order; with `since`, only those of
    /// blocks after it (a filter's changes). Refuses a range over
    /// `maxLogBlocks` blocks or a result over `maxLogResults` logs.
    func findLogs(_ q: LogQuery, since: UInt64?) throws(RPCError) -> [JSON] {
        let head = chain.head.number
        var from: UInt64, to: UInt64
        if let hash = q.blockHash {
            guard let n = chain.store.number(ofHash: hash) else { throw RPCError(code: -32000, message: "unknown block") }
            from = n; to = n
            if let since, since >= n { return [] }
        } else {
            from = q.fromBlock ?? head
            to = q.toBlock ?? head
            if let since {
                from = max(from, since + 1)
                to = min(to, head)
                if from > to { return [] }
            }
            if to >= from, to - from >= UInt64(Self.maxLogBlocks) {
                throw RPCError(code: -32000, message: "block range greater than \(Self.maxLogBlocks) max")
            }
            to = min(to, head)
            guard from <= to || from > head else { throw RPCError(code: -32000, message: "invalid block range params") }
            if from > head { return [] }
        }
        guard to - from < UInt64(Self.maxLogBlocks) else {
            throw RPCError(code: -32000, message: "block range greater than \(Self.maxLogBlocks) max")
        }
        guard let candidates = chain.store.logBlocks(from: from, to: to, addresses: q.addresses, topics: q.topics,
                                                     limit: Self.maxLogBlocks) else {
            throw RPCError(code: -32005, message: "query returned more than \(Self.maxLogResults) results")
        }
        var out: [JSON] = []
        for n in candidates {
            guard let b = try loaded(n) else { continue }
            for i in b.receipts.indices {
                for (k, l) in b.receipts[i].logs.enumerated() where q.matches(l) {
                    out.append(logJSON(b, tx: i, log: k))
                    if out.count > Self.maxLogResults {
                        throw RPCError(code: -32005, message: "query returned more than \(Self.maxLogResults) results")
                    }
                }
            }
            for (k, l) in b.system.all.enumerated() where q.matches(l) {
                out.append(systemLogJSON(b, log: k))
                if out.count > Self.maxLogResults {
                    throw RPCError(code: -32005, message: "query returned more than \(Self.maxLogResults) results")
                }
            }
        }
        return out
    }
}
