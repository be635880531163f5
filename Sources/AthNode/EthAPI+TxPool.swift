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

/// eth_getBlockReceipts, txpool_status and txpool_content.
extension EthAPI {
    /// Every receipt of a block, in order; null for an unknown block.
    func blockReceipts(_ p: Params) throws(RPCError) -> JSON {
        try p.require(count: 1...1)
        guard let n = resolve(try BlockSelector.parse(p[0], 0)), let b = try loaded(n) else { return .null }
        return .array(b.receipts.indices.map { receiptJSON(b, index: $0) })
    }

    /// Executable (`pending`) and future-nonce (`queued`) transaction counts, as geth's txpool_status.
    func txpoolStatus() -> JSON {
        let stats = chain.mempool.stats
        return .object([("pending", RPCValue.quantity(stats.pending)), ("queued", RPCValue.quantity(stats.queued))])
    }

    /// The pool's transactions by sender and nonce, as geth's txpool_content.
    func txpoolContent() -> JSON {
        func grouped(_ txs: [PooledTransaction]) -> JSON {
            var bySender: [(String, JSON)] = []
            var current: (Address, [(String, JSON)])?
            for tx in txs {
                if let c = current, c.0 != tx.sender { bySender.append((Hex.encode(c.0.bytes), .object(c.1))); current = nil }
                let entry = (String(tx.signed.transaction.nonce),
                             Self.transactionJSON(tx.signed, sender: tx.sender, block: nil, index: nil, baseFee: nil))
                if current == nil { current = (tx.sender, [entry]) } else { current!.1.append(entry) }
            }
            if let c = current { bySender.append((Hex.encode(c.0.bytes), .object(c.1))) }
            return .object(bySender)
        }
        return .object([("pending", grouped(chain.mempool.pendingTransactions())),
                        ("queued", grouped(chain.mempool.queuedTransactions()))])
    }
}
