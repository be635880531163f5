import AthPrimitives

/// The RPC server's per-method metrics. The method label is bounded: names
/// the handler rejected as unknown, odd-looking names, and anything past the
/// first `maxMethods` distinct names are all counted as "unknown".
final class RPCMetrics: Sendable {
    static let maxMethods = 256
    static let unknown = "unknown"

    private let registry: MetricsRegistry
    private let perMethod = Locked<[String: Entry]>([:])
    private let parseErrors: MetricsCounter

    struct Entry {
        var requests: MetricsCounter
        var errors: MetricsCounter
        var duration: MetricsHistogram
    }

    init(registry: MetricsRegistry) {
        self.registry = registry
        parseErrors = registry.counter("ath_rpc_parse_errors_total", help: "JSON-RPC messages that were not valid JSON.")
    }

    /// Records one handled call; `method` nil means the method does not exist.
    func record(method: String?, failed: Bool, nanoseconds: Int64) {
        let entry = self.entry(for: method.flatMap { Self.isPlausible($0) ? $0 : nil } ?? Self.unknown)
        entry.requests.increment()
        if failed { entry.errors.increment() }
        entry.duration.observe(nanoseconds: nanoseconds)
    }

    func recordParseError() { parseErrors.increment() }

    private func entry(for method: String) -> Entry {
        perMethod.withLock { map in
            if let e = map[method] { return e }
            if map.count >= Self.maxMethods, let e = map[Self.unknown] { return e }
            let label = map.count >= Self.maxMethods ? Self.unknown : method
            let labels = [("method", label)]
            let entry = Entry(
                requests: registry.counter("ath_rpc_requests_total", help: "JSON-RPC calls handled, by method.", labels: labels),
                errors: registry.counter("ath_rpc_errors_total", help: "JSON-RPC calls answered with an error, by method.", labels: labels),
                duration: registry.histogram("ath_rpc_request_duration_seconds", help: "Time to handle one JSON-RPC call, by method.",
                                             labels: labels))
            // "unknown" may take the slot one past the limit so it is always found.
            map[label] = entry
            return entry
        }
    }

    /// 1 to 64 ASCII letters, digits and underscores.
    static func isPlausible(_ method: String) -> Bool {
        let utf8 = method.utf8
        guard !utf8.isEmpty, utf8.count <= 64 else { return false }
        return utf8.allSatisfy { c in
            (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39) || c == UInt8(ascii: "_")
        }
    }
}
