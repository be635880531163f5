import AthPrimitives
import AthTypes

/// Attestations as peers gossip them on the attestation channel:
/// RLP([0, jobId, resultRoot, verdict, workUnits, round, signature]) or
/// RLP([1, operator, epoch, uptimeBps, round, signature]). The decoder is
/// strict (exact shape, canonical integers, no trailing bytes) and bounded.
public enum OracleWire {
    public static let maxMessageBytes = 512

    public static func encode(_ statement: OracleStatement, signature: [UInt8]) -> [UInt8] {
        var w = RLPWriter(capacity: 200)
        w.appendList { l in
            switch statement {
            case .job(let a):
                l.append(UInt64(0)); l.append(a.jobID); l.append(a.resultRoot); l.append(UInt64(a.verdict.rawValue))
                l.append(a.workUnits); l.append(a.round)
            case .uptime(let u):
                l.append(UInt64(1)); l.append(u.operator); l.append(u.epoch); l.append(u.uptimeBps); l.append(u.round)
            }
            l.append(bytes: signature)
        }
        return w.bytes
    }

    /// The statement and signature, or nil for anything malformed.
    public static func decode(_ bytes: [UInt8]) -> (OracleStatement, [UInt8])? {
        guard bytes.count <= maxMessageBytes else { return nil }
        var top = RLPDecoder(bytes)
        do {
            var l = try top.readList()
            try top.finish()
            let statement: OracleStatement
            switch try l.readUInt64() {
            case 0:
                let id = try l.readUInt256(), root = try l.readHash()
                let v = try l.readUInt64()
                guard v < 256, let verdict = Verdict(rawValue: UInt8(v)) else { return nil }
                let units = try l.readUInt256(), round = try l.readUInt256()
                statement = .job(JobAttestation(jobID: id, resultRoot: root, verdict: verdict, workUnits: units, round: round))
            case 1:
                let op = try l.readAddress(), epoch = try l.readUInt64(), bps = try l.readUInt64(), round = try l.readUInt256()
                statement = .uptime(UptimeAttestation(operator: op, epoch: epoch, uptimeBps: bps, round: round))
            default:
                return nil
            }
            let signature = Array(try l.readBytes())
            try l.finish()
            guard signature.count == 65 else { return nil }
            return (statement, signature)
        } catch {
            return nil
        }
    }
}
