import AthPrimitives
import AthTrie
import Foundation

/// TrieTests: each case lists entries (`in`) and the root they must give.
/// `in` is a list of [key, value] pairs applied in order (a null value
/// deletes the key) or an object of key → value in no particular order.
/// Strings starting with `0x` are hex, others their UTF-8 bytes. Files whose
/// name says "secure" hash keys first. trietestnextprev.json instead lists
/// keys and, for probe keys, the keys just before and after them.
enum TrieConformance {
    static func run(_ json: [String: Any], file: String, into report: inout ConformanceReport) {
        let secure = file.lowercased().contains("secure")
        for (name, body) in Fixtures.sortedCases(json) {
            let failure = body["tests"] != nil ? checkIteration(body) : checkRoot(body, secure: secure)
            report.record(file: file, test: name, failure: failure)
        }
    }

    static func checkRoot(_ body: [String: Any], secure: Bool) -> String? {
        guard let rootText = body["root"] as? String, let expected = try? Hash32(hex: rootText) else {
            return "fixture has no hex \"root\""
        }
        let edits: [(key: [UInt8], value: [UInt8]?)]
        switch body["in"] {
        case let list as [Any]:
            var out: [(key: [UInt8], value: [UInt8]?)] = []
            for element in list {
                guard let pair = element as? [Any], pair.count == 2, let key = bytes(pair[0]) else {
                    return "fixture \"in\" entry is not a [key, value] pair"
                }
                if pair[1] is NSNull { out.append((key, nil)); continue }
                guard let value = bytes(pair[1]) else { return "fixture value is not a string" }
                out.append((key, value))
            }
            edits = out
        case let object as [String: Any]:
            var out: [(key: [UInt8], value: [UInt8]?)] = []
            // Sorted so the run is reproducible; the root must not depend on it.
            for name in object.keys.sorted() {
                guard let key = bytes(name), let value = bytes(object[name]!) else {
                    return "fixture entry \(name) is not a string pair"
                }
                out.append((key, value))
            }
            edits = out
        default:
            return "fixture \"in\" is neither a list nor an object"
        }
        var plain = MerklePatriciaTrie()
        var hashed = SecureTrie()
        for edit in edits {
            if secure {
                if let value = edit.value { hashed.insert(key: edit.key, value: value) } else { hashed.delete(key: edit.key) }
            } else {
                if let value = edit.value { plain.insert(key: edit.key, value: value) } else { plain.delete(key: edit.key) }
            }
        }
        let got = secure ? hashed.rootHash : plain.rootHash
        if got != expected { return "root \(got), expected \(expected)" }
        if body["in"] is [String: Any] {
            let pairs = edits.map { (key: $0.key, value: $0.value ?? []) }
            let oneShot = secure ? SecureTrie.root(of: Array(pairs.reversed())) : MerklePatriciaTrie.root(of: Array(pairs.reversed()))
            if oneShot != expected { return "one-shot root \(oneShot), expected \(expected)" }
        }
        return nil
    }

    /// `in` lists keys (each stored under itself); each test is
    /// [probe, key before it, key after it], "" meaning none.
    static func checkIteration(_ body: [String: Any]) -> String? {
        guard let keys = body["in"] as? [Any], let tests = body["tests"] as? [Any] else {
            return "fixture lacks \"in\" or \"tests\""
        }
        var trie = MerklePatriciaTrie()
        for element in keys {
            guard let key = bytes(element) else { return "fixture key is not a string" }
            trie.insert(key: key, value: key)
        }
        for element in tests {
            guard let test = element as? [Any], test.count == 3,
                  let probe = bytes(test[0]), let before = bytes(test[1]), let after = bytes(test[2]) else {
                return "fixture test is not [probe, prev, next]"
            }
            let gotBefore = trie.prev(before: probe)?.key ?? []
            let gotAfter = trie.next(after: probe)?.key ?? []
            if gotBefore != before {
                return "prev(before: \(show(probe))) = \(show(gotBefore)), expected \(show(before))"
            }
            if gotAfter != after {
                return "next(after: \(show(probe))) = \(show(gotAfter)), expected \(show(after))"
            }
        }
        return nil
    }

    /// A fixture string as bytes: hex after `0x`, otherwise UTF-8.
    static func bytes(_ value: Any) -> [UInt8]? {
        guard let text = value as? String else { return nil }
        if text.hasPrefix("0x") { return try? Hex.decode(text) }
        return Array(text.utf8)
    }

    static func show(_ bytes: [UInt8]) -> String { "\"\(String(decoding: bytes, as: UTF8.self))\"" }
}
