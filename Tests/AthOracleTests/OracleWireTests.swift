import AthCrypto
import AthOracle
import AthPrimitives
import AthTypes
import Testing

@Suite struct OracleWireTests {
    let domain = OracleDomain(chainID: 7331, oracle: Address(low: 0x1004))
    let key = try! Secp256k1PrivateKey(Keccak256.hash(Array("ath devnet account 2".utf8)).bytes)

    @Test func bothKindsRoundTrip() throws {
        let job = JobAttestation(jobID: UInt256(7), resultRoot: Keccak256.hash([1]), verdict: .invalid, workUnits: .zero, round: 1)
        let uptime = UptimeAttestation(operator: Address(low: 0xabc), epoch: 12, uptimeBps: 9_500, round: 2)
        for statement in [OracleStatement.job(job), .uptime(uptime)] {
            let sig: [UInt8]
            switch statement {
            case .job(let a): sig = a.sign(domain, key: key)
            case .uptime(let u): sig = u.sign(domain, key: key)
            }
            let decoded = try #require(OracleWire.decode(OracleWire.encode(statement, signature: sig)))
            #expect(decoded.0 == statement && decoded.1 == sig)
        }
    }

    @Test func malformedMessagesAreRefused() {
        let a = JobAttestation(jobID: UInt256(7), resultRoot: Keccak256.hash([1]), verdict: .valid, workUnits: UInt256(3), round: 1)
        let good = OracleWire.encode(.job(a), signature: a.sign(domain, key: key))
        #expect(OracleWire.decode(good) != nil)
        #expect(OracleWire.decode([]) == nil)
        #expect(OracleWire.decode(good + [0]) == nil)                       // trailing byte
        #expect(OracleWire.decode(Array(good.dropLast())) == nil)           // truncated
        #expect(OracleWire.decode([UInt8](repeating: 0xc0, count: 600)) == nil)  // oversized
        #expect(OracleWire.decode(OracleWire.encode(.job(a), signature: [1, 2, 3])) == nil)  // short signature
        // An unknown kind, and a verdict that is not 1-3 (or wraps to one).
        var w = RLPWriter()
        w.appendList { l in l.append(UInt64(2)); l.append(UInt64(1)) }
        #expect(OracleWire.decode(w.bytes) == nil)
        for verdict: UInt64 in [0, 4, 257] {
            var v = RLPWriter()
            v.appendList { l in
                l.append(UInt64(0)); l.append(a.jobID); l.append(a.resultRoot); l.append(verdict)
                l.append(a.workUnits); l.append(a.round); l.append(bytes: a.sign(domain, key: key))
            }
            #expect(OracleWire.decode(v.bytes) == nil)
        }
    }
}
