import Foundation
import AthPrimitives
import AthCrypto
import AthTypes
import AthExecution
import AthConsensus

/// A block as consensus moves it between validators and as block sync
/// serves it: the block and the consensus data its header commits to
/// (`lastCommitHash`, `evidenceHash`).
public struct ConsensusBlock: Sendable {
    public var block: Block
    /// The commit that finalized the parent; nil for block 1.
    public var lastCommit: Commit?
    public var evidence: [DuplicateVoteEvidence]

    public init(block: Block, lastCommit: Commit?, evidence: [DuplicateVoteEvidence]) {
        self.block = block; self.lastCommit = lastCommit; self.evidence = evidence
    }

    public var hash: Hash32 { block.hash }
    public var number: UInt64 { block.number }

    /// Evidence a block may carry.
    public static let maxEvidence = 64
    /// Largest encoding accepted (a P2P frame holds it with room to spare).
    public static let maxEncodedSize = (4 << 20) - 4096
    /// Transaction bytes a proposer puts in one block, so the block fits a frame.
    public static let maxTransactionBytes = 3 << 20

    /// `lastCommitHash` for a header: keccak256 of the commit's encoding, zero without one.
    public static func commitHash(_ c: Commit?) -> Hash32 { c.map { Keccak256.hash($0.encode()) } ?? .zero }

    /// `evidenceHash` for a header: keccak256 of RLP([evidence, ...]), zero when empty.
    public static func evidenceHash(_ list: [DuplicateVoteEvidence]) -> Hash32 {
        guard !list.isEmpty else { return .zero }
        var w = RLPWriter(capacity: list.count * 300)
        w.appendList { l in for e in list { l.append(bytes: e.encode()) } }
        return Keccak256.hash(w.bytes)
    }

    /// RLP([header, [transaction envelope, ...], last commit or empty, [evidence, ...]]).
    public func encode() -> [UInt8] {
        var w = RLPWriter(capacity: block.transactions.reduce(1024) { $0 + $1.encoded.count + 4 })
        w.appendList { l in
            l.append(bytes: block.header.encoded)
            l.appendList { txs in for tx in block.transactions { txs.append(bytes: tx.encoded) } }
            l.append(bytes: lastCommit?.encode() ?? [])
            l.appendList { ev in for e in evidence { ev.append(bytes: e.encode()) } }
        }
        return w.bytes
    }

    /// Decodes and recovers every sender (in parallel); refuses anything
    /// malformed, oversized or with a bad transaction signature. Checks that
    /// the header commits to the transactions, last commit and evidence.
    /// `knownSenders` (the mempool's senders by transaction hash) spares
    /// recovering senders already known.
    public static func decode(_ bytes: [UInt8],
                              knownSenders: (@Sendable (Hash32) -> Address?)? = nil) throws(ChainError) -> ConsensusBlock {
        guard bytes.count <= maxEncodedSize else {
            throw ChainError("block message is \(bytes.count) bytes, more than the \(maxEncodedSize) allowed")
        }
        let header: Header
        var txs: [SignedTransaction] = []
        var commit: Commit?
        var evidence: [DuplicateVoteEvidence] = []
        do {
            var top = RLPDecoder(bytes)
            var l = try top.readList()
            try top.finish()
            header = try Header(decoding: Array(try l.readBytes()))
            var list = try l.readList()
            while !list.isAtEnd {
                let raw = Array(try list.readBytes())
                do { txs.append(try SignedTransaction.decode(raw)) } catch {
                    throw ChainError("transaction \(txs.count): \(error)")
                }
            }
            let c = Array(try l.readBytes())
            if !c.isEmpty {
                do { commit = try Commit.decode(c) } catch { throw ChainError("last commit: \(error)") }
            }
            var ev = try l.readList()
            while !ev.isAtEnd {
                guard evidence.count < maxEvidence else { throw ChainError("more than \(maxEvidence) pieces of evidence") }
                do { evidence.append(try DuplicateVoteEvidence.decode(Array(try ev.readBytes()))) } catch let e as ConsensusError {
                    throw ChainError("evidence \(evidence.count): \(e)")
                }
            }
            try l.finish()
        } catch let e as ChainError {
            throw e
        } catch {
            throw ChainError("malformed block message: \(error)")
        }
        guard header.lastCommitHash == commitHash(commit) else { throw ChainError("block \(header.number): last commit does not match the header's lastCommitHash") }
        guard header.evidenceHash == evidenceHash(evidence) else { throw ChainError("block \(header.number): evidence does not match the header's evidenceHash") }
        let senders = try Chain.recoverSenders(txs, block: header.number, known: knownSenders)
        return ConsensusBlock(block: Block(header: header, transactions: txs, senders: senders), lastCommit: commit,
                              evidence: evidence)
    }
}

