import ArgumentParser
import Foundation
import AthPrimitives
import AthTypes
import AthStorage
import AthNode

func fail(_ message: String) -> ExitCode {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    return ExitCode(1)
}

extension Athd {
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a node's blocks to a file (for `athd import` on another node).")
        @Option(help: "Home directory (default $ATH_HOME or ~/.ath).") var home: String?
        @Option(help: "Output file.") var out: String
        @Option(help: "First block (default 1).") var from: UInt64 = 1
        @Option(help: "Last block (default: the head).") var to: UInt64?

        func run() throws {
            let h = NodeHome.resolve(home)
            guard h.isInitialized else { throw fail("\(h.root) is not initialized") }
            let store: ChainStore
            do { store = try ChainStore(directory: h.dataDirectory) } catch { throw fail("cannot open the database: \(error)") }
            guard let head = store.head else { throw fail("the database holds no blocks") }
            let last = min(to ?? head.number, head.number)
            guard FileManager.default.createFile(atPath: out, contents: nil), let file = FileHandle(forWritingAtPath: out) else {
                throw fail("cannot write \(out)")
            }
            defer { try? file.close() }
            var count = 0
            if from <= last {
                for n in max(from, 1)...last {
                    guard let rawHeader = store.header(number: n), let body = store.body(number: n),
                          let header = try? Header(decoding: rawHeader), let block = try? Block(header: header, body: body) else {
                        throw fail("block \(n) is missing or damaged in the database")
                    }
                    file.write(Data(BlockArchive.encode(block)))
                    count += 1
                }
            }
            try? file.synchronize()
            print("exported \(count) blocks (\(max(from, 1))...\(last)) to \(out)")
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check and apply blocks from a file written by `athd export`.",
            discussion: "Each block is re-executed; its senders are recovered from the signatures and every root must match its header. Blocks the node already has are skipped if identical.")
        @Option(help: "Home directory (default $ATH_HOME or ~/.ath).") var home: String?
        @Argument(help: "Archive file.") var file: String

        func run() throws {
            let h = NodeHome.resolve(home)
            guard h.isInitialized else { throw fail("\(h.root) is not initialized; run `athd init` with the same genesis first") }
            let chain: Chain
            do { chain = try Chain(dataDirectory: h.dataDirectory, genesis: try h.loadGenesis()) } catch {
                throw fail("\(error)")
            }
            let reader: BlockArchive.Reader
            do { reader = try BlockArchive.Reader(path: file) } catch { throw fail(error.description) }
            let started = Date()
            var lastReport = started
            var imported = 0, skipped = 0, txs = 0
            do {
                while let item = try reader.next() {
                    let header: Header, transactions: [SignedTransaction]
                    do { (header, transactions) = try BlockArchive.decode(item) } catch {
                        throw NodeError("block after \(chain.head.number) does not decode: \(error)")
                    }
                    if header.number <= chain.head.number {
                        guard let raw = chain.store.header(number: header.number), raw == header.encoded else {
                            throw NodeError("block \(header.number) conflicts with the block this node already has at that height")
                        }
                        skipped += 1
                        continue
                    }
                    try chain.importBlock(header: header, transactions: transactions)
                    imported += 1
                    txs += transactions.count
                    if Date().timeIntervalSince(lastReport) >= 2 {
                        lastReport = Date()
                        let s = lastReport.timeIntervalSince(started)
                        print("imported up to \(header.number): \(imported) blocks, \(Int(Double(imported) / s)) blocks/s, \(Int(Double(txs) / s)) tx/s")
                    }
                }
            } catch let e as NodeError {
                throw fail(e.description)
            } catch let e as ChainError {
                throw fail(e.description)
            }
            let s = max(Date().timeIntervalSince(started), 1e-9)
            print("imported \(imported) blocks (\(txs) transactions) in \(String(format: "%.2f", s)) s, skipped \(skipped); head \(chain.head.number) state root \(chain.head.stateRoot)")
        }
    }
}
