import AthCrypto
import AthPrimitives
import AthTestSupport
import Foundation
@testable import AthStorage

/// A fresh directory under the system temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init(_ name: String = #function) {
        let safe = name.filter { $0.isLetter || $0.isNumber }
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("athstorage-\(safe)-\(UUID().uuidString)").path
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Runs `body` with a store in a fresh directory, then removes the directory.
func withStore<T>(initialMapSize: Int = ChainStore.defaultMapSize, _ name: String = #function,
                  _ body: (ChainStore, TemporaryDirectory) throws -> T) throws -> T {
    let dir = TemporaryDirectory(name)
    defer { dir.remove() }
    let store = try ChainStore(directory: dir.path, initialMapSize: initialMapSize)
    return try body(store, dir)
}

/// A deterministic block `number` whose hash, encodings and transaction
/// hashes derive from the number (and `salt`).
func makeBlock(_ number: UInt64, transactions: Int = 2, payload: Int = 16, salt: UInt64 = 0,
               logs: [(address: Address, topics: [Hash32])] = []) -> BlockRecord {
    BlockRecord(number: number, hash: blockHash(number, salt: salt),
                header: headerBytes(number, salt: salt),
                body: [UInt8](repeating: UInt8(truncatingIfNeeded: number), count: payload),
                receipts: [0xc0, UInt8(truncatingIfNeeded: number)],
                transactionHashes: (0..<transactions).map { txHash(number, $0, salt: salt) },
                logs: logs)
}

func blockHash(_ number: UInt64, salt: UInt64 = 0) -> Hash32 {
    Keccak256.hash(Array("block-\(number)-\(salt)".utf8))
}

func headerBytes(_ number: UInt64, salt: UInt64 = 0) -> [UInt8] {
    Array("header-\(number)-\(salt)".utf8)
}

func txHash(_ number: UInt64, _ index: Int, salt: UInt64 = 0) -> Hash32 {
    Keccak256.hash(Array("tx-\(number)-\(index)-\(salt)".utf8))
}

func topicHash(_ i: Int) -> Hash32 { Keccak256.hash(Array("topic-\(i)".utf8)) }

/// Builds `Hash32` from hex, for tests.
func hash(_ hex: String) -> Hash32 { try! Hash32(hex: hex) }

func account(nonce: UInt64, balance: UInt64) -> AccountRecord {
    AccountRecord(nonce: nonce, balance: UInt256(balance))
}

/// A lock-protected value shared between test threads.
final class Shared<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func get() -> Value { lock.withLock { value } }
    func update(_ body: (inout Value) -> Void) { lock.withLock { body(&value) } }
}
