import Testing
import AthPrimitives
import AthCrypto
import AthTypes
import AthClient
import AthChecker

struct AttestationSigningTests {
    static let key = try! Secp256k1PrivateKey(Keccak256.hash(Array("ath devnet account 2".utf8)).bytes)
    static let domain = OracleDomain(chainID: 7331, oracle: ProtocolContract.oracle.address)

    @Test(arguments: Verdict.allCases)
    func jobAttestationsRecoverToTheChecker(verdict: Verdict) {
        let a = JobAttestation(jobID: 42, resultRoot: Keccak256.hash([7]), verdict: verdict,
                               workUnits: verdict == .valid ? 8 : 0, round: 1)
        let signature = a.sign(Self.domain, key: Self.key)
        #expect(signature.count == 65)
        #expect(a.signer(of: signature, domain: Self.domain) == Self.key.address)
        // Another chain's domain recovers to someone else.
        #expect(a.signer(of: signature, domain: OracleDomain(chainID: 1, oracle: ProtocolContract.oracle.address)) != Self.key.address)
    }

    @Test func uptimeAttestationsRecoverToTheChecker() {
        let u = UptimeAttestation(operator: Address(low: 0xabc), epoch: 12, uptimeBps: 6666, round: 1)
        let signature = u.sign(Self.domain, key: Self.key)
        #expect(u.signer(of: signature, domain: Self.domain) == Self.key.address)
    }

    @Test func submissionParametersUseHexQuantitiesAndANumericVerdict() {
        let a = JobAttestation(jobID: 42, resultRoot: Hash32(Array(repeating: 0x11, count: 32))!, verdict: .invalid, workUnits: 0, round: 1)
        let text = "\(AttestationRPC.params(a, signature: [UInt8](repeating: 0xab, count: 65)))"
        #expect(text.contains(#""jobId":"0x2a""#))
        #expect(text.contains(#""resultRoot":"0x1111111111111111111111111111111111111111111111111111111111111111""#))
        #expect(text.contains(#""verdict":2"#))
        #expect(text.contains(#""workUnits":"0x0""#))
        #expect(text.contains(#""round":"0x1""#))
        #expect(text.contains(#""signature":"0x"# + String(repeating: "ab", count: 65) + "\""))

        let u = UptimeAttestation(operator: Address(low: 0x1001), epoch: 255, uptimeBps: 10_000, round: 1)
        let uptime = "\(AttestationRPC.params(u, signature: [1]))"
        #expect(uptime.contains(#""operator":"0x0000000000000000000000000000000000001001""#))
        #expect(uptime.contains(#""epoch":"0xff""#))
        #expect(uptime.contains(#""uptimeBps":"0x2710""#))
    }
}
