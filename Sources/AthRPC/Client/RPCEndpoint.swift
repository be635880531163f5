/// Where an `RPCClient` sends its calls, parsed from `http://host[:port][/path]`.
struct RPCEndpoint: Sendable, Equatable {
    var host: String
    var port: Int
    var path: String
    /// The `Host` header value.
    var hostHeader: String

    init(url: String) throws(RPCClientError) {
        func fail(_ reason: String) -> RPCClientError { .invalidURL(url, reason: reason) }
        guard let colon = url.firstIndex(of: ":"), url[colon...].hasPrefix("://") else {
            throw fail("expected http://host:port")
        }
        let scheme = url[..<colon].lowercased()
        guard scheme == "http" else {
            throw fail("the \(scheme) scheme is not supported, use http://")
        }
        let rest = url[url.index(colon, offsetBy: 3)...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        var path = String(rest.dropFirst(authority.count))
        if path.isEmpty || path.first != "/" { path = "/" + path }
        guard !authority.isEmpty else { throw fail("the host is missing") }
        guard !authority.contains("@") else { throw fail("user information in the URL is not supported") }
        var host: Substring
        var portText: Substring? = nil
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw fail("unterminated IPv6 address") }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.first == ":" else { throw fail("unexpected text after the IPv6 address") }
                portText = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty else { throw fail("the host is missing") }
        var port = 80
        if let portText {
            guard let p = Int(portText), p > 0, p <= 65535, portText.allSatisfy(\.isASCII) else {
                throw fail("the port must be a number from 1 to 65535")
            }
            port = p
        }
        self.host = String(host)
        self.port = port
        self.path = path
        self.hostHeader = authority.hasPrefix("[") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
