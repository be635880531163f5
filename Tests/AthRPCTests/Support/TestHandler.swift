import AthRPC

/// Counts calls made as notifications.
actor CallCounter {
    private(set) var count = 0
    func bump() { count += 1 }
}

/// A handler with one method per behaviour the transport must carry.
struct TestHandler: RPCHandler {
    let counter = CallCounter()

    func handle(method: String, params: JSON, context: RPCRequestContext) async throws(RPCError) -> JSON {
        switch method {
        case "echo": return params
        case "add":
            var sum = 0
            for p in params.arrayValue ?? [] {
                guard let v = p.intValue else { throw .invalidParams("invalid argument: expected integers") }
                sum += v
            }
            return JSON(sum)
        case "count":
            await counter.bump()
            return .null
        case "counted": return JSON(await counter.count)
        case "whoami": return JSON(context.connectionID)
        case "transport": return .string(context.transport.rawValue)
        case "big":
            let n = params[0]?.intValue ?? 0
            return .string(String(repeating: "x", count: max(0, min(n, 10_000_000))))
        case "invalid": throw .invalidParams("invalid argument 0: hex string without 0x prefix")
        case "internal": throw .internalError("database is closed")
        case "refuse": throw .server("nonce too low")
        case "revert": throw .executionReverted(data: "0x08c379a0", reason: "not enough stake")
        case "sleep":
            try? await Task.sleep(for: .milliseconds(params[0]?.intValue ?? 10))
            return "slept"
        default: throw .methodNotFound(method)
        }
    }
}

/// Starts a server on 127.0.0.1 with a system-chosen port, runs `body`, stops it.
func withServer<R>(limits: RPCLimits = RPCLimits(), hub: SubscriptionHub = SubscriptionHub(),
                   metrics: MetricsRegistry = MetricsRegistry(), handler: any RPCHandler = TestHandler(),
                   _ body: (RPCServer, Int) async throws -> R) async throws -> R {
    let server = RPCServer(host: "127.0.0.1", port: 0, handler: handler, subscriptions: hub, limits: limits, metrics: metrics)
    try await server.start()
    guard let port = server.port else {
        await server.stop()
        throw TestFailure("the server did not report its port")
    }
    do {
        let result = try await body(server, port)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension Array where Element == UInt8 {
    var text: String { String(decoding: self, as: UTF8.self) }
}

extension String {
    var bytes: [UInt8] { Array(utf8) }
}
