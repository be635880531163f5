import AthClient
import AthCrypto
import AthOracle
import AthPrimitives
import AthRPC
import AthTypes

/// The oracle's JSON-RPC methods:
/// - `ath_submitAttestation({jobId, resultRoot, verdict, workUnits, round, signature})`
/// - `ath_submitUptimeAttestation({operator, epoch, uptimeBps, round, signature})`
/// - `ath_attestations(jobId)`: the attestations pooled for a job
/// - `ath_job(jobId)`: the escrow job, its published spec, its attestations and report state
extension EthAPI {
    static let oracleMethods: Set<String> = ["ath_submitAttestation", "ath_submitUptimeAttestation", "ath_attestations", "ath_job"]

    func handleOracle(_ method: String, _ p: Params) throws(RPCError) -> JSON {
        guard let oracle else { throw RPCError(code: -32000, message: "this node runs no oracle module") }
        switch method {
        case "ath_submitAttestation", "ath_submitUptimeAttestation":
            try p.require(count: 1...1)
            guard let object = p[0], object.objectValue != nil else { throw Params.invalid(0, "expected an attestation object") }
            let (statement, signature) = method == "ath_submitAttestation"
                ? try Self.jobAttestation(object) : try Self.uptimeAttestation(object)
            do {
                let admission = try oracle.submit(statement, signature: signature)
                return .object([
                    ("signer", RPCValue.address(admission.signer)), ("attestations", RPCValue.quantity(admission.attestations)),
                    ("quorum", .bool(admission.quorum)),
                ])
            } catch {
                throw RPCError(code: -32000, message: "attestation refused: \(error.description)")
            }
        case "ath_attestations":
            try p.require(count: 1...1)
            let id = try Params.quantity(p[0] ?? .null, 0)
            return .array(oracle.pool.attestations(.job(id)).map(Self.attestationJSON))
        case "ath_job":
            try p.require(count: 1...1)
            let id = try Params.quantity(p[0] ?? .null, 0)
            return try jobJSON(id, oracle: oracle)
        default:
            throw RPCError(code: -32601, message: "the method \(method) does not exist/is not available")
        }
    }

    // MARK: Parsing

    static func field(_ o: JSON, _ name: String) throws(RPCError) -> JSON {
        guard let v = o[name], !v.isNull else { throw Params.invalid(0, "the attestation has no \(name)") }
        return v
    }

    static func signature(_ o: JSON) throws(RPCError) -> [UInt8] {
        guard let s = try field(o, "signature").stringValue else { throw Params.invalid(0, "signature must be a hex string") }
        let bytes = try Params.bytes(s, 0)
        guard bytes.count == 65 else { throw Params.invalid(0, "signature must be 65 bytes (r ‖ s ‖ v), not \(bytes.count)") }
        return bytes
    }

    static func jobAttestation(_ o: JSON) throws(RPCError) -> (OracleStatement, [UInt8]) {
        guard let rootText = try field(o, "resultRoot").stringValue else { throw Params.invalid(0, "resultRoot must be a hex string") }
        let verdictNumber = try Params.quantity(try field(o, "verdict"), 0)
        guard let v = verdictNumber.uint64IfFits, v < 256, let verdict = Verdict(rawValue: UInt8(v)) else {
            throw Params.invalid(0, "verdict must be 1 (valid), 2 (invalid) or 3 (unavailable)")
        }
        let a = JobAttestation(jobID: try Params.quantity(try field(o, "jobId"), 0), resultRoot: try Params.hash(rootText, 0),
                               verdict: verdict, workUnits: try Params.quantity(try field(o, "workUnits"), 0),
                               round: try Params.quantity(try field(o, "round"), 0))
        return (.job(a), try signature(o))
    }

    static func uptimeAttestation(_ o: JSON) throws(RPCError) -> (OracleStatement, [UInt8]) {
        guard let opText = try field(o, "operator").stringValue else { throw Params.invalid(0, "operator must be a hex address") }
        let u = UptimeAttestation(operator: try Params.address(opText, 0), epoch: try Params.quantity64(try field(o, "epoch"), 0),
                                  uptimeBps: try Params.quantity64(try field(o, "uptimeBps"), 0),
                                  round: try Params.quantity(try field(o, "round"), 0))
        return (.uptime(u), try signature(o))
    }

