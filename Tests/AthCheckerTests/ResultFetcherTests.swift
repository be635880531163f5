import Testing
import AthPrimitives
import AthRPC
import AthCrypto
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

    /// The fetch window grows with the result: fetchTimeout plus the size
    /// at the minimum rate (512 MiB at the default 16 MiB/s: 32 s more).
    @Test func theFetchWindowScalesWithTheResultSize() throws {
        let config = CheckerConfig(key: try Secp256k1PrivateKey([UInt8](repeating: 7, count: 32)))
        #expect(config.fetchWindow(resultBytes: 0) == .seconds(10))
        #expect(config.fetchWindow(resultBytes: 512 << 20) == .seconds(42))
        #expect(config.fetchWindow(resultBytes: 8 << 20) == .milliseconds(10_500))
        #expect(config.fetchWindow(resultBytes: Int.max) > .seconds(1 << 30))   // never overflows
        var slow = config
        slow.minFetchBytesPerSecond = 1 << 20
        #expect(slow.fetchWindow(resultBytes: 512 << 20) == .seconds(522))
    }

    /// An honest operator behind a slow link (here 1.5 MiB/s for a 3 MiB
    /// result, 2 s) is not judged unavailable for taking longer than the
    /// base timeout: the window its size earns covers the transfer. The
    /// fixed base window alone would have cut it off.
    @Test func aLargeResultOnASlowLinkGetsTheTimeItsSizeEarns() throws {
        let rows = 768, columns = 1024   // 3 MiB of int32
        let body = (0..<(rows * columns * 4)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let reply = TestHTTPServer.Reply.throttled(
            Array("HTTP/1.1 200 OK\r\nConnection: close\r\nX-Ath-Rows: \(rows)\r\nX-Ath-Cols: \(columns)\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body,
            bytesPerSecond: 3 << 19)
        var config = CheckerConfig(key: try Secp256k1PrivateKey([UInt8](repeating: 7, count: 32)),
                                   fetchTimeout: .milliseconds(500), minFetchBytesPerSecond: 1 << 20)
        let window = config.fetchWindow(resultBytes: body.count)
        #expect(window == .milliseconds(3_500))

        let cut = try TestHTTPServer { _, _ in reply }
        defer { cut.stop() }
        #expect(throws: ResultFetchError.self) {
            try fetcher.fetch(from: try HTTPEndpoint(cut.url), jobID: 9, rows: rows, columns: columns,
                              within: config.fetchTimeout, retryEvery: .seconds(5))
        }
        let served = try TestHTTPServer { _, _ in reply }
        defer { served.stop() }
        let bytes = try fetcher.fetch(from: try HTTPEndpoint(served.url), jobID: 9, rows: rows, columns: columns,
                                      within: window, retryEvery: .seconds(5))
        #expect(bytes == body)
        config.minFetchBytesPerSecond = 0
        #expect(config.fetchWindow(resultBytes: 1) > .zero)   // a zero rate is treated as 1 B/s, never a trap
    }
}