/// What the system calls of a consensus block are told, derived by the
/// consensus layer from the block's verified last commit and evidence.
public struct ConsensusInputs: Sendable {
    public var signers: CommitSigners
    public var evidence: [DoubleSignEvidenceInput]
    public init(signers: CommitSigners, evidence: [DoubleSignEvidenceInput]) {
        self.signers = signers; self.evidence = evidence
    }
}

extension Chain {
    /// Store keys of the consensus data kept with each block.
    static func seenCommitKey(_ height: UInt64) -> String { "commit:\(height)" }
    static func blockConsensusKey(_ height: UInt64) -> String { "cblock:\(height)" }
    /// The validator set (priorities included) for the block after the head.
    static let nextValidatorsKey = "consensus.validators.next"
    /// The validator set that signed the head block.
    static let headValidatorsKey = "consensus.validators.head"

    /// Builds the next block from the mempool on top of the head without
    /// committing it; it stays as the speculative block until committed or
    /// discarded.
    public func buildConsensusBlock(timestamp: UInt64, coinbase: Address, proposer: Address, validatorsHash: Hash32,
                                    lastCommit: Commit?, evidence: [DuplicateVoteEvidence], inputs: ConsensusInputs,
                                    maxTransactions: Int = 20_000) -> ConsensusBlock {
        queue.sync {
            discardSpeculativeOnQueue()
            var env = BlockEnvironment.child(of: head, rules: rules, timestamp: timestamp, coinbase: coinbase, proposer: proposer)
            env.validatorsHash = validatorsHash
            env.lastCommitHash = ConsensusBlock.commitHash(lastCommit)
            env.evidenceHash = ConsensusBlock.evidenceHash(evidence)
            env.signers = inputs.signers
            env.evidence = inputs.evidence
            let executed = assemble(env, maxTransactions: maxTransactions, maxBytes: ConsensusBlock.maxTransactionBytes)
            speculative = executed
            return ConsensusBlock(block: executed.block, lastCommit: lastCommit, evidence: evidence)
        }
    }

    /// Re-executes `block` on the head state and checks every root in its
    /// header; on success it stays as the speculative block.
    public func validateConsensusBlock(_ block: ConsensusBlock, inputs: ConsensusInputs) -> Result<Void, ChainError> {
        queue.sync {
            if speculative?.block.hash == block.hash { return .success(()) }
            return executeSpeculativelyOnQueue(block, inputs: inputs).map { _ in () }
        }
    }

    /// Commits a block consensus has finalized, with the commit that proves
    /// it and the consensus records to keep beside it, in one store
    /// transaction; re-executes it first unless it is the speculative block.
    ///
    /// `records` is told the validator set the contracts give after the
    /// block (nil without Staking) and returns the set consensus will use
    /// next with the records to store in the same transaction.
    public func commitConsensusBlock(_ block: ConsensusBlock, commit: Commit, inputs: ConsensusInputs,
                                     records: (ValidatorSet?) -> (ValidatorSet, [(String, [UInt8])]))
        -> Result<(CommittedBlock, ValidatorSet), ChainError> {
        queue.sync {
            let started = DispatchTime.now().uptimeNanoseconds
            guard block.number == head.number + 1 else {
                return .failure(ChainError("block \(block.number) does not follow the head \(head.number)"))
            }
            let executed: ExecutedBlock
            if let s = speculative, s.block.hash == block.hash {
                executed = s
            } else {
                switch executeSpeculativelyOnQueue(block, inputs: inputs) {
                case .success(let e): executed = e
                case .failure(let e): return .failure(e)
                }
            }
            speculative = nil
            let (nextSet, extra) = records(contractValidatorSetOnQueue())
            var consensusRecord = RLPWriter(capacity: 256)
            consensusRecord.appendList { l in
                l.append(bytes: block.lastCommit?.encode() ?? [])
                l.appendList { ev in for e in block.evidence { ev.append(bytes: e.encode()) } }
            }
            var meta = extra
            meta.append((Self.seenCommitKey(block.number), commit.encode()))
            meta.append((Self.blockConsensusKey(block.number), consensusRecord.bytes))
            return storeAndPublishOnQueue(executed, meta: meta, started: started).map { ($0, nextSet) }
        }
    }

