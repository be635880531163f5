import Foundation
import Testing
import AthPrimitives
import AthCrypto
import AthTypes
@testable import AthNode

private func scratchDirectory() -> String {
    var template = Array((NSTemporaryDirectory() + "/athhooks-test-XXXXXX").utf8CString)
    return String(cString: mkdtemp(&template)!)
}

struct ProtocolHooksTests {
    static let validator = DevChain.accounts(count: 1)[0].address
    static let ath = UInt256(1_000_000_000_000_000_000)

    @Test func devValidatorKeyIsTheOneStakingKnows() throws {
        let dir = scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let chain = try Chain(dataDirectory: dir, genesis: try Genesis(json: Array(DevChain.genesisJSON.utf8)))
        let key = Hash32(DevChain.validatorKey.publicKey.bytes)!
        #expect(chain.stakingAccount(consensusKey: key) == Self.validator)
        #expect(chain.stakingAccount(consensusKey: Hash32(Array(repeating: 7, count: 32))!) == nil)
    }

    /// Each block mints the reward into Staking; a second chain importing
    /// the blocks runs the same system calls and reaches the same roots.
    @Test func blockRewardsAreMintedAndReplayIdentically() throws {
        let dir = scratchDirectory(), dir2 = scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir); try? FileManager.default.removeItem(atPath: dir2) }
        let genesis = try Genesis(json: Array(DevChain.genesisJSON.utf8))
        let chain = try Chain(dataDirectory: dir, genesis: genesis)
        let before = chain.store.account(ProtocolContracts.staking)?.balance ?? .zero
        let blocks = 45  // past two epoch boundaries (devnet epochLength 20)
        for i in 1...blocks {
            _ = try chain.produceBlock(timestamp: genesis.timestamp + UInt64(i), coinbase: Address(low: 7), proposer: Self.validator)
        }
        let after = chain.store.account(ProtocolContracts.staking)?.balance ?? .zero
        let minted = after &- before
        // 2 ATH per block, less 0.1% per epoch from each boundary (blocks 20 and 40) on.
        let first = Self.ath &* UInt256(2)
        let second = first &* UInt256(9_990) / UInt256(10_000)
        let third = second &* UInt256(9_990) / UInt256(10_000)
        var expected = first &* UInt256(19)
        expected = expected &+ second &* UInt256(20)
        expected = expected &+ third &* UInt256(6)
        #expect(minted == expected)
        let twin = try Chain(dataDirectory: dir2, genesis: genesis)
        for n in 1...UInt64(blocks) {
            let block = try Block(header: try Header(decoding: try #require(chain.store.header(number: n))),
                                  body: try #require(chain.store.body(number: n)))
            try twin.importBlock(header: block.header, transactions: block.transactions)
        }
        #expect(twin.head.hash == chain.head.hash)
        #expect(twin.head.stateRoot == chain.head.stateRoot)
    }

    @Test func validatorSetDecodingRefusesMalformedData() {
        let account = Address(low: 0x42)
        var good = [UInt8](repeating: 0, count: 31) + [0x20] + [UInt8](repeating: 0, count: 31) + [1]
        good += [UInt8](repeating: 0, count: 12) + account.bytes + [UInt8](repeating: 9, count: 32)
        good += [UInt8](repeating: 0, count: 31) + [5]
        let set = ProtocolABI.decodeValidatorSet(good)
        #expect(set == [ValidatorEntry(account: account, consensusKey: Hash32([UInt8](repeating: 9, count: 32))!, power: UInt256(5))])
        #expect(ProtocolABI.decodeValidatorSet([]) == nil)
        #expect(ProtocolABI.decodeValidatorSet(Array(good.dropLast())) == nil)           // truncated entry
        var hugeCount = good; hugeCount[32..<64] = ArraySlice([UInt8](repeating: 0xff, count: 32))
        #expect(ProtocolABI.decodeValidatorSet(hugeCount) == nil)
        var badOffset = good; badOffset[31] = 0xff
        #expect(ProtocolABI.decodeValidatorSet(badOffset) == nil)
        var dirtyAddress = good; dirtyAddress[64] = 1
        #expect(ProtocolABI.decodeValidatorSet(dirtyAddress) == nil)
        #expect(ProtocolABI.decodeAddress([UInt8](repeating: 1, count: 32)) == nil)
    }

    @Test func recordSignaturesEncodingMatchesTheABI() {
        let data = ProtocolABI.recordSignatures([Address(low: 1), Address(low: 2)], [true, false])
        // selector, two offsets, [len, a, b], [len, 1, 0]
        #expect(data.count == 4 + 32 * 8)
        #expect(Array(data[0..<4]) == Array(Keccak256.hash(Array("recordSignatures(address[],bool[])".utf8)).bytes.prefix(4)))
        #expect(data[4 + 31] == 0x40 && data[4 + 63] == 0xa0)
        #expect(data[4 + 32 * 5 + 31] == 2 && data[4 + 32 * 6 + 31] == 1 && data[4 + 32 * 7 + 31] == 0)
    }
}
