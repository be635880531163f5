import Foundation
import Synchronization
import AthPrimitives
import AthCrypto
import AthTypes
import AthEVM
import AthExecution
import AthStorage
import AthMempool
import AthRPC

/// What the consensus and P2P layer tells JSON-RPC.
public protocol NetworkStatusSource: AnyObject, Sendable {
    var peerCount: Int { get }
    /// Where block sync started and the highest height a peer reported; nil when not syncing.
    var syncProgress: (start: UInt64, target: UInt64)? { get }
    /// The `ath_status` result.
    func statusJSON() -> JSON
}

/// The eth_, net_ and web3_ JSON-RPC methods over a `Chain`.
public final class EthAPI: RPCHandler, @unchecked Sendable {
    let chain: Chain
    let clientVersion: String
    /// Called after a transaction is admitted (instant mining, pending-tx subscriptions).
    let onAdmitted: @Sendable (Hash32) -> Void
    private let blocks = BlockCache(capacity: 128)
    /// The tip suggested by eth_maxPriorityFeePerGas and added by eth_gasPrice.
    public static let suggestedTip = UInt256(1_000_000_000)
    /// Bounds on eth_getLogs.
    public static let maxLogBlocks = 10_000, maxLogResults = 10_000
    /// Gas cap for eth_call and eth_estimateGas when the call names none (geth's RPCGasCap).
    public static let callGasCap: UInt64 = 50_000_000

    /// The consensus and peer-to-peer side, when the node runs one (ath_status, net_peerCount, eth_syncing).
    nonisolated(unsafe) public var network: (any NetworkStatusSource)?
    /// The oracle module (ath_submitAttestation, ath_attestations, ath_job).
    nonisolated(unsafe) public var oracle: OracleService?

    public init(chain: Chain, clientVersion: String, onAdmitted: @escaping @Sendable (Hash32) -> Void = { _ in }) {
        self.chain = chain; self.clientVersion = clientVersion; self.onAdmitted = onAdmitted
    }

    /// The method names this handler serves (for metrics labels).
    public static let methods: Set<String> = Set([
        "web3_clientVersion", "web3_sha3", "net_version", "net_listening", "net_peerCount", "eth_chainId",
        "eth_blockNumber", "eth_syncing", "eth_accounts", "eth_getBalance", "eth_getTransactionCount", "eth_getCode",
        "eth_getStorageAt", "eth_sendRawTransaction", "eth_getTransactionByHash", "eth_getTransactionReceipt",
        "eth_getBlockByNumber", "eth_getBlockByHash", "eth_getBlockTransactionCountByNumber",
        "eth_getBlockTransactionCountByHash", "eth_call", "eth_estimateGas", "eth_gasPrice",
        "eth_maxPriorityFeePerGas", "eth_feeHistory", "eth_getLogs", "eth_getProof", "eth_subscribe", "eth_unsubscribe",
        "ath_validators", "ath_status",
    ]).union(oracleMethods)

