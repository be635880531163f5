import NIOCore
import NIOPosix
import NIOHTTP1
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A worker's answer to a GET.
public struct HTTPGetResponse: Sendable {
    public var status: Int
    /// The header fields in the order they arrived.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    /// The first value of header `name` (compared without case).
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }
}

/// HTTP/1.1 GET requests to workers, one connection per request (closed
/// after the answer), with a connect time limit, a limit on the whole
/// exchange and a limit on the body, so a slow or hostile server can hold
/// neither the checker's time nor its memory.
public final class HTTPGetClient: Sendable {
    private let group: any EventLoopGroup

    public init(group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.group = group
    }

    /// Starts `GET path` on `endpoint`. The future fails with an `HTTPGetError`.
    /// - Parameters:
    ///   - connectTimeout: how long opening the connection may take.
    ///   - timeout: how long the whole exchange may take, connecting included.
    ///   - maxBodyBytes: the largest body accepted; a larger one fails the
    ///     request as soon as its length is known.
    public func get(_ endpoint: HTTPEndpoint, path: String, connectTimeout: Duration, timeout: Duration,
                    maxBodyBytes: Int) -> EventLoopFuture<HTTPGetResponse> {
        let loop = group.next()
        let url = endpoint.description + path
        let promise = loop.makePromise(of: HTTPGetResponse.self)
        let limit = Self.timeAmount(timeout)
        let timer = loop.scheduleTask(in: limit) {
            promise.fail(HTTPGetError.timedOut(url: url, seconds: Double(limit.nanoseconds) / 1e9))
        }
        promise.futureResult.whenComplete { _ in timer.cancel() }
        ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(Self.timeAmount(min(connectTimeout, timeout)))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(
                        HTTPGetHandler(url: url, maxBodyBytes: maxBodyBytes, promise: promise))
                }
            }
            .connect(host: endpoint.host, port: endpoint.port)
            .whenComplete { result in
                switch result {
                case .failure(let error):
                    promise.fail(HTTPGetError.cannotConnect(url: url, reason: Self.describeConnectError(error)))
                case .success(let channel):
                    // Done, failed or timed out: the connection is not reused.
                    promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
                    var headers = HTTPHeaders()
                    headers.add(name: "host", value: endpoint.hostHeader)
                    headers.add(name: "accept", value: "*/*")
                    headers.add(name: "connection", value: "close")
                    let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: headers)
                    channel.write(HTTPClientRequestPart.head(head), promise: nil)
                    channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
                }
            }
        return promise.futureResult
    }

    /// Blocking `get`. Must not be called from a SwiftNIO event loop thread.
    public func getSync(_ endpoint: HTTPEndpoint, path: String, connectTimeout: Duration, timeout: Duration,
                        maxBodyBytes: Int) throws(HTTPGetError) -> HTTPGetResponse {
        do {
            return try get(endpoint, path: path, connectTimeout: connectTimeout, timeout: timeout,
                           maxBodyBytes: maxBodyBytes).wait()
        } catch let error as HTTPGetError {
            throw error
        } catch {
            throw .connectionLost(url: endpoint.description + path, reason: "\(error)")
        }
    }

    /// A positive `TimeAmount` of `duration` (at least a nanosecond).
    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        let clamped = min(max(seconds, 0), 1_000_000_000)
        return .nanoseconds(max(1, clamped * 1_000_000_000 + (seconds >= 0 ? attoseconds / 1_000_000_000 : 0)))
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
