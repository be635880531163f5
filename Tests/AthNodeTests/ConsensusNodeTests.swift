import Testing
import Foundation
import Logging
import AthPrimitives
import AthCrypto
import AthTypes
import AthConsensus
import AthP2P
import AthNode

private func temporaryDirectory() -> String {
    var template = Array((NSTemporaryDirectory() + "/athconsensus-test-XXXXXX").utf8CString)
    return String(cString: mkdtemp(&template)!)
}

private func validators(_ n: Int) -> (ValidatorSet, [Ed25519PrivateKey]) {
    let keys = (0..<n).map { i in try! Ed25519PrivateKey(seed: Keccak256.hash(Array("consensus node test \(i)".utf8)).bytes) }
    let set = try! ValidatorSet(keys.enumerated().map { i, k in
        Validator(address: Address(low: UInt64(0x100 + i)), publicKey: k.publicKey, votingPower: UInt64(10 * (i + 1)))
    })
    return (set, keys)
}

struct ValidatorSetRecordTests {
    @Test func roundTripKeepsPrioritiesAndProposer() throws {
        let (fresh, _) = validators(7)
        let moved = fresh.incrementingProposerPriority(times: 13)
        let decoded = try ValidatorSet.decode(moved.encode())
        #expect(decoded == moved)
        #expect(decoded.proposerIndex == moved.proposerIndex)
        // The next proposers agree too.
        for r in 1...5 {
            #expect(decoded.incrementingProposerPriority(times: r).proposerIndex == moved.incrementingProposerPriority(times: r).proposerIndex)
        }
        // The header commitment ignores priorities but not membership.
        #expect(moved.hash == fresh.hash)
        #expect(validators(6).0.hash != fresh.hash)
    }

    @Test func hostileRecordsAreRefused() {
        let good = validators(3).0.encode()
        var cases: [[UInt8]] = [[], [0xc0], Array(good.dropLast()), good + [0x00], [UInt8](repeating: 0xff, count: 40)]
        // Proposer index out of range.
        var w = RLPWriter(capacity: 16)
        w.appendList { l in l.append(UInt64(9)); l.appendList { _ in } }
        cases.append(w.bytes)
        // Unsorted members.
        let (set, _) = validators(2)
        var u = RLPWriter(capacity: 256)
        u.appendList { l in
            l.append(UInt64(0))
            l.appendList { list in
                for v in set.validators.reversed() {
                    list.appendList { e in e.append(v.address); e.append(bytes: v.publicKey.bytes); e.append(v.votingPower); e.append(UInt64(0)) }
                }
            }
        }
        cases.append(u.bytes)
        for bytes in cases { #expect(throws: ConsensusError.self) { try ValidatorSet.decode(bytes) } }
    }
}

struct ConsensusBlockTests {
    func sampleBlock(commit: Commit?) -> ConsensusBlock {
        var header = Header(parentHash: Hash32(Array(repeating: 1, count: 32))!, coinbase: Address(low: 7),
                            stateRoot: Header.emptyTrieRoot, transactionsRoot: Header.emptyTrieRoot,
                            receiptsRoot: Header.emptyTrieRoot, logsBloom: Bloom(), number: 5, gasLimit: 30_000_000,
                            gasUsed: 0, timestamp: 1_767_225_600, extraData: [], mixHash: .zero,
                            baseFeePerGas: UInt256(1_000_000_000), proposer: Address(low: 0x100))
        header.lastCommitHash = ConsensusBlock.commitHash(commit)
        return ConsensusBlock(block: Block(header: header, transactions: [], senders: []), lastCommit: commit, evidence: [])
    }