    public func handle(method: String, params: JSON, context: RPCRequestContext) async throws(RPCError) -> JSON {
        let p = try Params(params)
        switch method {
        case "web3_clientVersion": return .string(clientVersion)
        case "web3_sha3":
            try p.require(count: 1...1)
            return RPCValue.hash(Keccak256.hash(try p.bytes(0)))
        case "net_version": return .string(String(chain.rules.chainID))
        case "net_listening": return .bool(true)
        case "net_peerCount": return RPCValue.quantity(UInt64(network?.peerCount ?? 0))
        case "eth_chainId": return RPCValue.quantity(chain.rules.chainID)
        case "eth_blockNumber": return RPCValue.quantity(chain.head.number)
        case "eth_syncing":
            guard let sync = network?.syncProgress, sync.target > chain.head.number else { return .bool(false) }
            return .object([("startingBlock", RPCValue.quantity(sync.start)), ("currentBlock", RPCValue.quantity(chain.head.number)),
                             ("highestBlock", RPCValue.quantity(sync.target))])
        case "eth_accounts": return .array([])
        case "eth_getBalance":
            try p.require(count: 1...2)
            let a = try p.address(0)
            let at = try stateBlock(p[1], 1)
            return RPCValue.quantity(try account(a, at: at.number)?.balance ?? .zero)
        case "eth_getTransactionCount":
            try p.require(count: 1...2)
            let a = try p.address(0)
            let at = try stateBlock(p[1], 1)
            if at.selector == .pending {
                return RPCValue.quantity(chain.mempool.pendingNonce(of: a, state: chain.stateView))
            }
            return RPCValue.quantity(try account(a, at: at.number)?.nonce ?? 0)
        case "eth_getCode":
            try p.require(count: 1...2)
            let a = try p.address(0)
            let at = try stateBlock(p[1], 1)
            guard let acct = try account(a, at: at.number), acct.codeHash != Commitments.emptyCodeHash else { return .string("0x") }
            return RPCValue.data(chain.store.code(acct.codeHash) ?? [])
        case "eth_getStorageAt":
            try p.require(count: 2...3)
            let a = try p.address(0)
            guard let slotText = p[1]?.stringValue else { throw Params.invalid(1, "expected a hex storage key") }
            let slot = try Self.storageKey(slotText, 1)
            let at = try stateBlock(p[2], 2)
            return RPCValue.data(try storage(a, slot, at: at.number).bigEndianBytes)
        case "eth_sendRawTransaction":
            try p.require(count: 1...1)
            return try sendRaw(try p.bytes(0))
        case "eth_getTransactionByHash":
            try p.require(count: 1...1)
            return try transactionByHash(try p.hash(0))
        case "eth_getTransactionReceipt":
            try p.require(count: 1...1)
            return try receipt(try p.hash(0))
        case "eth_getBlockByNumber":
            try p.require(count: 1...2)
            let sel = try BlockSelector.parse(p[0], 0)
            let full = try p.bool(1, default: false)
            guard let n = resolve(sel) else { return .null }
            return try blockJSON(number: n, full: full)
        case "eth_getBlockByHash":
            try p.require(count: 1...2)
            let full = try p.bool(1, default: false)
            guard let n = chain.store.number(ofHash: try p.hash(0)) else { return .null }
            return try blockJSON(number: n, full: full)
        case "eth_getBlockTransactionCountByNumber":
            try p.require(count: 1...1)
            guard let n = resolve(try BlockSelector.parse(p[0], 0)), let b = try loaded(n) else { return .null }
            return RPCValue.quantity(b.block.transactions.count)
        case "eth_getBlockTransactionCountByHash":
            try p.require(count: 1...1)
            guard let n = chain.store.number(ofHash: try p.hash(0)), let b = try loaded(n) else { return .null }
            return RPCValue.quantity(b.block.transactions.count)
        case "eth_call":
            try p.require(count: 1...3)
            let tx = try callTransaction(p, estimate: false)
            let at = try stateBlock(p[1], 1)
            return try await call(tx, at: at.number, client: Self.client(context))
        case "eth_estimateGas":
            try p.require(count: 1...3)
            let tx = try callTransaction(p, estimate: true)
            let at = try stateBlock(p[1], 1)
            return try await estimateGas(tx, at: at.number, client: Self.client(context))
        case "eth_gasPrice": return RPCValue.quantity(chain.nextBaseFee &+ Self.suggestedTip)
        case "eth_maxPriorityFeePerGas": return RPCValue.quantity(Self.suggestedTip)
        case "eth_feeHistory":
            try p.require(count: 2...3)
            return try feeHistory(p)
        case "eth_getLogs":
            try p.require(count: 1...1)
            return try logs(p)
        case "eth_getProof":
            return try await proof(p, client: Self.client(context))
        case "ath_validators":
            try p.require(count: 0...0)
            return validatorsJSON()
        case "ath_status":
            try p.require(count: 0...0)
            return network?.statusJSON() ?? .object([
                ("chainId", RPCValue.quantity(chain.rules.chainID)), ("height", RPCValue.quantity(chain.head.number)),
                ("head", RPCValue.hash(chain.head.hash)), ("syncing", .bool(false)), ("peers", .array([])),
            ])
        case _ where Self.oracleMethods.contains(method):
            return try handleOracle(method, p)
        default:
            throw RPCError(code: -32601, message: "the method \(method) does not exist/is not available")
        }
    }

    /// `ath_validators`: the current epoch and its validator set as Staking
    /// fixed it at the epoch's first block (empty on a chain without Staking).
    func validatorsJSON() -> JSON {
        let current = chain.epochValidators()
        let set = (current?.validators ?? []).map { v in
            JSON.object([("account", RPCValue.address(v.account)), ("consensusKey", RPCValue.hash(v.consensusKey)),
                         ("power", RPCValue.quantity(v.power))])
        }
        return .object([("height", RPCValue.quantity(chain.head.number)),
                         ("epoch", current.map { RPCValue.quantity($0.epoch) } ?? .null),
                         ("validators", .array(set))])
    }

    // MARK: State queries

    /// Which state a query reads: the head's (`number` nil: latest, pending,
    /// safe, finalized) or that of the block named by number or hash, which
    /// must exist and not be below the kept history.
    func stateBlock(_ v: JSON?, _ i: Int) throws(RPCError) -> (selector: BlockSelector, number: UInt64?) {
        let sel = try BlockSelector.parse(v, i)
        let n: UInt64
        switch sel {
        case .latest, .pending, .safe, .finalized: return (sel, nil)
        case .earliest: n = 0
        case .number(let x):
            guard x <= chain.head.number else { throw RPCError(code: -32000, message: "header not found") }
            n = x
        case .hash(let h):
            guard let x = chain.store.number(ofHash: h) else { throw RPCError(code: -32000, message: "header for hash \(h) not found") }
            n = x
        }
        let from = chain.store.historyFrom
        guard n >= from else { throw RPCError(code: -32000, message: HistoryLimit.pruned(n, from: from)) }
        return (sel, n)
    }

