import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Checks, before anything starts, that each port the node will listen on
/// is free, so a clash is one clear sentence naming the port and the option
/// that moves it, not a failure halfway through start-up.
enum PortCheck {
    struct Wanted {
        let host: String
        let port: Int
        let option: String
    }

    /// The first clash among `ports` (port 0 picks a free one and never clashes).
    static func firstClash(_ ports: [Wanted]) -> String? {
        var seen: [Int: String] = [:]
        for p in ports where p.port != 0 {
            if let other = seen[p.port] {
                return "port \(p.port) is asked for by both \(other) and \(p.option): choose another with one of them"
            }
            seen[p.port] = p.option
            if !canBind(host: p.host, port: p.port) {
                return "port \(p.port) is in use: is another athd running? choose another with \(p.option)"
            }
        }
        return nil
    }

    /// Whether a TCP listener could bind `host:port` now (it is closed at once).
    static func canBind(host: String, port: Int) -> Bool {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let lookupHost = host.isEmpty ? nil : host
        guard getaddrinfo(lookupHost, String(port), &hints, &list) == 0, let first = list else { return true }
        defer { freeaddrinfo(list) }
        let fd = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
        guard fd >= 0 else { return true }
        defer { close(fd) }
        var one: Int32 = 1
        // As the listeners themselves do: a port in TIME_WAIT is not in use.
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        return bind(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0
    }
}
