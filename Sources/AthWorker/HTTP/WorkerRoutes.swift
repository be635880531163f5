import AthCrypto
import AthPrimitives
import AthRPC
import AthTypes
import NIOHTTP1

/// One answer of the worker's HTTP endpoint.
enum WorkerResponse {
    /// A JSON body with `status`; `close` ends the connection after it.
    case json(HTTPResponseStatus, JSON, close: Bool = false)
    /// C of a job, streamed as int32 little-endian.
    case result(JobResult)

    static func error(_ status: HTTPResponseStatus, _ message: String, close: Bool = false) -> WorkerResponse {
        .json(status, .object([("error", .string(message))]), close: close)
    }
}

/// The worker's HTTP routes as a pure function of the request: what the
/// endpoint answers, with no I/O (`WorkerHTTPHandler` writes it).
///
/// - `GET /health`, `GET /hardware`: status and hardware as JSON.
/// - `GET /jobs/<id>/result`: C, m·n int32 little-endian, with `X-Ath-Rows`,
///   `X-Ath-Cols` and `X-Ath-Result-Root`.
/// - `GET /jobs/<id>/rows?start=S&count=N`: rows S..<S+N as hex with their
///   Merkle proofs.
struct WorkerRoutes: Sendable {
    let identity: WorkerIdentity
    let store: ResultStore

    /// Rows one `/rows` request may ask for, and the bytes of row data it may
    /// return (a row of the widest job is 64 KiB; the JSON is twice the data).
    static let maxRowsPerRequest = 1024
    static let maxRowBytesPerRequest = 16 << 20
    /// Longest request target accepted.
    static let maxTargetLength = 2048

    func respond(method: HTTPMethod, target: String, serving: Bool, uptimeSeconds: Int64) -> WorkerResponse {
        guard method == .GET else { return .error(.methodNotAllowed, "only GET is supported") }
        guard target.utf8.count <= Self.maxTargetLength else { return .error(.uriTooLong, "the request target is too long") }
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let path = parts[0].split(separator: "/", omittingEmptySubsequences: true)
        let query = parts.count > 1 ? parts[1] : ""
        switch path.count {
        case 1 where path[0] == "health":
            return .json(.ok, identity.health(jobsServed: store.insertedCount, uptimeSeconds: uptimeSeconds))
        case 1 where path[0] == "hardware":
            return .json(.ok, identity.hardware.json)
        case 3 where path[0] == "jobs" && (path[2] == "result" || path[2] == "rows"):
            guard serving else {
                return .error(.serviceUnavailable, "this worker has stopped serving results", close: true)
            }
            guard let id = Self.decimal(path[1], maxDigits: 20) else {
                return .error(.badRequest, "the job id must be a decimal number, not \"\(path[1].prefix(64))\"")
            }
            guard let result = store.result(id) else { return .error(.notFound, "this worker holds no result for job \(id)") }
            return path[2] == "result" ? .result(result) : rows(result, query: query)
        default:
            return .error(.notFound, "no such resource; try /health, /hardware, /jobs/<id>/result or /jobs/<id>/rows?start=S&count=N")
        }
    }

    /// `/jobs/<id>/rows?start=S&count=N`.
    func rows(_ result: JobResult, query: Substring) -> WorkerResponse {
        var start: Int?, count: Int?
        for pair in query.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard kv.count == 2 else { return .error(.badRequest, "malformed query parameter \"\(pair.prefix(64))\"") }
            let key = kv[0]
            guard key == "start" || key == "count" else {
                return .error(.badRequest, "unknown query parameter \"\(key.prefix(64))\"; expected start and count")
            }
            guard let value = Self.decimal(kv[1], maxDigits: 9).flatMap({ Int(exactly: $0) }) else {
                return .error(.badRequest, "\(key) must be a decimal number, not \"\(kv[1].prefix(64))\"")
            }
            if key == "start" { start = value } else { count = value }
        }
        guard let start, let count else { return .error(.badRequest, "give the rows as ?start=S&count=N") }
        let maxCount = min(Self.maxRowsPerRequest, max(1, Self.maxRowBytesPerRequest / (4 * result.n)))
        guard (1...maxCount).contains(count) else {
            return .error(.badRequest, "count must be between 1 and \(maxCount) for a job with \(result.n) columns, not \(count)")
        }
        guard start < result.m, count <= result.m - start else {
            return .error(.badRequest, "rows \(start) to \(start + count - 1) are outside the job's rows 0 to \(result.m - 1)")
        }
        let rows = start..<(start + count)
        let proofs: [JSON] = rows.map { i in .array(result.tree.proof(index: i).map { .string($0.description) }) }
        return .json(.ok, .object([
            ("jobId", JSON(result.jobId)), ("root", .string(result.root.description)),
            ("rows", JSON(result.m)), ("cols", JSON(result.n)), ("start", JSON(start)),
            ("data", .string(Hex.encode(result.rowBytes(rows)))), ("proofs", .array(proofs)),
        ]))
    }

    /// A decimal number of at most `maxDigits` ASCII digits that fits a UInt64.
    static func decimal(_ text: Substring, maxDigits: Int) -> UInt64? {
        guard !text.isEmpty, text.utf8.count <= maxDigits, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return UInt64(text)
    }
}

/// Who the worker is, for `/health` and `/hardware`.
struct WorkerIdentity: Sendable {
    let operatorAddress: Address
    let hardware: HardwareReport

    func health(jobsServed: Int, uptimeSeconds: Int64) -> JSON {
        .object([("operator", .string(operatorAddress.checksummed)), ("backend", .string(hardware.backend)),
                 ("jobsServed", JSON(jobsServed)), ("uptimeSeconds", JSON(uptimeSeconds))])
    }
}

extension HardwareReport {
    /// The `/hardware` answer.
    var json: JSON {
        .object([
            ("backend", .string(backend)),
            ("gpus", .array(gpus.map { .object([("model", .string($0.model)), ("memoryMiB", JSON($0.memoryMiB))]) })),
            ("cpu", .string(cpu)), ("cores", JSON(cores)), ("memoryMiB", JSON(memoryMiB)),
        ])
    }
}