    /// The account at `a` at block `number` (the head when nil), read in one snapshot.
    func account(_ a: Address, at number: UInt64?) throws(RPCError) -> AccountRecord? {
        guard let number else { return chain.store.account(a) }
        return try readState(number) { $0.account(a, at: number) }
    }

    /// Storage slot `slot` of `a` at block `number` (the head when nil).
    func storage(_ a: Address, _ slot: UInt256, at number: UInt64?) throws(RPCError) -> UInt256 {
        guard let number else { return chain.store.storage(a, slot) }
        return try readState(number) { $0.storage(a, slot, at: number) }
    }

    /// Runs `body` on a snapshot that still keeps the state of block `number`.
    func readState<T>(_ number: UInt64, _ body: (StoreSnapshot) -> T) throws(RPCError) -> T {
        let outcome: Result<T, RPCError>
        do {
            outcome = try chain.store.snapshot { snap in
                let from = snap.historyFrom
                guard number >= from else {
                    return .failure(RPCError(code: -32000, message: HistoryLimit.pruned(number, from: from)))
                }
                return .success(body(snap))
            }
        } catch {
            throw RPCError(code: -32603, message: "cannot read the chain state: \(error)")
        }
        return try outcome.get()
    }

    func resolve(_ sel: BlockSelector) -> UInt64? {
        let head = chain.head.number
        switch sel {
        case .latest, .pending, .safe, .finalized: return head
        case .earliest: return 0
        case .number(let n): return n <= head ? n : nil
        case .hash(let h): return chain.store.number(ofHash: h)
        }
    }

    // MARK: Transactions

    func sendRaw(_ raw: [UInt8]) throws(RPCError) -> JSON {
        do {
            let (hash, _) = try chain.admit(raw: raw)
            onAdmitted(hash)
            return RPCValue.hash(hash)
        } catch {
            throw RPCError(code: -32000, message: error.description)
        }
    }

    func transactionByHash(_ hash: Hash32) throws(RPCError) -> JSON {
        if let (n, i) = chain.store.transactionLocation(hash), let b = try loaded(n), Int(i) < b.block.transactions.count {
            return transactionJSON(b, index: Int(i))
        }
        if let pooled = chain.mempool.get(hash) {
            return Self.transactionJSON(pooled.signed, sender: pooled.sender, block: nil, index: nil, baseFee: nil)
        }
        return .null
    }

    func receipt(_ hash: Hash32) throws(RPCError) -> JSON {
        guard let (n, i) = chain.store.transactionLocation(hash), let b = try loaded(n), Int(i) < b.receipts.count else {
            return .null
        }
        return receiptJSON(b, index: Int(i))
    }

    // MARK: Blocks

    /// A block and its receipts, decoded once and cached.
    final class LoadedBlock: @unchecked Sendable {
        let block: Block
        let receipts: [Receipt]
        let size: Int
        /// Index of each transaction's first log in the block.
        let firstLogIndex: [Int]
        init(block: Block, receipts: [Receipt], size: Int) {
            self.block = block; self.receipts = receipts; self.size = size
            var idx: [Int] = [], k = 0
            for r in receipts { idx.append(k); k += r.logs.count }
            firstLogIndex = idx
        }
    }

    func loaded(_ number: UInt64) throws(RPCError) -> LoadedBlock? {
        if let b = blocks.get(number) { return b }
        guard let rawHeader = chain.store.header(number: number), let body = chain.store.body(number: number),
              let rawReceipts = chain.store.receipts(number: number) else { return nil }
        do {
            let header = try Header(decoding: rawHeader)
            let block = try Block(header: header, body: body)
            let receipts = try Receipt.decodeList(rawReceipts)
            let b = LoadedBlock(block: block, receipts: receipts, size: rawHeader.count + body.count)
            blocks.put(number, b)
            return b
        } catch {
            throw RPCError(code: -32603, message: "stored block \(number) does not decode: \(error)")
        }
    }

