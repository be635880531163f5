import AthRPC
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Captures what a sink delivers (the test stands in for a WebSocket connection).
final class CapturedMessages: @unchecked Sendable {
    private var items: [String] = []
    private let lock = TestMutex()
    var messages: [String] { lock.run { items } }
    func append(_ bytes: [UInt8]) { lock.run { items.append(bytes.text) } }
}

/// Publishes a head from inside a call, to show the subscription is held until its answer is out.
struct PublishingHandler: RPCHandler {
    let hub: SubscriptionHub
    let captured: CapturedMessages

    func handle(method: String, params: JSON, context: RPCRequestContext) async throws(RPCError) -> JSON {
        hub.publishNewHead(["number": "0x9"])
        return JSON(captured.messages.count)
    }
}

@Suite struct SubscriptionHubTests {
    let hub = SubscriptionHub(maxSubscriptionsPerConnection: 4)
    let captured = CapturedMessages()

    func wsContext(connection: UInt64 = 1, open: Bool = true) -> RPCRequestContext {
        let captured = self.captured
        let sink = RPCNotificationSink(connectionID: connection, deliver: { bytes in
            captured.append(bytes)
            return open
        })
        return RPCRequestContext(transport: .webSocket, connectionID: connection, notifications: sink)
    }

    func subscribe(_ params: JSON, _ context: RPCRequestContext) async throws -> String {
        let dispatcher = RPCDispatcher(handler: TestHandler(), subscriptions: hub)
        let answer = try #require(await dispatcher.respond(
            to: ["jsonrpc": "2.0", "id": 1, "method": "eth_subscribe", "params": params], context: context))
        return try #require(answer["result"]?.stringValue, "\(answer)")
    }

    @Test func newHeadsNotificationHasTheStandardShape() async throws {
        let id = try await subscribe(["newHeads"], wsContext())
        #expect(id.count == 18 && id.hasPrefix("0x") && id.dropFirst(2).allSatisfy(\.isHexDigit))
        hub.publishNewHead(["number": "0x1", "hash": "0xab"])
        #expect(captured.messages == [
            #"{"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":"\#(id)","result":{"number":"0x1","hash":"0xab"}}}"#,
        ])
    }

    @Test func notificationsWaitUntilTheSubscribeResponseIsWritten() async throws {
        let context = wsContext()
        let dispatcher = RPCDispatcher(handler: PublishingHandler(hub: hub, captured: captured), subscriptions: hub)
        let answer = try #require(await dispatcher.respond(to: [
            ["jsonrpc": "2.0", "id": 1, "method": "eth_subscribe", "params": ["newHeads"]],
            ["jsonrpc": "2.0", "id": 2, "method": "publish"],
        ], context: context))
        let id = try #require(answer[0]?["result"]?.stringValue)
        // Published while the answer carrying the id was not yet written: held back...
        #expect(answer[1]?["result"] == 0)
        // ...and sent right after it.
        #expect(captured.messages.count == 1)
        #expect(captured.messages.first?.contains(id) == true)
        hub.publishNewHead(["number": "0xa"])
        #expect(captured.messages.count == 2)
    }

    @Test func directSubscribeDeliversAtOnce() throws {
        let id = try hub.subscribe(params: ["newPendingTransactions", false], context: wsContext())
        hub.publishPendingTransaction("0xabc")
        #expect(captured.messages == [
            #"{"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":"\#(id)","result":"0xabc"}}"#,
        ])
    }

    @Test func logsMatchAddressesAndPositionalTopicsIgnoringCase() async throws {
        let a = "0x" + String(repeating: "aa", count: 20)
        let b = "0x" + String(repeating: "bb", count: 20)
        let t1 = "0x" + String(repeating: "11", count: 32)
        let t2 = "0x" + String(repeating: "22", count: 32)
        let t3 = "0x" + String(repeating: "33", count: 32)
        let byAddress = try await subscribe(["logs", ["address": .string("0x" + a.dropFirst(2).uppercased())]], wsContext())
        let byTopics = try await subscribe(["logs", ["topics": [nil, [.string(t2), .string(t3)]]]], wsContext())
        let both = try await subscribe(["logs", ["address": [.string(b), .string(a)], "topics": [.string(t1)]]], wsContext())
        let tooLong = try await subscribe(["logs", ["topics": [nil, nil, nil]]], wsContext())
        let logs: [JSON] = [
            ["address": .string(a), "topics": [.string(t1), .string(t2)], "data": "0x"],
            ["address": .string(b), "topics": [.string(t3), .string(t3)], "data": "0x"],
            ["address": .string(b), "topics": [], "data": "0x"],
        ]
        hub.publishLogs(logs)
        let received = captured.messages.compactMap { try? JSON.parse($0) }
        func results(for id: String) -> [JSON] {
            received.filter { $0["params"]?["subscription"]?.stringValue == id }.compactMap { $0["params"]?["result"] }
        }
        #expect(results(for: byAddress) == [logs[0]])
        #expect(results(for: byTopics) == [logs[0], logs[1]])
        #expect(results(for: both) == [logs[0]])
        #expect(results(for: tooLong).isEmpty)
    }

    @Test(arguments: [
        JSON.array([]), ["nope"], [1], ["newHeads", true], ["logs", ["address": "0x1234"]], ["logs", ["address": "aa"]],
        ["logs", ["topics": ["0x12"]]], ["logs", ["topics": [nil, nil, nil, nil, nil]]], ["logs", "x"],
        ["newPendingTransactions", true], ["logs", ["address": [1]]],
    ])
    func invalidSubscriptionsGetMinus32602(params: JSON) throws {
        let error = try #require(throws: RPCError.self) { try hub.subscribe(params: params, context: wsContext()) }
        #expect(error.code == -32602)
        #expect(!error.message.isEmpty)
        #expect(hub.count == 0)
    }

    @Test func unsubscribeOnlyRemovesTheConnectionsOwnSubscriptions() throws {
        let mine = wsContext(connection: 1)
        let theirs = wsContext(connection: 2)
        let id = try hub.subscribe(params: ["newHeads"], context: mine)
        #expect(throws: RPCError.server("subscription not found")) { try hub.unsubscribe(params: [.string(id)], context: theirs) }
        #expect(try hub.unsubscribe(params: [.string(id)], context: mine) == true)
        #expect(throws: RPCError.server("subscription not found")) { try hub.unsubscribe(params: [.string(id)], context: mine) }
        #expect(throws: RPCError.self) { try hub.unsubscribe(params: [], context: mine) }
    }

    @Test func subscriptionsPerConnectionAreLimited() throws {
        let context = wsContext()
        for _ in 0..<4 { _ = try hub.subscribe(params: ["newHeads"], context: context) }
        let error = try #require(throws: RPCError.self) { try hub.subscribe(params: ["newHeads"], context: context) }
        #expect(error.code == -32000)
        #expect(error.message == "too many subscriptions on this connection (limit 4)")
        _ = try hub.subscribe(params: ["newHeads"], context: wsContext(connection: 2))
        #expect(hub.count == 5)
        hub.removeConnection(1)
        #expect(hub.count == 1)
    }

    @Test func aConnectionThatRefusesNotificationsIsForgotten() async throws {
        _ = try await subscribe(["newHeads"], wsContext(connection: 7, open: false))
        #expect(hub.count == 1)
        hub.publishNewHead(["number": "0x2"])
        #expect(hub.count == 0)
    }
}

/// A pthread mutex for test helpers (the module's own lock is internal).
final class TestMutex: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    init() { pthread_mutex_init(&mutex, nil) }
    deinit { pthread_mutex_destroy(&mutex) }
    func run<R>(_ body: () -> R) -> R {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return body()
    }
}
