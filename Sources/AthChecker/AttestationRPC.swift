import AthPrimitives
import AthTypes
import AthRPC
import Logging

/// The node's answer to a submitted attestation.
enum SubmissionOutcome: Sendable {
    /// The node took it; its result object (signer, count, quorum).
    case accepted(JSON)
    /// The node refused it with a JSON-RPC error; resending would not help.
    case refused(RPCError)
    /// The node could not be reached or answered garbage.
    case failed(String)
}

/// The checker's calls `ath_submitAttestation` and
/// `ath_submitUptimeAttestation`: one object parameter, quantities as 0x hex,
/// the verdict as a JSON number and the 65-byte signature r ‖ s ‖ v as hex.
public enum AttestationRPC {
    public static let submitAttestation = "ath_submitAttestation"
    public static let submitUptimeAttestation = "ath_submitUptimeAttestation"

    /// The parameter object of `ath_submitAttestation`.
    public static func params(_ a: JobAttestation, signature: [UInt8]) -> JSON {
        .object([
            ("jobId", .string(a.jobID.hexDescription)),
            ("resultRoot", .string(a.resultRoot.description)),
            ("verdict", JSON(a.verdict.rawValue)),
            ("workUnits", .string(a.workUnits.hexDescription)),
            ("round", .string(a.round.hexDescription)),
            ("signature", .string(Hex.encode(signature))),
        ])
    }

    /// The parameter object of `ath_submitUptimeAttestation`.
    public static func params(_ u: UptimeAttestation, signature: [UInt8]) -> JSON {
        .object([
            ("operator", .string(u.operator.description)),
            ("epoch", .string(UInt256(u.epoch).hexDescription)),
            ("uptimeBps", .string(UInt256(u.uptimeBps).hexDescription)),
            ("round", .string(u.round.hexDescription)),
            ("signature", .string(Hex.encode(signature))),
        ])
    }

    /// Sends one call. A transport failure is tried `attempts` times in all,
    /// with `pause` between tries (it returns false when the service is
    /// stopping); a refusal is final.
    static func submit(_ rpc: RPCClient, method: String, params: JSON, attempts: Int = 3,
                       pause: (Duration) -> Bool) -> SubmissionOutcome {
        var last = ""
        for attempt in 1...max(1, attempts) {
            do { return .accepted(try rpc.callSync(method, [params])) } catch {
                if case .rpc(let e) = error { return .refused(e) }
                last = error.description
            }
            guard attempt < attempts, pause(.seconds(1)) else { break }
        }
        return .failed(last)
    }
}

extension CheckerService {
    /// Logs the node's answer to a submitted attestation.
    func log(_ outcome: SubmissionOutcome, _ what: String, metadata: Logger.Metadata) {
        switch outcome {
        case .accepted(let answer):
            logger.info("\(what) submitted", metadata: metadata.merging(["answer": "\(answer.description.prefix(300))"]) { $1 })
        case .refused(let e) where e.code == RPCError.methodNotFoundCode:
            logger.warning("\(what) not submitted: the node does not take attestations (\(e.message))", metadata: metadata)
        case .refused(let e):
            logger.warning("\(what) refused: \(e.message)", metadata: metadata.merging(["code": "\(e.code)"]) { $1 })
        case .failed(let reason):
            logger.error("\(what) not delivered: \(reason)", metadata: metadata)
        }
    }
}
