import AthPrimitives
import AthTypes
import Foundation

/// TransactionTests: raw bytes, and per fork either the sender and hash of a
/// valid transaction or the exception that makes it invalid. We hold each
/// case to its Cancun entry; a few malformed-RLP fixtures stop at an earlier
/// fork, and for those the newest fork they list stands in (a transaction
/// that is malformed there is malformed in Cancun too).
enum TransactionConformance {
    /// The chain id the fixtures were filled with.
    static let fixtureChainID: UInt64 = 1
    static let forks = ["Frontier", "Homestead", "EIP150", "EIP158", "Byzantium", "Constantinople",
                        "ConstantinopleFix", "Istanbul", "Berlin", "London", "Paris", "Shanghai", "Cancun"]

    static func run(_ json: [String: Any], file: String, into report: inout ConformanceReport) {
        for (name, body) in Fixtures.sortedCases(json) {
            report.record(file: file, test: name, failure: check(body))
        }
    }

    static func expectation(_ body: [String: Any]) -> [String: Any]? {
        guard let results = body["result"] as? [String: Any] else { return nil }
        for fork in forks.reversed() { if let r = results[fork] as? [String: Any] { return r } }
        return nil
    }

    static func check(_ body: [String: Any]) -> String? {
        guard let raw = body["txbytes"] as? String else { return "fixture has no \"txbytes\"" }
        guard let expected = expectation(body) else { return "fixture has no Cancun (or earlier) result" }
        let expectedException = expected["exception"] as? String
        let outcome: Result<(SignedTransaction, Address), TransactionError>
        do {
            let bytes = try Hex.decode(raw)
            let tx = try SignedTransaction.decode(bytes)
            let sender = try tx.validate(chainID: fixtureChainID)
            outcome = .success((tx, sender))
        } catch let e as TransactionError {
            outcome = .failure(e)
        } catch {
            outcome = .failure(.malformedEnvelope(.empty))
        }
        switch (outcome, expectedException) {
        case (.failure, .some):
            return nil
        case (.success(let (tx, _)), .some(let exception)):
            return "accepted a transaction the fixture rejects with \(exception) (hash \(tx.hash))"
        case (.failure(let e), .none):
            return "refused a valid transaction: \(e)"
        case (.success(let (tx, sender)), .none):
            if let h = expected["hash"] as? String, (try? Hash32(hex: h)) != tx.hash {
                return "hash \(tx.hash), expected \(h)"
            }
            if let s = expected["sender"] as? String, (try? Address(hex: s)) != sender {
                return "sender \(sender), expected \(s)"
            }
            if let g = expected["intrinsicGas"] as? String, let gas = UInt64(g.dropFirst(2), radix: 16),
               gas != tx.transaction.intrinsicGas {
                return "intrinsic gas \(tx.transaction.intrinsicGas), expected \(gas)"
            }
            return nil
        }
    }
}
