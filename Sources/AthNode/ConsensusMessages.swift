import AthPrimitives
import AthCrypto
import AthConsensus

/// The payloads the node sends on each P2P channel. Every decoder is
/// strict (exact RLP shape, no trailing bytes) and bounded.
enum ConsensusWire {
    /// status: RLP([head height, head hash]).
    static func status(height: UInt64, hash: Hash32) -> [UInt8] {
        var w = RLPWriter(capacity: 48)
        w.appendList { l in l.append(height); l.append(hash) }
        return w.bytes
    }

    static func decodeStatus(_ bytes: [UInt8]) -> (height: UInt64, hash: Hash32)? {
        guard bytes.count <= 64 else { return nil }
        var top = RLPDecoder(bytes)
        guard var l = try? top.readList(), (try? top.finish()) != nil,
              let h = try? l.readUInt64(), let hash = try? l.readHash(), (try? l.finish()) != nil else { return nil }
        return (h, hash)
    }

    /// proposal: RLP([signed proposal, consensus block]).
    static func proposal(_ p: Proposal, block: [UInt8]) -> [UInt8] {
        var w = RLPWriter(capacity: block.count + 256)
        w.appendList { l in l.append(bytes: p.encode()); l.append(bytes: block) }
        return w.bytes
    }

    static func decodeProposal(_ bytes: [UInt8],
                               knownSenders: (@Sendable (Hash32) -> Address?)? = nil) throws(ChainError) -> (Proposal, ConsensusBlock) {
        let (p, b) = try pair(bytes, "proposal message")
        let proposal: Proposal
        do { proposal = try Proposal.decode(p) } catch { throw ChainError("proposal: \(error)") }
        let block = try ConsensusBlock.decode(b, knownSenders: knownSenders)
        guard block.hash == proposal.blockHash else { throw ChainError("proposal names block \(proposal.blockHash) but carries \(block.hash)") }
        guard block.number == proposal.height else { throw ChainError("proposal for height \(proposal.height) carries block \(block.number)") }
        return (proposal, block)
    }

    /// The two byte strings of RLP([a, b]), nothing before or after.
    private static func pair(_ bytes: [UInt8], _ what: String) throws(ChainError) -> ([UInt8], [UInt8]) {
        do {
            var top = RLPDecoder(bytes)
            var l = try top.readList()
            try top.finish()
            let a = Array(try l.readBytes())
            let b = Array(try l.readBytes())
            try l.finish()
            return (a, b)
        } catch {
            throw ChainError("malformed \(what): \(error)")
        }
    }

    /// blockRequest: RLP([height]).
    static func blockRequest(_ height: UInt64) -> [UInt8] {
        var w = RLPWriter(capacity: 16)
        w.appendList { l in l.append(height) }
        return w.bytes
    }

    static func decodeBlockRequest(_ bytes: [UInt8]) -> UInt64? {
        guard bytes.count <= 16 else { return nil }
        var top = RLPDecoder(bytes)
        guard var l = try? top.readList(), (try? top.finish()) != nil, let h = try? l.readUInt64(),
              (try? l.finish()) != nil else { return nil }
        return h
    }

    /// blockResponse: RLP([consensus block, commit]).
    static func blockResponse(_ block: ConsensusBlock, commit: Commit) -> [UInt8] {
        let b = block.encode()
        var w = RLPWriter(capacity: b.count + 4096)
        w.appendList { l in l.append(bytes: b); l.append(bytes: commit.encode()) }
        return w.bytes
    }

    static func decodeBlockResponse(_ bytes: [UInt8]) throws(ChainError) -> (ConsensusBlock, Commit) {
        let (b, c) = try pair(bytes, "block response")
        let commit: Commit
        do { commit = try Commit.decode(c) } catch { throw ChainError("block response commit: \(error)") }
        return (try ConsensusBlock.decode(b), commit)
    }

    /// Write-ahead log records: RLP([kind, payload]); kind 1 a proposal
    /// message, 2 a vote.
    static func walRecord(kind: UInt64, _ payload: [UInt8]) -> [UInt8] {
        var w = RLPWriter(capacity: payload.count + 16)
        w.appendList { l in l.append(kind); l.append(bytes: payload) }
        return w.bytes
    }

    static func decodeWALRecord(_ bytes: [UInt8]) -> (kind: UInt64, payload: [UInt8])? {
        var top = RLPDecoder(bytes)
        guard var l = try? top.readList(), (try? top.finish()) != nil, let k = try? l.readUInt64(),
              let p = try? l.readBytes(), (try? l.finish()) != nil else { return nil }
        return (k, Array(p))
    }
}
