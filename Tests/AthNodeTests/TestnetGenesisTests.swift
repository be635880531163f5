import Testing
import Foundation
import AthPrimitives
import AthCrypto
import AthTypes
import AthExecution
import AthNode

struct TestnetGenesisTests {
    static let ath = UInt256(decimal: "1000000000000000000")!
    static let devnet = try! Genesis(json: Array(DevChain.genesisJSON.utf8))
    static var devnetStaking: GenesisContract { devnet.contracts.first { $0.address == ProtocolContracts.staking }! }

    func temporaryDirectory() -> String {
        var template = Array((NSTemporaryDirectory() + "/athnode-testnet-XXXXXX").utf8CString)
        return String(cString: mkdtemp(&template)!)
    }

    func genesisHash(_ g: Genesis) throws -> Hash32 {
        try g.build(into: WorldState(blockHashes: { _ in .zero })).header.hash
    }

    /// The devnet's initCode was ABI-encoded by eth_abi (Contracts/devnet.py):
    /// our encoder must give the same bytes for the same arguments.
    @Test func stakingArgumentsEncodeAsEthABIDoes() {
        let code = Self.devnetStaking.initCode
        let creation = Array(code.prefix(DevChain.stakingCreationCodeCount))
        #expect(creation + DevChain.stakingGenesis.encodedArguments() == code)
        #expect(DevChain.stakingGenesis.totalStake == Self.devnet.alloc.first { $0.address == ProtocolContracts.staking }?.account.balance)
    }

    @Test func devnetValidatorAloneReproducesTheDevnet() throws {
        let validator = (account: DevChain.accounts(count: 1)[0].address,
                         consensusKey: Hash32(DevChain.validatorKey.publicKey.bytes)!)
        let text = try TestnetGenesis.make(chainID: 7331, validators: [validator], validatorFunding: .zero)
        let g = try Genesis(json: Array(text.utf8))
        #expect(g.contracts == Self.devnet.contracts)
        #expect(g.alloc.map(\.address) == Self.devnet.alloc.map(\.address))
        #expect(g.alloc.map(\.account) == Self.devnet.alloc.map(\.account))
        #expect(g.chainID == 7331 && g.timestamp == Self.devnet.timestamp && g.gasLimit == Self.devnet.gasLimit)
        #expect(g.baseFeePerGas == Self.devnet.baseFeePerGas && g.minBaseFeePerGas == Self.devnet.minBaseFeePerGas)
        #expect(try genesisHash(g) == genesisHash(Self.devnet))
    }

    @Test func fourValidatorsAreStakingsValidatorSet() throws {
        let validators = (0..<4).map { _ in
            (account: Secp256k1PrivateKey.generate().address, consensusKey: Hash32(Ed25519PrivateKey.generate().publicKey.bytes)!)
        }
        let g = try Genesis(json: Array(TestnetGenesis.make(chainID: 7332, validators: validators).utf8))
        #expect(g.chainID == 7332)
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let chain = try Chain(dataDirectory: dir, genesis: g)

        let set = try #require(chain.epochValidators()).validators
        #expect(set.count == 4)
        #expect(Set(set.map(\.account)) == Set(validators.map(\.account)))
        for v in validators {
            let entry = try #require(set.first { $0.account == v.account })
            #expect(entry.consensusKey == v.consensusKey)
            #expect(entry.power == UInt256(1000) &* Self.ath)
            #expect(chain.stakingAccount(consensusKey: v.consensusKey) == v.account)
            #expect((chain.store.account(v.account)?.balance ?? .zero) == TestnetGenesis.validatorFunding)
        }
        // The devnet's operator (500 ATH) and checkers (3 × 100 ATH) stay.
        #expect((chain.store.account(ProtocolContracts.staking)?.balance ?? .zero) == UInt256(4_800) &* Self.ath)
        for dev in DevChain.accounts() { #expect((chain.store.account(dev.address)?.balance ?? .zero) == UInt256(10_000) &* Self.ath) }
    }

    @Test func refusesBadValidatorLists() {
        let v = (account: Address(low: 1), consensusKey: Hash32(Ed25519PrivateKey.generate().publicKey.bytes)!)
        let w = (account: Address(low: 2), consensusKey: Hash32(Ed25519PrivateKey.generate().publicKey.bytes)!)
        #expect(throws: NodeError.self) { try TestnetGenesis.make(chainID: 7332, validators: []) }
        #expect(throws: NodeError.self) { try TestnetGenesis.make(chainID: 7332, validators: [v, v]) }
        #expect(throws: NodeError.self) { try TestnetGenesis.make(chainID: 7332, validators: [v, (w.account, v.consensusKey)]) }
        #expect(throws: NodeError.self) { try TestnetGenesis.make(chainID: 0, validators: [v, w]) }
    }
}
