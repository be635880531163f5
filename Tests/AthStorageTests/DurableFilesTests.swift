import Foundation
import Testing
import AthPrimitives
import AthCrypto
@testable import AthStorage

private func scratch() -> String {
    var template = Array((NSTemporaryDirectory() + "/athfiles-test-XXXXXX").utf8CString)
    return String(cString: mkdtemp(&template)!)
}

struct SignStateFileTests {
    static let a = Hash32(Array(repeating: 1, count: 32))!, b = Hash32(Array(repeating: 2, count: 32))!

    @Test func neverPermitsASecondMessageForASignedStep() throws {
        let dir = scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/sign_state"
        let file = try SignStateFile(path: path)
        #expect(file.last == nil)
        try file.recordSigning(height: 5, round: 0, step: 2, signBytesHash: Self.a)
        try file.recordSigning(height: 5, round: 0, step: 2, signBytesHash: Self.a)     // the same message again
        #expect(throws: SignStateError.self) { try file.recordSigning(height: 5, round: 0, step: 2, signBytesHash: Self.b) }
        #expect(throws: SignStateError.self) { try file.recordSigning(height: 5, round: 0, step: 1, signBytesHash: Self.b) }
        #expect(throws: SignStateError.self) { try file.recordSigning(height: 4, round: 9, step: 3, signBytesHash: Self.b) }
        try file.recordSigning(height: 5, round: 0, step: 3, signBytesHash: Self.b)
        try file.recordSigning(height: 5, round: 1, step: 1, signBytesHash: Self.a)
        // A restart reads the last state back and keeps refusing.
        let reopened = try SignStateFile(path: path)
        #expect(reopened.last == SignRecord(height: 5, round: 1, step: 1, signBytesHash: Self.a))
        #expect(throws: SignStateError.self) { try reopened.recordSigning(height: 5, round: 1, step: 1, signBytesHash: Self.b) }
        try reopened.recordSigning(height: 6, round: 0, step: 1, signBytesHash: Self.b)
    }

    @Test func aDamagedFileIsRefusedNotGuessed() throws {
        let dir = scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/sign_state"
        let file = try SignStateFile(path: path)
        try file.recordSigning(height: 7, round: 2, step: 3, signBytesHash: Self.a)
        var bytes = try #require(try DurableFile.read(path, limit: 4096))
        bytes[10] ^= 1
        try DurableFile.replace(path, with: bytes)
        #expect(throws: SignStateError.corrupt(path: path)) { _ = try SignStateFile(path: path) }
        try DurableFile.replace(path, with: Array(bytes.prefix(20)))
        #expect(throws: SignStateError.corrupt(path: path)) { _ = try SignStateFile(path: path) }
    }
}

struct WriteAheadLogTests {
    @Test func recordsSurviveReopeningAndATornTailIsCut() throws {
        let dir = scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/cs.wal"
        let records = (0..<50).map { i in [UInt8](repeating: UInt8(i), count: i * 7) }
        do {
            let (log, existing, cut) = try WriteAheadLog.open(path)
            #expect(existing.isEmpty && cut == 0)
            for r in records { try log.append(r) }
            try log.sync()
        }
        let full = try #require(try DurableFile.read(path, limit: 1 << 20))
        // Every possible torn tail: the records before it come back, the file is cut there.
        for keep in stride(from: full.count - 1, to: full.count - 400, by: -13) {
            try DurableFile.replace(path, with: Array(full.prefix(keep)))
            let (log, back, cut) = try WriteAheadLog.open(path)
            #expect(back == Array(records.prefix(back.count)))
            #expect(back.count < records.count)
            #expect(log.byteCount + cut == keep)
            // Appending after the cut yields a well-formed log.
            try log.appendDurably([9, 9, 9])
            let (_, again, cut2) = try WriteAheadLog.open(path)
            #expect(again == back + [[9, 9, 9]] && cut2 == 0)
        }
    }

    @Test func damageBeforeTheEndIsRefusedUnlessRepairIsAsked() throws {
        let dir = scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/cs.wal"
        let (log, _, _) = try WriteAheadLog.open(path)
        for i in 0..<5 { try log.append([UInt8](repeating: UInt8(i), count: 10)) }
        try log.sync()
        var bytes = try #require(try DurableFile.read(path, limit: 4096))
        bytes[3 * 18 + 8] ^= 0xff                     // one flipped byte in the fourth record's payload
        try DurableFile.replace(path, with: bytes)
        let error = try #require(throws: FileError.self) { _ = try WriteAheadLog.open(path) }
        #expect(error.reason.contains("is damaged at byte 54 of 90"))
        #expect(error.reason.contains("--repair-wal"))
        #expect(try DurableFile.read(path, limit: 4096) == bytes)  // nothing cut
        let (reopened, back, cut) = try WriteAheadLog.open(path, repair: true)
        #expect(back.count == 3 && cut == 2 * 18)
        #expect(throws: FileError.self) { try reopened.append([UInt8](repeating: 0, count: WriteAheadLog.maxRecord + 1)) }
        try reopened.reset()
        #expect(reopened.byteCount == 0)
        let (_, none, _) = try WriteAheadLog.open(path)
        #expect(none.isEmpty)
    }

    @Test func randomContentIsDamageNotATornTail() throws {
        let dir = scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/cs.wal"
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<20 {
            let junk = (0..<Int.random(in: 64...4096, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            try DurableFile.replace(path, with: junk)
            #expect(throws: FileError.self) { _ = try WriteAheadLog.open(path) }
            #expect(try DurableFile.read(path, limit: 8192) == junk)
        }
    }

    @Test func aLastRecordTheFileSystemPaddedWithZerosIsATornTail() throws {
        let dir = scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/cs.wal"
        let (log, _, _) = try WriteAheadLog.open(path)
        for i in 0..<3 { try log.append([UInt8](repeating: UInt8(i + 1), count: 10)) }
        try log.sync()
        var bytes = try #require(try DurableFile.read(path, limit: 4096))
        for i in (2 * 18 + 4)..<bytes.count { bytes[i] = 0 }  // the last record's checksum and payload zeroed
        try DurableFile.replace(path, with: bytes)
        let (_, back, cut) = try WriteAheadLog.open(path)
        #expect(back.count == 2 && cut == 18)
        // A flipped byte in the last record is damage, not a crash.
        let (log2, _, _) = try WriteAheadLog.open(path)
        try log2.appendDurably([7, 7, 7, 7, 7, 7, 7, 7, 7, 7])
        var again = try #require(try DurableFile.read(path, limit: 4096))
        again[again.count - 1] ^= 1
        try DurableFile.replace(path, with: again)
        #expect(throws: FileError.self) { _ = try WriteAheadLog.open(path) }
    }
}
