/// Where a worker serves its HTTP API, parsed from the `http://host:port`
/// endpoint an operator registers in Staking (a trailing `/` is allowed;
/// port 80 when absent). Other schemes, user information, paths, queries and
/// fragments are refused: the checker requests fixed paths on this server.
public struct HTTPEndpoint: Sendable, Equatable, CustomStringConvertible {
    /// The host name or address (an IPv6 address without its brackets).
    public let host: String
    public let port: Int
    /// The `Host` header value.
    let hostHeader: String

    /// The longest endpoint accepted: Staking stores at most 128 bytes.
    public static let maxLength = 256

    public init(_ url: String) throws(HTTPGetError) {
        func fail(_ reason: String) -> HTTPGetError { .invalidURL(String(url.prefix(Self.maxLength)), reason: reason) }
        guard url.utf8.count <= Self.maxLength else { throw fail("longer than \(Self.maxLength) bytes") }
        guard url.allSatisfy({ $0.isASCII && !$0.isWhitespace && !$0.isNewline }) else {
            throw fail("only printable ASCII without spaces is allowed")
        }
        guard url.lowercased().hasPrefix("http://") else { throw fail("expected http://host:port") }
        var authority = url.dropFirst("http://".count)
        if authority.last == "/" { authority = authority.dropLast() }
        guard !authority.isEmpty else { throw fail("the host is missing") }
        guard !authority.contains(where: { "/?#@".contains($0) }) else {
            throw fail("only http://host:port is supported (no path, query or user information)")
        }
        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw fail("unterminated IPv6 address") }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.first == ":" else { throw fail("unexpected text after the IPv6 address") }
                portText = after.dropFirst()
            }
        } else if let colon = authority.firstIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty else { throw fail("the host is missing") }
        var port = 80
        if let portText {
            guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy(\.isNumber), let p = Int(portText), (1...65535).contains(p)
            else { throw fail("the port must be a number from 1 to 65535") }
            port = p
        }
        self.host = String(host)
        self.port = port
        hostHeader = authority.hasPrefix("[") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// `http://host:port`.
    public var description: String { "http://" + hostHeader }
}