    // MARK: Answers

    static let verdictNames = ["none", "valid", "invalid", "unavailable"]
    static let jobStateNames = ["unknown", "open", "accepted", "committed", "settled", "reclaimed"]

    static func attestationJSON(_ a: PooledAttestation) -> JSON {
        var fields: [(String, JSON)] = [("signer", RPCValue.address(a.signer)), ("stake", RPCValue.quantity(a.stake))]
        switch a.statement {
        case .job(let j):
            fields += [("jobId", RPCValue.quantity(j.jobID)), ("resultRoot", RPCValue.hash(j.resultRoot)),
                       ("verdict", .string(verdictNames[Int(j.verdict.rawValue)])), ("workUnits", RPCValue.quantity(j.workUnits)),
                       ("round", RPCValue.quantity(j.round))]
        case .uptime(let u):
            fields += [("operator", RPCValue.address(u.operator)), ("epoch", RPCValue.quantity(u.epoch)),
                       ("uptimeBps", RPCValue.quantity(u.uptimeBps)), ("round", RPCValue.quantity(u.round))]
        }
        fields.append(("signature", RPCValue.data(a.signature)))
        return .object(fields)
    }

    func jobJSON(_ id: UInt256, oracle: OracleService) throws(RPCError) -> JSON {
        let view = ChainOracleView(chain: chain)
        guard let job = view.escrowJob(id), job.state != .unknown else { throw RPCError(code: -32000, message: "Escrow has no job \(id)") }
        var fields: [(String, JSON)] = [
            ("jobId", RPCValue.quantity(id)), ("state", .string(Self.jobStateNames[Int(job.state.rawValue)])),
            ("customer", RPCValue.address(job.customer)), ("operator", RPCValue.address(job.operator)),
            ("specHash", RPCValue.hash(job.specHash)), ("price", RPCValue.quantity(job.price)),
            ("deadline", RPCValue.quantity(job.deadline)), ("createdBlock", RPCValue.quantity(job.createdBlock)),
            ("resultRoot", job.resultRoot == .zero ? .null : RPCValue.hash(job.resultRoot)),
            ("verdict", job.verdict == 0 ? .null : .string(Self.verdictNames[Int(min(job.verdict, 3))])),
            ("workUnits", RPCValue.quantity(job.workUnits)),
            ("reportRound", RPCValue.quantity(view.lastRound(.job(id)))),
        ]
        if let spec = publishedSpec(id, block: job.createdBlock), Keccak256.hash(spec) == job.specHash {
            if let g = try? GemmSpec(decoding: spec) {
                fields.append(("spec", .object([("kind", "gemm-i8"), ("m", JSON(g.m)), ("n", JSON(g.n)), ("k", JSON(g.k)),
                                                ("seed", RPCValue.hash(g.seed)), ("rounds", JSON(g.rounds)),
                                                ("workUnits", JSON(g.workUnits))])))
            } else {
                fields.append(("spec", .object([("kind", "unknown"), ("bytes", RPCValue.data(spec))])))
            }
        }
        fields.append(("attestations", .array(oracle.pool.attestations(.job(id)).map(Self.attestationJSON))))
        return .object(fields)
    }

    /// The spec a JobSpecPublished log of `block` carries for job `id`.
    func publishedSpec(_ id: UInt256, block: UInt64) -> [UInt8]? {
        let filter: JSON = .object([
            ("address", RPCValue.address(ProtocolContract.escrow.address)),
            ("fromBlock", RPCValue.quantity(block)), ("toBlock", RPCValue.quantity(block)),
            ("topics", .array([RPCValue.hash(JobEvents.jobSpecPublished.topic0), .string(Hex.encode(id.bigEndianBytes))])),
        ])
        guard let params = try? Params(.array([filter])), let found = try? logs(params), let first = found.arrayValue?.first,
              let data = first["data"]?.stringValue.flatMap({ try? Hex.decode($0) }),
              let values = try? ABI.decode([.bytes], data) else { return nil }
        return values.first?.bytesValue
    }
}
