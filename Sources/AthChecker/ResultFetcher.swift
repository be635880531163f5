import Foundation
import NIOCore
import AthPrimitives
import AthRPC

/// Why a result could not be fetched from a worker: one sentence.
public struct ResultFetchError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Reads a job's result matrix C from the worker's HTTP API:
/// `GET /jobs/<id>/result` answers 200 with C row-major as int32
/// little-endian (m·n·4 bytes) and headers `X-Ath-Rows` and `X-Ath-Cols`.
/// Anything else (another status, other dimensions, another length) is a
/// failed fetch; a body longer than m·n·4 bytes is refused while it arrives.
public struct ResultFetcher: Sendable {
    let http: HTTPGetClient
    /// How long opening a connection may take.
    public var connectTimeout: Duration

    public init(http: HTTPGetClient = HTTPGetClient(), connectTimeout: Duration = .seconds(2)) {
        self.http = http
        self.connectTimeout = connectTimeout
    }

    /// One try: C of job `jobID`, an m×n matrix, as its m·n·4 bytes.
    public func fetch(from endpoint: HTTPEndpoint, jobID: UInt256, rows: Int, columns: Int,
                      timeout: Duration) throws(ResultFetchError) -> [UInt8] {
        let (size, overflow) = rows.multipliedReportingOverflow(by: columns)
        guard rows > 0, columns > 0, !overflow, size <= Int.max / 4 else {
            throw ResultFetchError("a \(rows)×\(columns) result cannot be fetched")
        }
        let expected = size * 4
        let response: HTTPGetResponse
        do {
            response = try http.getSync(endpoint, path: "/jobs/\(jobID)/result", connectTimeout: connectTimeout,
                                        timeout: timeout, maxBodyBytes: expected)
        } catch {
            throw ResultFetchError(error.description)
        }
        guard response.status == 200 else {
            throw ResultFetchError("\(endpoint) answered HTTP \(response.status) for job \(jobID)'s result")
        }
        for (name, want) in [("X-Ath-Rows", rows), ("X-Ath-Cols", columns)] {
            let got = response.header(name)
            guard got == String(want) else {
                throw ResultFetchError("\(endpoint) sent \(name) \(got.map { "\"\($0.prefix(32))\"" } ?? "missing"), expected \(want)")
            }
        }
        guard response.body.count == expected else {
            throw ResultFetchError("\(endpoint) sent \(response.body.count) bytes for a \(rows)×\(columns) result, expected \(expected)")
        }
        return response.body
    }

    /// Tries `fetch` until it succeeds or `within` has passed, pausing
    /// `retryEvery` after each failure, so a worker that is briefly busy or
    /// restarting still gets its result checked. `shouldStop` ends the tries
    /// early (the service stopping). Throws the last failure.
    public func fetch(from endpoint: HTTPEndpoint, jobID: UInt256, rows: Int, columns: Int, within: Duration,
                      retryEvery: Duration, shouldStop: () -> Bool = { false }) throws(ResultFetchError) -> [UInt8] {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: within)
        while true {
            let left = max(deadline - clock.now, .milliseconds(1))
            let lastError: ResultFetchError
            do { return try fetch(from: endpoint, jobID: jobID, rows: rows, columns: columns, timeout: left) } catch {
                lastError = error
            }
            let pause = min(retryEvery, deadline - clock.now)
            guard pause > .zero, !shouldStop() else { throw lastError }
            Thread.sleep(forTimeInterval: Double(pause.components.seconds) + Double(pause.components.attoseconds) / 1e18)
            guard clock.now < deadline, !shouldStop() else { throw lastError }
        }
    }

    /// Starts a `GET /health` probe: true when the worker answers 200 within `timeout`.
    public func probeHealth(of endpoint: HTTPEndpoint, timeout: Duration) -> EventLoopFuture<Bool> {
        http.get(endpoint, path: "/health", connectTimeout: min(connectTimeout, timeout), timeout: timeout, maxBodyBytes: 64 * 1024)
            .map { $0.status == 200 }
            .recover { _ in false }
    }
}
