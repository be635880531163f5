import AthPrimitives

/// Canonical sign bytes of votes and proposals:
/// RLP([domain, chainID, typeTag, height, round, blockHash or empty, (polRound + 1)]).
/// The chain id and domain string separate chains and message kinds, so a
/// signature for one never verifies as another.
enum SignBytes {
    static let voteDomain = Array("ath-consensus-vote-v1".utf8)
    static let proposalDomain = Array("ath-consensus-proposal-v1".utf8)
    /// Type tag of proposals (CometBFT's SignedMsgType for proposals).
    static let proposalTag: UInt64 = 0x20

    static func vote(chainID: UInt64, type: VoteType, height: UInt64, round: Int32, blockHash: Hash32?) -> [UInt8] {
        var w = RLPWriter(capacity: 96)
        w.appendList { l in
            l.append(bytes: voteDomain)
            l.append(chainID)
            l.append(UInt64(type.rawValue))
            l.append(height)
            l.append(UInt64(UInt32(bitPattern: round)))
            if let h = blockHash { l.append(h) } else { l.append(bytes: [UInt8]()) }
        }
        return w.bytes
    }

    static func proposal(chainID: UInt64, height: UInt64, round: Int32, blockHash: Hash32, polRound: Int32) -> [UInt8] {
        var w = RLPWriter(capacity: 112)
        w.appendList { l in
            l.append(bytes: proposalDomain)
            l.append(chainID)
            l.append(proposalTag)
            l.append(height)
            l.append(UInt64(UInt32(bitPattern: round)))
            l.append(blockHash)
            l.append(encodePolRound(polRound))
        }
        return w.bytes
    }

    /// polRound is -1 or a round; RLP integers are unsigned, so it travels as polRound + 1.
    static func encodePolRound(_ p: Int32) -> UInt64 { UInt64(bitPattern: Int64(p) + 1) }
}

/// Shared field readers for the consensus decoders.
extension RLPDecoder {
    mutating func readRound() throws(ConsensusError) -> Int32 {
        let r = try wrap { (d: inout RLPDecoder) throws(RLPError) in try d.readUInt64() }
        guard r <= UInt64(Int32.max) else { throw .roundOutOfRange(r) }
        return Int32(r)
    }

    mutating func readOptionalHash() throws(ConsensusError) -> Hash32? {
        let start = offset
        let s = try wrap { (d: inout RLPDecoder) throws(RLPError) in try d.readBytes() }
        if s.isEmpty { return nil }
        guard let h = Hash32(s) else { throw .malformed(.wrongFieldLength(offset: start, got: s.count, expected: 32)) }
        return h
    }

    mutating func readSignature() throws(ConsensusError) -> [UInt8] {
        let s = try wrap { (d: inout RLPDecoder) throws(RLPError) in try d.readBytes() }
        guard s.count == 64 else { throw .wrongSignatureLength(got: s.count, expected: 64) }
        return Array(s)
    }

    /// Runs an RLP read, turning its error into `ConsensusError.malformed`.
    mutating func wrap<T>(_ body: (inout RLPDecoder) throws(RLPError) -> T) throws(ConsensusError) -> T {
        do { return try body(&self) } catch { throw .malformed(error) }
    }
}

/// Decodes a whole buffer holding exactly one list, refusing oversized input
/// before touching it and trailing bytes after it.
func decodeTopLevelList<T>(_ bytes: [UInt8], maxSize: Int,
                           _ body: (inout RLPDecoder) throws(ConsensusError) -> T) throws(ConsensusError) -> T {
    guard bytes.count <= maxSize else { throw .tooLarge(got: bytes.count, max: maxSize) }
    var top = RLPDecoder(bytes)
    let value = try body(&top)
    try top.wrap { (d: inout RLPDecoder) throws(RLPError) in try d.finish() }
    return value
}