    func blockJSON(number: UInt64, full: Bool) throws(RPCError) -> JSON {
        guard let b = try loaded(number) else { return .null }
        let h = b.block.header
        let txs: [JSON] = full
            ? b.block.transactions.indices.map { transactionJSON(b, index: $0) }
            : b.block.transactions.map { RPCValue.hash($0.hash) }
        return .object([
            ("number", RPCValue.quantity(h.number)), ("hash", RPCValue.hash(b.block.hash)),
            ("parentHash", RPCValue.hash(h.parentHash)), ("nonce", RPCValue.data([UInt8](repeating: 0, count: 8))),
            ("sha3Uncles", RPCValue.hash(h.ommersHash)), ("logsBloom", RPCValue.data(h.logsBloom.bytes)),
            ("transactionsRoot", RPCValue.hash(h.transactionsRoot)), ("stateRoot", RPCValue.hash(h.stateRoot)),
            ("receiptsRoot", RPCValue.hash(h.receiptsRoot)), ("miner", RPCValue.address(h.coinbase)),
            ("difficulty", RPCValue.quantity(h.difficulty)), ("totalDifficulty", RPCValue.quantity(0)),
            ("extraData", RPCValue.data(h.extraData)), ("size", RPCValue.quantity(b.size)),
            ("gasLimit", RPCValue.quantity(h.gasLimit)), ("gasUsed", RPCValue.quantity(h.gasUsed)),
            ("timestamp", RPCValue.quantity(h.timestamp)), ("transactions", .array(txs)), ("uncles", .array([])),
            ("mixHash", RPCValue.hash(h.mixHash)), ("baseFeePerGas", RPCValue.quantity(h.baseFeePerGas)),
            ("withdrawals", .array([])), ("withdrawalsRoot", RPCValue.hash(h.withdrawalsRoot)),
            ("blobGasUsed", RPCValue.quantity(h.blobGasUsed)), ("excessBlobGas", RPCValue.quantity(h.excessBlobGas)),
            ("parentBeaconBlockRoot", RPCValue.hash(h.parentBeaconBlockRoot)),
            ("proposer", RPCValue.address(h.proposer)), ("validatorsHash", RPCValue.hash(h.validatorsHash)),
            ("lastCommitHash", RPCValue.hash(h.lastCommitHash)), ("evidenceHash", RPCValue.hash(h.evidenceHash)),
        ])
    }

    func transactionJSON(_ b: LoadedBlock, index: Int) -> JSON {
        Self.transactionJSON(b.block.transactions[index], sender: b.block.senders[index], block: b.block.header,
                             index: index, baseFee: b.block.header.baseFeePerGas)
    }

    static func effectiveGasPrice(_ tx: Transaction, baseFee: UInt256) -> UInt256 {
        guard tx.type == .dynamicFee else { return tx.maxFeePerGas }
        let (sum, overflow) = baseFee.addingReportingOverflow(tx.maxPriorityFeePerGas)
        return overflow ? tx.maxFeePerGas : min(tx.maxFeePerGas, sum)
    }

    static func transactionJSON(_ s: SignedTransaction, sender: Address, block: Header?, index: Int?, baseFee: UInt256?) -> JSON {
        let tx = s.transaction
        var fields: [(String, JSON)] = [
            ("blockHash", block.map { RPCValue.hash($0.hash) } ?? .null),
            ("blockNumber", block.map { RPCValue.quantity($0.number) } ?? .null),
            ("from", RPCValue.address(sender)), ("gas", RPCValue.quantity(tx.gasLimit)),
            ("gasPrice", RPCValue.quantity(baseFee.map { effectiveGasPrice(tx, baseFee: $0) } ?? tx.maxFeePerGas)),
            ("hash", RPCValue.hash(s.hash)), ("input", RPCValue.data(tx.data)), ("nonce", RPCValue.quantity(tx.nonce)),
            ("to", RPCValue.address(tx.to)), ("transactionIndex", index.map { RPCValue.quantity($0) } ?? .null),
            ("value", RPCValue.quantity(tx.value)), ("type", RPCValue.quantity(Int(tx.type.rawValue))),
            ("v", RPCValue.quantity(s.v)), ("r", RPCValue.quantity(s.signature.r)), ("s", RPCValue.quantity(s.signature.s)),
        ]
        if tx.type == .dynamicFee {
            fields.append(("maxFeePerGas", RPCValue.quantity(tx.maxFeePerGas)))
            fields.append(("maxPriorityFeePerGas", RPCValue.quantity(tx.maxPriorityFeePerGas)))
        }
        if tx.type != .legacy {
            fields.append(("yParity", RPCValue.quantity(Int(s.signature.yParity))))
            fields.append(("accessList", .array(tx.accessList.map { e in
                .object([("address", RPCValue.address(e.address)), ("storageKeys", .array(e.storageKeys.map(RPCValue.hash)))])
            })))
        }
        if let id = tx.chainID { fields.append(("chainId", RPCValue.quantity(id))) }
        return .object(fields)
    }

