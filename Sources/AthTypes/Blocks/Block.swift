import AthPrimitives
import AthCrypto

/// A block: its header and its transactions, with each transaction's sender
/// (recovered once, when the transaction was admitted or the block received).
public struct Block: Sendable {
    public var header: Header
    public var transactions: [SignedTransaction]
    public var senders: [Address]

    public init(header: Header, transactions: [SignedTransaction], senders: [Address]) {
        precondition(transactions.count == senders.count, "one sender per transaction")
        self.header = header; self.transactions = transactions; self.senders = senders
    }

    public var hash: Hash32 { header.hash }
    public var number: UInt64 { header.number }

    /// The body as stored: rlp([[envelope, ...], [sender, ...]]).
    public var encodedBody: [UInt8] {
        var w = RLPWriter(capacity: transactions.reduce(64) { $0 + $1.encoded.count + 4 } + senders.count * 21)
        w.appendList { w in
            w.appendList { w in for tx in transactions { w.append(bytes: tx.encoded) } }
            w.appendList { w in for s in senders { w.append(s) } }
        }
        return w.bytes
    }

    /// A block from a header and a stored body. Senders are taken as stored
    /// (they were recovered before the block was committed).
    public init(header: Header, body: [UInt8]) throws(BlockDecodingError) {
        var txs: [SignedTransaction] = []
        var senders: [Address] = []
        do {
            var outer = RLPDecoder(body)
            var d = try outer.readList()
            try outer.finish()
            var txList = try d.readList()
            while !txList.isAtEnd {
                let raw = Array(try txList.readBytes())
                do { txs.append(try SignedTransaction.decode(raw)) } catch { throw BlockDecodingError.transaction(txs.count, error) }
            }
            var senderList = try d.readList()
            while !senderList.isAtEnd { senders.append(try senderList.readAddress()) }
            try d.finish()
        } catch let e as BlockDecodingError {
            throw e
        } catch let e as RLPError {
            throw .rlp("block body", e)
        } catch {
            throw .invalid("block body: \(error)")
        }
        guard txs.count == senders.count else { throw .invalid("block body has \(txs.count) transactions but \(senders.count) senders") }
        self.header = header; self.transactions = txs; self.senders = senders
    }
}
