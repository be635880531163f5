import Foundation
import Synchronization
import AthPrimitives
import AthStorage
import AthMempool

/// The transaction pool's journal (`data/txpool.journal`): every
/// transaction the pool admits is appended, so that accepted transactions
/// not yet in a block survive a crash or restart, as geth's
/// `transactions.rlp`. At start the journal is replayed through the pool's
/// admission (each transaction checked again against the head state) and
/// then rewritten with what the pool kept; it is rewritten again whenever it
/// grows past twice the pool's bytes.
///
/// Records use the write-ahead log's framing (length, checksum, raw
/// transaction). A damaged journal is cut at the damage: it holds nothing
/// consensus depends on, and every record is checked again anyway.
public final class TransactionJournal: @unchecked Sendable {
    public let path: String
    private let log: Mutex<WriteAheadLog>
    private let pending: [[UInt8]]
    /// Appends since the last sync; synced at each rotation and every 256.
    private let unsynced = Atomic<Int>(0)

    /// Opens (creating) the journal; `records` are what it held.
    public init(path: String) throws(FileError) {
        self.path = path
        let opened = try WriteAheadLog.open(path, repair: true)
        log = Mutex(opened.log)
        pending = opened.records
    }

    /// Admits every journaled transaction into `chain`'s pool again, then
    /// rewrites the journal with those the pool kept. Returns how many were
    /// kept and how many the pool refused (mined, replaced, now invalid).
    public func replay(into chain: Chain) -> (kept: Int, dropped: Int) {
        var kept = 0, dropped = 0
        for raw in pending {
            do {
                try chain.mempool.admit(raw: raw, state: chain.stateView, baseFee: chain.nextBaseFee)
                kept += 1
            } catch { dropped += 1 }
        }
        rotate(chain.mempool)
        return (kept, dropped)
    }

    /// Appends one admitted transaction.
    public func record(_ raw: [UInt8]) {
        log.withLock { log in
            try? log.append(raw)
            if unsynced.wrappingAdd(1, ordering: .relaxed).newValue >= 256 {
                try? log.sync()
                unsynced.store(0, ordering: .relaxed)
            }
        }
    }

    /// Rewrites the journal with the pool's transactions when it has grown
    /// past twice their size (mined and evicted transactions pile up).
    public func rotateIfLarge(_ pool: Mempool) {
        let size = log.withLock { $0.byteCount }
        guard size > 2 * pool.stats.bytes + (1 << 20) else { return }
        rotate(pool)
    }

    /// Rewrites the journal with exactly the pool's transactions, durably
    /// and atomically: the new journal is written beside the old one, synced,
    /// and renamed over it, so a crash mid-rotation leaves one or the other.
    public func rotate(_ pool: Mempool) {
        log.withLock { log in
            let all = pool.pendingTransactions() + pool.queuedTransactions()
            let next = path + ".new"
            do {
                unlink(next)
                let fresh = try WriteAheadLog.open(next, repair: true).log
                for tx in all { try fresh.append(tx.signed.encoded) }
                try fresh.sync()
                guard rename(next, path) == 0 else { throw FileError(path: path, reason: "cannot replace the transaction journal") }
                try DurableFile.syncDirectory(of: path)
                log = fresh  // its descriptor now names the journal; appends go on there
            } catch {
                // The old journal stays in place and keeps taking appends; the next rotation tries again.
                unlink(next)
            }
            unsynced.store(0, ordering: .relaxed)
        }
    }

    /// Makes every appended record durable (at shutdown).
    public func sync() { log.withLock { try? $0.sync() } }
}