    func receiptJSON(_ b: LoadedBlock, index i: Int) -> JSON {
        let tx = b.block.transactions[i].transaction
        let r = b.receipts[i]
        let sender = b.block.senders[i]
        let previous = i == 0 ? 0 : b.receipts[i - 1].cumulativeGasUsed
        let contract: Address? = tx.to == nil ? EVM<JournaledState, NoTracer>.createAddress(sender: sender, nonce: tx.nonce) : nil
        return .object([
            ("transactionHash", RPCValue.hash(b.block.transactions[i].hash)), ("transactionIndex", RPCValue.quantity(i)),
            ("blockHash", RPCValue.hash(b.block.hash)), ("blockNumber", RPCValue.quantity(b.block.number)),
            ("from", RPCValue.address(sender)), ("to", RPCValue.address(tx.to)),
            ("cumulativeGasUsed", RPCValue.quantity(r.cumulativeGasUsed)),
            ("gasUsed", RPCValue.quantity(r.cumulativeGasUsed - previous)),
            ("effectiveGasPrice", RPCValue.quantity(Self.effectiveGasPrice(tx, baseFee: b.block.header.baseFeePerGas))),
            ("contractAddress", RPCValue.address(contract)),
            ("logs", .array(r.logs.indices.map { logJSON(b, tx: i, log: $0) })),
            ("logsBloom", RPCValue.data(r.bloom.bytes)), ("type", RPCValue.quantity(Int(tx.type.rawValue))),
            ("status", RPCValue.quantity(r.succeeded ? 1 : 0)),
        ])
    }

    func logJSON(_ b: LoadedBlock, tx i: Int, log k: Int) -> JSON {
        let l = b.receipts[i].logs[k]
        return .object([
            ("address", RPCValue.address(l.address)), ("topics", .array(l.topics.map(RPCValue.hash))),
            ("data", RPCValue.data(l.data)), ("blockNumber", RPCValue.quantity(b.block.number)),
            ("blockHash", RPCValue.hash(b.block.hash)), ("blockTimestamp", RPCValue.quantity(b.block.header.timestamp)),
            ("transactionHash", RPCValue.hash(b.block.transactions[i].hash)),
            ("transactionIndex", RPCValue.quantity(i)), ("logIndex", RPCValue.quantity(b.firstLogIndex[i] + k)),
            ("removed", .bool(false)),
        ])
    }

    /// The JSON of every log of a freshly committed block (for `logs` subscriptions).
    func logsJSON(of committed: CommittedBlock) -> [JSON] {
        let b = LoadedBlock(block: committed.block, receipts: committed.receipts, size: 0)
        blocks.put(committed.block.number, LoadedBlock(block: committed.block, receipts: committed.receipts,
                                                       size: committed.block.header.encoded.count + committed.block.encodedBody.count))
        var out: [JSON] = []
        for i in b.receipts.indices { for k in b.receipts[i].logs.indices { out.append(logJSON(b, tx: i, log: k)) } }
        return out
    }

    /// The header JSON for `newHeads` subscriptions.
    func headJSON(_ number: UInt64) -> JSON {
        guard case .object(let fields)? = try? blockJSON(number: number, full: false) else { return .null }
        return .object(fields.filter { $0.0 != "transactions" && $0.0 != "uncles" && $0.0 != "size" && $0.0 != "withdrawals" })
    }

    // MARK: eth_call and eth_estimateGas

