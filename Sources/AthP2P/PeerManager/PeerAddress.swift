import AthPrimitives

/// A peer to dial: the node id it must authenticate as and where it listens,
/// written "nodeid@host:port" (an IPv6 host in brackets: "nodeid@[::1]:26656").
public struct PeerAddress: Hashable, Sendable, CustomStringConvertible {
    /// Longest host accepted: the length limit of a DNS name (RFC 1035).
    public static let maxHostBytes = 253

    public let nodeID: NodeID
    public let host: String
    public let port: Int

    /// Wraps the parts as given; `PeerManager` never advertises an address
    /// whose host or port would not parse (see `init(parsing:)`).
    public init(nodeID: NodeID, host: String, port: Int) {
        self.nodeID = nodeID
        self.host = host
        self.port = port
    }

    /// Parses "nodeid@host:port" (surrounding spaces ignored), refusing each
    /// malformed part with its own error.
    public init(parsing text: some StringProtocol) throws(P2PError) {
        let address = Self.trimmed(text)
        guard let at = address.firstIndex(of: "@") else { throw .peerAddressMissingNodeID(address: address) }
        let nodeID: NodeID
        do throws(HexError) {
            nodeID = try NodeID(hex: address[..<at])
        } catch {
            throw .peerAddressInvalidNodeID(address: address, reason: error)
        }
        let rest = address[address.index(after: at)...]
        let host: Substring, port: Substring
        if rest.first == "[" {
            guard let close = rest.firstIndex(of: "]") else {
                throw .peerAddressInvalidHost(address: address, host: String(rest))
            }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            guard after.first == ":" else { throw .peerAddressMissingPort(address: address) }
            port = after.dropFirst()
        } else {
            guard let colon = rest.lastIndex(of: ":") else { throw .peerAddressMissingPort(address: address) }
            host = rest[..<colon]
            port = rest[rest.index(after: colon)...]
            // "::1:26656" is ambiguous; IPv6 needs brackets.
            guard !host.contains(":") else { throw .peerAddressInvalidHost(address: address, host: String(host)) }
        }
        guard let number = Self.parsePort(port) else {
            throw .peerAddressInvalidPort(address: address, port: String(port))
        }
        guard Self.isValidHost(host.utf8) else { throw .peerAddressInvalidHost(address: address, host: String(host)) }
        self.init(nodeID: nodeID, host: String(host), port: number)
    }

    /// Parses a comma-separated list; empty entries and spaces around entries are ignored.
    public static func parseList(_ text: String) throws(P2PError) -> [PeerAddress] {
        var out: [PeerAddress] = []
        for entry in text.split(separator: ",") where !trimmed(entry).isEmpty {
            out.append(try PeerAddress(parsing: entry))
        }
        return out
    }

    /// "nodeid@host:port".
    public var description: String { "\(nodeID)@\(hostPort)" }

    /// "host:port", with an IPv6 host in brackets.
    public var hostPort: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Whether the host and port would pass `init(parsing:)` and `PEXMessage.decode`.
    public var isValid: Bool { Self.isValidHost(host.utf8) && Self.validPorts.contains(port) }

    static let validPorts = 1...65535

    /// 1...253 bytes of letters, digits and `.-_:%` (IPv6 and its zone id included).
    static func isValidHost(_ bytes: some Collection<UInt8>) -> Bool {
        guard !bytes.isEmpty, bytes.count <= maxHostBytes else { return false }
        return bytes.allSatisfy { b in
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "_"),
                 UInt8(ascii: ":"), UInt8(ascii: "%"):
                return true
            default:
                return false
            }
        }
    }

    /// 1 to 5 decimal digits with a value in 1...65535.
    private static func parsePort(_ text: Substring) -> Int? {
        let digits = text.utf8
        guard (1...5).contains(digits.count) else { return nil }
        var value = 0
        for d in digits {
            guard d >= UInt8(ascii: "0") && d <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(d - UInt8(ascii: "0"))
        }
        return validPorts.contains(value) ? value : nil
    }

    private static func trimmed(_ text: some StringProtocol) -> String {
        String(text.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
