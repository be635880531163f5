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
        var (parent, _) = try g.build(into: producer)
        let (genesisReplay, _) = try g.build(into: replayer)
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
        let (parent, _) = try g.build(into: producer)
        _ = try g.build(into: replayer)
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

    @Test func genesisContractsRunTheirConstructorsAtFixedAddresses() throws {
        // Constructor: slot 0 = 42, slot 1 = CALLER, slot 2 = the balance the alloc gave it; returns one byte of code.
        let initCode: [UInt8] = [0x60, 0x2a, 0x60, 0x00, 0x55, 0x33, 0x60, 0x01, 0x55, 0x47, 0x60, 0x02, 0x55,
                                 0x60, 0x01, 0x60, 0x00, 0xf3]
        let fixed = Address(low: 0x1000)
        var g = Self.genesis()
        g.alloc.append((address: fixed, account: GenesisAccount(balance: UInt256(77))))
        g.contracts = [GenesisContract(name: "Probe", address: fixed, initCode: initCode)]
        let world = WorldState(blockHashes: { _ in .zero })
        let (header, diff) = try g.build(into: world)
        #expect(world.state.code(fixed) == [0x00])
        #expect(world.state.storage(fixed, UInt256(0)) == UInt256(42))
        #expect(world.state.storage(fixed, UInt256(1)) == UInt256(bigEndianBytes: systemAddress.bytes))
        #expect(world.state.storage(fixed, UInt256(2)) == UInt256(77))
        #expect(world.state.nonce(systemAddress) == 0)
        #expect(diff.accounts.contains { $0.address == fixed })
        // The same genesis gives the same block; without the contract it differs.
        let again = try g.build(into: WorldState(blockHashes: { _ in .zero })).header
        #expect(again.hash == header.hash)
        #expect(try Self.genesis().build(into: WorldState(blockHashes: { _ in .zero })).header.stateRoot != header.stateRoot)
    }

    @Test func aFailingGenesisConstructorIsAnError() throws {
        var g = Self.genesis()
        g.contracts = [GenesisContract(name: "Broken", address: Address(low: 0x1001), initCode: [0x60, 0x00, 0x60, 0x00, 0xfd])]
        #expect(throws: GenesisError("genesis: the constructor of Broken at \(Address(low: 0x1001).checksummed) failed: reverted")) {
            _ = try g.build(into: WorldState(blockHashes: { _ in .zero }))
        }
    }

    @Test func genesisJSONReadsContractsAndRefusesCollisions() throws {
        let ok = #"{"chainId":1,"gasLimit":30000000,"alloc":{"0x0000000000000000000000000000000000001000":{"balance":"5"}},"contracts":[{"name":"P","address":"0x0000000000000000000000000000000000001000","initCode":"0x6000"}]}"#
        let g = try Genesis(json: Array(ok.utf8))
        #expect(g.chainID == 1)
        // 0 and 1 are numbers, true and false are not.
        let small = #"{"chainId":1,"timestamp":0,"gasLimit":30000000,"alloc":{"0x0000000000000000000000000000000000000001":{"nonce":1,"balance":0}}}"#
        #expect(try Genesis(json: Array(small.utf8)).alloc.first?.account.nonce == 1)
        let boolean = #"{"chainId":true,"gasLimit":30000000}"#
        #expect(throws: GenesisError.self) { try Genesis(json: Array(boolean.utf8)) }
        #expect(g.contracts == [GenesisContract(name: "P", address: Address(low: 0x1000), initCode: [0x60, 0x00])])
        let clash = #"{"chainId":1,"gasLimit":30000000,"alloc":{"0x0000000000000000000000000000000000001000":{"code":"0x00"}},"contracts":[{"name":"P","address":"0x0000000000000000000000000000000000001000","initCode":"0x6000"}]}"#
        #expect(throws: GenesisError.self) { try Genesis(json: Array(clash.utf8)) }
        let twice = #"{"chainId":1,"gasLimit":30000000,"contracts":[{"name":"P","address":"0x0000000000000000000000000000000000001000","initCode":"0x6000"},{"name":"Q","address":"0x0000000000000000000000000000000000001000","initCode":"0x6000"}]}"#
        #expect(throws: GenesisError("genesis: contracts list 0x0000000000000000000000000000000000001000 twice")) { try Genesis(json: Array(twice.utf8)) }
        let empty = #"{"chainId":1,"gasLimit":30000000,"contracts":[{"name":"P","address":"0x0000000000000000000000000000000000001000","initCode":"0x"}]}"#
        #expect(throws: GenesisError.self) { try Genesis(json: Array(empty.utf8)) }
        let extra = #"{"chainId":1,"gasLimit":30000000,"contracts":[{"name":"P","address":"0x0000000000000000000000000000000000001000","initCode":"0x6000","abi":[]}]}"#
        #expect(throws: GenesisError("genesis: contracts[0] has unknown field \"abi\"")) { try Genesis(json: Array(extra.utf8)) }
    }
}
