import AthPrimitives
import AthCrypto
import Foundation

/// KeyStoreTests: Web3 Secret Storage v3 files with their password and the
/// private key they must open to.
enum KeystoreConformance {
    static func run(_ json: [String: Any], file: String, into report: inout ConformanceReport) {
        for (name, body) in Fixtures.sortedCases(json) {
            report.record(file: file, test: name, failure: check(body))
        }
    }

    static func check(_ body: [String: Any]) -> String? {
        guard let doc = body["json"] as? [String: Any], let password = body["password"] as? String,
              let priv = body["priv"] as? String, let expected = try? Hex.decode(priv) else {
            return "fixture lacks json, password or priv"
        }
        guard let bytes = try? JSONSerialization.data(withJSONObject: doc) else { return "fixture json does not serialize" }
        do {
            let key = try Web3SecretStorage.decrypt(Array(bytes), password: password)
            return key.bytes == expected ? nil : "opened to \(Hex.encode(key.bytes)), expected \(priv)"
        } catch {
            return "refused: \(error)"
        }
    }
}
