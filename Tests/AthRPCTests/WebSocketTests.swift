import AthRPC
import NIOCore
import Testing

@Suite(.timeLimit(.minutes(1))) struct WebSocketTests {
    @Test func callSubscribeReceiveAndUnsubscribe() async throws {
        let hub = SubscriptionHub()
        try await withServer(hub: hub) { _, port in
            let ws = try await WebSocketTestClient.connect(port: port)
            try await ws.sendText(#"{"jsonrpc":"2.0","id":1,"method":"transport"}"#)
            #expect(try await ws.receiveText() == #"{"jsonrpc":"2.0","id":1,"result":"webSocket"}"#)

            try await ws.sendText(#"{"jsonrpc":"2.0","id":2,"method":"eth_subscribe","params":["newHeads"]}"#)
            let subscribed = try await ws.receiveJSON()
            let id = try #require(subscribed["result"]?.stringValue)
            #expect(subscribed["id"] == 2)
            #expect(hub.count == 1)

            hub.publishNewHead(["number": "0x10", "hash": "0x01"])
            let notification = try await ws.receiveText()
            #expect(notification == #"{"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":"\#(id)","result":{"number":"0x10","hash":"0x01"}}}"#)

            try await ws.sendText(#"{"jsonrpc":"2.0","id":3,"method":"eth_unsubscribe","params":["\#(id)"]}"#)
            #expect(try await ws.receiveJSON()["result"] == true)
            #expect(hub.count == 0)
            hub.publishNewHead(["number": "0x11"])
            try await ws.sendText(#"{"jsonrpc":"2.0","id":4,"method":"add","params":[4]}"#)
            // The next frame is the answer: nothing was sent for the dead subscription.
            #expect(try await ws.receiveJSON()["id"] == 4)
            await ws.close()
        }
    }

    @Test func subscriptionsDieWithTheirConnection() async throws {
        let hub = SubscriptionHub()
        try await withServer(hub: hub) { _, port in
            let ws = try await WebSocketTestClient.connect(port: port)
            try await ws.sendText(#"[{"jsonrpc":"2.0","id":1,"method":"eth_subscribe","params":["newPendingTransactions"]},{"jsonrpc":"2.0","id":2,"method":"eth_subscribe","params":["logs",{}]}]"#)
            #expect(try await ws.receiveJSON().arrayValue?.count == 2)
            #expect(hub.count == 2)
            await ws.close()
            try await eventually { hub.count == 0 }
        }
    }

    @Test func fragmentedMessagesAreJoined() async throws {
        try await withServer { _, port in
            let ws = try await WebSocketTestClient.connect(port: port)
            let message = Array(#"{"jsonrpc":"2.0","id":"frag","method":"echo","params":["abc"]}"#.utf8)
            try await ws.send(opcode: WebSocketTestClient.text, Array(message[0..<10]), fin: false)
            // A ping between fragments is allowed and answered.
            try await ws.send(opcode: WebSocketTestClient.ping, Array("hi".utf8))
            try await ws.send(opcode: WebSocketTestClient.continuation, Array(message[10..<30]), fin: false)
            try await ws.send(opcode: WebSocketTestClient.continuation, Array(message[30...]), fin: true)
            let pong = try await ws.receiveFrame()
            #expect(pong.opcode == WebSocketTestClient.pong && pong.payload.text == "hi")
            #expect(try await ws.receiveText() == #"{"jsonrpc":"2.0","id":"frag","result":["abc"]}"#)
            await ws.close()
        }
    }

    @Test func closeIsEchoed() async throws {
        try await withServer { _, port in
            let ws = try await WebSocketTestClient.connect(port: port)
            try await ws.send(opcode: WebSocketTestClient.close, [0x03, 0xE8])
            let frame = try await ws.receiveFrame()
            #expect(frame.opcode == WebSocketTestClient.close)
            #expect(frame.payload == [0x03, 0xE8])
            #expect(try await ws.connection.readToClose().isEmpty)
        }
    }

    @Test func messagesOverTheLimitCloseWith1009() async throws {
        var limits = RPCLimits()
        limits.maxFrameBytes = 64 * 1024
        try await withServer(limits: limits) { _, port in
            // One frame over the limit.
            let ws = try await WebSocketTestClient.connect(port: port)
            try await ws.send([UInt8](repeating: 0x20, count: 64 * 1024 + 1))
            let frame = try await ws.receiveFrame()
            #expect(frame.opcode == WebSocketTestClient.close)
            #expect(frame.payload == [0x03, 0xF1])
            // Fragments that add up to more than the limit.
            let fragmented = try await WebSocketTestClient.connect(port: port)
            for i in 0..<5 {
                try await fragmented.send(opcode: i == 0 ? WebSocketTestClient.text : WebSocketTestClient.continuation,
                                          [UInt8](repeating: 0x20, count: 16 * 1024), fin: false)
            }
            let closeFrame = try await fragmented.receiveFrame()
            #expect(closeFrame.opcode == WebSocketTestClient.close)
            #expect(closeFrame.payload == [0x03, 0xF1])
            await ws.close()
            await fragmented.close()
        }
    }

    @Test func aClientThatStopsReadingIsDropped() async throws {
        var limits = RPCLimits()
        limits.maxPendingNotifications = 16
        let hub = SubscriptionHub()
        try await withServer(limits: limits, hub: hub) { _, port in
            let ws = try await WebSocketTestClient.connect(port: port)
            try await ws.sendText(#"{"jsonrpc":"2.0","id":1,"method":"eth_subscribe","params":["newHeads"]}"#)
            #expect(try await ws.receiveJSON()["result"] != nil)
            // Stop reading; the server's socket buffer fills and notifications queue up.
            try await ws.connection.channel.setOption(.autoRead, value: false).get()
            let big: JSON = ["extraData": .string(String(repeating: "f", count: 256 * 1024))]
            var published = 0
            while hub.count > 0 && published < 2_000 {
                hub.publishNewHead(big)
                published += 1
            }
            #expect(hub.count == 0)
            #expect(published < 2_000)
            try await ws.connection.channel.setOption(.autoRead, value: true).get()
            _ = try await ws.connection.readToClose(timeout: .seconds(20))
        }
    }

    @Test func idleConnectionsArePingedThenDropped() async throws {
        var limits = RPCLimits()
        limits.webSocketPingIntervalSeconds = 1
        try await withServer(limits: limits) { _, port in
            let ws = try await WebSocketTestClient.connect(port: port)
            let ping = try await ws.receiveFrame()
            #expect(ping.opcode == WebSocketTestClient.ping)
            // No pong, nothing else: after two silent intervals the server gives up.
            #expect(try await ws.connection.readToClose(timeout: .seconds(5)).isEmpty)
        }
    }

    @Test func concurrentCallsOnOneConnectionAllAnswered() async throws {
        try await withServer { _, port in
            let ws = try await WebSocketTestClient.connect(port: port)
            for i in 0..<200 {
                try await ws.sendText(#"{"jsonrpc":"2.0","id":\#(i),"method":"add","params":[\#(i),\#(i)]}"#)
            }
            var seen = Set<Int>()
            for _ in 0..<200 {
                let answer = try await ws.receiveJSON()
                let id = try #require(answer["id"]?.intValue)
                #expect(answer["result"]?.intValue == 2 * id)
                seen.insert(id)
            }
            #expect(seen.count == 200)
            await ws.close()
        }
    }
}

/// Polls `condition` until it holds, for at most `seconds`.
func eventually(seconds: Double = 5, _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while !condition() {
        guard ContinuousClock.now < deadline else { throw TestFailure("condition not met within \(seconds) s") }
        try await Task.sleep(for: .milliseconds(10))
    }
}
