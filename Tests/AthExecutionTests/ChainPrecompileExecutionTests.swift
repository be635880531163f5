import Testing
import AthPrimitives
import AthCrypto
import AthTypes
import AthEVM
import AthExecution

/// The switch for this chain's precompiles (0xa01, 0xa02): on in every chain
/// started from a genesis, where transactions reach them and find them warm
/// (EIP-2929); off by default, where the addresses are empty cold accounts as
/// in Ethereum's conformance tests.
struct ChainPrecompileExecutionTests {
    static let sender = Address(low: 0x5e4d)
    static let probe = Address(low: 0xc0de)
    static let environment = BlockEnvironment(parentHash: .zero, number: 1, timestamp: 1_000, coinbase: Address(low: 0xbeef),
                                              proposer: Address(low: 0xbeef), gasLimit: 30_000_000,
                                              baseFee: UInt256(7), prevRandao: .zero)
    /// RFC 8032 §7.1 TEST 1: public key ‖ signature of the empty message.
    static let signed = try! Hex.decode("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
        + "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")

    static func run(to: Address, data: [UInt8], chainPrecompiles: Bool) throws -> TransactionOutcome {
        let state = JournaledState()
        state.setAccount(sender, balance: UInt256(1_000_000_000_000_000), nonce: 0, code: [], storage: [])
        // BALANCE(0xa01), BALANCE(0xa02): 100 gas each when warm, 2,600 when cold.
        state.setAccount(probe, balance: .zero, nonce: 1,
                         code: [0x61, 0x0a, 0x01, 0x31, 0x61, 0x0a, 0x02, 0x31, 0x00], storage: [])
        let rules = ChainRules(chainID: 1, minBaseFee: UInt256(7), chainPrecompiles: chainPrecompiles)
        let tx = ExecutableTransaction(sender: sender, to: to, nonce: 0, gasLimit: 100_000, value: .zero, data: data,
                                       accessList: [], maxFeePerGas: UInt256(7), maxPriorityFeePerGas: .zero)
        return try TransactionExecutor.execute(tx, state: state, block: rules.blockContext(environment))
    }

    @Test func aGenesisChainEnablesThemAndPlainRulesDoNot() {
        let genesis = Genesis(chainID: 7331, timestamp: 1_000, gasLimit: 30_000_000, baseFeePerGas: UInt256(7),
                              minBaseFeePerGas: UInt256(7), alloc: [])
        #expect(genesis.rules.chainPrecompiles)
        #expect(genesis.rules.blockContext(Self.environment).chainPrecompiles)
        #expect(!ChainRules(chainID: 1, minBaseFee: UInt256(7)).chainPrecompiles)
    }

    @Test func theyAreWarmOnlyWhenEnabled() throws {
        let on = try Self.run(to: Self.probe, data: [], chainPrecompiles: true)
        let off = try Self.run(to: Self.probe, data: [], chainPrecompiles: false)
        #expect(on.status == .success && off.status == .success)
        #expect(on.gasUsed == 21_000 + 3 * 2 + 2 * 100)
        #expect(off.gasUsed == 21_000 + 3 * 2 + 2 * 2_600)
    }

    @Test func aTransactionToTheAddressRunsThePrecompileOnlyWhenEnabled() throws {
        let calldata: UInt64 = 16 * UInt64(Self.signed.filter { $0 != 0 }.count) + 4 * UInt64(Self.signed.filter { $0 == 0 }.count)
        let on = try Self.run(to: Address(low: 0x0a02), data: Self.signed, chainPrecompiles: true)
        #expect(on.status == .success)
        #expect(on.output == UInt256.one.bigEndianBytes)
        #expect(on.gasUsed == 21_000 + calldata + 4_500)
        let off = try Self.run(to: Address(low: 0x0a02), data: Self.signed, chainPrecompiles: false)
        #expect(off.status == .success)
        #expect(off.output.isEmpty)
        #expect(off.gasUsed == 21_000 + calldata)
    }
}
