import AthPrimitives

/// Counters, gauges and histograms, rendered in the Prometheus text exposition
/// format 0.0.4.
///
/// Asking twice for the same name and labels returns the same metric. Families
/// and series render in the order they were first registered. Names must match
/// `[a-zA-Z_:][a-zA-Z0-9_:]*` and a name keeps one type; breaking either is a
/// programming error and traps (names never come from remote input).
public final class MetricsRegistry: Sendable {
    private let state = Locked(State())

    enum Kind: String {
        case counter, gauge, histogram
    }

    enum Metric {
        case counter(MetricsCounter)
        case gauge(MetricsGauge)
        case histogram(MetricsHistogram)
    }

    struct Series {
        var labels: [(String, String)]
        var metric: Metric
    }

    struct Family {
        var name: String
        var help: String
        var kind: Kind
        var series: [Series] = []
        var index: [String: Int] = [:]
    }

    private struct State {
        var families: [Family] = []
        var byName: [String: Int] = [:]
    }

    public init() {}

    /// The counter `name` with these labels, created on first use.
    public func counter(_ name: String, help: String, labels: [(String, String)] = []) -> MetricsCounter {
        guard case .counter(let c) = metric(name, help: help, kind: .counter, labels: labels, make: { .counter(MetricsCounter()) }) else {
            preconditionFailure("metric \(name) is registered with another type")
        }
        return c
    }

    /// The gauge `name` with these labels, created on first use.
    public func gauge(_ name: String, help: String, labels: [(String, String)] = []) -> MetricsGauge {
        guard case .gauge(let g) = metric(name, help: help, kind: .gauge, labels: labels, make: { .gauge(MetricsGauge()) }) else {
            preconditionFailure("metric \(name) is registered with another type")
        }
        return g
    }

    /// The histogram `name` with these labels, created on first use with `buckets`.
    public func histogram(_ name: String, help: String, labels: [(String, String)] = [],
                          buckets: [Double] = MetricsHistogram.defaultBuckets) -> MetricsHistogram {
        guard case .histogram(let h) = metric(name, help: help, kind: .histogram, labels: labels,
                                              make: { .histogram(MetricsHistogram(buckets: buckets)) }) else {
            preconditionFailure("metric \(name) is registered with another type")
        }
        return h
    }

    private func metric(_ name: String, help: String, kind: Kind, labels: [(String, String)],
                        make: () -> Metric) -> Metric {
        precondition(Self.isValidName(name), "invalid metric name \(name)")
        for (label, _) in labels {
            precondition(Self.isValidName(label) && !label.contains(":") && label != "le",
                         "invalid label name \(label) on metric \(name)")
        }
        let key = labels.map { "\($0.0)=\($0.1)" }.joined(separator: "\u{0}")
        return state.withLock { s in
            let f: Int
            if let existing = s.byName[name] {
                f = existing
                precondition(s.families[f].kind == kind, "metric \(name) is registered as a \(s.families[f].kind.rawValue)")
            } else {
                f = s.families.count
                s.families.append(Family(name: name, help: help, kind: kind))
                s.byName[name] = f
            }
            if let i = s.families[f].index[key] { return s.families[f].series[i].metric }
            let m = make()
            s.families[f].index[key] = s.families[f].series.count
            s.families[f].series.append(Series(labels: labels, metric: m))
            return m
        }
    }

    static func isValidName(_ name: String) -> Bool {
        guard let first = name.utf8.first else { return false }
        func letter(_ c: UInt8) -> Bool {
            (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || c == UInt8(ascii: "_") || c == UInt8(ascii: ":")
        }
        guard letter(first) else { return false }
        return name.utf8.allSatisfy { letter($0) || ($0 >= 0x30 && $0 <= 0x39) }
    }

    /// Every metric in the Prometheus text exposition format 0.0.4.
    public func render() -> String {
        let families = state.withLock { $0.families }
        var out = ""
        out.reserveCapacity(families.count * 256)
        for family in families {
            out += "# HELP \(family.name) \(Self.escapeHelp(family.help))\n"
            out += "# TYPE \(family.name) \(family.kind.rawValue)\n"
            for series in family.series {
                switch series.metric {
                case .counter(let c):
                    out += "\(family.name)\(Self.labelText(series.labels)) \(Self.format(c.current))\n"
                case .gauge(let g):
                    out += "\(family.name)\(Self.labelText(series.labels)) \(Self.format(g.current))\n"
                case .histogram(let h):
                    let snap = h.snapshot
                    var cumulative: UInt64 = 0
                    for (i, bound) in h.buckets.enumerated() {
                        cumulative &+= snap.counts[i]
                        let labels = Self.labelText(series.labels + [("le", Self.format(bound))])
                        out += "\(family.name)_bucket\(labels) \(cumulative)\n"
                    }
                    out += "\(family.name)_bucket\(Self.labelText(series.labels + [("le", "+Inf")])) \(snap.count)\n"
                    out += "\(family.name)_sum\(Self.labelText(series.labels)) \(Self.format(snap.sum))\n"
                    out += "\(family.name)_count\(Self.labelText(series.labels)) \(snap.count)\n"
                }
            }
        }
        return out
    }

    static func labelText(_ labels: [(String, String)]) -> String {
        guard !labels.isEmpty else { return "" }
        return "{" + labels.map { "\($0.0)=\"\(escapeLabelValue($0.1))\"" }.joined(separator: ",") + "}"
    }

    static func escapeLabelValue(_ v: String) -> String {
        var out = ""
        for ch in v.unicodeScalars {
            switch ch {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    static func escapeHelp(_ v: String) -> String {
        var out = ""
        for ch in v.unicodeScalars {
            switch ch {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    /// Integral values print without a fraction; infinities and NaN as Prometheus spells them.
    static func format(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v == .infinity { return "+Inf" }
        if v == -.infinity { return "-Inf" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }
}
