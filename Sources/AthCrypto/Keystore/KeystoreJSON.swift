import AthPrimitives
import Foundation

/// Small, strict JSON accessors for keystore documents.
enum KeystoreJSON {
    /// A keystore is a few hundred bytes; anything far larger is not one.
    static let maxSize = 64 * 1024

    static func decodeObject(_ bytes: [UInt8]) throws(KeystoreError) -> [String: Any] {
        guard bytes.count <= maxSize else { throw .malformed("file is \(bytes.count) bytes, more than \(maxSize)") }
        let value: Any
        do { value = try JSONSerialization.jsonObject(with: Data(bytes)) } catch {
            throw .malformed("it is not valid JSON")
        }
        guard let object = value as? [String: Any] else { throw .malformed("the top level is not a JSON object") }
        return object
    }

    static func encode(_ object: [String: Any]) throws(KeystoreError) -> [UInt8] {
        do {
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
            return Array(data) + [UInt8(ascii: "\n")]
        } catch {
            throw .io("could not encode the keystore as JSON: \(error)")
        }
    }

    static func string(_ o: [String: Any], _ key: String) throws(KeystoreError) -> String {
        guard let s = o[key] as? String else { throw .malformed("missing or non-text \"\(key)\"") }
        return s
    }

    static func int(_ o: [String: Any], _ key: String) throws(KeystoreError) -> Int {
        // JSONSerialization yields NSNumber; refuse fractions, booleans and text.
        guard let n = o[key] as? NSNumber, isNotBoolean(n), let i = Int(exactly: n.doubleValue),
              n.stringValue == String(i) else {
            throw .malformed("missing or non-integer \"\(key)\"")
        }
        return i
    }

    static func hex(_ o: [String: Any], _ key: String) throws(KeystoreError) -> [UInt8] {
        let s = try string(o, key)
        do { return try Hex.decode(s) } catch { throw .malformed("\"\(key)\" is not hex: \(error)") }
    }
}

/// Booleans arrive as NSNumber too; tell them apart by their text form.
@inline(__always)
private func isNotBoolean(_ n: NSNumber) -> Bool {
    n.stringValue != "true" && n.stringValue != "false"
}
