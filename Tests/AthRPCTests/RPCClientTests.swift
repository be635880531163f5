import AthRPC
import Testing

@Suite(.timeLimit(.minutes(1))) struct RPCClientTests {
    @Test func callsReturnResultsAndReuseOneConnection() async throws {
        try await withServer { _, port in
            let client = try RPCClient(url: "http://127.0.0.1:\(port)")
            #expect(try await client.call("add", [1, 2, 3]) == 6)
            #expect(try await client.call("echo", params: ["k": "v"]) == ["k": "v"])
            let first = try await client.call("whoami")
            let second = try await client.call("whoami")
            #expect(first == second)
        }
    }

    @Test func rpcErrorsKeepCodeMessageAndData() async throws {
        try await withServer { _, port in
            let client = try RPCClient(url: "http://127.0.0.1:\(port)/")
            let error = try await #require(throws: RPCClientError.self) { try await client.call("revert") }
            #expect(error == .rpc(RPCError(code: 3, message: "execution reverted: not enough stake", data: "0x08c379a0")))
            let missing = try await #require(throws: RPCClientError.self) { try await client.call("eth_nope") }
            #expect(missing.description == "the method eth_nope does not exist/is not available (JSON-RPC error -32601)")
        }
    }

    @Test func connectionRefusedSaysWhichNode() async throws {
        let server = RPCServer(port: 0, handler: TestHandler(), subscriptions: SubscriptionHub())
        try await server.start()
        let port = try #require(server.port)
        await server.stop()
        let client = try RPCClient(url: "http://127.0.0.1:\(port)")
        let error = try await #require(throws: RPCClientError.self) { try await client.call("add") }
        #expect(error.description == "cannot reach node at http://127.0.0.1:\(port): connection refused")
    }

    @Test func callSyncBlocksForTheAnswer() async throws {
        try await withServer { _, port in
            let client = try RPCClient(url: "http://127.0.0.1:\(port)")
            let result = try await Task.detached { try client.callSync("add", [20, 22]) }.value
            #expect(result == 42)
        }
    }

    @Test func concurrentCallsArePipelinedAndMatched() async throws {
        try await withServer { _, port in
            let client = try RPCClient(url: "http://127.0.0.1:\(port)")
            let results = try await withThrowingTaskGroup(of: (Int, JSON).self) { group in
                for i in 0..<50 { group.addTask { (i, try await client.call("add", [JSON(i), 1000])) } }
                var out: [Int: JSON] = [:]
                for try await (i, r) in group { out[i] = r }
                return out
            }
            let allRight = (0..<50).allSatisfy { results[$0] == JSON($0 + 1000) }
            #expect(allRight)
        }
    }

    @Test func reconnectsAfterTheServerClosedTheConnection() async throws {
        try await withServer { server, port in
            let client = try RPCClient(url: "http://127.0.0.1:\(port)")
            #expect(try await client.call("add", [1]) == 1)
            client.close()
            #expect(try await client.call("add", [2]) == 2)
        }
    }

    @Test func timesOutWhenTheNodeIsSlow() async throws {
        try await withServer { _, port in
            let client = try RPCClient(url: "http://127.0.0.1:\(port)", timeout: .milliseconds(100))
            let error = try await #require(throws: RPCClientError.self) { try await client.call("sleep", [2000]) }
            #expect(error == .timedOut(url: "http://127.0.0.1:\(port)", seconds: 0.1))
            // The next call opens a fresh connection.
            #expect(try await client.call("add", [5]) == 5)
        }
    }

    @Test func httpErrorsAreReported() async throws {
        var limits = RPCLimits()
        limits.maxBodyBytes = 64
        try await withServer(limits: limits) { _, port in
            let client = try RPCClient(url: "http://127.0.0.1:\(port)")
            let error = try await #require(throws: RPCClientError.self) {
                try await client.call("echo", [.string(String(repeating: "x", count: 100))])
            }
            #expect(error == .httpStatus(code: 413, body: "request body too large (limit 64 bytes)"))
        }
    }

    @Test(arguments: [
        ("127.0.0.1:8545", "expected http://host:port"),
        ("https://node:8545", "the https scheme is not supported, use http://"),
        ("http://", "the host is missing"),
        ("http://node:0", "the port must be a number from 1 to 65535"),
        ("http://node:99999", "the port must be a number from 1 to 65535"),
        ("http://node:abc", "the port must be a number from 1 to 65535"),
        ("http://[::1", "unterminated IPv6 address"),
    ])
    func invalidURLsAreRefused(url: String, reason: String) {
        #expect(throws: RPCClientError.invalidURL(url, reason: reason)) { try RPCClient(url: url) }
    }

    @Test func acceptsPathsAndIPv6() throws {
        _ = try RPCClient(url: "http://[::1]:8545/rpc")
        _ = try RPCClient(url: "http://localhost")
        _ = try RPCClient(url: "HTTP://node.example:80/a/b?x=1")
    }
}
