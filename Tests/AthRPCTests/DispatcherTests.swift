import AthRPC
import Testing

@Suite struct DispatcherTests {
    let handler = TestHandler()
    var dispatcher: RPCDispatcher { RPCDispatcher(handler: handler, subscriptions: SubscriptionHub()) }

    func respond(_ text: String, context: RPCRequestContext = .inProcess) async -> JSON? {
        guard let bytes = await dispatcher.respond(to: Array(text.utf8), context: context) else { return nil }
        return try? JSON.parse(bytes)
    }

    @Test func answersACallWithItsResult() async throws {
        let bytes = try #require(await dispatcher.respond(to: Array(#"{"jsonrpc":"2.0","id":1,"method":"add","params":[2,3]}"#.utf8),
                                                          context: .inProcess))
        #expect(bytes.text == #"{"jsonrpc":"2.0","id":1,"result":5}"#)
    }

    @Test func parseErrorHasNullID() async throws {
        let answer = try #require(await respond(#"{"jsonrpc":"2.0","id":1,"method":"#))
        #expect(answer["id"] == .null)
        #expect(answer["error"]?["code"] == -32700)
        #expect(answer["error"]?["message"]?.stringValue?.hasPrefix("parse error: JSON input ends unexpectedly") == true)
    }

    @Test(arguments: [
        (#"1"#, JSON.null),
        (#""x""#, .null),
        (#"{"id":1,"method":"add"}"#, 1),
        (#"{"jsonrpc":"1.0","id":"a","method":"add"}"#, "a"),
        (#"{"jsonrpc":2.0,"id":2,"method":"add"}"#, 2),
        (#"{"jsonrpc":"2.0","id":3}"#, 3),
        (#"{"jsonrpc":"2.0","id":4,"method":""}"#, 4),
        (#"{"jsonrpc":"2.0","id":5,"method":7}"#, 5),
        (#"{"jsonrpc":"2.0","id":6,"method":"add","params":"x"}"#, 6),
        (#"{"jsonrpc":"2.0","id":{"a":1},"method":"add"}"#, .null),
        (#"{"jsonrpc":"2.0","id":[1],"method":"add"}"#, .null),
        (#"{"jsonrpc":"2.0","id":true,"method":"add"}"#, .null),
        (#"{"jsonrpc":"2.0","method":7}"#, .null),
    ] as [(String, JSON)])
    func invalidRequestsGetMinus32600(text: String, id: JSON) async throws {
        let answer = try #require(await respond(text))
        #expect(answer["error"]?["code"] == -32600)
        #expect(answer["id"] == id)
        #expect(answer["jsonrpc"] == "2.0")
        #expect(answer["result"] == nil)
    }

    @Test func unknownMethodUsesGethWording() async throws {
        let answer = try #require(await respond(#"{"jsonrpc":"2.0","id":9,"method":"eth_nope"}"#))
        #expect(answer["error"] == ["code": -32601, "message": "the method eth_nope does not exist/is not available"])
    }

    @Test(arguments: [
        ("invalid", -32602, "invalid argument 0: hex string without 0x prefix"),
        ("internal", -32603, "database is closed"),
        ("refuse", -32000, "nonce too low"),
    ])
    func handlerErrorsKeepTheirCodeAndMessage(method: String, code: Int, message: String) async throws {
        let answer = try #require(await respond(#"{"jsonrpc":"2.0","id":1,"method":"\#(method)"}"#))
        #expect(answer["error"] == ["code": JSON(code), "message": .string(message)])
    }

    @Test func revertCarriesCode3AndData() async throws {
        let answer = try #require(await respond(#"{"jsonrpc":"2.0","id":1,"method":"revert"}"#))
        #expect(answer["error"] == ["code": 3, "message": "execution reverted: not enough stake", "data": "0x08c379a0"])
    }

    @Test(arguments: [#""abc""#, "7", "null", "-1.5e10", "123456789012345678901234567890", #""\u00e9""#])
    func idIsEchoedExactly(id: String) async throws {
        let bytes = try #require(await dispatcher.respond(
            to: Array(#"{"jsonrpc":"2.0","id":\#(id),"method":"echo","params":[]}"#.utf8), context: .inProcess))
        let expectedID = try JSON.parse(id).serializedString()
        #expect(bytes.text == #"{"jsonrpc":"2.0","id":\#(expectedID),"result":[]}"#)
    }

    @Test func paramsMayBeAbsentNullOrAnObject() async throws {
        #expect(try #require(await respond(#"{"jsonrpc":"2.0","id":1,"method":"echo"}"#))["result"] == [])
        #expect(try #require(await respond(#"{"jsonrpc":"2.0","id":1,"method":"echo","params":null}"#))["result"] == [])
        #expect(try #require(await respond(#"{"jsonrpc":"2.0","id":1,"method":"echo","params":{"a":1}}"#))["result"] == ["a": 1])
    }

    @Test func notificationsAreHandledButNotAnswered() async throws {
        #expect(await respond(#"{"jsonrpc":"2.0","method":"count"}"#) == nil)
        #expect(await respond(#"{"jsonrpc":"2.0","method":"nope"}"#) == nil)
        #expect(await handler.counter.count == 1)
    }

    @Test func batchAnswersInOrderWithoutNotifications() async throws {
        let answer = try #require(await respond("""
            [{"jsonrpc":"2.0","id":"a","method":"add","params":[1,1]},
             {"jsonrpc":"2.0","method":"count"},
             5,
             {"jsonrpc":"2.0","id":"b","method":"nope"},
             {"jsonrpc":"2.0","id":"c","method":"add","params":[2,2]}]
            """))
        let items = try #require(answer.arrayValue)
        #expect(items.count == 4)
        #expect(items[0]["id"] == "a" && items[0]["result"] == 2)
        #expect(items[1]["id"] == .null && items[1]["error"]?["code"] == -32600)
        #expect(items[2]["id"] == "b" && items[2]["error"]?["code"] == -32601)
        #expect(items[3]["id"] == "c" && items[3]["result"] == 4)
        #expect(await handler.counter.count == 1)
    }

    @Test func batchOfOnlyNotificationsGetsNoResponse() async {
        #expect(await respond(#"[{"jsonrpc":"2.0","method":"count"},{"jsonrpc":"2.0","method":"count"}]"#) == nil)
        #expect(await handler.counter.count == 2)
    }

    @Test func emptyBatchIsOneErrorObject() async throws {
        let answer = try #require(await respond("[]"))
        #expect(answer == ["jsonrpc": "2.0", "id": nil, "error": ["code": -32600, "message": "empty batch"]])
    }

    @Test func batchOf1000IsServedAnd1001Refused() async throws {
        func batch(_ n: Int) -> String {
            "[" + (0..<n).map { #"{"jsonrpc":"2.0","id":\#($0),"method":"add","params":[\#($0),1]}"# }.joined(separator: ",") + "]"
        }
        let answer = try #require(await respond(batch(1000)))
        let items = try #require(answer.arrayValue)
        #expect(items.count == 1000)
        let inOrder = items.enumerated().allSatisfy { $0.element["id"] == JSON($0.offset) && $0.element["result"] == JSON($0.offset + 1) }
        #expect(inOrder)
        let refused = try #require(await respond(batch(1001)))
        #expect(refused == ["jsonrpc": "2.0", "id": nil, "error": ["code": -32600, "message": "batch too large"]])
    }

    @Test func subscriptionsOverHTTPAreRefused() async throws {
        let http = RPCRequestContext(transport: .http, connectionID: 3)
        let answer = try #require(await respond(#"{"jsonrpc":"2.0","id":1,"method":"eth_subscribe","params":["newHeads"]}"#, context: http))
        #expect(answer["error"] == ["code": -32601, "message": "notifications not supported"])
        let unsubscribe = try #require(await respond(#"{"jsonrpc":"2.0","id":1,"method":"eth_unsubscribe","params":["0x1"]}"#, context: http))
        #expect(unsubscribe["error"]?["code"] == -32601)
    }

    @Test func jsonLevelEntryPointMatchesTheByteLevelOne() async throws {
        let message: JSON = ["jsonrpc": "2.0", "id": 4, "method": "add", "params": [40, 2]]
        let answer = await dispatcher.respond(to: message, context: .inProcess)
        #expect(answer == ["jsonrpc": "2.0", "id": 4, "result": 42])
        let bytes = try #require(await dispatcher.respond(to: message.serialized(), context: .inProcess))
        #expect(try JSON.parse(bytes) == answer)
    }

    @Test func metricsCountMethodsAndBoundUnknownOnes() async throws {
        let registry = MetricsRegistry()
        let dispatcher = RPCDispatcher(handler: handler, metrics: registry)
        for text in [#"{"jsonrpc":"2.0","id":1,"method":"add","params":[1]}"#, #"{"jsonrpc":"2.0","id":1,"method":"add","params":["x"]}"#,
                     #"{"jsonrpc":"2.0","id":1,"method":"made_up_1"}"#, #"{"jsonrpc":"2.0","id":1,"method":"made_up_2"}"#, "{"] {
            _ = await dispatcher.respond(to: Array(text.utf8), context: .inProcess)
        }
        let text = registry.render()
        #expect(text.contains(#"ath_rpc_requests_total{method="add"} 2"#))
        #expect(text.contains(#"ath_rpc_errors_total{method="add"} 1"#))
        #expect(text.contains(#"ath_rpc_requests_total{method="unknown"} 2"#))
        #expect(!text.contains("made_up"))
        #expect(text.contains(#"ath_rpc_request_duration_seconds_count{method="add"} 2"#))
        #expect(text.contains("ath_rpc_parse_errors_total 1"))
    }
}
