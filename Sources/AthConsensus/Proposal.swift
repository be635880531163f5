import AthCrypto
import AthPrimitives

/// A proposer's signed proposal of a block (by hash) for one height and round.
/// The block itself travels separately and is validated outside consensus.
public struct Proposal: Hashable, Sendable {
    /// Largest encoding `decode` accepts.
    public static let maxEncodedSize = 512

    public var height: UInt64
    public var round: Int32
    public var blockHash: Hash32
    /// The round of the polka that made `blockHash` valid, or -1 when none.
    public var polRound: Int32
    public var signature: [UInt8]

    public init(height: UInt64, round: Int32, blockHash: Hash32, polRound: Int32, signature: [UInt8]) {
        self.height = height; self.round = round; self.blockHash = blockHash
        self.polRound = polRound; self.signature = signature
    }

    /// A proposal signed with `key`.
    public static func signed(height: UInt64, round: Int32, blockHash: Hash32, polRound: Int32,
                              key: Ed25519PrivateKey, chainID: UInt64) -> Proposal {
        let message = SignBytes.proposal(chainID: chainID, height: height, round: round, blockHash: blockHash, polRound: polRound)
        return Proposal(height: height, round: round, blockHash: blockHash, polRound: polRound, signature: key.sign(message))
    }

    /// The canonical bytes the proposer signs (they include the chain id).
    public func signBytes(chainID: UInt64) -> [UInt8] {
        SignBytes.proposal(chainID: chainID, height: height, round: round, blockHash: blockHash, polRound: polRound)
    }

    /// Whether the round fields are sane and the signature verifies with `publicKey`.
    public func verifySignature(publicKey: Ed25519PublicKey, chainID: UInt64) -> Bool {
        round >= 0 && polRound >= -1 && polRound < round
            && Ed25519.verify(signature: signature, message: signBytes(chainID: chainID), publicKey: publicKey)
    }

    /// Wire form: RLP([height, round, blockHash, polRound + 1, signature]).
    public func encode() -> [UInt8] {
        var w = RLPWriter(capacity: 128)
        w.appendList { l in
            l.append(height)
            l.append(UInt64(UInt32(bitPattern: round)))
            l.append(blockHash)
            l.append(SignBytes.encodePolRound(polRound))
            l.append(bytes: signature)
        }
        return w.bytes
    }

    /// Decodes the wire form, refusing anything malformed, non-canonical or
    /// with a valid round that is not below the round. The signature is not checked here.
    public static func decode(_ bytes: [UInt8]) throws(ConsensusError) -> Proposal {
        try decodeTopLevelList(bytes, maxSize: maxEncodedSize) { (d: inout RLPDecoder) throws(ConsensusError) in
            var l = try d.wrap { (d: inout RLPDecoder) throws(RLPError) in try d.readList() }
            let height = try l.wrap { (d: inout RLPDecoder) throws(RLPError) in try d.readUInt64() }
            let round = try l.readRound()
            let hash = try l.wrap { (d: inout RLPDecoder) throws(RLPError) in try d.readHash() }
            let pol = try l.wrap { (d: inout RLPDecoder) throws(RLPError) in try d.readUInt64() }
            // pol = polRound + 1, so 0 means -1 and the largest allowed is round.
            guard pol <= UInt64(round) else { throw .polRoundOutOfRange(polRound: Int64(clamping: pol) - 1, round: round) }
            let signature = try l.readSignature()
            try l.wrap { (d: inout RLPDecoder) throws(RLPError) in try d.finish() }
            return Proposal(height: height, round: round, blockHash: hash, polRound: Int32(pol) - 1, signature: signature)
        }
    }
}
