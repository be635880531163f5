import Foundation
import Glibc

/// A tiny HTTP server on 127.0.0.1 for the fetcher tests, on plain sockets
/// (this test target does not depend on SwiftNIO; Linux only). One request per
/// connection; `respond` gets the request path and the connection's index
/// and says what to send back.
final class TestHTTPServer: @unchecked Sendable {
    enum Reply {
        /// Send these bytes, then close.
        case bytes([UInt8])
        /// Never answer; the connection stays open until `stop()`.
        case hang
        /// Send these bytes at about `bytesPerSecond`, then close (a slow link).
        case throttled([UInt8], bytesPerSecond: Int)
    }

    let port: Int
    private let listener: Int32
    private let respond: @Sendable (String, Int) -> Reply
    private let lock = NSLock()
    private var held: [Int32] = []
    private var paths: [String] = []
    private let finished = DispatchSemaphore(value: 0)

    init(_ respond: @escaping @Sendable (_ path: String, _ index: Int) -> Reply) throws {
        self.respond = respond
        (listener, port) = try Self.listen()
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    /// The paths requested so far.
    var requestedPaths: [String] { lock.withLock { paths } }

    var url: String { "http://127.0.0.1:\(port)" }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        finished.wait()
        for fd in lock.withLock({ held }) { close(fd) }
    }

    /// An HTTP/1.1 answer; without a Content-Length the body runs to the close.
    static func response(status: Int, headers: [(String, String)] = [], body: [UInt8] = [], contentLength: Bool = true) -> Reply {
        var head = "HTTP/1.1 \(status) Status\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if contentLength { head += "Content-Length: \(body.count)\r\n" }
        return .bytes(Array((head + "\r\n").utf8) + body)
    }

    /// A port on 127.0.0.1 that nothing listens on.
    static func closedPort() throws -> Int {
        let (fd, port) = try listen()
        close(fd)
        return port
    }

    private static func listen() throws -> (Int32, Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, Glibc.listen(fd, 16) == 0 else { close(fd); throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    private func acceptLoop() {
        var index = 0
        while true {
            let fd = accept(listener, nil, nil)
            guard fd >= 0 else { break }
            let path = Self.readRequestPath(fd)
            lock.withLock { paths.append(path) }
            switch respond(path, index) {
            case .bytes(let bytes):
                Self.send(fd, bytes)
                close(fd)
            case .hang:
                lock.withLock { held.append(fd) }
            case .throttled(let bytes, let rate):
                let chunk = max(rate / 20, 1)   // 20 writes a second
                var offset = 0
                while offset < bytes.count {
                    let end = min(offset + chunk, bytes.count)
                    Self.send(fd, Array(bytes[offset..<end]))
                    offset = end
                    if offset < bytes.count { Thread.sleep(forTimeInterval: 0.05) }
                }
                close(fd)
            }
            index += 1
        }
        finished.signal()
    }

    /// Reads the request head (up to 16 KiB) and returns its path.
    private static func readRequestPath(_ fd: Int32) -> String {
        var head: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while head.count < 16 * 1024 {
            let n = recv(fd, &buffer, buffer.count, 0)
            guard n > 0 else { break }
            head += buffer[0..<n]
            if head.count >= 4, String(decoding: head, as: UTF8.self).contains("\r\n\r\n") { break }
        }
        let line = String(decoding: head, as: UTF8.self).split(separator: "\r\n").first ?? ""
        let parts = line.split(separator: " ")
        return parts.count > 1 ? String(parts[1]) : ""
    }

    /// Writes everything it can; a peer that closed early just ends it (no SIGPIPE).
    private static func send(_ fd: Int32, _ bytes: [UInt8]) {
        var offset = 0
        bytes.withUnsafeBytes { raw in
            while offset < raw.count {
                let n = Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                guard n > 0 else { return }
                offset += n
            }
        }
    }
}