    @Test func roundTripAndCommitments() throws {
        let (set, keys) = validators(4)
        let parent = Hash32(Array(repeating: 9, count: 32))!
        let sigs = (0..<4).map { i in
            let v = Vote.signed(type: .precommit, height: 4, round: 0, blockHash: parent, validatorIndex: UInt32(i),
                                validatorAddress: set[i].address, key: keys[i], chainID: 7)
            return CommitSignature(validatorIndex: v.validatorIndex, validatorAddress: v.validatorAddress, signature: v.signature)
        }
        let commit = Commit(height: 4, round: 0, blockHash: parent, signatures: sigs)
        try commit.verify(against: set, chainID: 7)
        let block = sampleBlock(commit: commit)
        let decoded = try ConsensusBlock.decode(block.encode())
        #expect(decoded.hash == block.hash)
        #expect(decoded.lastCommit == commit)

        // A commit the header does not name is refused.
        var swapped = block
        swapped.lastCommit = Commit(height: 4, round: 1, blockHash: parent, signatures: sigs)
        #expect(throws: ChainError.self) { try ConsensusBlock.decode(swapped.encode()) }
        // So is evidence the header does not name.
        let a = Vote.signed(type: .prevote, height: 4, round: 0, blockHash: parent, validatorIndex: 0,
                            validatorAddress: set[0].address, key: keys[0], chainID: 7)
        let b = Vote.signed(type: .prevote, height: 4, round: 0, blockHash: nil, validatorIndex: 0,
                            validatorAddress: set[0].address, key: keys[0], chainID: 7)
        var withEvidence = block
        withEvidence.evidence = [try DuplicateVoteEvidence(b, a)]
        #expect(throws: ChainError.self) { try ConsensusBlock.decode(withEvidence.encode()) }
        withEvidence.block.header.evidenceHash = ConsensusBlock.evidenceHash(withEvidence.evidence)
        #expect(try ConsensusBlock.decode(withEvidence.encode()).evidence.count == 1)
    }

    @Test func garbageIsRefused() {
        let good = sampleBlock(commit: nil).encode()
        var cases: [[UInt8]] = [[], [0xc0], Array(good.dropLast(3)), good + [1], [0xf9, 0xff, 0xff]]
        cases.append([UInt8](repeating: 0xc1, count: ConsensusBlock.maxEncodedSize + 1))
        var mutated = good
        mutated[0] ^= 0x01
        cases.append(mutated)
        var refused = 0
        for bytes in cases where (try? ConsensusBlock.decode(bytes)) == nil { refused += 1 }
        #expect(refused == cases.count)
    }
}

/// A single-validator node (the devnet genesis and its public validator
/// key) running consensus on 127.0.0.1, and hostile peers against it.
struct HostilePeerTests {
    func startNode() async throws -> (Node, String) {
        let root = temporaryDirectory()
        var config = NodeConfig()
        config.rpcPort = 0; config.metricsPort = 0; config.p2pPort = 0; config.p2pAddress = "127.0.0.1"
        config.blockIntervalMs = 1500
        let home = try NodeHome.initialize(root: root, genesisJSON: Array(DevChain.genesisJSON.utf8), config: config,
                                           validatorKey: DevChain.validatorKey)
        var cc = ConsensusConfig()
        cc.timeoutCommit = 1500
        let node = try Node(options: NodeOptions(home: home, config: config, production: .consensus(ConsensusOptions(config: cc)),
                                                 clientVersion: "test"), logger: Logger(label: "test"))
        try await node.start()
        return (node, root)
    }

    func attacker(to node: Node, seed: String) async throws -> PeerManager {
        let target = PeerAddress(nodeID: node.peers!.nodeID, host: "127.0.0.1", port: node.peers!.listenPort!)
        var pc = PeerManagerConfig(networkName: Node.networkName(chainID: node.chain.rules.chainID, genesisHash: node.chain.genesisHash))
        pc.listenHost = "127.0.0.1"; pc.listenPort = 0; pc.pex = false
        pc.persistentPeers = [target]
        let key = try Ed25519PrivateKey(seed: Keccak256.hash(Array(seed.utf8)).bytes)
        let m = PeerManager(nodeKey: key, config: pc, logger: Logger(label: "attacker"), onMessage: { _, _, _ in })
        try await m.start()
        for _ in 0..<100 where m.peerCount == 0 { try await Task.sleep(for: .milliseconds(50)) }
        #expect(m.peerCount == 1)
        return m
    }

    func waitBanned(_ node: Node, _ m: PeerManager, _ what: String) async throws {
        for _ in 0..<100 where !node.peers!.isBanned(m.nodeID) { try await Task.sleep(for: .milliseconds(50)) }
        #expect(node.peers!.isBanned(m.nodeID), "\(what)")
        for _ in 0..<100 where m.peerCount > 0 { try await Task.sleep(for: .milliseconds(50)) }
        #expect(m.peerCount == 0)
    }

