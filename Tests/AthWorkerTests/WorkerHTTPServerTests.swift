import Foundation
import Testing
import AthCrypto
import AthPrimitives
import AthTypes
import AthWorker

/// The result endpoint over real TCP on 127.0.0.1, with one stored result.
struct WorkerHTTPServerTests {
    static let spec = try! GemmSpec(m: 37, n: 21, k: 16, seed: Keccak256.hash(Array("worker http".utf8)), rounds: 4)
    static let operatorKey = try! Secp256k1PrivateKey(Keccak256.hash(Array("worker http operator".utf8)).bytes)
    static let hardware = HardwareReport(backend: "cpu-openblas", gpus: [.init(model: "Test GPU", memoryMiB: 1024)],
                                         cpu: "Test CPU", cores: 4, memoryMiB: 8192)

    let store = ResultStore()
    let result: JobResult
    let server: WorkerHTTPServer

    init() throws {
        result = try JobResult.compute(jobId: 7, spec: Self.spec, backend: CPUBackend())
        store.insert(result)
        server = WorkerHTTPServer(port: 0, operatorAddress: Self.operatorKey.address, hardware: Self.hardware, store: store)
        try server.start()
    }

    var port: Int { server.port! }

    @Test func healthNamesTheOperatorAndBackend() throws {
        defer { server.stop() }
        let response = try HTTPTestClient.get(port: port, "/health")
        #expect(response.status == 200)
        #expect(response.headers["content-type"] == "application/json")
        let json = try #require(response.json)
        #expect(json["operator"] as? String == Self.operatorKey.address.checksummed)
        #expect(json["backend"] as? String == "cpu-openblas")
        #expect(json["jobsServed"] as? Int == 1)
        #expect((json["uptimeSeconds"] as? Int).map { $0 >= 0 } == true)
    }

    @Test func hardwareReportsTheProbe() throws {
        defer { server.stop() }
        let json = try #require(try HTTPTestClient.get(port: port, "/hardware").json)
        #expect(json["cpu"] as? String == "Test CPU")
        #expect(json["cores"] as? Int == 4)
        #expect(json["memoryMiB"] as? Int == 8192)
        let gpus = try #require(json["gpus"] as? [[String: Any]])
        #expect(gpus.count == 1 && gpus[0]["model"] as? String == "Test GPU" && gpus[0]["memoryMiB"] as? Int == 1024)
    }

    @Test func resultIsCAsLittleEndianInt32WithShapeAndRoot() throws {
        defer { server.stop() }
        let response = try HTTPTestClient.get(port: port, "/jobs/7/result")
        #expect(response.status == 200)
        #expect(response.headers["content-type"] == "application/octet-stream")
        #expect(response.headers["x-ath-rows"] == "37")
        #expect(response.headers["x-ath-cols"] == "21")
        #expect(response.headers["x-ath-result-root"] == result.root.description)
        #expect(response.headers["content-length"] == String(37 * 21 * 4))
        #expect(Self.decode(response.body) == Self.spec.referenceProduct())
    }

