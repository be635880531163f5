import AthPrimitives
import Foundation
import Testing
@testable import AthStorage

/// A data file damaged on disk is refused at open with one sentence, before
/// LMDB maps it (a short file made reads fault with SIGBUS inside LMDB).
@Suite struct DamagedStoreTests {
    /// A store with 200 committed blocks, closed; returns the data file's path.
    func filledStore(_ dir: TemporaryDirectory) throws -> String {
        let store = try ChainStore(directory: dir.path)
        for n in 0..<200 as Range<UInt64> {
            try store.commit(block: makeBlock(n, transactions: 4, payload: 2_000), state: StateChanges())
        }
        return dir.path + "/data.mdb"
    }

    func truncate(_ path: String, to size: Int) {
        #expect(Foundation.truncate(path, off_t(size)) == 0)
    }

    func refusal(_ dir: TemporaryDirectory) -> String? {
        do { _ = try ChainStore(directory: dir.path) } catch {
            if case .corrupt(let what) = error { return what }
            return "unexpected error: \(error)"
        }
        return nil
    }

    @Test func aWholeStoreReopens() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        _ = try filledStore(dir)
        let reopened = try ChainStore(directory: dir.path)
        #expect(reopened.head?.number == 199)
    }

    @Test func aDataFileCutToHalfIsRefusedNotMapped() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = try filledStore(dir)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        #expect(size > 64 * 4096)
        truncate(path, to: size / 2)
        let what = try #require(refusal(dir))
        #expect(what.hasPrefix(path + " is damaged (shorter than its last page"), "\(what)")
        #expect(what.hasSuffix("restore it from a backup or `athd import` an export"))
        // nothing was written: the file is still the damaged half
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int == size / 2)
        // one page short is refused too
        truncate(path, to: size - 1)
        #expect(refusal(dir) != nil)
    }

    @Test func anEmptyOrForeignDataFileIsRefused() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = try filledStore(dir)
        truncate(path, to: 0)
        #expect(refusal(dir)?.hasPrefix(path + " is damaged (empty)") == true)
        let junk = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }
        #expect(FileManager.default.createFile(atPath: path, contents: Data(junk)))
        #expect(refusal(dir)?.hasPrefix(path + " is damaged (no valid LMDB meta page") == true)
    }
}
