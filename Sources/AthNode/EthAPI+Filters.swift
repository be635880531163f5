import Foundation
import Synchronization
import AthPrimitives
import AthCrypto
import AthRPC

/// Filters polled with eth_getFilterChanges (web3.py's `w3.eth.filter`):
/// new blocks, new pending transactions, or logs. Each expires after
/// `expirySeconds` without a poll; at most `maxFilters` exist at once and
/// `maxPerClient` per client address, so a client that installs and never
/// polls cannot grow the node's memory.
final class FilterRegistry: Sendable {
    enum Kind: Sendable {
        case blocks
        case pendingTransactions
        case logs(LogQuery)
    }

    struct Filter: Sendable {
        let kind: Kind
        let owner: String
        /// The last block whose changes were delivered.
        var last: UInt64
        /// Pending transaction hashes not yet delivered (pending filters).
        var hashes: [Hash32] = []
        var lastPolled: Double
    }

    static let maxFilters = 1024, maxPerClient = 64
    static let expirySeconds = 300.0
    /// Hashes one pending-transaction filter holds between polls; older ones are dropped.
    static let maxPendingHashes = 10_000

    private let filters = Mutex<[String: Filter]>([:])
    let now: @Sendable () -> Double

    init(now: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) { self.now = now }

    /// Installs a filter whose changes start after block `head`; its id.
    func install(_ kind: Kind, head: UInt64, owner: String) throws(RPCError) -> String {
        let t = now()
        var random = [UInt8](repeating: 0, count: 16)
        for i in random.indices { random[i] = UInt8.random(in: 0...255) }
        let id = Hex.encode(random)
        let refusal = filters.withLock { f -> String? in
            Self.sweep(&f, now: t)
            if f.count >= Self.maxFilters {
                return "too many filters installed (limit \(Self.maxFilters)); uninstall some or let them expire"
            }
            if f.values.count(where: { $0.owner == owner }) >= Self.maxPerClient {
                return "too many filters from this client (limit \(Self.maxPerClient)); uninstall some with eth_uninstallFilter"
            }
            f[id] = Filter(kind: kind, owner: owner, last: head, lastPolled: t)
            return nil
        }
        if let refusal { throw RPCError(code: -32005, message: refusal) }
        return id
    }

    /// The filter `id`, marked as polled now; nil when unknown or expired.
    func poll(_ id: String) -> Filter? {
        let t = now()
        return filters.withLock { f in
            Self.sweep(&f, now: t)
            f[id]?.lastPolled = t
            return f[id]
        }
    }

    /// Records that `id`'s changes up to block `block` were delivered.
    func advance(_ id: String, to block: UInt64) {
        filters.withLock { f in if let last = f[id]?.last, block > last { f[id]!.last = block } }
    }

    /// Takes the pending transaction hashes `id` holds.
    func takeHashes(_ id: String) -> [Hash32] {
        filters.withLock { f in
            defer { f[id]?.hashes = [] }
            return f[id]?.hashes ?? []
        }
    }

    func uninstall(_ id: String) -> Bool { filters.withLock { $0.removeValue(forKey: id) != nil } }

    /// A transaction entered the pool: every pending-transaction filter gets its hash.
    func noteAdmitted(_ hash: Hash32) {
        filters.withLock { f in
            for (id, filter) in f {
                guard case .pendingTransactions = filter.kind else { continue }
                f[id]!.hashes.append(hash)
                if f[id]!.hashes.count > Self.maxPendingHashes { f[id]!.hashes.removeFirst(f[id]!.hashes.count - Self.maxPendingHashes) }
            }
        }
    }

    var count: Int { filters.withLock { $0.count } }

    private static func sweep(_ f: inout [String: Filter], now: Double) {
        f = f.filter { now - $0.value.lastPolled < expirySeconds }
    }
}

/// eth_newFilter, eth_newBlockFilter, eth_newPendingTransactionFilter,
/// eth_getFilterChanges, eth_getFilterLogs, eth_uninstallFilter.
extension EthAPI {
    static let filterMethods: Set<String> = [
        "eth_newFilter", "eth_newBlockFilter", "eth_newPendingTransactionFilter", "eth_getFilterChanges",
        "eth_getFilterLogs", "eth_uninstallFilter",
    ]

    func handleFilter(_ method: String, _ p: Params, owner: String) throws(RPCError) -> JSON {
        switch method {
        case "eth_newFilter":
            try p.require(count: 1...1)
            let q = try logQuery(p[0], 0)
            if let hash = q.blockHash, chain.store.number(ofHash: hash) == nil {
                throw RPCError(code: -32000, message: "unknown block")
            }
            return .string(try filters.install(.logs(q), head: chain.head.number, owner: owner))
        case "eth_newBlockFilter":
            try p.require(count: 0...0)
            return .string(try filters.install(.blocks, head: chain.head.number, owner: owner))
        case "eth_newPendingTransactionFilter":
            try p.require(count: 0...1)
            return .string(try filters.install(.pendingTransactions, head: chain.head.number, owner: owner))
        case "eth_uninstallFilter":
            try p.require(count: 1...1)
            return .bool(filters.uninstall(try filterID(p)))
        case "eth_getFilterChanges":
            try p.require(count: 1...1)
            let id = try filterID(p)
            guard let filter = filters.poll(id) else { throw Self.filterNotFound }
            let head = chain.head.number
            switch filter.kind {
            case .pendingTransactions:
                return .array(filters.takeHashes(id).map(RPCValue.hash))
            case .blocks:
                // At most maxLogBlocks hashes per poll; the rest come with the next one.
                let upTo = min(head, filter.last + UInt64(Self.maxLogBlocks))
                var hashes: [JSON] = []
                if upTo > filter.last {
                    for n in (filter.last + 1)...upTo {
                        guard let b = try loaded(n) else { break }
                        hashes.append(RPCValue.hash(b.block.hash))
                    }
                }
                filters.advance(id, to: upTo)
                return .array(hashes)
            case .logs(let q):
                var bounded = q
                // Changes since the last poll, no more than maxLogBlocks blocks at once
                // ("latest" as fromBlock means from the install on, as in geth).
                let upTo = min(head, filter.last + UInt64(Self.maxLogBlocks))
                bounded.fromBlock = q.fromBlock ?? 0
                bounded.toBlock = min(q.toBlock ?? upTo, upTo)
                let found = try findLogs(bounded, since: filter.last)
                filters.advance(id, to: upTo)
                return .array(found)
            }
        case "eth_getFilterLogs":
            try p.require(count: 1...1)
            guard let filter = filters.poll(try filterID(p)) else { throw Self.filterNotFound }
            guard case .logs(let q) = filter.kind else {
                throw RPCError(code: -32000, message: "filter is not a log filter: eth_getFilterLogs serves eth_newFilter filters")
            }
            return .array(try findLogs(q, since: nil))
        default:
            throw RPCError(code: -32601, message: "the method \(method) does not exist/is not available")
        }
    }

    static let filterNotFound = RPCError(code: -32000, message: "filter not found")

    private func filterID(_ p: Params) throws(RPCError) -> String {
        let s = try p.string(0)
        guard s.count <= 66, s.hasPrefix("0x") else { throw Params.invalid(0, "expected a filter id") }
        return s.lowercased()
    }
}
