import Foundation
import AthPrimitives
import AthTypes

/// Blocks in a file, for `athd export` and `athd import`: a sequence of
/// RLP items rlp([header, [transaction envelope, ...]]), one per block in
/// height order. Senders are not stored: an importer recovers them.
public enum BlockArchive {
    /// Upper bound on one block's encoding in an archive.
    public static let maxBlockBytes = 64 << 20

    public static func encode(_ block: Block) -> [UInt8] {
        var w = RLPWriter(capacity: block.transactions.reduce(800) { $0 + $1.encoded.count + 4 })
        w.appendList { w in
            w.append(raw: block.header.encoded)
            w.appendList { w in for tx in block.transactions { w.append(bytes: tx.encoded) } }
        }
        return w.bytes
    }

    public static func decode(_ item: [UInt8]) throws(BlockDecodingError) -> (Header, [SignedTransaction]) {
        do {
            var outer = RLPDecoder(item)
            var d = try outer.readList()
            try outer.finish()
            let headerStart = d.offset
            let h = try d.skipItem()
            let header = try Header(decoding: Array(item[headerStart..<h.end]))
            var list = try d.readList()
            var txs: [SignedTransaction] = []
            while !list.isAtEnd {
                let raw = Array(try list.readBytes())
                do { txs.append(try SignedTransaction.decode(raw)) } catch { throw BlockDecodingError.transaction(txs.count, error) }
            }
            try d.finish()
            return (header, txs)
        } catch let e as BlockDecodingError {
            throw e
        } catch let e as RLPError {
            throw .rlp("archived block", e)
        } catch {
            throw .invalid("archived block: \(error)")
        }
    }

    /// Reads one RLP item at a time from a file.
    public final class Reader {
        let handle: FileHandle
        var buffer: [UInt8] = []
        var position = 0

        public init(path: String) throws(NodeError) {
            guard let h = FileHandle(forReadingAtPath: path) else { throw NodeError("cannot open \(path)") }
            handle = h
        }

        deinit { try? handle.close() }

        private func fill(_ count: Int) -> Bool {
            while buffer.count - position < count {
                if position > 0 { buffer.removeFirst(position); position = 0 }
                let chunk = handle.readData(ofLength: max(1 << 20, count - buffer.count))
                if chunk.isEmpty { return false }
                buffer.append(contentsOf: chunk)
            }
            return true
        }

        /// The next item, nil at a clean end of file.
        public func next() throws(NodeError) -> [UInt8]? {
            guard fill(1) else { return nil }
            let first = buffer[position]
            var headerLength = 1, payload = 0
            switch first {
            case 0xc0...0xf7: payload = Int(first - 0xc0)
            case 0xf8...0xff:
                let n = Int(first - 0xf7)
                guard fill(1 + n) else { throw NodeError("the archive ends inside a block header") }
                for i in 0..<n { payload = payload << 8 | Int(buffer[position + 1 + i]) }
                headerLength = 1 + n
            default: throw NodeError("the archive is not a sequence of RLP lists")
            }
            guard payload <= BlockArchive.maxBlockBytes else { throw NodeError("a block in the archive is larger than 64 MiB") }
            guard fill(headerLength + payload) else { throw NodeError("the archive ends inside a block") }
            let item = Array(buffer[position..<(position + headerLength + payload)])
            position += headerLength + payload
            return item
        }
    }
}