    func callTransaction(_ p: Params, estimate: Bool) throws(RPCError) -> ExecutableTransaction {
        guard let obj = p[0], obj.objectValue != nil else { throw Params.invalid(0, "expected a transaction call object") }
        let known: Set<String> = ["from", "to", "gas", "gasPrice", "maxFeePerGas", "maxPriorityFeePerGas", "value",
                                  "data", "input", "nonce", "accessList", "type", "chainId"]
        for (k, _) in obj.objectValue! where !known.contains(k) {
            throw Params.invalid(0, "json: unknown field \"\(k)\"")
        }
        func opt(_ key: String) -> JSON? { if let v = obj[key], !v.isNull { return v } else { return nil } }
        let from = try opt("from").map { v throws(RPCError) in
            guard let s = v.stringValue else { throw Params.invalid(0, "from must be an address") }
            return try Params.address(s, 0)
        } ?? .zero
        let to = try opt("to").map { v throws(RPCError) in
            guard let s = v.stringValue else { throw Params.invalid(0, "to must be an address") }
            return try Params.address(s, 0)
        }
        let gas = try opt("gas").map { v throws(RPCError) in try Params.quantity64(v, 0) } ?? Self.callGasCap
        guard gas <= Self.callGasCap else { throw RPCError(code: -32000, message: "gas limit \(gas) is above the cap \(Self.callGasCap)") }
        let value = try opt("value").map { v throws(RPCError) in try Params.quantity(v, 0) } ?? .zero
        if opt("data") != nil, opt("input") != nil, opt("data") != opt("input") {
            throw RPCError(code: -32000, message: "both \"data\" and \"input\" are set and not equal. Please use \"input\" to pass transaction call data")
        }
        let data: [UInt8] = try (opt("input") ?? opt("data")).map { v throws(RPCError) -> [UInt8] in
            guard let s = v.stringValue else { throw Params.invalid(0, "input must be hex data") }
            return try Params.bytes(s, 0)
        } ?? []
        var maxFee = UInt256.zero, tip = UInt256.zero
        if let gp = opt("gasPrice") {
            if opt("maxFeePerGas") != nil || opt("maxPriorityFeePerGas") != nil {
                throw RPCError(code: -32000, message: "both gasPrice and (maxFeePerGas or maxPriorityFeePerGas) specified")
            }
            maxFee = try Params.quantity(gp, 0); tip = maxFee
        } else {
            if let f = opt("maxFeePerGas") { maxFee = try Params.quantity(f, 0) }
            if let t = opt("maxPriorityFeePerGas") { tip = try Params.quantity(t, 0) }
            if opt("maxFeePerGas") == nil, !tip.isZero { maxFee = tip &+ chain.nextBaseFee }
        }
        if !maxFee.isZero, maxFee < chain.nextBaseFee {
            throw RPCError(code: -32000, message: "max fee per gas less than block base fee: address \(from), maxFeePerGas: \(maxFee), baseFee: \(chain.nextBaseFee)")
        }
        if tip > maxFee { throw RPCError(code: -32000, message: "max priority fee per gas higher than max fee per gas") }
        var accessList: [AccessListEntry] = []
        if let al = opt("accessList") {
            guard let entries = al.arrayValue else { throw Params.invalid(0, "accessList must be an array") }
            for e in entries {
                guard let a = e["address"]?.stringValue else { throw Params.invalid(0, "access list entry needs an address") }
                var keys: [Hash32] = []
                for k in e["storageKeys"]?.arrayValue ?? [] {
                    guard let ks = k.stringValue else { throw Params.invalid(0, "storage keys must be hashes") }
                    keys.append(try Params.hash(ks, 0))
                }
                accessList.append(AccessListEntry(address: try Params.address(a, 0), storageKeys: keys))
            }
        }
        return ExecutableTransaction(sender: from, to: to, nonce: 0, gasLimit: gas, value: value, data: data,
                                     accessList: accessList, maxFeePerGas: maxFee, maxPriorityFeePerGas: tip)
    }

    /// Who a call counts against: the remote address, else the connection.
    static func client(_ context: RPCRequestContext) -> String {
        if let address = context.remoteAddress { return address }
        return "\(context.transport.rawValue)#\(context.connectionID)"
    }

    /// Runs `body` on the read-only call pool; its limits become RPC errors
    /// (-32000 for a timeout as geth, -32005 for a limit).
    func onCallPool<T: Sendable>(client: String, at block: UInt64? = nil,
                                 _ body: @escaping @Sendable (ReadContext) -> T) async throws(RPCError) -> T {
        switch await chain.calls.run(client: client, at: block, body) {
        case .success(let value): return value
        case .failure(let failure):
            switch failure {
            case .clientBusy, .overloaded: throw RPCError(code: -32005, message: failure.description)
            default: throw RPCError(code: -32000, message: failure.description)
            }
        }
    }

    static func revertError(_ output: [UInt8]) -> RPCError {
        let message = revertReason(output).map { "execution reverted: " + $0 } ?? "execution reverted"
        return RPCError(code: 3, message: message, data: RPCValue.data(output))
    }

    func call(_ tx: ExecutableTransaction, at block: UInt64? = nil, client: String) async throws(RPCError) -> JSON {
        switch try await onCallPool(client: client, at: block, { $0.execute(tx) }) {
        case .failure(let e): throw RPCError(code: -32000, message: e.description)
        case .success(let outcome):
            switch outcome.status {
            case .success: return RPCValue.data(outcome.output)
            case .revert: throw Self.revertError(outcome.output)
            case .halt(let reason): throw RPCError(code: -32000, message: reason.description)
            }
        }
    }

    /// What one gas estimate found, computed in one job on one snapshot.
    enum Estimate: Sendable {
        case gas(UInt64)
        case invalid(InvalidTransaction)
        case reverted([UInt8])
        case halted(HaltReason, cap: UInt64)
    }

    func estimateGas(_ base: ExecutableTransaction, at block: UInt64? = nil, client: String) async throws(RPCError) -> JSON {
        switch try await onCallPool(client: client, at: block, { Self.estimate(base, on: $0) }) {
        case .gas(let gas): return RPCValue.quantity(gas)
        case .invalid(let e): throw RPCError(code: -32000, message: e.description)
        case .reverted(let output): throw Self.revertError(output)
        case .halted(let reason, let cap):
            if case .outOfGas = reason { throw RPCError(code: -32000, message: "gas required exceeds allowance (\(cap))") }
            throw RPCError(code: -32000, message: reason.description)
        }
    }

