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

/// Blocks, transactions and receipts.
extension EthAPI {
    // MARK: Transactions

    func sendRaw(_ raw: [UInt8]) throws(RPCError) -> JSON {
        do {
            let (hash, _) = try chain.admit(raw: raw)
            filters.noteAdmitted(hash)
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
        /// The logs of the block's system calls, and the log index of the first.
        let system: SystemEvents
        let firstSystemLogIndex: Int
        init(block: Block, receipts: [Receipt], size: Int, system: SystemEvents = SystemEvents()) {
            self.block = block; self.receipts = receipts; self.size = size; self.system = system
            var idx: [Int] = [], k = 0
            for r in receipts { idx.append(k); k += r.logs.count }
            firstLogIndex = idx
            firstSystemLogIndex = k
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
            let system = try chain.store.systemEvents(number: number).map { raw throws(BlockDecodingError) in
                try SystemEvents(decoding: raw)
            } ?? SystemEvents()
            let b = LoadedBlock(block: block, receipts: receipts, size: rawHeader.count + body.count, system: system)
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

    /// A system-call log (`k` in the block's begin-then-end order) as one
    /// of the pseudo-transaction after the block's last transaction.
    func systemLogJSON(_ b: LoadedBlock, log k: Int) -> JSON {
        let l = b.system.all[k]
        return .object([
            ("address", RPCValue.address(l.address)), ("topics", .array(l.topics.map(RPCValue.hash))),
            ("data", RPCValue.data(l.data)), ("blockNumber", RPCValue.quantity(b.block.number)),
            ("blockHash", RPCValue.hash(b.block.hash)), ("blockTimestamp", RPCValue.quantity(b.block.header.timestamp)),
            ("transactionHash", RPCValue.hash(SystemEvents.transactionHash(blockHash: b.block.hash))),
            ("transactionIndex", RPCValue.quantity(b.block.transactions.count)),
            ("logIndex", RPCValue.quantity(b.firstSystemLogIndex + k)), ("removed", .bool(false)),
        ])
    }

    /// The JSON of every log of a freshly committed block, system-call logs
    /// last (for `logs` subscriptions).
    func logsJSON(of committed: CommittedBlock) -> [JSON] {
        let b = LoadedBlock(block: committed.block, receipts: committed.receipts,
                            size: committed.block.header.encoded.count + committed.block.encodedBody.count,
                            system: committed.systemEvents)
        blocks.put(committed.block.number, b)
        var out: [JSON] = []
        for i in b.receipts.indices { for k in b.receipts[i].logs.indices { out.append(logJSON(b, tx: i, log: k)) } }
        for k in b.system.all.indices { out.append(systemLogJSON(b, log: k)) }
        return out
    }

    /// `ath_blockEvents`: the logs of a block's system calls, each with its
    /// phase (`begin`: before the transactions, `end`: after them).
    func blockEvents(_ p: Params) throws(RPCError) -> JSON {
        try p.require(count: 1...1)
        guard let n = resolve(try BlockSelector.parse(p[0], 0)), let b = try loaded(n) else { return .null }
        let begin = b.system.begin.count
        return .object([
            ("number", RPCValue.quantity(n)), ("hash", RPCValue.hash(b.block.hash)),
            ("transactionHash", RPCValue.hash(SystemEvents.transactionHash(blockHash: b.block.hash))),
            ("events", .array(b.system.all.indices.map { k in
                guard case .object(var fields) = systemLogJSON(b, log: k) else { return .null }
                fields.append(("phase", .string(k < begin ? "begin" : "end")))
                return .object(fields)
            })),
        ])
    }

    /// The header JSON for `newHeads` subscriptions.
    func headJSON(_ number: UInt64) -> JSON {
        guard case .object(let fields)? = try? blockJSON(number: number, full: false) else { return .null }
        return .object(fields.filter { $0.0 != "transactions" && $0.0 != "uncles" && $0.0 != "size" && $0.0 != "withdrawals" })
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
