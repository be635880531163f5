import AthPrimitives
import NIOCore
import NIOPosix
import NIOHTTP1
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A JSON-RPC 2.0 client over HTTP/1.1, for CLIs and tests.
///
/// Keeps one connection open (keep-alive) and reopens it when the node closed
/// it. Concurrent calls are pipelined on that connection and answered in order.
/// A call that times out closes the connection (failing calls still on it).
public final class RPCClient: Sendable {
    public let url: String
    let endpoint: RPCEndpoint
    private let timeout: TimeAmount
    private let maxResponseBytes: Int
    private let group: any EventLoopGroup
    private let state = Locked(State())

    private enum Connection {
        case none
        case connecting(EventLoopFuture<any Channel>)
        case connected(any Channel)
    }

    private struct State {
        var connection = Connection.none
        var nextID: UInt64 = 1
    }

    /// - Parameters:
    ///   - url: `http://host[:port][/path]` (port 80 when absent).
    ///   - timeout: how long the node may take to answer one call (opening a
    ///     connection has its own 10 s limit).
    ///   - maxResponseBytes: the largest answer accepted.
    public init(url: String, timeout: Duration = .seconds(30), maxResponseBytes: Int = 128 * 1024 * 1024,
                group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) throws(RPCClientError) {
        self.url = url
        self.endpoint = try RPCEndpoint(url: url)
        let (seconds, attoseconds) = timeout.components
        self.timeout = .nanoseconds(max(1, seconds * 1_000_000_000 + attoseconds / 1_000_000_000))
        self.maxResponseBytes = maxResponseBytes
        self.group = group
    }

    deinit {
        if case .connected(let channel) = state.withLock({ $0.connection }) { channel.close(promise: nil) }
    }

    /// Calls `method` with positional params and returns its result.
    public func call(_ method: String, _ params: [JSON] = []) async throws(RPCClientError) -> JSON {
        try await call(method, params: .array(params))
    }

    /// Calls `method` with params given as an array or an object.
    public func call(_ method: String, params: JSON) async throws(RPCClientError) -> JSON {
        do { return try await send(method, params).get() } catch { throw Self.map(error) }
    }

    /// Blocking `call` for command-line tools. Must not be called from a
    /// SwiftNIO event loop thread.
    public func callSync(_ method: String, _ params: [JSON] = []) throws(RPCClientError) -> JSON {
        try callSync(method, params: .array(params))
    }

    /// Blocking `call(_:params:)` for command-line tools.
    public func callSync(_ method: String, params: JSON) throws(RPCClientError) -> JSON {
        do { return try send(method, params).wait() } catch { throw Self.map(error) }
    }

    /// Closes the connection; a later call opens a new one.
    public func close() {
        let old = state.withLock { s -> Connection in
            let c = s.connection
            s.connection = .none
            return c
        }
        switch old {
        case .connected(let channel): channel.close(promise: nil)
        case .connecting(let future): future.whenSuccess { $0.close(promise: nil) }
        case .none: break
        }
    }

    private static func map(_ error: any Error) -> RPCClientError {
        if let e = error as? RPCClientError { return e }
        return .invalidResponse("\(error)")
    }

