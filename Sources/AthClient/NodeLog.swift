import Foundation
import Logging
import Synchronization

/// How the node writes its log lines.
public enum LogFormat: String, Sendable, CaseIterable {
    /// `2026-11-26T17:00:00.123Z INFO  block committed  number=12 txs=3`
    case text
    /// One JSON object a line: ts, level, msg, then the metadata fields.
    case json
}

/// A swift-log handler writing structured lines to standard error, in text
/// or JSON, one `write` per line so lines from several threads never mix.
public struct NodeLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let format: LogFormat
    let label: String

    public init(label: String, format: LogFormat, level: Logger.Level) {
        self.label = label; self.format = format; self.logLevel = level
    }

    /// Installs the handler for every logger of the process (call once, first thing).
    public static func bootstrap(format: LogFormat, level: Logger.Level) {
        LoggingSystem.bootstrap { label in NodeLogHandler(label: label, format: format, level: level) }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields = metadata
        if let extra = event.metadata { fields.merge(extra) { _, new in new } }
        let time = Self.timestamp()
        var line: String
        switch format {
        case .text:
            line = "\(time) \(event.level.rawValue.uppercased().padding(toLength: 8, withPad: " ", startingAt: 0))\(event.message)"
            for key in fields.keys.sorted() { line += "  \(key)=\(Self.text(fields[key]!))" }
        case .json:
            line = "{\"ts\":\"\(time)\",\"level\":\"\(event.level.rawValue)\",\"logger\":\(Self.quote(label)),\"msg\":\(Self.quote("\(event.message)"))"
            for key in fields.keys.sorted() { line += ",\(Self.quote(key)):\(Self.quote(Self.text(fields[key]!)))" }
            line += "}"
        }
        line += "\n"
        var bytes = Array(line.utf8)
        bytes.withUnsafeMutableBytes { b in
            var off = 0
            while off < b.count {
                let n = Foundation.write(2, b.baseAddress! + off, b.count - off)
                if n <= 0 { break }
                off += n
            }
        }
    }

    static func text(_ v: Logger.Metadata.Value) -> String {
        switch v {
        case .string(let s): return s
        case .stringConvertible(let c): return c.description
        case .array(let a): return "[" + a.map(text).joined(separator: ",") + "]"
        case .dictionary(let d): return "{" + d.keys.sorted().map { "\($0)=\(text(d[$0]!))" }.joined(separator: ",") + "}"
        }
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20: out += String(format: "\\u%04x", u.value)
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }

    static func timestamp() -> String {
        var tv = timeval()
        gettimeofday(&tv, nil)
        var t = time_t(tv.tv_sec)
        var tm = tm()
        gmtime_r(&t, &tm)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(tm.tm_year) + 1900, Int(tm.tm_mon) + 1,
                      Int(tm.tm_mday), Int(tm.tm_hour), Int(tm.tm_min), Int(tm.tm_sec), Int(tv.tv_usec / 1000))
    }
}
