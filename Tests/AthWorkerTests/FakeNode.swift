import Foundation
import Glibc
import AthClient
import AthCrypto
import AthPrimitives

/// A stand-in for a node's JSON-RPC, enough for the worker's job loop: block
/// numbers, Escrow logs, `Escrow.job` (price 1 wei), `jobUnits` (1 per job),
/// `jobMinPrice` (`minPricePerUnit`), and transactions whose effect on the
/// job (acceptJob, commitResult) is applied when they are sent. Plain
/// sockets, HTTP/1.1 keep-alive, a thread per connection (Linux only).
final class FakeNode: @unchecked Sendable {
    struct Job {
        var customer = Address(low: 0xC0FFEE)
        var `operator`: Address
        var specHash: Hash32
        var deadline: UInt64
        var createdBlock: UInt64
        var resultRoot = Hash32.zero
        var state: UInt8 = 1
    }

    let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var connections: [Int32] = []
    private var head: UInt64 = 1200
    private var logs: [[String: Any]] = []
    private var jobs: [UInt64: Job] = [:]
    /// Call data of every transaction sent (taken from its eth_estimateGas), in order.
    private var sent: [[UInt8]] = []
    private var pendingCall: [UInt8]?
    private var headQueries = 0
    private var minPrice = UInt256.zero
    private var transactionSender: Address
    private let finished = DispatchSemaphore(value: 0)

    init(operator: Address) throws {
        transactionSender = `operator`
        (listener, port) = try Self.listen()
        Thread { [self] in acceptLoop() }.start()
    }