    /// The least gas limit with which `base` succeeds, by binary search
    /// (trying the usual answer, gas used plus the 63/64 reserve, first).
    static func estimate(_ base: ExecutableTransaction, on ctx: ReadContext) -> Estimate {
        var tx = base
        // The most the sender could pay for, when a fee is set.
        if !tx.maxFeePerGas.isZero {
            let bal = ctx.balance(tx.sender)
            let available = bal > tx.value ? bal &- tx.value : .zero
            let allowance = available / tx.maxFeePerGas
            if allowance < UInt256(tx.gasLimit) { tx.gasLimit = allowance.low64 }
        }
        let cap = tx.gasLimit
        func succeeds(_ gas: UInt64) -> Bool {
            var t = tx
            t.gasLimit = gas
            if case .success(let o) = ctx.execute(t), o.status == .success { return true }
            return false
        }
        let used: UInt64
        switch ctx.execute(tx) {
        case .failure(let e): return .invalid(e)
        case .success(let o):
            switch o.status {
            case .success: used = o.gasUsed
            case .revert: return .reverted(o.output)
            case .halt(let reason): return .halted(reason, cap: cap)
            }
        }
        var lo = max(used, tx.intrinsicGas) - 1, hi = cap
        let guess = min(cap, (used + 3000) * 64 / 63)
        if guess < hi, succeeds(guess) { hi = guess }
        while hi - lo > 1, !ctx.interrupted {
            let mid = lo + (hi - lo) / 2
            if succeeds(mid) { hi = mid } else { lo = mid }
        }
        return .gas(hi)
    }

    // MARK: eth_feeHistory

    func feeHistory(_ p: Params) throws(RPCError) -> JSON {
        guard let countJSON = p[0] else { throw Params.invalid(0, "block count is required") }
        let requested = try Params.quantity64(countJSON, 0)
        guard requested >= 1 else { throw Params.invalid(0, "block count must be at least 1") }
        let count = min(requested, 1024)
        guard let newest = resolve(try BlockSelector.parse(p[1], 1)) else {
            throw RPCError(code: -32000, message: "requested block is beyond the head block")
        }
        var percentiles: [Double] = []
        if let list = p[2] {
            guard let arr = list.arrayValue, arr.count <= 100 else { throw Params.invalid(2, "at most 100 reward percentiles") }
            for v in arr {
                guard let text = v.numberText, let d = Double(text), d >= 0, d <= 100 else {
                    throw Params.invalid(2, "reward percentiles must be numbers between 0 and 100")
                }
                if let last = percentiles.last, d < last { throw Params.invalid(2, "reward percentiles must ascend") }
                percentiles.append(d)
            }
        }
        let oldest = newest + 1 >= count ? newest + 1 - count : 0
        var baseFees: [JSON] = [], ratios: [JSON] = [], rewards: [JSON] = []
        var lastHeader: Header?
        for n in oldest...newest {
            guard let b = try loaded(n) else { break }
            let h = b.block.header
            lastHeader = h
            baseFees.append(RPCValue.quantity(h.baseFeePerGas))
            ratios.append(.number(String(h.gasLimit == 0 ? 0 : Double(h.gasUsed) / Double(h.gasLimit))))
            if !percentiles.isEmpty {
                // Effective tips weighted by each transaction's gas used.
                var tips: [(tip: UInt256, gas: UInt64)] = []
                for (i, tx) in b.block.transactions.enumerated() {
                    let price = Self.effectiveGasPrice(tx.transaction, baseFee: h.baseFeePerGas)
                    let gas = b.receipts[i].cumulativeGasUsed - (i == 0 ? 0 : b.receipts[i - 1].cumulativeGasUsed)
                    tips.append((price > h.baseFeePerGas ? price &- h.baseFeePerGas : .zero, gas))
                }
                tips.sort { $0.tip < $1.tip }
                var row: [JSON] = []
                for pct in percentiles {
                    guard !tips.isEmpty, h.gasUsed > 0 else { row.append(RPCValue.quantity(0)); continue }
                    let threshold = UInt64(Double(h.gasUsed) * pct / 100)
                    var sum: UInt64 = 0, chosen = tips.last!.tip
                    for t in tips {
                        sum += t.gas
                        if sum >= threshold { chosen = t.tip; break }
                    }
                    row.append(RPCValue.quantity(chosen))
                }
                rewards.append(.array(row))
            }
        }
        if let h = lastHeader { baseFees.append(RPCValue.quantity(chain.rules.nextBaseFee(after: h))) }
        var fields: [(String, JSON)] = [("oldestBlock", RPCValue.quantity(oldest)), ("baseFeePerGas", .array(baseFees)),
                                        ("gasUsedRatio", .array(ratios))]
        if !percentiles.isEmpty { fields.append(("reward", .array(rewards))) }
        return .object(fields)
    }

    // MARK: eth_getLogs

