import AthPrimitives
import AthRPC
import NIOCore
import Testing

/// A handler whose `hang` call waits until its Task is cancelled, so a test
/// can see that closing a connection reaches the handler; `whereami` answers
/// the peer address the server passed in.
struct HangingHandler: RPCHandler {
    let probe = CancellationProbe()

    func handle(method: String, params: JSON, context: RPCRequestContext) async throws(RPCError) -> JSON {
        switch method {
        case "hang":
            let call = probe.newCall()
            await withTaskCancellationHandler {
                await withCheckedContinuation { probe.started(call, $0) }
            } onCancel: {
                probe.cancel(call)
            }
            throw .server("cancelled")
        case "whereami": return context.remoteAddress.map(JSON.string) ?? .null
        case "add": return JSON((params.arrayValue ?? []).compactMap(\.intValue).reduce(0, +))
        default: throw .methodNotFound(method)
        }
    }
}

/// What `HangingHandler.hang` saw: started, then cancelled (in either order of the two callbacks).
/// Each call waits on its own continuation and only its own cancellation resumes it, so a call
/// can never return before its cancellation has been counted.
final class CancellationProbe: Sendable {
    private struct State {
        var nextCall = 0
        var started = 0
        var cancelled = 0
        var cancelledCalls: Set<Int> = []
        var waiting: [Int: CheckedContinuation<Void, Never>] = [:]
    }
    private let state = Locked(State())

    var startedCount: Int { state.withLock { $0.started } }
    var cancelledCount: Int { state.withLock { $0.cancelled } }

    func newCall() -> Int {
        state.withLock { s in
            defer { s.nextCall += 1 }
            return s.nextCall
        }
    }

    func started(_ call: Int, _ continuation: CheckedContinuation<Void, Never>) {
        let resumeNow = state.withLock { s -> Bool in
            s.started += 1
            if s.cancelledCalls.contains(call) { return true }
            s.waiting[call] = continuation
            return false
        }
        if resumeNow { continuation.resume() }
    }

    func cancel(_ call: Int) {
        let waiting = state.withLock { s -> CheckedContinuation<Void, Never>? in
            s.cancelled += 1
            s.cancelledCalls.insert(call)
            return s.waiting.removeValue(forKey: call)
        }
        waiting?.resume()
    }
}

