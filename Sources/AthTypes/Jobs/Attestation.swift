import AthPrimitives
import AthCrypto

/// A checker's verdict on a job's committed result.
public enum Verdict: UInt8, Sendable, CaseIterable {
    case valid = 1, invalid = 2, unavailable = 3
}

/// The EIP-712 domain of the Oracle contract: name "ATH Oracle", version
/// "1", the chain id and the contract's address.
public struct OracleDomain: Sendable, Equatable {
    public let chainID: UInt64
    public let oracle: Address
    public init(chainID: UInt64, oracle: Address) { self.chainID = chainID; self.oracle = oracle }

    static let typeHash = Keccak256.hash(Array("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)".utf8))

    public var separator: Hash32 {
        Keccak256.hash(Self.typeHash.bytes + Keccak256.hash(Array("ATH Oracle".utf8)).bytes
                       + Keccak256.hash(Array("1".utf8)).bytes + UInt256(chainID).bigEndianBytes
                       + [UInt8](repeating: 0, count: 12) + oracle.bytes)
    }

    /// keccak256(0x1901 ‖ domain separator ‖ struct hash).
    func digest(_ structHash: Hash32) -> Hash32 { Keccak256.hash([0x19, 0x01] + separator.bytes + structHash.bytes) }
}

/// A checker's signed statement about one job (EIP-712 typed data
/// `Attestation(uint256 jobId,bytes32 resultRoot,uint8 verdict,uint256 workUnits,uint256 round)`),
/// as `Oracle.submitReport` verifies it.
public struct JobAttestation: Sendable, Equatable, Hashable {
    public var jobID: UInt256
    public var resultRoot: Hash32
    public var verdict: Verdict
    public var workUnits: UInt256
    public var round: UInt256

    public init(jobID: UInt256, resultRoot: Hash32, verdict: Verdict, workUnits: UInt256, round: UInt256) {
        self.jobID = jobID; self.resultRoot = resultRoot; self.verdict = verdict; self.workUnits = workUnits; self.round = round
    }

    static let typeHash = Keccak256.hash(Array("Attestation(uint256 jobId,bytes32 resultRoot,uint8 verdict,uint256 workUnits,uint256 round)".utf8))

    public var structHash: Hash32 {
        Keccak256.hash(Self.typeHash.bytes + jobID.bigEndianBytes + resultRoot.bytes
                       + UInt256(UInt64(verdict.rawValue)).bigEndianBytes + workUnits.bigEndianBytes + round.bigEndianBytes)
    }

    public func digest(_ domain: OracleDomain) -> Hash32 { domain.digest(structHash) }

    /// The 65-byte signature r ‖ s ‖ v (v = 27 or 28, low s) the Oracle contract takes.
    public func sign(_ domain: OracleDomain, key: Secp256k1PrivateKey) -> [UInt8] {
        OracleSignature.sign(digest(domain), key: key)
    }

    /// The signer of a 65-byte signature (v 27 or 28, low s); nil when it is malformed or does not recover.
    public func signer(of signature: [UInt8], domain: OracleDomain) -> Address? {
        OracleSignature.recover(signature, digest: digest(domain))
    }
}

/// A checker's signed measurement of an operator's uptime in one epoch
/// (EIP-712 typed data `Uptime(address operator,uint256 epoch,uint256 uptimeBps,uint256 round)`),
/// as `Oracle.submitUptimeReport` verifies it.
public struct UptimeAttestation: Sendable, Equatable, Hashable {
    public var `operator`: Address
    public var epoch: UInt64
    public var uptimeBps: UInt64
    public var round: UInt256

    public init(operator: Address, epoch: UInt64, uptimeBps: UInt64, round: UInt256) {
        self.operator = `operator`; self.epoch = epoch; self.uptimeBps = uptimeBps; self.round = round
    }

    static let typeHash = Keccak256.hash(Array("Uptime(address operator,uint256 epoch,uint256 uptimeBps,uint256 round)".utf8))

    public var structHash: Hash32 {
        Keccak256.hash(Self.typeHash.bytes + [UInt8](repeating: 0, count: 12) + `operator`.bytes
                       + UInt256(epoch).bigEndianBytes + UInt256(uptimeBps).bigEndianBytes + round.bigEndianBytes)
    }

    public func digest(_ domain: OracleDomain) -> Hash32 { domain.digest(structHash) }

    public func sign(_ domain: OracleDomain, key: Secp256k1PrivateKey) -> [UInt8] {
        OracleSignature.sign(digest(domain), key: key)
    }

    public func signer(of signature: [UInt8], domain: OracleDomain) -> Address? {
        OracleSignature.recover(signature, digest: digest(domain))
    }
}

/// The 65-byte r ‖ s ‖ v signatures the Oracle contract takes.
public enum OracleSignature {
    /// r ‖ s ‖ v of `digest` (low s, v = 27 + recovery id).
    public static func sign(_ digest: Hash32, key: Secp256k1PrivateKey) -> [UInt8] {
        let s = Secp256k1.sign(hash: digest, key: key)
        return s.r + s.s + [27 + s.recoveryID]
    }

    /// The signer, or nil when the signature is not 65 bytes, v is not 27 or
    /// 28, s is high, or it does not recover.
    public static func recover(_ signature: [UInt8], digest: Hash32) -> Address? {
        guard signature.count == 65, signature[64] == 27 || signature[64] == 28,
              let sig = try? RecoverableSignature(r: signature[0..<32], s: signature[32..<64], recoveryID: signature[64] - 27)
        else { return nil }
        return try? Secp256k1.recoverAddress(hash: digest, signature: sig)
    }
}
