import ArgumentParser
import AthClient
import AthPrimitives
import AthRPC
import AthTypes
import Foundation

/// `ath status`: a node's view of the network (`ath_status`): head, sync,
/// peers, the validator set and where consensus stands.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show a node's height, head, sync state, peers, validator set and consensus step.",
        discussion: "--json prints the node's ath_status answer with every number in one format: counts, heights and rounds as JSON numbers, wei amounts (validator power) as decimal strings, as the other --json outputs.")
    @OptionGroup var node: NodeOptions

    func run() throws {
        try reporting {
            let status = try Self.fetch(node.client())
            if node.json { Self.normalized(status).printPretty(); return }
            print(Self.render(status), terminator: "")
        }
    }

    /// Calls `ath_status`, naming a node that does not serve it.
    static func fetch(_ client: NodeClient) throws -> JSON {
        let result: JSON
        do { result = try client.rpc.callSync("ath_status") } catch {
            if case .rpc(let e) = error, e.code == RPCError.methodNotFoundCode {
                throw CLIError("the node at \(client.url) does not serve ath_status (\(e.message)): it runs an athd "
                               + "from before BFT consensus; `ath block latest` still shows its head")
            }
            if case .rpc(let e) = error { throw CLIError("ath_status failed: \(e.message)") }
            throw CLIError(error.description)
        }
        guard result.objectValue != nil else { throw NodeValue.invalid("ath_status answer", result) }
        return result
    }

    /// `ath_status` with its quantities (hex, or decimal text) as decimal:
    /// numbers where they fit a JSON number exactly, wei as decimal strings.
    static func normalized(_ s: JSON) -> JSON {
        func number(_ v: JSON?) -> JSON {
            guard let v else { return .null }
            if let text = v.stringValue {
                if text.hasPrefix("0x"), let n = UInt64(text.dropFirst(2), radix: 16) { return .number(String(n)) }
                if let n = Int64(text) { return .number(String(n)) }
            }
            return v
        }
        func wei(_ v: JSON?) -> JSON { .string(NodeFormat.decimal(v)) }
        guard case .object(let fields) = s else { return s }
        return .object(fields.map { key, value -> (String, JSON) in
            switch key {
            case "chainId", "height", "syncTarget": return (key, number(value))
            case "consensus":
                guard case .object(let c) = value else { return (key, value) }
                return (key, .object(c.map { k, v in (k == "height" || k == "round") ? (k, number(v)) : (k, v) }))
            case "validators":
                guard let list = value.arrayValue else { return (key, value) }
                return (key, .array(list.map { entry -> JSON in
                    guard case .object(let f) = entry else { return entry }
                    return .object(f.map { k, v in
                        k == "power" ? (k, wei(v)) : k == "proposerPriority" ? (k, number(v)) : (k, v)
                    })
                }))
            default: return (key, value)
            }
        })
    }

    /// The readable form; fields the node leaves out are skipped or shown as `-`.
    static func render(_ s: JSON) -> String {
        var rows: [(String, String)] = [
            ("chain id", NodeFormat.decimal(s["chainId"])),
            ("node id", s["nodeId"]?.stringValue ?? "-"),
            ("height", NodeFormat.decimal(s["height"])),
            ("head", s["head"]?.stringValue ?? "-"),
            ("sync", sync(s)),
        ]
        if let c = s["consensus"], c.objectValue != nil {
            let round = c["round"].map { $0.numberText ?? NodeFormat.decimal($0) } ?? "-"
            rows.append(("consensus", "height \(NodeFormat.decimal(c["height"])), round \(round), \(c["step"]?.stringValue ?? "-")"))
        }
        rows.append(("this node", thisNode(s["validator"])))
        let peers = s["peers"]?.arrayValue ?? []
        rows.append(("peers", s["peers"] == nil ? "-" : String(peers.count)))
        var out = ""
        let width = ((rows.map(\.0) + ["validators"]).map(\.count).max() ?? 0) + 2
        for (label, value) in rows { out += (label + ":").padding(toLength: width, withPad: " ", startingAt: 0) + value + "\n" }
        out += table(peers.map { p in
            [p["id"]?.stringValue ?? "-", p["address"]?.stringValue ?? "-",
             p["outbound"]?.boolValue.map { $0 ? "outbound" : "inbound" } ?? "-"]
        })

        guard let validators = s["validators"]?.arrayValue else { return out }
        let powers = validators.map { (try? NodeValue.quantity($0["power"], "power")) ?? .zero }
        let total = powers.reduce(UInt256.zero) { $0 &+ $1 }  // display only; Staking's total fits
        out += "validators:".padding(toLength: width, withPad: " ", startingAt: 0)
            + "\(validators.count), total power \(Amount.formatATH(total))\n"
        out += table(zip(validators, powers).map { v, power in
            let address = NodeFormat.address(v["address"])
            return [address, Amount.formatATH(power), "priority " + (v["proposerPriority"]?.stringValue ?? v["proposerPriority"]?.numberText ?? "-"),
                    v["publicKey"]?.stringValue ?? "-", isMine(v, s["validator"]) ? "<- this node" : ""]
        })
        return out
    }

    static func sync(_ s: JSON) -> String {
        guard let syncing = s["syncing"]?.boolValue else { return "-" }
        guard syncing else { return "caught up" }
        guard let target = try? NodeValue.uint64(s["syncTarget"], "sync target") else { return "syncing" }
        let height = (try? NodeValue.uint64(s["height"], "height")) ?? 0
        return "syncing to \(target) (\(target > height ? target - height : 0) blocks behind)"
    }

    static func thisNode(_ v: JSON?) -> String {
        guard let v else { return "-" }
        guard v.objectValue != nil else { return "not a validator" }
        let address = v["address"].flatMap { $0.isNull ? nil : NodeFormat.address($0) }
        let key = v["publicKey"]?.stringValue
        switch v["inSet"]?.boolValue {
        case true?: return "validator \(address ?? key ?? "-") (in the active set)"
        case false?: return "not in the active set" + (key.map { " (validator key \($0))" } ?? "")
        case nil: return "validator \(address ?? key ?? "-")"
        }
    }

    /// Whether a validator set entry is this node's (same account or same key).
    static func isMine(_ entry: JSON, _ mine: JSON?) -> Bool {
        guard let mine else { return false }
        for field in ["address", "publicKey"] {
            if let a = entry[field]?.stringValue?.lowercased(), let b = mine[field]?.stringValue?.lowercased(), a == b { return true }
        }
        return false
    }

    /// Indented rows with aligned columns.
    static func table(_ rows: [[String]]) -> String {
        guard let columns = rows.first?.count else { return "" }
        let widths = (0..<columns).map { c in rows.map { $0[c].count }.max() ?? 0 }
        return rows.map { row in
            "  " + zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces) + "\n"
        }.joined()
    }
}
