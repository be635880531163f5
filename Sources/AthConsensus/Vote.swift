import AthCrypto
import AthPrimitives

/// The two vote kinds of a Tendermint round.
public enum VoteType: UInt8, Hashable, Sendable, Comparable, CustomStringConvertible {
    case prevote = 1
    case precommit = 2

    public static func < (a: VoteType, b: VoteType) -> Bool { a.rawValue < b.rawValue }
    public var description: String { self == .prevote ? "prevote" : "precommit" }
}

/// A signed prevote or precommit. `blockHash == nil` is a vote for nil.
public struct Vote: Hashable, Sendable {
    /// Largest encoding `decode` accepts (a real vote is about 150 bytes).
    public static let maxEncodedSize = 512

    public var type: VoteType
    public var height: UInt64
    /// 0...Int32.max.
    public var round: Int32
    public var blockHash: Hash32?
    public var validatorIndex: UInt32
    public var validatorAddress: Address
    /// 64-byte ed25519 signature over `signBytes(chainID:)`.
    public var signature: [UInt8]

    public init(type: VoteType, height: UInt64, round: Int32, blockHash: Hash32?,
                validatorIndex: UInt32, validatorAddress: Address, signature: [UInt8]) {
        self.type = type; self.height = height; self.round = round; self.blockHash = blockHash
        self.validatorIndex = validatorIndex; self.validatorAddress = validatorAddress; self.signature = signature
    }

    /// A vote signed with `key`.
    public static func signed(type: VoteType, height: UInt64, round: Int32, blockHash: Hash32?,
                              validatorIndex: UInt32, validatorAddress: Address,
                              key: Ed25519PrivateKey, chainID: UInt64) -> Vote {
        let message = SignBytes.vote(chainID: chainID, type: type, height: height, round: round, blockHash: blockHash)
        return Vote(type: type, height: height, round: round, blockHash: blockHash, validatorIndex: validatorIndex,
                    validatorAddress: validatorAddress, signature: key.sign(message))
    }

    /// The canonical bytes the validator signs (they include the chain id).
    public func signBytes(chainID: UInt64) -> [UInt8] {
        SignBytes.vote(chainID: chainID, type: type, height: height, round: round, blockHash: blockHash)
    }

    /// Whether the signature verifies with `publicKey` on `chainID`.
    public func verifySignature(publicKey: Ed25519PublicKey, chainID: UInt64) -> Bool {
        round >= 0 && Ed25519.verify(signature: signature, message: signBytes(chainID: chainID), publicKey: publicKey)
    }

    /// Checks that the signer is `validators[validatorIndex]` and that it signed this vote.
    public func verify(against validators: ValidatorSet, chainID: UInt64) throws(ConsensusError) {
        guard let v = validators.validator(at: validatorIndex, address: validatorAddress) else {
            throw .unknownValidator(index: validatorIndex, address: validatorAddress)
        }
        guard verifySignature(publicKey: v.publicKey, chainID: chainID) else {
            throw .invalidSignature(validator: validatorAddress)
        }
    }

    /// Wire form: RLP([type, height, round, blockHash or empty, validatorIndex, address, signature]).
    public func encode() -> [UInt8] {
        var w = RLPWriter(capacity: 160)
        encode(into: &w)
        return w.bytes
    }

    func encode(into w: inout RLPWriter) {
        w.appendList { l in
            l.append(UInt64(type.rawValue))
            l.append(height)
            l.append(UInt64(UInt32(bitPattern: round)))
            if let h = blockHash { l.append(h) } else { l.append(bytes: [UInt8]()) }
            l.append(UInt64(validatorIndex))
            l.append(validatorAddress)
            l.append(bytes: signature)
        }
    }

    /// Decodes the wire form, refusing anything malformed or non-canonical.
    /// The signature is not checked here.
    public static func decode(_ bytes: [UInt8]) throws(ConsensusError) -> Vote {
        try decodeTopLevelList(bytes, maxSize: maxEncodedSize) { (d: inout RLPDecoder) throws(ConsensusError) in
            try decode(from: &d)
        }
    }

    static func decode(from d: inout RLPDecoder) throws(ConsensusError) -> Vote {
        var l = try d.wrap { (d: inout RLPDecoder) throws(RLPError) in try d.readList() }
        let tag = try l.wrap { (d: inout RLPDecoder) throws(RLPError) in try d.readUInt64() }
        guard tag <= 0xff, let type = VoteType(rawValue: UInt8(tag)) else { throw .unknownVoteType(tag) }
        let height = try l.wrap { (d: inout RLPDecoder) throws(RLPError) in try d.readUInt64() }
        let round = try l.readRound()
        let hash = try l.readOptionalHash()
        let index = try l.wrap { (d: inout RLPDecoder) throws(RLPError) in try d.readUInt64() }
        guard index <= UInt64(UInt32.max) else {
            throw .malformed(.integerOverflow(offset: l.offset, bytes: 8, maxBytes: 4))
        }
        let address = try l.wrap { (d: inout RLPDecoder) throws(RLPError) in try d.readAddress() }
        let signature = try l.readSignature()
        try l.wrap { (d: inout RLPDecoder) throws(RLPError) in try d.finish() }
        return Vote(type: type, height: height, round: round, blockHash: hash, validatorIndex: UInt32(index),
                    validatorAddress: address, signature: signature)
    }
}
