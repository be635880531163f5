import Testing
import AthPrimitives
import AthRPC
import AthChecker

struct HTTPGetClientTests {
    let client = HTTPGetClient()

    func get(_ server: TestHTTPServer, _ path: String, timeout: Duration = .seconds(5),
             maxBodyBytes: Int = 1024) throws(HTTPGetError) -> HTTPGetResponse {
        try client.getSync(try HTTPEndpoint(server.url), path: path, connectTimeout: .seconds(2), timeout: timeout,
                           maxBodyBytes: maxBodyBytes)
    }

    @Test func anAnswerComesBackWithStatusHeadersAndBody() throws {
        let server = try TestHTTPServer { _, _ in
            TestHTTPServer.response(status: 200, headers: [("X-Ath-Rows", "2")], body: Array("hello".utf8))
        }
        defer { server.stop() }
        let r = try get(server, "/jobs/7/result")
        #expect(r.status == 200)
        #expect(r.header("x-ath-rows") == "2")
        #expect(r.body == Array("hello".utf8))
        #expect(server.requestedPaths == ["/jobs/7/result"])
    }

    @Test func aBodyRunningToTheCloseIsRead() throws {
        let server = try TestHTTPServer { _, _ in TestHTTPServer.response(status: 200, body: [1, 2, 3], contentLength: false) }
        defer { server.stop() }
        #expect(try get(server, "/").body == [1, 2, 3])
    }

    @Test func notFoundIsAnAnswerNotAnError() throws {
        let server = try TestHTTPServer { _, _ in TestHTTPServer.response(status: 404, body: Array("unknown job".utf8)) }
        defer { server.stop() }
        #expect(try get(server, "/jobs/1/result").status == 404)
    }

    @Test func aRefusedConnectionIsAnError() throws {
        let endpoint = try HTTPEndpoint("http://127.0.0.1:\(try TestHTTPServer.closedPort())")
        #expect {
            try client.getSync(endpoint, path: "/health", connectTimeout: .seconds(2), timeout: .seconds(5), maxBodyBytes: 16)
        } throws: { error in
            guard case .cannotConnect(_, let reason) = error as? HTTPGetError else { return false }
            return reason == "connection refused"
        }
    }

    @Test(arguments: [true, false])
    func aBodyLargerThanTheLimitIsRefused(declared: Bool) throws {
        let server = try TestHTTPServer { _, _ in
            TestHTTPServer.response(status: 200, body: [UInt8](repeating: 7, count: 100_000), contentLength: declared)
        }
        defer { server.stop() }
        #expect(throws: HTTPGetError.bodyTooLarge(url: server.url + "/big", limit: 1000)) {
            try get(server, "/big", maxBodyBytes: 1000)
        }
    }

    @Test func aSilentServerTimesOut() throws {
        let server = try TestHTTPServer { _, _ in .hang }
        defer { server.stop() }
        let clock = ContinuousClock()
        let start = clock.now
        #expect {
            try get(server, "/health", timeout: .milliseconds(300))
        } throws: { error in
            guard case .timedOut = error as? HTTPGetError else { return false }
            return true
        }
        #expect(clock.now - start < .seconds(5))
    }

    @Test(arguments: ["http://127.0.0.1:8600", "http://127.0.0.1:8600/", "http://localhost", "http://[::1]:9000"])
    func endpointsParse(url: String) throws {
        let e = try HTTPEndpoint(url)
        #expect(!e.host.isEmpty && e.port > 0)
    }

    @Test(arguments: ["https://127.0.0.1:8600", "http://127.0.0.1:8600/jobs", "http://user@host:1", "http://:80",
                      "http://host:0", "http://host:99999", "http://host:8a", "127.0.0.1:8600", "http://ho st:1",
                      "http://" + String(repeating: "a", count: 300)])
    func badEndpointsAreRefused(url: String) {
        #expect(throws: HTTPGetError.self) { try HTTPEndpoint(url) }
    }
}