    @Test(.timeLimit(.minutes(1))) func badVotesMalformedMessagesAndFloodsAreCutOff() async throws {
        let (node, root) = try await startNode()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let validator = DevChain.accounts()[0].address
        let forger = try Ed25519PrivateKey(seed: [UInt8](repeating: 5, count: 32))

        // Votes for the current height signed by a key that is not the validator's.
        let a1 = try await attacker(to: node, seed: "attacker 1")
        // The machine is at the head's height (waiting out the commit
        // timeout) or the next: forge for both.
        let head = node.chain.head.number
        for i in 0..<200 {
            let v = Vote.signed(type: .prevote, height: head + UInt64(i % 2), round: 0, blockHash: Hash32(Keccak256.hash([UInt8(i)]).bytes),
                                validatorIndex: 0, validatorAddress: validator, key: forger, chainID: node.chain.rules.chainID)
            a1.broadcast(.vote, v.encode())
        }
        try await waitBanned(node, a1, "forged votes")

        // An attestation whose 65-byte signature recovers nobody (r = s = 0).
        var unsigned = RLPWriter()
        unsigned.appendList { l in
            l.append(UInt64(0)); l.append(UInt256(1)); l.append(Hash32.zero); l.append(UInt64(1)); l.append(UInt256(16)); l.append(UInt256(1))
            l.append(bytes: [UInt8](repeating: 0, count: 64) + [27])
        }
        // Malformed proposals, blocks, evidence and attestations, each from a fresh attacker.
        for (i, (channel, bytes)) in [(P2PChannel.proposal, [UInt8](repeating: 0xc3, count: 1000)),
                                      (.attestation, [0x01, 0x02]),
                                      (.attestation, unsigned.bytes),
                                      (.blockResponse, [0xc2, 0x80, 0x80]),
                                      (.evidence, [0x01, 0x02]),
                                      (.vote, [0xff]),
                                      (.transactions, [0x05]),  // not a list
                                      (.transactions, [0xc0]),  // an empty batch
                                      (.transactions, [0xc2, 0x81, 0xff])].enumerated() {  // a batch of one non-transaction
            let m = try await attacker(to: node, seed: "attacker malformed \(i)")
            m.broadcast(channel, bytes)
            try await waitBanned(node, m, "malformed \(channel)")
            await m.stop()
        }

        // An honest peer is unaffected, the chain goes on, and the
        // transactions it gossips (one batch: an RLP list of envelopes) are
        // admitted and committed.
        let honest = try await attacker(to: node, seed: "honest peer")
        let sender = DevChain.accounts(count: 2)[1]
        let nonce = node.chain.stateView.nonce(of: sender.address)
        var batch = RLPWriter(capacity: 1024)
        batch.appendList { l in
            for i in 0..<3 as Range<UInt64> {
                let tx = Transaction.dynamicFee(chainID: node.chain.rules.chainID, nonce: nonce + i, maxPriorityFeePerGas: UInt256(1),
                                                maxFeePerGas: UInt256(50_000_000_000), gasLimit: 21_000, to: Address(low: 0xbeef),
                                                value: UInt256(1)).signed(with: sender.key)
                l.append(bytes: tx.encoded)
            }
        }
        honest.broadcast(.transactions, batch.bytes)
        let before = node.chain.head.number
        for _ in 0..<100 where node.chain.head.number < before + 2 || node.chain.stateView.nonce(of: sender.address) < nonce + 3 {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(node.chain.head.number >= before + 2)
        #expect(node.chain.stateView.nonce(of: sender.address) == nonce + 3)
        #expect(honest.peerCount == 1)
        #expect(!node.peers!.isBanned(honest.nodeID))
        await honest.stop()
        await a1.stop()
        await node.stop()
    }

    /// The process's resident memory, in bytes.
    func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
              let pages = text.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// A peer flooding messages that are well formed but useless (proposals
    /// with bad signatures for this height and the next ones, votes for
    /// heights far away, status claims it cannot serve, duplicate
    /// transaction batches) cannot make the node hold more than its bounds,
    /// and blocks go on.
    @Test(.timeLimit(.minutes(1))) func floodsOfWellFormedJunkStayBounded() async throws {
        let (node, root) = try await startNode()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let flooder = try await attacker(to: node, seed: "flooder")
        let junkKey = try Ed25519PrivateKey(seed: [UInt8](repeating: 7, count: 32))
        let chainID = node.chain.rules.chainID
        let head = node.chain.head.number
        let before = residentBytes()

        for i in 0..<300 {
            let h = head + 1 + UInt64(i % 3)
            var header = Header(parentHash: Keccak256.hash(Array("junk \(i)".utf8)), coinbase: Address(low: 7),
                                stateRoot: Header.emptyTrieRoot, transactionsRoot: Header.emptyTrieRoot,
                                receiptsRoot: Header.emptyTrieRoot, logsBloom: Bloom(), number: h, gasLimit: 30_000_000,
                                gasUsed: 0, timestamp: 1_767_225_600 + UInt64(i), extraData: [], mixHash: .zero,
                                baseFeePerGas: UInt256(1_000_000_000), proposer: Address(low: 0x100))
            header.lastCommitHash = ConsensusBlock.commitHash(nil)
            let block = ConsensusBlock(block: Block(header: header, transactions: [], senders: []), lastCommit: nil, evidence: [])
            let p = Proposal.signed(height: h, round: Int32(i % 5), blockHash: block.hash, polRound: -1, key: junkKey, chainID: chainID)
            var w = RLPWriter(capacity: 2048)
            w.appendList { l in l.append(bytes: p.encode()); l.append(bytes: block.encode()) }
            flooder.broadcast(.proposal, w.bytes)
        }
        for i in 0..<5_000 {
            let v = Vote.signed(type: .prevote, height: head + 1_000 + UInt64(i % 50), round: Int32(i % 7),
                                blockHash: Keccak256.hash(Array("vote \(i)".utf8)), validatorIndex: 0,
                                validatorAddress: DevChain.accounts()[0].address, key: junkKey, chainID: chainID)
            flooder.broadcast(.vote, v.encode())
        }
        for i in 0..<500 {
            var w = RLPWriter(capacity: 64)
            w.appendList { l in l.append(head + 2 + UInt64(i)); l.append(Keccak256.hash(Array("status \(i)".utf8))) }
            flooder.broadcast(.status, w.bytes)
        }
        let sender = DevChain.accounts(count: 3)[2]
        let tx = Transaction.dynamicFee(chainID: chainID, nonce: node.chain.stateView.nonce(of: sender.address),
                                        maxPriorityFeePerGas: UInt256(1), maxFeePerGas: UInt256(50_000_000_000),
                                        gasLimit: 21_000, to: Address(low: 0xbeef), value: UInt256(1)).signed(with: sender.key)
        var batch = RLPWriter(capacity: 256)
        batch.appendList { l in l.append(bytes: tx.encoded) }
        for _ in 0..<1_000 { flooder.broadcast(.transactions, batch.bytes) }

        // Blocks go on through the flood, and the flooder (nothing it sent
        // is invalid) stays connected.
        let start = node.chain.head.number
        for _ in 0..<100 where node.chain.head.number < start + 2 { try await Task.sleep(for: .milliseconds(100)) }
        #expect(node.chain.head.number >= start + 2)
        let f = try #require(node.consensus).footprint
        #expect(f.blocks <= 64)
        #expect(f.futureMessages <= ConsensusConfig().maxFutureHeightMessages)
        #expect(f.proposals <= 1 && f.voteRounds <= 16)
        #expect(f.peerHeights <= 1 && f.blockRequests <= 32 && f.receivedBlocks <= 32, "\(f)")
        #expect(node.chain.mempool.stats.pending <= 1)
        #expect(!node.peers!.isBanned(flooder.nodeID))
        // 6,800 messages in: what the process holds grew by far less.
        let grown = residentBytes() - before
        #expect(grown < 64 << 20, "resident memory grew by \(grown >> 20) MiB")
        await flooder.stop()
        await node.stop()
    }
}