    /// Drops the speculative block, if any, restoring the head state.
    public func discardSpeculative() { queue.sync { discardSpeculativeOnQueue() } }

    func discardSpeculativeOnQueue() {
        guard speculative != nil else { return }
        speculative = nil
        if let problem = reloadState() { fatalError("cannot restore the head state after a discarded proposal: \(problem)") }
    }

    private func executeSpeculativelyOnQueue(_ block: ConsensusBlock, inputs: ConsensusInputs) -> Result<ExecutedBlock, ChainError> {
        discardSpeculativeOnQueue()
        do {
            let executed = try BlockValidator.apply(block.block, parent: head, world: world, rules: rules, hooks: hooks,
                                                    signers: inputs.signers, evidence: inputs.evidence)
            speculative = executed
            return .success(executed)
        } catch {
            let reload = reloadState()
            return .failure(ChainError("block \(block.number) refused: \(error)\(reload.map { "; \($0)" } ?? "")"))
        }
    }

    /// The stored block at `height` with its consensus data and the commit
    /// that finalized it, as block sync serves them; nil if not stored.
    public func storedConsensusBlock(_ height: UInt64) -> (block: ConsensusBlock, commit: Commit)? {
        guard height >= 1, let rawHeader = store.header(number: height), let header = try? Header(decoding: rawHeader),
              let body = store.body(number: height), let block = try? Block(header: header, body: body),
              let rawCommit = store.meta(Self.seenCommitKey(height)), let commit = try? Commit.decode(rawCommit),
              let record = store.meta(Self.blockConsensusKey(height)) else { return nil }
        var lastCommit: Commit?
        var evidence: [DuplicateVoteEvidence] = []
        do {
            var top = RLPDecoder(record)
            var l = try top.readList()
            let c = Array(try l.readBytes())
            if !c.isEmpty { lastCommit = try Commit.decode(c) }
            var ev = try l.readList()
            while !ev.isAtEnd { evidence.append(try DuplicateVoteEvidence.decode(Array(try ev.readBytes()))) }
        } catch {
            return nil
        }
        return (ConsensusBlock(block: block, lastCommit: lastCommit, evidence: evidence), commit)
    }

    /// The commit stored for `height`.
    public func seenCommit(_ height: UInt64) -> Commit? {
        store.meta(Self.seenCommitKey(height)).flatMap { try? Commit.decode($0) }
    }

    /// A stored validator set record (`nextValidatorsKey`, `headValidatorsKey`).
    func storedValidatorSet(_ key: String) -> ValidatorSet? {
        store.meta(key).flatMap { try? ValidatorSet.decode($0) }
    }

    /// The validator set the protocol contracts give for the block after the
    /// head: `Staking.epochValidatorSet()` (or `validatorSet()` before the
    /// first epoch is fixed), with power in whole ATH; nil on a chain
    /// without Staking or with no validator holding at least 1 ATH.
    public func contractValidatorSet() -> ValidatorSet? { queue.sync { contractValidatorSetOnQueue() } }

    func contractValidatorSetOnQueue() -> ValidatorSet? {
        let view: ([UInt8]) -> [ValidatorEntry]? = { input in
            self.protocolViewOnQueue(ProtocolContracts.staking, input).flatMap(ProtocolABI.decodeValidatorSet)
        }
        var entries = view(ProtocolABI.epochValidatorSet) ?? []
        if entries.isEmpty { entries = view(ProtocolABI.validatorSet) ?? [] }
        let unit = UInt256(1_000_000_000_000_000_000)
        var members: [Validator] = []
        for e in entries {
            let whole = e.power / unit
            guard !whole.isZero, let key = try? Ed25519PublicKey(e.consensusKey.bytes) else { continue }
            let power = min(whole.uint64IfFits ?? UInt64.max, ValidatorSet.maxTotalVotingPower / UInt64(ValidatorSet.maxValidators))
            members.append(Validator(address: e.account, publicKey: key, votingPower: power))
        }
        return try? ValidatorSet(members)
    }
}
