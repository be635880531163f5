import Foundation

/// One fixture case that did not behave as the fixture says.
public struct ConformanceFailure: Sendable, Equatable {
    public var file: String
    public var test: String
    public var reason: String

    public var line: String { "FAIL \(file) \(test): \(reason)" }
}

/// The outcome of running a suite.
public struct ConformanceReport: Sendable {
    public var suite: String
    public var passed = 0
    public var failures: [ConformanceFailure] = []

    public init(suite: String) { self.suite = suite }

    public var failed: Int { failures.count }
    /// The closing line every runner prints: `N passed, M failed`.
    public var summary: String { "\(passed) passed, \(failed) failed" }

    mutating func record(file: String, test: String, failure: String?) {
        if let failure { failures.append(ConformanceFailure(file: file, test: test, reason: failure)) } else { passed += 1 }
    }

    /// A JSON object for scripts: suite, passed, failed, failures.
    public var json: String {
        let object: [String: Any] = [
            "suite": suite, "passed": passed, "failed": failed,
            "failures": failures.map { ["file": $0.file, "test": $0.test, "reason": $0.reason] },
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}

/// Why a suite could not run at all (as opposed to cases failing).
public enum ConformanceError: Error, CustomStringConvertible {
    case fixturesNotConfigured(folder: String)
    case pathNotFound(String)
    case unreadable(String, String)

    public var description: String {
        switch self {
        case .fixturesNotConfigured(let folder):
            return "ETHEREUM_TESTS is not set: set it to a copy of ethereum/tests (CI uses ../shared/ethereum-tests) or pass the path to \(folder)"
        case .pathNotFound(let p): return "no such file or directory: \(p)"
        case let .unreadable(p, why): return "cannot read fixture \(p): \(why)"
        }
    }
}

/// The fixture suites `ath conformance` runs.
public enum ConformanceSuite: String, CaseIterable, Sendable {
    case rlp, transactions, keystore, trie, state

    /// The folder of ethereum/tests that holds the suite.
    public var folder: String {
        switch self {
        case .rlp: return "RLPTests"
        case .transactions: return "TransactionTests"
        case .keystore: return "KeyStoreTests"
        case .trie: return "TrieTests"
        case .state: return "GeneralStateTests"
        }
    }

    /// Runs the suite over `paths` (files or folders, searched for `.json`),
    /// or over `$ETHEREUM_TESTS/<folder>` when `paths` is empty. `trace` (state
    /// suite only) names the cases to trace, EIP-3155 style, on standard error.
    public func run(paths: [String], trace: String? = nil,
                    environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ConformanceReport {
        var roots = paths
        if roots.isEmpty {
            guard let base = environment["ETHEREUM_TESTS"], !base.isEmpty else {
                throw ConformanceError.fixturesNotConfigured(folder: folder)
            }
            roots = [(base as NSString).appendingPathComponent(folder)]
        }
        let files = try Fixtures.jsonFiles(under: roots)
        var report = ConformanceReport(suite: rawValue)
        for file in files {
            let json = try Fixtures.load(file)
            let shown = Fixtures.displayName(file)
            switch self {
            case .rlp: RLPConformance.run(json, file: shown, into: &report)
            case .transactions: TransactionConformance.run(json, file: shown, into: &report)
            case .keystore: KeystoreConformance.run(json, file: shown, into: &report)
            case .trie: TrieConformance.run(json, file: shown, into: &report)
            case .state: StateConformance.run(json, file: shown, trace: trace, into: &report)
            }
        }
        return report
    }
}

enum Fixtures {
    /// Every `.json` file under the roots, in a stable (sorted) order.
    static func jsonFiles(under roots: [String]) throws -> [String] {
        var out: [String] = []
        let fm = FileManager.default
        for root in roots {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: root, isDirectory: &isDir) else { throw ConformanceError.pathNotFound(root) }
            if !isDir.boolValue { out.append(root); continue }
            guard let walker = fm.enumerator(atPath: root) else { throw ConformanceError.unreadable(root, "cannot list") }
            var found: [String] = []
            for case let rel as String in walker where rel.hasSuffix(".json") {
                found.append((root as NSString).appendingPathComponent(rel))
            }
            out.append(contentsOf: found.sorted())
        }
        return out
    }

    static func load(_ path: String) throws -> [String: Any] {
        guard let data = fm(path) else { throw ConformanceError.unreadable(path, "cannot open") }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ConformanceError.unreadable(path, "not a JSON object")
        }
        return object
    }

    private static func fm(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

    /// The path from the suite folder down, for failure lines.
    static func displayName(_ path: String) -> String {
        let parts = path.split(separator: "/")
        if let i = parts.lastIndex(where: { $0.hasSuffix("Tests") }) {
            return parts[i...].joined(separator: "/")
        }
        return path
    }

    /// Test names in a stable order (fixture files are JSON objects).
    static func sortedCases(_ json: [String: Any]) -> [(String, [String: Any])] {
        json.keys.sorted().compactMap { k in (json[k] as? [String: Any]).map { (k, $0) } }
    }
}