    func logs(_ p: Params) throws(RPCError) -> JSON {
        guard let filter = p[0], let fields = filter.objectValue else { throw Params.invalid(0, "expected a filter object") }
        for (k, _) in fields where !["fromBlock", "toBlock", "address", "topics", "blockHash"].contains(k) {
            throw Params.invalid(0, "unknown filter field \"\(k)\"")
        }
        let head = chain.head.number
        var from: UInt64, to: UInt64
        if let bh = filter["blockHash"], !bh.isNull {
            if filter["fromBlock"] != nil || filter["toBlock"] != nil {
                throw Params.invalid(0, "cannot specify both BlockHash and FromBlock/ToBlock, choose one or the other")
            }
            guard let s = bh.stringValue else { throw Params.invalid(0, "blockHash must be a hash") }
            guard let n = chain.store.number(ofHash: try Params.hash(s, 0)) else {
                throw RPCError(code: -32000, message: "unknown block")
            }
            from = n; to = n
        } else {
            from = try resolveFilterBound(filter["fromBlock"], head: head)
            to = try resolveFilterBound(filter["toBlock"], head: head)
            if to >= from, to - from >= UInt64(Self.maxLogBlocks) {
                throw RPCError(code: -32000, message: "block range greater than \(Self.maxLogBlocks) max")
            }
            to = min(to, head)
            guard from <= to || from > head else { throw RPCError(code: -32000, message: "invalid block range params") }
            if from > head { return .array([]) }
        }
        guard to - from < UInt64(Self.maxLogBlocks) else {
            throw RPCError(code: -32000, message: "block range greater than \(Self.maxLogBlocks) max")
        }
        var addresses: [Address] = []
        if let a = filter["address"], !a.isNull {
            if let s = a.stringValue { addresses = [try Params.address(s, 0)] } else if let arr = a.arrayValue {
                for v in arr {
                    guard let s = v.stringValue else { throw Params.invalid(0, "addresses must be strings") }
                    addresses.append(try Params.address(s, 0))
                }
            } else {
                throw Params.invalid(0, "address must be an address or a list of addresses")
            }
        }
        var topics: [[Hash32]?] = []
        if let t = filter["topics"], !t.isNull {
            guard let arr = t.arrayValue else { throw Params.invalid(0, "topics must be an array") }
            guard arr.count <= 4 else { throw Params.invalid(0, "too many topics, at most 4") }
            for entry in arr {
                if entry.isNull { topics.append(nil); continue }
                if let s = entry.stringValue { topics.append([try Params.hash(s, 0)]); continue }
                guard let alts = entry.arrayValue else { throw Params.invalid(0, "a topic must be a hash, a list or null") }
                if alts.isEmpty { topics.append(nil); continue }
                var hs: [Hash32] = []
                for v in alts {
                    guard let s = v.stringValue else { throw Params.invalid(0, "topics must be hashes") }
                    hs.append(try Params.hash(s, 0))
                }
                topics.append(hs)
            }
        }
        guard let candidates = chain.store.logBlocks(from: from, to: to, addresses: addresses, topics: topics,
                                                     limit: Self.maxLogBlocks) else {
            throw RPCError(code: -32005, message: "query returned more than \(Self.maxLogResults) results")
        }
        var out: [JSON] = []
        let addressSet = Set(addresses)
        for n in candidates {
            guard let b = try loaded(n) else { continue }
            for i in b.receipts.indices {
                for (k, l) in b.receipts[i].logs.enumerated() {
                    if !addressSet.isEmpty && !addressSet.contains(l.address) { continue }
                    var match = true
                    for (pos, alts) in topics.enumerated() {
                        guard let alts else { continue }
                        if pos >= l.topics.count || !alts.contains(l.topics[pos]) { match = false; break }
                    }
                    if !match { continue }
                    out.append(logJSON(b, tx: i, log: k))
                    if out.count > Self.maxLogResults {
                        throw RPCError(code: -32005, message: "query returned more than \(Self.maxLogResults) results")
                    }
                }
            }
        }
        return .array(out)
    }

    func resolveFilterBound(_ v: JSON?, head: UInt64) throws(RPCError) -> UInt64 {
        let sel = try BlockSelector.parse(v, 0)
        switch sel {
        case .hash: throw Params.invalid(0, "fromBlock/toBlock must be numbers or tags")
        case .number(let n): return n
        case .earliest: return 0
        default: return head
        }
    }
}

/// A small cache of decoded blocks by number (RPC clients poll the newest).
final class BlockCache: @unchecked Sendable {
    private let state = Mutex<(entries: [UInt64: EthAPI.LoadedBlock], order: [UInt64])>(([:], []))
    let capacity: Int
    init(capacity: Int) { self.capacity = capacity }

    func get(_ n: UInt64) -> EthAPI.LoadedBlock? { state.withLock { $0.entries[n] } }

    func put(_ n: UInt64, _ b: EthAPI.LoadedBlock) {
        state.withLock { s in
            if s.entries.updateValue(b, forKey: n) == nil { s.order.append(n) }
            if s.order.count > capacity {
                let drop = s.order.removeFirst()
                s.entries[drop] = nil
            }
        }
    }
}
