import AthRPC
import NIOCore
import NIOPosix

/// Collects what the server sends, on the channel's event loop.
private final class Collector: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    var received: [UInt8] = []
    var closed = false
    var waiter: EventLoopPromise<Void>?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        received += buffer.readBytes(length: buffer.readableBytes) ?? []
        waiter?.succeed()
        waiter = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        waiter?.succeed()
        waiter = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }

    func take() -> ([UInt8], Bool) {
        defer { received = [] }
        return (received, closed)
    }
}

/// A raw TCP client for tests: send bytes, read with deadlines.
final class TestConnection {
    let channel: any Channel
    private let collector: NIOLoopBound<Collector>
    /// Received and not yet consumed.
    var pending: [UInt8] = []
    private(set) var closed = false

    static let defaultTimeout = TimeAmount.seconds(10)

    private init(channel: any Channel, collector: NIOLoopBound<Collector>) {
        self.channel = channel
        self.collector = collector
    }

    /// - Parameters:
    ///   - from: the local address to connect from (another loopback address such as 127.0.0.2).
    ///   - receiveBuffer: SO_RCVBUF, to keep what the kernel buffers for a client that stops reading small.
    static func connect(port: Int, autoRead: Bool = true, from: String? = nil,
                        receiveBuffer: Int? = nil) async throws -> TestConnection {
        // The collector goes in before the channel is active, so nothing the server sends
        // (or an immediate close) is missed.
        var bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.autoRead, value: autoRead)
            .channelOption(.allowRemoteHalfClosure, value: false)
        if let from { bootstrap = bootstrap.bind(to: try SocketAddress(ipAddress: from, port: 0)) }
        if let receiveBuffer { bootstrap = bootstrap.channelOption(.socketOption(.so_rcvbuf), value: receiveBuffer) }
        let (channel, collector) = try await bootstrap
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let c = Collector()
                    try channel.pipeline.syncOperations.addHandler(c)
                    return (channel, NIOLoopBound(c, eventLoop: channel.eventLoop))
                }
            }
        return TestConnection(channel: channel, collector: collector)
    }

    func send(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(channel.allocator.buffer(bytes: bytes)).get()
    }

    func send(_ text: String) async throws { try await send(Array(text.utf8)) }

    func close() async { try? await channel.close() }

    /// Waits for more bytes (or the close); false when none came and the connection is closed.
    @discardableResult
    func receiveMore(timeout: TimeAmount = defaultTimeout) async throws -> Bool {
        let collector = self.collector
        let loop = channel.eventLoop
        let (bytes, closed) = try await loop.flatSubmit { () -> EventLoopFuture<([UInt8], Bool)> in
            let c = collector.value
            if !c.received.isEmpty || c.closed { return loop.makeSucceededFuture(c.take()) }
            let promise = loop.makePromise(of: Void.self)
            c.waiter = promise
            let timer = loop.scheduleTask(in: timeout) { promise.fail(TestFailure("no data from the server within \(timeout)")) }
            return promise.futureResult.map {
                timer.cancel()
                return collector.value.take()
            }
        }.get()
        pending += bytes
        self.closed = closed
        return !bytes.isEmpty || !closed
    }

    /// Reads until `count` bytes are pending.
    func receive(atLeast count: Int) async throws {
        while pending.count < count {
            if closed { throw TestFailure("connection closed with \(pending.count) of \(count) bytes") }
            try await receiveMore()
        }
    }

    /// Consumes `count` pending bytes.
    func take(_ count: Int) -> [UInt8] {
        let out = Array(pending.prefix(count))
        pending.removeFirst(min(count, pending.count))
        return out
    }

    /// Reads until the server closes; returns everything pending.
    func readToClose(timeout: TimeAmount = defaultTimeout) async throws -> [UInt8] {
        while !closed { try await receiveMore(timeout: timeout) }
        return take(pending.count)
    }

    /// Reads one HTTP/1.1 response (Content-Length framed).
    func readHTTPResponse() async throws -> HTTPTestResponse {
        let separator: [UInt8] = [13, 10, 13, 10]
        var headerEnd: Int? = nil
        while headerEnd == nil {
            headerEnd = pending.firstRange(of: separator)?.lowerBound
            if headerEnd == nil {
                if closed { throw TestFailure("connection closed before a complete response head") }
                try await receiveMore()
            }
        }
        let head = take(headerEnd!).text
        _ = take(4)
        var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { throw TestFailure("bad status line") }
        var headers: [(String, String)] = []
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((line[..<colon].lowercased(), line[line.index(after: colon)...].trimmingCharacters(in: " ")))
        }
        let length = headers.first { $0.0 == "content-length" }.flatMap { Int($0.1) } ?? 0
        try await receive(atLeast: length)
        return HTTPTestResponse(status: status, headers: headers, body: take(length))
    }
}

struct HTTPTestResponse {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]

    func header(_ name: String) -> String? { headers.first { $0.0 == name }?.1 }
    var json: JSON? { try? JSON.parse(body) }
}

/// A POST request with a JSON body.
func httpPost(_ body: String, keepAlive: Bool = true, contentType: String? = "application/json") -> String {
    var text = "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(body.utf8.count)\r\n"
    if let contentType { text += "Content-Type: \(contentType)\r\n" }
    if !keepAlive { text += "Connection: close\r\n" }
    return text + "\r\n" + body
}

extension String {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s.removeFirst() }
        while s.last == set { s.removeLast() }
        return String(s)
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: Character) -> String { String(self).trimmingCharacters(in: set) }
}
