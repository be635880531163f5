import AthCrypto
import AthPrimitives
import AthTypes
import AthTestSupport
import Foundation
import Testing

/// Cross-checks against eth-account, the reference Python client: its signed
/// transactions decode here to the same sender and hash, and transactions
/// signed here recover there to our sender. Needs `ATH_PYTHON` (the venv
/// python with eth-account; `make test` sets it).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["ATH_PYTHON"] != nil,
                "set ATH_PYTHON to a python with eth-account (make test does)"))
struct EthAccountCrossCheckTests {
    static let perType = 1_000

    static var tool: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Interop/eth_account_tool.py").path
    }

    static func python(_ args: [String], stdin: Data? = nil) throws -> [String] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: ProcessInfo.processInfo.environment["ATH_PYTHON"]!)
        p.arguments = [tool] + args
        let out = Pipe(), input = Pipe()
        p.standardOutput = out
        p.standardInput = input
        try p.run()
        if let stdin {
            // Write from another thread so a full pipe cannot deadlock us.
            let handle = input.fileHandleForWriting
            DispatchQueue.global().async { handle.write(stdin); try? handle.close() }
        } else {
            try input.fileHandleForWriting.close()
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw CrossCheckError.toolFailed(p.terminationStatus) }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    enum CrossCheckError: Error { case toolFailed(Int32) }

    @Test func ethAccountSignedTransactionsDecodeHere() throws {
        let lines = try Self.python(["sign", String(Self.perType), "20261126"])
        #expect(lines.count == 3 * Self.perType)
        var perType = [0, 0, 0], failures: [String] = []
        for line in lines {
            let item = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let raw = try Hex.decode(item["raw"] as! String)
            do {
                let tx = try SignedTransaction.decode(raw)
                let sender = try tx.recoverSender()
                guard sender == (try Address(hex: item["sender"] as! String)),
                      tx.hash == (try Hash32(hex: item["hash"] as! String)),
                      Int(tx.transaction.type.rawValue) == item["type"] as! Int else {
                    failures.append("mismatch: \(line)"); continue
                }
                perType[Int(tx.transaction.type.rawValue)] += 1
            } catch {
                failures.append("\(error): \(line)")
            }
        }
        let failureCount = failures.count
        #expect(failureCount == 0, "first failures: \(failures.prefix(5))")
        #expect(perType == [Self.perType, Self.perType, Self.perType])
    }

    @Test func transactionsSignedHereRecoverInEthAccount() throws {
        var rng = SplitMix64(seed: 42)
        func u256() -> UInt256 {
            switch rng.next() % 4 {
            case 0: return .zero
            case 1: return UInt256(rng.next() % 1_000_000_000_000)
            case 2: return UInt256(limbs: rng.next(), rng.next(), 0, 0)
            default: return UInt256(limbs: rng.next(), rng.next(), rng.next(), rng.next())
            }
        }
        func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) } }
        var payload = Data(), expected: [(Address, Hash32)] = []
        for type in TransactionType.allCases {
            for _ in 0..<Self.perType {
                let key = Secp256k1PrivateKey.generate()
                let to: Address? = rng.next() % 10 == 0 ? nil : Address(bytes(20))
                let data = bytes(Int(rng.next() % 200))
                let chainID = [1, 1337, rng.next() % (1 << 32) + 1][Int(rng.next() % 3)]
                let list = (0..<Int(rng.next() % 3)).map { _ in
                    AccessListEntry(address: Address(bytes(20))!, storageKeys: (0..<Int(rng.next() % 3)).map { _ in Hash32(bytes(32))! })
                }
                let nonce = rng.next() % (UInt64.max - 1), gas = rng.next()
                let tx: Transaction
                switch type {
                case .legacy:
                    tx = .legacy(chainID: rng.next() % 5 == 0 ? nil : chainID, nonce: nonce, gasPrice: u256(), gasLimit: gas, to: to, value: u256(), data: data)
                case .accessList:
                    tx = .accessList(chainID: chainID, nonce: nonce, gasPrice: u256(), gasLimit: gas, to: to, value: u256(), data: data, accessList: list)
                case .dynamicFee:
                    let maxFee = u256()
                    tx = .dynamicFee(chainID: chainID, nonce: nonce, maxPriorityFeePerGas: maxFee >> 1, maxFeePerGas: maxFee, gasLimit: gas, to: to, value: u256(), data: data, accessList: list)
                }
                let signed = tx.signed(with: key)
                expected.append((key.address, signed.hash))
                let line = "{\"raw\":\"\(Hex.encode(signed.encoded))\",\"sender\":\"\(key.address)\",\"hash\":\"\(signed.hash)\"}\n"
                payload.append(Data(line.utf8))
            }
        }
        let results = try Self.python(["recover"], stdin: payload)
        #expect(results.count == expected.count)
        var failures: [String] = []
        for (i, line) in results.enumerated() {
            let item = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            if item["ok"] as? Bool != true { failures.append("#\(i) \(line)") }
        }
        let failureCount = failures.count
        #expect(failureCount == 0, "first failures: \(failures.prefix(5))")
    }
}
