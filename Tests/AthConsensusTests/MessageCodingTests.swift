import AthConsensus
import AthCrypto
import AthPrimitives
import AthTestSupport
import Testing

@Suite struct MessageCodingTests {
    let f = Fixture(powers: [1, 1, 1, 1], chainID: 1)

    @Test func voteSignedForOneChainDoesNotVerifyOnAnother() {
        let v = f.vote(.prevote, 0, blockHash("a"))
        #expect(v.verifySignature(publicKey: f.keys[0].publicKey, chainID: 1))
        #expect(!v.verifySignature(publicKey: f.keys[0].publicKey, chainID: 2))
        #expect(v.signBytes(chainID: 1) != v.signBytes(chainID: 2))
        #expect(throws: ConsensusError.invalidSignature(validator: f.address(0))) {
            try v.verify(against: f.validators, chainID: 2)
        }
    }

    @Test func proposalSignedForOneChainDoesNotVerifyOnAnother() {
        let p = f.proposal(by: 0, round: 2, blockHash("b"), polRound: 1)
        #expect(p.verifySignature(publicKey: f.keys[0].publicKey, chainID: 1))
        #expect(!p.verifySignature(publicKey: f.keys[0].publicKey, chainID: 2))
    }

    @Test func signBytesSeparateTypesAndNilVotes() {
        let a = f.vote(.prevote, 0, blockHash("a"))
        var b = a; b.type = .precommit
        var c = a; c.blockHash = nil
        #expect(a.signBytes(chainID: 1) != b.signBytes(chainID: 1))
        #expect(a.signBytes(chainID: 1) != c.signBytes(chainID: 1))
        #expect(!b.verifySignature(publicKey: f.keys[0].publicKey, chainID: 1))
    }

    @Test func messagesRoundTrip() throws {
        for v in [f.vote(.prevote, 2, round: 7, blockHash("x")), f.vote(.precommit, 3, height: 1 << 40, nil)] {
            #expect(try Vote.decode(v.encode()) == v)
        }
        let p = f.proposal(by: 1, height: 9, round: 3, blockHash("p"), polRound: 0)
        #expect(try Proposal.decode(p.encode()) == p)
        let c = f.commit(blockHash("c"), signers: [0, 1, 2])
        #expect(try Commit.decode(c.encode()) == c)
        let e = try DuplicateVoteEvidence(f.vote(.prevote, 1, blockHash("a")), f.vote(.prevote, 1, nil))
        #expect(try DuplicateVoteEvidence.decode(e.encode()) == e)
    }

    @Test func decodersRefuseMalformedInput() {
        let v = f.vote(.prevote, 0, blockHash("a")).encode()
        #expect(throws: ConsensusError.self) { try Vote.decode(v + [0]) }
        #expect(throws: ConsensusError.self) { try Vote.decode([]) }
        #expect(throws: ConsensusError.tooLarge(got: 600, max: Vote.maxEncodedSize)) {
            try Vote.decode([UInt8](repeating: 0xc0, count: 600))
        }
        // A proposal whose valid round is not below its round.
        var bad = f.proposal(by: 0, round: 1, blockHash("p"))
        bad.polRound = 1
        #expect(throws: ConsensusError.polRoundOutOfRange(polRound: 1, round: 1)) { try Proposal.decode(bad.encode()) }
        // Evidence out of canonical order.
        var w = RLPWriter()
        w.appendList { l in
            l.append(raw: f.vote(.prevote, 1, blockHash("a")).encode())
            l.append(raw: f.vote(.prevote, 1, nil).encode())
        }
        #expect(throws: ConsensusError.evidenceNotCanonical) { try DuplicateVoteEvidence.decode(w.bytes) }
    }

    @Test func randomAndTruncatedBytesNeverTrap() {
        var rng = SplitMix64(seed: 6)
        let samples = [f.vote(.precommit, 1, blockHash("a")).encode(),
                       f.proposal(by: 0, round: 4, blockHash("b"), polRound: 2).encode(),
                       f.commit(blockHash("c"), signers: [0, 1, 2, 3]).encode(),
                       try! DuplicateVoteEvidence(f.vote(.prevote, 1, blockHash("a")), f.vote(.prevote, 1, nil)).encode()]
        func decodeAll(_ b: [UInt8]) {
            _ = try? Vote.decode(b); _ = try? Proposal.decode(b)
            _ = try? Commit.decode(b); _ = try? DuplicateVoteEvidence.decode(b)
        }
        for s in samples {
            for n in 0..<s.count { decodeAll(Array(s[0..<n])) }
            for _ in 0..<300 {
                var m = s
                for _ in 0..<Int(rng.next() % 4 + 1) { m[Int(rng.next() % UInt64(m.count))] = UInt8(truncatingIfNeeded: rng.next()) }
                decodeAll(m)
            }
        }
        for _ in 0..<2000 { decodeAll(rng.bytes(Int(rng.next() % 300))) }
    }
}