/// Hostile clients: each test tries to break one bound the way an attacker
/// would, and checks that it is refused with a clear reason while the server
/// keeps serving everyone else.
@Suite(.timeLimit(.minutes(1))) struct HostileClientTests {
    static let add = #"{"jsonrpc":"2.0","id":1,"method":"add","params":[2,3]}"#

    /// An ordinary client that must still be served.
    static func served(_ port: Int, from: String? = nil) async throws -> Bool {
        let connection = try await TestConnection.connect(port: port, from: from)
        do {
            try await connection.send(httpPost(add))
            let response = try await connection.readHTTPResponse()
            await connection.close()
            return response.status == 200 && response.json?["result"] == 5
        } catch {
            await connection.close()
            throw error
        }
    }

    @Test func aWebSocketClientThatStopsReadingIsClosedAtTheByteBound() async throws {
        var limits = RPCLimits()
        limits.maxPendingNotificationBytes = 256 * 1024
        let hub = SubscriptionHub()
        try await withServer(limits: limits, hub: hub) { _, port in
            let subscribe = #"{"jsonrpc":"2.0","id":1,"method":"eth_subscribe","params":["newHeads"]}"#
            let reader = try await WebSocketTestClient.connect(port: port)
            try await reader.sendText(subscribe)
            #expect(try await reader.receiveJSON()["result"] != nil)
            let hostile = try await WebSocketTestClient.connect(port: port, receiveBuffer: 16 * 1024)
            try await hostile.sendText(subscribe)
            #expect(try await hostile.receiveJSON()["result"] != nil)
            try await hostile.connection.channel.setOption(.autoRead, value: false).get()

            // 16 KiB notifications at a pace a reading client keeps up with, far under the
            // 10,000-message bound: only the byte bound can stop them.
            let head: JSON = ["extraData": .string(String(repeating: "e", count: 16 * 1024))]
            var published = 0
            while hub.count > 1 && published < 2_000 {
                hub.publishNewHead(head)
                published += 1
                try await Task.sleep(for: .milliseconds(2))
            }
            #expect(hub.count == 1, "the hostile subscription outlived \(published) notifications of 16 KiB")
            // The bound plus what the two kernels buffer (a 16 KiB receive buffer), not 2,000 × 16 KiB.
            #expect(published < 400)
            // The reading client got every notification and is still subscribed.
            for _ in 0..<published { #expect(try await reader.receiveText().count > 16 * 1024) }
            #expect(try await Self.served(port))

            // Reading again, the hostile client finds the close frame behind what its socket already held.
            try await hostile.connection.channel.setOption(.autoRead, value: true).get()
            var close: WebSocketTestClient.Frame? = nil
            while close == nil {
                let frame = try await hostile.receiveFrame()
                if frame.opcode == WebSocketTestClient.close { close = frame }
            }
            let payload = try #require(close?.payload)
            #expect(Array(payload.prefix(2)) == [0x03, 0xF0])  // 1008 policy violation
            #expect(Array(payload.dropFirst(2)).text == "send queue over 256 KiB: the client is not reading")
            #expect(try await hostile.connection.readToClose().isEmpty)
            await reader.close()
        }
    }

    @Test func connectionsPastThePerAddressBoundAreRefusedOthersServed() async throws {
        var limits = RPCLimits()
        limits.maxConnectionsPerAddress = 4
        try await withServer(limits: limits) { _, port in
            var hostile: [TestConnection] = []
            for _ in 0..<4 { hostile.append(try await TestConnection.connect(port: port)) }
            // Make sure all four are accepted before the fifth arrives.
            for connection in hostile {
                try await connection.send(httpPost(Self.add))
                #expect(try await connection.readHTTPResponse().status == 200)
            }
            let fifth = try await TestConnection.connect(port: port)
            #expect(try await fifth.readToClose(timeout: .seconds(5)).isEmpty)
            // Another address is not locked out.
            #expect(try await Self.served(port, from: "127.0.0.2"))
            for connection in hostile { await connection.close() }
            try await eventuallyAsync { (try? await Self.served(port)) == true }
        }
    }

    @Test func aSlowlorisHeadIsAnswered408AndClosed() async throws {
        var limits = RPCLimits()
        limits.headerTimeoutSeconds = 1
        try await withServer(limits: limits) { _, port in
            let slow = try await TestConnection.connect(port: port)
            try await slow.send("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le")
            let silent = try await TestConnection.connect(port: port)
            let started = ContinuousClock.now
            let answer = try await slow.readToClose(timeout: .seconds(5)).text
            #expect(answer.hasPrefix("HTTP/1.1 408 Request Timeout\r\n"))
            #expect(answer.hasSuffix("\r\n\r\nrequest head not complete within 1 s\n"))
            #expect(ContinuousClock.now - started < .seconds(4))
            // A connection that never sends a byte is dropped the same way.
            #expect(try await silent.readToClose(timeout: .seconds(5)).text.contains("408"))
            #expect(try await Self.served(port))
        }
    }

    @Test func aStalledBodyIsAnswered408AndClosed() async throws {
        var limits = RPCLimits()
        limits.bodyTimeoutSeconds = 1
        try await withServer(limits: limits) { _, port in
            let slow = try await TestConnection.connect(port: port)
            try await slow.send("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{\"jsonrpc\":")
            let answer = try await slow.readToClose(timeout: .seconds(5)).text
            #expect(answer.hasPrefix("HTTP/1.1 408 Request Timeout\r\n"))
            #expect(answer.hasSuffix("request body not complete within 1 s\n"))
            #expect(try await Self.served(port))
        }
    }

    @Test func aKeptAliveConnectionOutlivesTheHeaderTimeout() async throws {
        var limits = RPCLimits()
        limits.headerTimeoutSeconds = 1
        try await withServer(limits: limits) { _, port in
            let connection = try await TestConnection.connect(port: port)
            try await connection.send(httpPost(Self.add))
            #expect(try await connection.readHTTPResponse().status == 200)
            // Between requests the idle bound (120 s) applies, not the head bound.
            try await Task.sleep(for: .milliseconds(2_500))
            try await connection.send(httpPost(Self.add))
            #expect(try await connection.readHTTPResponse().json?["result"] == 5)
            await connection.close()
        }
    }

    @Test func closingAnHTTPConnectionCancelsItsCall() async throws {
        let handler = HangingHandler()
        try await withServer(handler: handler) { _, port in
            let connection = try await TestConnection.connect(port: port)
            try await connection.send(httpPost(#"{"jsonrpc":"2.0","id":1,"method":"hang"}"#))
            try await eventually { handler.probe.startedCount == 1 }
            await connection.close()
            try await eventually { handler.probe.cancelledCount == 1 }
            #expect(try await Self.served(port))
        }
    }

    @Test func closingAWebSocketCancelsItsCalls() async throws {
        let handler = HangingHandler()
        try await withServer(handler: handler) { _, port in
            let ws = try await WebSocketTestClient.connect(port: port)
            for id in 1...3 { try await ws.sendText(#"{"jsonrpc":"2.0","id":\#(id),"method":"hang"}"#) }
            try await eventually { handler.probe.startedCount == 3 }
            await ws.close()
            try await eventually { handler.probe.cancelledCount == 3 }
        }
    }

    @Test func handlersSeeThePeerIPWithoutPort() async throws {
        try await withServer(handler: HangingHandler()) { _, port in
            let connection = try await TestConnection.connect(port: port)
            try await connection.send(httpPost(#"{"jsonrpc":"2.0","id":1,"method":"whereami"}"#))
            #expect(try await connection.readHTTPResponse().json?["result"] == "127.0.0.1")
            await connection.close()
            let ws = try await WebSocketTestClient.connect(port: port)
            try await ws.sendText(#"{"jsonrpc":"2.0","id":1,"method":"whereami"}"#)
            #expect(try await ws.receiveJSON()["result"] == "127.0.0.1")
            await ws.close()
        }
    }

    @Test func aHugeMethodNameIsNotEchoed() async throws {
        try await withServer { _, port in
            let method = String(repeating: "m", count: 4 * 1024 * 1024)
            let connection = try await TestConnection.connect(port: port)
            try await connection.send(httpPost(#"{"jsonrpc":"2.0","id":1,"method":"\#(method)"}"#))
            let response = try await connection.readHTTPResponse()
            #expect(response.body.count < 300)
            let error = try #require(response.json?["error"])
            #expect(error["code"] == -32601)
            #expect(error["message"]?.stringValue
                == "the method \(String(repeating: "m", count: 64))… does not exist/is not available")
            await connection.close()
        }
    }

    @Test func aHugeNumberIDIsRefusedWithIDNull() async throws {
        try await withServer { _, port in
            let id = String(repeating: "7", count: 100_000)
            let connection = try await TestConnection.connect(port: port)
            try await connection.send(httpPost(#"{"jsonrpc":"2.0","id":\#(id),"method":"add","params":[1]}"#))
            let response = try await connection.readHTTPResponse()
            #expect(response.json == ["jsonrpc": "2.0", "id": nil,
                                      "error": ["code": -32600, "message": "invalid request: id too long"]])
            await connection.close()
        }
    }

    static let dispatcher = RPCDispatcher(handler: TestHandler(), subscriptions: SubscriptionHub())

    @Test(arguments: [
        (JSON.string(String(repeating: "i", count: 256)), true),
        (.string(String(repeating: "i", count: 257)), false),
        (.string(String(repeating: "é", count: 129)), false),  // 258 bytes of UTF-8
        (.number(String(repeating: "9", count: 64)), true),
        (.number(String(repeating: "9", count: 65)), false),
    ])
    func idsAreBounded(id: JSON, accepted: Bool) async throws {
        let answer = try #require(await Self.dispatcher.respond(to: ["jsonrpc": "2.0", "id": id, "method": "add", "params": [1]],
                                                                context: .inProcess))
        if accepted {
            #expect(answer["id"] == id && answer["result"] == 1)
        } else {
            #expect(answer == ["jsonrpc": "2.0", "id": nil, "error": ["code": -32600, "message": "invalid request: id too long"]])
        }
    }

    @Test func logFilterAndSubscriptionErrorsQuoteAnExcerpt() async throws {
        let long = "0x" + String(repeating: "a", count: 10_000)
        let hub = SubscriptionHub()
        try await withServer(hub: hub) { _, port in
            let ws = try await WebSocketTestClient.connect(port: port)
            try await ws.sendText(#"{"jsonrpc":"2.0","id":1,"method":"eth_subscribe","params":["logs",{"address":"\#(long)"}]}"#)
            let filter = try #require(try await ws.receiveJSON()["error"]?["message"]?.stringValue)
            #expect(filter.contains(String(long.prefix(64)) + "…") && filter.count < 200)
            try await ws.sendText(#"{"jsonrpc":"2.0","id":2,"method":"eth_subscribe","params":["\#(long)"]}"#)
            let kind = try #require(try await ws.receiveJSON()["error"]?["message"]?.stringValue)
            #expect(kind.contains(String(long.prefix(64)) + "…") && kind.count < 200)
            await ws.close()
        }
    }
}

/// Polls an async `condition` until it holds, for at most `seconds`.
func eventuallyAsync(seconds: Double = 10, _ condition: () async -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while await !condition() {
        guard ContinuousClock.now < deadline else { throw TestFailure("condition not met within \(seconds) s") }
        try await Task.sleep(for: .milliseconds(50))
    }
}