    var url: String { "http://127.0.0.1:\(port)" }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        finished.wait()
        // Under the lock: a connection's thread takes its descriptor off the list before closing it,
        // so no descriptor number reused elsewhere in the process is shut down here.
        lock.withLock { for fd in connections { shutdown(fd, Int32(SHUT_RDWR)) } }
    }

    // MARK: Chain state

    /// The operator's `Escrow.jobMinPrice`, what acceptJob enforces (jobs cost 1 wei for 1 work unit here).
    var minPricePerUnit: UInt256 {
        get { lock.withLock { minPrice } }
        set { lock.withLock { minPrice = newValue } }
    }

    /// Creates job `id` in a new block with createJobWithSpec's two logs; `specHash` defaults to keccak256(spec).
    func createJob(_ id: UInt64, spec: [UInt8], operator: Address = .zero, specHash: Hash32? = nil, deadlineIn: Int64 = 100) {
        lock.withLock {
            head += 1
            let hash = specHash ?? Keccak256.hash(spec)
            let deadline = UInt64(Int64(head) + deadlineIn)
            let job = Job(operator: `operator`, specHash: hash, deadline: deadline, createdBlock: head)
            jobs[id] = job
            let tx = Keccak256.hash(Array("create \(id)".utf8))
            let idWord = Hash32(UInt256(id).bigEndianBytes)!
            logs.append(Self.log(block: head, tx: tx, index: 0,
                                 topics: [JobEvents.jobCreated.topic0, idWord, Self.word(job.customer), Self.word(`operator`)],
                                 data: ABI.encode([.fixedBytes(hash.bytes), .uint(1), .uint(UInt256(deadline))])))
            logs.append(Self.log(block: head, tx: tx, index: 1, topics: [JobEvents.jobSpecPublished.topic0, idWord],
                                 data: ABI.encode([.bytes(spec)])))
        }
    }

    func job(_ id: UInt64) -> Job? { lock.withLock { jobs[id] } }
    var sentCalls: [[UInt8]] { lock.withLock { sent } }
    /// eth_blockNumber calls so far: the worker makes one per poll.
    var headQueryCount: Int { lock.withLock { headQueries } }

    /// Waits up to `seconds` for `condition`; true if it held.
    func wait(seconds: Double = 20, until condition: (FakeNode) -> Bool) -> Bool {
        let end = Date(timeIntervalSinceNow: seconds)
        while Date() < end {
            if condition(self) { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return condition(self)
    }

    // MARK: JSON-RPC

    private func answer(_ method: String, _ params: [Any]) -> Any? {
        lock.withLock {
            switch method {
            case "eth_chainId": return "0x539"
            case "eth_blockNumber":
                headQueries += 1
                return Self.quantity(head)
            case "eth_maxPriorityFeePerGas", "eth_getTransactionCount": return "0x1"
            case "eth_getBlockByNumber":
                return ["number": Self.quantity(head), "hash": Hash32.zero.description, "baseFeePerGas": "0x7"]
            case "eth_getLogs":
                return filteredLogs(params.first as? [String: Any] ?? [:])
            case "eth_call":
                return escrowView((params.first as? [String: Any])?["input"] as? String ?? "")
            case "eth_estimateGas":
                pendingCall = ((params.first as? [String: Any])?["input"] as? String).flatMap { try? Hex.decode($0) }
                return "0x30000"
            case "eth_sendRawTransaction":
                let call = pendingCall ?? []
                sent.append(call)
                apply(call)
                head += 1
                return Keccak256.hash(Array((params.first as? String ?? "").utf8)).description
            case "eth_getTransactionReceipt":
                return ["blockNumber": Self.quantity(head), "status": "0x1", "gasUsed": "0x5208", "logs": [Any]()]
            default:
                return nil
            }
        }
    }

    private func filteredLogs(_ filter: [String: Any]) -> [[String: Any]] {
        let from = UInt64((filter["fromBlock"] as? String ?? "0x0").dropFirst(2), radix: 16) ?? 0
        let to = UInt64((filter["toBlock"] as? String ?? "0x0").dropFirst(2), radix: 16) ?? 0
        let topics = filter["topics"] as? [Any] ?? []
        return logs.filter { log in
            let block = UInt64((log["blockNumber"] as! String).dropFirst(2), radix: 16)!
            let logTopics = log["topics"] as! [String]
            for (i, t) in topics.enumerated() {
                guard let wanted = t as? String else { continue }
                if i >= logTopics.count || logTopics[i] != wanted { return false }
            }
            return block >= from && block <= to
        }
    }

    private func escrowView(_ input: String) -> String? {
        guard let data = try? Hex.decode(input) else { return nil }
        if (try? EscrowABI.jobUnits.decodeCall(data)) != nil { return Hex.encode(ABI.encode([.uint(.one)])) }
        if (try? EscrowABI.jobMinPrice.decodeCall(data)) != nil { return Hex.encode(ABI.encode([.uint(minPrice)])) }
        guard let args = try? EscrowABI.job.decodeCall(data), let id = args.first?.uintValue.uint64IfFits else { return nil }
        let j = jobs[id] ?? Job(operator: .zero, specHash: .zero, deadline: 0, createdBlock: 0, state: 0)
        return Hex.encode(ABI.encode([.tuple([
            .address(j.customer), .address(j.operator), .fixedBytes(j.specHash.bytes), .uint(1), .uint(UInt256(j.deadline)),
            .uint(UInt256(j.createdBlock)), .fixedBytes(j.resultRoot.bytes), .uint(0), .uint(0), .uint(UInt256(UInt64(j.state))),
        ])]))
    }

    /// What the contract would do (the worker checked the preconditions itself).
    private func apply(_ call: [UInt8]) {
        if let args = try? EscrowABI.acceptJob.decodeCall(call), let id = args[0].uintValue.uint64IfFits {
            jobs[id]?.state = 2
            jobs[id]?.operator = transactionSender
        } else if let args = try? EscrowABI.commitResult.decodeCall(call), let id = args[0].uintValue.uint64IfFits {
            jobs[id]?.state = 3
            jobs[id]?.resultRoot = Hash32(args[1].bytesValue) ?? .zero
        }
    }

    // MARK: Encoding

    static func quantity(_ n: UInt64) -> String { "0x" + String(n, radix: 16) }
    static func word(_ a: Address) -> Hash32 { Hash32([UInt8](repeating: 0, count: 12) + a.bytes)! }

    static func log(block: UInt64, tx: Hash32, index: UInt64, topics: [Hash32], data: [UInt8]) -> [String: Any] {
        ["address": ProtocolContract.escrow.address.description, "topics": topics.map(\.description), "data": Hex.encode(data),
         "blockNumber": quantity(block), "blockHash": Hash32.zero.description, "transactionHash": tx.description,
         "logIndex": quantity(index)]
    }

    // MARK: HTTP

    private func acceptLoop() {
        while true {
            let fd = accept(listener, nil, nil)
            guard fd >= 0 else { break }
            lock.withLock { connections.append(fd) }
            Thread { [self] in serve(fd) }.start()
        }
        finished.signal()
    }

    /// Answers requests on one connection until the client closes it.
    private func serve(_ fd: Int32) {
        defer {
            lock.withLock { connections.removeAll { $0 == fd } }
            close(fd)
        }
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            while let request = Self.takeRequest(&buffer) {
                let reply = respond(to: request)
                let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(reply.count)\r\n\r\n"
                let bytes = Array(head.utf8) + reply
                _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            }
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { return }
            buffer += chunk[0..<n]
        }
    }

    /// Removes one whole request (head and Content-Length body) from `buffer` and returns its body.
    private static func takeRequest(_ buffer: inout [UInt8]) -> [UInt8]? {
        let text = String(decoding: buffer, as: UTF8.self)
        guard let range = text.range(of: "\r\n\r\n") else { return nil }
        let headLength = text.utf8.distance(from: text.startIndex, to: range.upperBound)
        var length = 0
        for line in text[..<range.lowerBound].split(separator: "\r\n") where line.lowercased().hasPrefix("content-length:") {
            length = Int(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) ?? 0
        }
        guard buffer.count >= headLength + length else { return nil }
        let body = Array(buffer[headLength..<(headLength + length)])
        buffer.removeFirst(headLength + length)
        return body
    }

    private func respond(to body: [UInt8]) -> [UInt8] {
        let request = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
        let method = request["method"] as? String ?? ""
        var reply: [String: Any] = ["jsonrpc": "2.0", "id": request["id"] ?? NSNull()]
        if let result = answer(method, request["params"] as? [Any] ?? []) {
            reply["result"] = result
        } else {
            reply["error"] = ["code": -32601, "message": "the fake node does not serve \(method)"]
        }
        return Array((try? JSONSerialization.data(withJSONObject: reply)) ?? Data())
    }

    private static func listen() throws -> (Int32, Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, Glibc.listen(fd, 16) == 0 else { close(fd); throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }
}
