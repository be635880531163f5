import Testing
import AthPrimitives
import AthCrypto
import AthTypes
import AthEVM
import AthExecution
import AthTestSupport

/// Blocks built on one world state and replayed on another give the same
/// roots, and the incremental state root equals a full recomputation.
struct BlockExecutionTests {
    static let keys: [Secp256k1PrivateKey] = (0..<8).map { i in
        try! Secp256k1PrivateKey(Keccak256.hash(Array("block test key \(i)".utf8)).bytes)
    }

    static func genesis() -> Genesis {
        var alloc = keys.map { (address: $0.address, account: GenesisAccount(balance: UInt256(10_000_000_000_000_000_000))) }
        // A contract that stores CALLVALUE at slot NUMBER and logs it: exercises storage, logs and code.
        let code: [UInt8] = [0x34, 0x43, 0x55, 0x34, 0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xa0, 0x00]
        alloc.append((address: Address(low: 0xc0de), account: GenesisAccount(balance: .zero, code: code)))
        return Genesis(chainID: 7331, timestamp: 1_000, gasLimit: 30_000_000, baseFeePerGas: UInt256(1_000_000_000),
                       minBaseFeePerGas: UInt256(7), alloc: alloc)
    }

    func transfers(block: UInt64, rng: inout SplitMix64, nonces: inout [UInt64]) -> [(SignedTransaction, Address)] {
        var out: [(SignedTransaction, Address)] = []
        for _ in 0..<40 {
            let i = Int(rng.next() % UInt64(Self.keys.count))
            let to: Address = rng.next() % 3 == 0 ? Address(low: 0xc0de) : Address(low: 0x1000 + rng.next() % 50)
            let tx = Transaction.dynamicFee(chainID: 7331, nonce: nonces[i], maxPriorityFeePerGas: UInt256(rng.next() % 3),
                                            maxFeePerGas: UInt256(10_000_000_000), gasLimit: 100_000, to: to,
                                            value: UInt256(rng.next() % 1_000_000), data: [], accessList: [])
            nonces[i] += 1
            out.append((tx.signed(with: Self.keys[i]), Self.keys[i].address))
        }
        return out
    }

    @Test func replayGivesIdenticalRootsAndIncrementalRootMatchesFullRecompute() throws {
        let g = Self.genesis()
        let producer = WorldState(blockHashes: { _ in .zero })
        let replayer = WorldState(blockHashes: { _ in .zero })
        var (parent, _) = g.build(into: producer)
        let (genesisReplay, _) = g.build(into: replayer)
        #expect(parent.hash == genesisReplay.hash)
        #expect(parent.stateRoot == Commitments.stateRoot(producer.state))

        var rng = SplitMix64(seed: 42)
        var nonces = [UInt64](repeating: 0, count: Self.keys.count)
        var mismatches = 0, included = 0
        for n in 1...20 as ClosedRange<UInt64> {
            let env = BlockEnvironment.child(of: parent, rules: g.rules, timestamp: 1_000 + n, coinbase: Address(low: 0xbeef),
                                             proposer: Address(low: 0xbeef))
            let builder = BlockBuilder(world: producer, environment: env, rules: g.rules, hooks: NoSystemHooks())
            for (tx, sender) in transfers(block: n, rng: &rng, nonces: &nonces) { try builder.add(tx, sender: sender) }
            let built = builder.finish()
            included += built.block.transactions.count
            if built.block.header.stateRoot != Commitments.stateRoot(producer.state) { mismatches += 1 }
            let replayed = try BlockValidator.apply(built.block, parent: parent, world: replayer, rules: g.rules,
                                                    hooks: NoSystemHooks())
            #expect(replayed.receipts == built.receipts)
            parent = built.block.header
        }
        #expect(mismatches == 0)
        #expect(included == 800)
        #expect(Commitments.stateRoot(replayer.state) == parent.stateRoot)
        // Logs went into receipts and the bloom.
        #expect(parent.logsBloom.mayContain(Address(low: 0xc0de).bytes))
    }

    @Test func tamperedBlockIsRefused() throws {
        let g = Self.genesis()
        let producer = WorldState(blockHashes: { _ in .zero })
        let replayer = WorldState(blockHashes: { _ in .zero })
        let (parent, _) = g.build(into: producer)
        _ = g.build(into: replayer)
        var rng = SplitMix64(seed: 7)
        var nonces = [UInt64](repeating: 0, count: Self.keys.count)
        let env = BlockEnvironment.child(of: parent, rules: g.rules, timestamp: 2_000, coinbase: .zero, proposer: .zero)
        let builder = BlockBuilder(world: producer, environment: env, rules: g.rules, hooks: NoSystemHooks())
        for (tx, sender) in transfers(block: 1, rng: &rng, nonces: &nonces) { try builder.add(tx, sender: sender) }
        var block = builder.finish().block
        block.header.stateRoot = Hash32.zero
        #expect(throws: BlockValidationError.self) {
            try BlockValidator.apply(block, parent: parent, world: replayer, rules: g.rules, hooks: NoSystemHooks())
        }
    }

    @Test func baseFeeFollowsEIP1559() {
        let rules = ChainRules(chainID: 1, minBaseFee: UInt256(7))
        var h = Header(parentHash: .zero, coinbase: .zero, stateRoot: .zero, transactionsRoot: .zero, receiptsRoot: .zero,
                       logsBloom: Bloom(), number: 1, gasLimit: 30_000_000, gasUsed: 15_000_000, timestamp: 0, extraData: [],
                       mixHash: .zero, baseFeePerGas: UInt256(1_000_000_000), proposer: .zero)
        #expect(rules.nextBaseFee(after: h) == UInt256(1_000_000_000))
        h.gasUsed = 30_000_000
        #expect(rules.nextBaseFee(after: h) == UInt256(1_125_000_000))
        h.gasUsed = 0
        #expect(rules.nextBaseFee(after: h) == UInt256(875_000_000))
        h.baseFeePerGas = UInt256(7)
        #expect(rules.nextBaseFee(after: h) == UInt256(7))
    }

    @Test func headerAndReceiptRoundTrip() throws {
        let h = Header(parentHash: Keccak256.hash([1]), coinbase: Address(low: 5), stateRoot: Keccak256.hash([2]),
                       transactionsRoot: Keccak256.hash([3]), receiptsRoot: Keccak256.hash([4]), logsBloom: Bloom(),
                       number: 77, gasLimit: 30_000_000, gasUsed: 21_000, timestamp: 1_700_000_000, extraData: [1, 2, 3],
                       mixHash: Keccak256.hash([5]), baseFeePerGas: UInt256(9), proposer: Address(low: 6))
        #expect(try Header(decoding: h.encoded) == h)
        let r = Receipt(type: .dynamicFee, succeeded: true, cumulativeGasUsed: 50_000,
                        logs: [LogRecord(address: Address(low: 1), topics: [Keccak256.hash([9])], data: [1, 2])])
        #expect(try Receipt(decoding: r.encoded) == r)
        #expect(try Receipt.decodeList(Receipt.encodeList([r, r])) == [r, r])
        var truncated = h.encoded
        truncated.removeLast()
        #expect(throws: BlockDecodingError.self) { try Header(decoding: truncated) }
    }
}