    private func send(_ method: String, _ params: JSON) -> EventLoopFuture<JSON> {
        let id = state.withLock { s -> UInt64 in
            defer { s.nextID += 1 }
            return s.nextID
        }
        var w = JSONWriter(capacity: 128)
        w.writeASCII(#"{"jsonrpc":"2.0","id":"#)
        w.bytes.append(contentsOf: String(id).utf8)
        w.writeASCII(#","method":"#)
        w.writeString(method)
        w.writeASCII(#","params":"#)
        w.write(params)
        w.bytes.append(UInt8(ascii: "}"))
        let body = w.bytes
        return exchange(body, retry: true).flatMapThrowing { reply in
            try Self.decode(reply, id: id)
        }
    }

    /// Sends one request body and waits for the reply. When the request never
    /// left (the kept-alive connection had closed under us) it is sent once
    /// more on a fresh connection; a request that was sent is never resent.
    private func exchange(_ body: [UInt8], retry: Bool) -> EventLoopFuture<ClientReply> {
        let endpoint = self.endpoint
        let timeout = self.timeout
        let url = self.url
        let seconds = Double(timeout.nanoseconds) / 1e9
        return channel().flatMap { channel in
            let promise = channel.eventLoop.makePromise(of: ClientReply.self)
            var headers = HTTPHeaders()
            headers.add(name: "host", value: endpoint.hostHeader)
            headers.add(name: "content-type", value: "application/json")
            headers.add(name: "accept", value: "application/json")
            headers.add(name: "content-length", value: String(body.count))
            let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: endpoint.path, headers: headers)
            var buffer = channel.allocator.buffer(capacity: body.count)
            buffer.writeBytes(body)
            let timer = channel.eventLoop.scheduleTask(in: timeout) {
                // Drop the connection first so no later call picks it up; fail before
                // closing so the caller sees the timeout, not the close.
                self.forget(channel, close: false)
                promise.fail(RPCClientError.timedOut(url: url, seconds: seconds))
                channel.close(promise: nil)
            }
            promise.futureResult.whenComplete { _ in timer.cancel() }
            // NIO ignores a second completion of `promise` (the handler may fail it too).
            return channel.writeAndFlush(ClientRequest(head: head, body: buffer, promise: promise))
                .map { true }
                .recover { _ in false }
                .flatMap { sent in
                    if sent { return promise.futureResult }
                    let error = RPCClientError.connectionLost(url: url, reason: "the connection closed before the request was sent")
                    promise.fail(error)
                    self.forget(channel)
                    return retry ? self.exchange(body, retry: false) : channel.eventLoop.makeFailedFuture(error)
                }
        }
    }

    /// Drops a connection that turned out to be closed.
    private func forget(_ channel: any Channel, close: Bool = true) {
        state.withLock { s in
            if case .connected(let current) = s.connection, current === channel { s.connection = .none }
        }
        if close { channel.close(promise: nil) }
    }

    /// The open connection, or a new one.
    private func channel() -> EventLoopFuture<any Channel> {
        enum Step {
            case ready(EventLoopFuture<any Channel>)
            case connect(EventLoopPromise<any Channel>)
        }
        let step = state.withLock { s -> Step in
            switch s.connection {
            case .connected(let channel) where channel.isActive:
                return .ready(channel.eventLoop.makeSucceededFuture(channel))
            case .connecting(let future):
                return .ready(future)
            default:
                let promise = group.next().makePromise(of: (any Channel).self)
                s.connection = .connecting(promise.futureResult)
                return .connect(promise)
            }
        }
        switch step {
        case .ready(let future): return future
        case .connect(let promise):
            let url = self.url
            let maxResponseBytes = self.maxResponseBytes
            ClientBootstrap(group: promise.futureResult.eventLoop)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connectTimeout(.seconds(10))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(RPCClientHandler(url: url, maxResponseBytes: maxResponseBytes))
                    }
                }
                .connect(host: endpoint.host, port: endpoint.port)
                .whenComplete { [self] result in
                    switch result {
                    case .success(let channel):
                        state.withLock { s in
                            if case .connecting(let f) = s.connection, f === promise.futureResult { s.connection = .connected(channel) }
                        }
                        promise.succeed(channel)
                    case .failure(let error):
                        state.withLock { s in
                            if case .connecting(let f) = s.connection, f === promise.futureResult { s.connection = .none }
                        }
                        promise.fail(RPCClientError.cannotConnect(url: url, reason: Self.describeConnectError(error)))
                    }
                }
            return promise.futureResult
        }
    }

    static func decode(_ reply: ClientReply, id: UInt64) throws(RPCClientError) -> JSON {
        guard reply.status == 200 else {
            let text = reply.body.getString(at: reply.body.readerIndex, length: min(reply.body.readableBytes, 200)) ?? ""
            throw .httpStatus(code: reply.status, body: text.trimmingWhitespace())
        }
        let json: JSON
        switch reply.body.parseJSON() {
        case .success(let j): json = j
        case .failure(let e): throw .invalidResponse("\(e)")
        }
        guard case .object = json else { throw .invalidResponse("the answer is not a JSON object") }
        if let error = json["error"], !error.isNull {
            guard let code = error["code"]?.intValue, let message = error["message"]?.stringValue else {
                throw .invalidResponse("the error object lacks a code or a message")
            }
            throw .rpc(RPCError(code: code, message: message, data: error["data"]))
        }
        guard json["id"] == .number(String(id)) else { throw .invalidResponse("the answer's id does not match the call's") }
        guard let result = json["result"] else { throw .invalidResponse("the answer has neither result nor error") }
        return result
    }

    /// A short reason for a failed connect ("connection refused", ...).
    static func describeConnectError(_ error: any Error) -> String {
        if let e = error as? NIOConnectionError {
            if let first = e.connectionErrors.first { return describeConnectError(first.error) }
            if e.dnsAError != nil || e.dnsAAAAError != nil { return "the host name could not be resolved" }
            return "no address to connect to"
        }
        if let e = error as? IOError {
            switch e.errnoCode {
            case ECONNREFUSED: return "connection refused"
            case ETIMEDOUT: return "connection timed out"
            case EHOSTUNREACH: return "host unreachable"
            case ENETUNREACH: return "network unreachable"
            default: return String(cString: strerror(e.errnoCode))
            }
        }
        if let e = error as? ChannelError, case .connectTimeout = e { return "connection timed out" }
        return "\(error)"
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return String(s)
    }
}