    @Test func rowsComeWithProofsThatVerifyAgainstTheRoot() throws {
        defer { server.stop() }
        let response = try HTTPTestClient.get(port: port, "/jobs/7/rows?start=30&count=7")
        #expect(response.status == 200)
        let json = try #require(response.json)
        #expect(json["jobId"] as? Int == 7)
        #expect(json["root"] as? String == result.root.description)
        #expect(json["rows"] as? Int == 37 && json["cols"] as? Int == 21 && json["start"] as? Int == 30)
        let data = try Hex.decode(try #require(json["data"] as? String))
        #expect(data.count == 7 * 21 * 4)
        let proofs = try #require(json["proofs"] as? [[String]])
        #expect(proofs.count == 7)
        let reference = Self.spec.referenceProduct()
        for (offset, proof) in proofs.enumerated() {
            let row = Self.decode(Array(data[(offset * 84)..<(offset * 84 + 84)]))
            let index = 30 + offset
            #expect(row == Array(reference[(index * 21)..<(index * 21 + 21)]))
            let siblings = try proof.map { try Hash32(hex: $0) }
            #expect(RowMerkleTree.verify(leaf: RowMerkleTree.leaf(index: index, row: row), index: index, count: 37,
                                         proof: siblings, root: result.root))
        }
    }

    @Test(arguments: ["/jobs/7/rows?start=0&count=0", "/jobs/7/rows?start=0&count=1025", "/jobs/7/rows?start=36&count=2",
                      "/jobs/7/rows?start=37&count=1", "/jobs/7/rows?start=-1&count=1", "/jobs/7/rows?start=0",
                      "/jobs/7/rows?start=x&count=1", "/jobs/7/rows?start=0&count=1&extra=2", "/jobs/7/rows",
                      "/jobs/abc/result", "/jobs/99999999999999999999999/result"])
    func badRequestsGet400WithAReason(target: String) throws {
        defer { server.stop() }
        let response = try HTTPTestClient.get(port: port, target)
        #expect(response.status == 400)
        #expect((response.json?["error"] as? String)?.isEmpty == false)
    }

    @Test(arguments: ["/jobs/8/result", "/jobs/8/rows?start=0&count=1", "/", "/jobs", "/jobs/7", "/jobs/7/other"])
    func unknownJobsAndPathsGet404(target: String) throws {
        defer { server.stop() }
        let response = try HTTPTestClient.get(port: port, target)
        #expect(response.status == 404)
        #expect(response.json?["error"] is String)
    }

    @Test(arguments: ["POST", "PUT", "DELETE", "HEAD"])
    func otherMethodsGet405(method: String) throws {
        defer { server.stop() }
        let request = "\(method) /health HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
        let response = try HTTPTestClient.send(port: port, Array(request.utf8))
        #expect(response.status == 405)
        #expect(response.headers["allow"] == "GET")
    }

    @Test func aGetWithABodyIsRefused() throws {
        defer { server.stop() }
        let request = "GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
        let response = try HTTPTestClient.send(port: port, Array(request.utf8))
        #expect(response.status == 400)
        #expect(response.headers["connection"] == "close")
    }

    @Test func oversizedHeadersAreRefused() throws {
        defer { server.stop() }
        let request = "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 20_000))\r\n\r\n"
        let response = try HTTPTestClient.send(port: port, Array(request.utf8))
        #expect(response.status == 400 || response.status == 431)
    }

    @Test func keepAliveServesSeveralRequestsOnOneConnection() throws {
        defer { server.stop() }
        let one = "GET /jobs/7/result HTTP/1.1\r\nHost: x\r\n\r\n"
        let last = "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        let response = try HTTPTestClient.send(port: port, Array((one + one + last).utf8))
        // The first answer, then the rest of the stream holds the second result and the health answer.
        #expect(response.status == 200)
        let size = 37 * 21 * 4
        #expect(response.body.count > 2 * size)
        #expect(Self.decode(Array(response.body.prefix(size))) == Self.spec.referenceProduct())
    }

    @Test func stoppingServiceAnswers503ForJobsOnly() throws {
        defer { server.stop() }
        server.stopServingResults()
        let jobs = try HTTPTestClient.get(port: port, "/jobs/7/result")
        #expect(jobs.status == 503)
        #expect(jobs.headers["connection"] == "close")
        #expect(try HTTPTestClient.get(port: port, "/jobs/7/rows?start=0&count=1").status == 503)
        #expect(try HTTPTestClient.get(port: port, "/health").status == 200)
    }

    @Test func aLargeResultIsStreamedWhole() throws {
        defer { server.stop() }
        // 600×600 int32 = 1.44 MB: more than one 1 MiB chunk.
        let c = (0..<(600 * 600)).map { Int32($0) &* 2_654_435 }
        let big = JobResult(jobId: 8, m: 600, n: 600, c: c)
        store.insert(big)
        let response = try HTTPTestClient.get(port: port, "/jobs/8/result")
        #expect(response.status == 200)
        #expect(response.headers["x-ath-result-root"] == big.root.description)
        #expect(Self.decode(response.body) == c)
    }

    @Test func stopIsIdempotentAndRefusesNewConnections() throws {
        let port = self.port
        server.stop()
        server.stop()
        #expect(throws: (any Error).self) { try HTTPTestClient.get(port: port, "/health") }
    }

    static func decode(_ bytes: [UInt8]) -> [Int32] {
        stride(from: 0, to: bytes.count - 3, by: 4).map { i in
            Int32(bitPattern: UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24)
        }
    }
}
