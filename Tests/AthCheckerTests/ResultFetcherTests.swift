import Testing
import AthPrimitives
import AthChecker

struct ResultFetcherTests {
    let fetcher = ResultFetcher()
    static let body = [UInt8](0..<24)  // a 2×3 int32 result

    static func result(rows: String = "2", columns: String = "3", body: [UInt8] = body) -> TestHTTPServer.Reply {
        TestHTTPServer.response(status: 200, headers: [("Content-Type", "application/octet-stream"), ("X-Ath-Rows", rows),
                                                        ("X-Ath-Cols", columns), ("X-Ath-Result-Root", "0x00")], body: body)
    }

    func fetch(_ server: TestHTTPServer) throws -> [UInt8] {
        try fetcher.fetch(from: try HTTPEndpoint(server.url), jobID: 9, rows: 2, columns: 3, timeout: .seconds(5))
    }

    @Test func aResultOfTheRightShapeIsFetched() throws {
        let server = try TestHTTPServer { _, _ in Self.result() }
        defer { server.stop() }
        #expect(try fetch(server) == Self.body)
        #expect(server.requestedPaths == ["/jobs/9/result"])
    }

    @Test(arguments: [("3", "3", 24), ("2", "2", 24), ("2", "3", 20)])
    func aResultOfAnotherShapeIsRefused(rows: String, columns: String, count: Int) throws {
        let server = try TestHTTPServer { _, _ in Self.result(rows: rows, columns: columns, body: Array(Self.body.prefix(count))) }
        defer { server.stop() }
        #expect(throws: ResultFetchError.self) { try fetch(server) }
    }

    @Test func aLongerResultIsRefusedWhileItArrives() throws {
        let server = try TestHTTPServer { _, _ in Self.result(body: Self.body + [0, 0, 0, 0]) }
        defer { server.stop() }
        #expect(throws: ResultFetchError.self) { try fetch(server) }
    }

    @Test func unavailableAnswersAreRetriedUntilTheResultArrives() throws {
        let server = try TestHTTPServer { _, index in index < 2 ? TestHTTPServer.response(status: 503) : Self.result() }
        defer { server.stop() }
        let bytes = try fetcher.fetch(from: try HTTPEndpoint(server.url), jobID: 9, rows: 2, columns: 3,
                                      within: .seconds(10), retryEvery: .milliseconds(50))
        #expect(bytes == Self.body)
        #expect(server.requestedPaths.count == 3)
    }

    @Test func retriesEndAtTheTimeLimit() throws {
        let server = try TestHTTPServer { _, _ in TestHTTPServer.response(status: 404) }
        defer { server.stop() }
        #expect(throws: ResultFetchError.self) {
            try fetcher.fetch(from: try HTTPEndpoint(server.url), jobID: 9, rows: 2, columns: 3,
                              within: .milliseconds(400), retryEvery: .milliseconds(100))
        }
        #expect(server.requestedPaths.count >= 2 && server.requestedPaths.count <= 10)
    }
}
