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
    let blocks = BlockCache(capacity: 128)
    /// Polled filters (eth_newFilter and the rest).
    let filters = FilterRegistry()
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
        "eth_maxPriorityFeePerGas", "eth_feeHistory", "eth_getLogs", "eth_getProof", "eth_getBlockReceipts", "txpool_status", "txpool_content", "ath_blockEvents", "eth_subscribe", "eth_unsubscribe",
        "ath_validators", "ath_status",
    ]).union(oracleMethods).union(filterMethods).union(debugMethods)

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
        case "ath_blockEvents":
            return try blockEvents(p)
        case "eth_getBlockReceipts":
            return try blockReceipts(p)
        case "txpool_status":
            try p.require(count: 0...0)
            return txpoolStatus()
        case "txpool_content":
            try p.require(count: 0...0)
            return txpoolContent()
        case _ where Self.debugMethods.contains(method):
            return try await handleDebug(method, p, client: Self.client(context))
        case _ where Self.filterMethods.contains(method):
            return try handleFilter(method, p, owner: Self.client(context))
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

}
