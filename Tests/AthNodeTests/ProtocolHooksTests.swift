import Foundation
import Synchronization
import Testing
import AthPrimitives
import AthCrypto
import AthTypes
import AthEVM
import AthExecution
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

    /// A Staking whose `mintReward` reverts (here: code that answers
    /// `blockRewardNow()` with 5 ATH and reverts on anything else) gets no
    /// ATH: the reward is minted only once it has been accounted.
    @Test func aFailingMintRewardMintsNothing() throws {
        let dir = scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let json = """
        {"chainId": 7399, "timestamp": 1767225600, "gasLimit": 30000000, "baseFeePerGas": "1000000000",
         "alloc": {"0x0000000000000000000000000000000000001001": {"balance": "0", "code": "0x\(Self.revertingStaking)"}}}
        """
        let genesis = try Genesis(json: Array(json.utf8))
        let failures = Mutex<[String]>([])
        let chain = try Chain(dataDirectory: dir, genesis: genesis,
                              hooks: ProtocolHooks(report: { message in failures.withLock { $0.append(message) } }))
        for i in 1...3 {
            _ = try chain.produceBlock(timestamp: genesis.timestamp + UInt64(i), coinbase: Address(low: 7), proposer: Self.validator)
        }
        #expect((chain.store.account(ProtocolContracts.staking)?.balance ?? .zero) == .zero)
        #expect(failures.withLock { $0.count } == 3)
        #expect(failures.withLock { $0.allSatisfy { $0.contains("Staking.mintReward") } })
    }

    /// blockRewardNow() -> 5 ATH; any other call reverts.
    static let revertingStaking = "60003560e01c63c38a24d214601357600080fd5b674563918244f4000060005260206000f3"

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

/// Runs the protocol hooks plus one extra system call at one block: the
/// double-sign evidence the BFT layer will hand to Slashing.
private struct EvidenceHooks: SystemHooks {
    let base = ProtocolHooks()
    let blocks: Set<UInt64>
    let input: [UInt8]
    let results = Locked<[ExecutionResult]>([])

    func beginBlock(_ calls: SystemCaller) {
        base.beginBlock(calls)
        if blocks.contains(calls.blockNumber) {
            let r = calls.call(ProtocolContracts.slashing, input: input)
            results.withLock { $0.append(r) }
        }
    }

    func endBlock(_ calls: SystemCaller) { base.endBlock(calls) }
}

struct DoubleSignEvidenceTests {
    static let ath = UInt256(1_000_000_000_000_000_000)

    static func word(_ v: UInt256) -> [UInt8] { v.bigEndianBytes }
    static func word(_ a: Address) -> [UInt8] { [UInt8](repeating: 0, count: 12) + a.bytes }

    static func uint(_ out: [UInt8]?, word i: Int = 0) -> UInt256? {
        guard let out, out.count >= 32 * (i + 1) else { return nil }
        return UInt256(bigEndianBytes: out[32 * i..<32 * (i + 1)])
    }

    /// Evidence slashes 5% of the stake the validator held at the
    /// infraction, taking what it has since unbonded too, bans it, applies
    /// once, and the banned validator leaves the next epoch's set.
    @Test func evidenceSlashesUnbondingStakeBansAndAppliesOnce() throws {
        let dir = scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let genesis = try Genesis(json: Array(DevChain.genesisJSON.utf8))
        let (key, validator) = DevChain.accounts(count: 1)[0]
        let evidence = Keccak256.hash(Array("two votes, one height".utf8))
        let input = ProtocolABI.selector("slashDoubleSign(address,uint256,bytes32)") + Self.word(validator)
            + Self.word(UInt256(3)) + evidence.bytes
        let hooks = EvidenceHooks(blocks: [6, 7], input: input)
        let chain = try Chain(dataDirectory: dir, genesis: genesis, hooks: hooks)
        func produce(_ n: UInt64) throws {
            _ = try chain.produceBlock(timestamp: genesis.timestamp + n, coinbase: Address(low: 7), proposer: validator)
        }
        for n in 1...3 as ClosedRange<UInt64> { try produce(n) }
        // Block 4: the validator unbonds 990 of its 1,000 ATH (after the infraction at block 3).
        let unbond = ProtocolABI.selector("unbond(uint8,address,uint256)") + Self.word(UInt256(1)) + Self.word(Address.zero)
            + Self.word(Self.ath &* UInt256(990))
        let tx = Transaction.dynamicFee(chainID: 7331, nonce: 0, maxPriorityFeePerGas: UInt256(1),
                                        maxFeePerGas: UInt256(5_000_000_000), gasLimit: 500_000,
                                        to: ProtocolContracts.staking, value: .zero, data: unbond).signed(with: key)
        _ = try chain.mempool.admit(raw: tx.encoded, state: chain.stateView, baseFee: chain.nextBaseFee)
        try produce(4)
        #expect(chain.head.number == 4 && chain.head.gasUsed > 0)
        let afterUnbond = chain.protocolView(ProtocolContracts.staking,
                                             ProtocolABI.selector("validators(address)") + Self.word(validator))
        #expect(Self.uint(afterUnbond, word: 2) == Self.ath &* UInt256(10))
        let treasuryBefore = chain.store.account(ProtocolContracts.governance)?.balance ?? .zero
        for n in 5...7 as ClosedRange<UInt64> { try produce(n) }

        let results = hooks.results.withLock { $0 }
        #expect(results.count == 2)
        #expect(results.first?.status == .success)
        #expect(results.last.map { revertReason($0.output) } == "Slashing: evidence already applied")
        // 5% of 1,000 ATH: 10 from the bonded self stake, 40 from the unbonding entry.
        let v = chain.protocolView(ProtocolContracts.staking, ProtocolABI.selector("validators(address)") + Self.word(validator))
        #expect(Self.uint(v, word: 2) == .zero)                             // selfStake
        #expect(Self.uint(v, word: 6) == UInt256(1))                         // banned
        let entries = chain.protocolView(ProtocolContracts.staking,
                                         ProtocolABI.selector("unbondingEntries(address)") + Self.word(validator))
        #expect(Self.uint(entries, word: 1) == UInt256(1))                   // one entry
        #expect(Self.uint(entries, word: 3) == Self.ath &* UInt256(950))     // (role, amount, created, release)
        let treasuryAfter = chain.store.account(ProtocolContracts.governance)?.balance ?? .zero
        #expect(treasuryAfter &- treasuryBefore == Self.ath &* UInt256(50))
        let banned = chain.protocolView(ProtocolContracts.slashing, ProtocolABI.selector("banned(address)") + Self.word(validator))
        #expect(Self.uint(banned) == UInt256(1))
        #expect(chain.epochValidators()?.validators.map(\.account) == [validator])  // until the epoch ends
        for n in 8...20 as ClosedRange<UInt64> { try produce(n) }
        #expect(chain.epochValidators()?.validators.isEmpty == true)
    }

    /// Delegators share their validator's slash pro rata (attack 12 of
    /// docs/security.md): evidence cuts every delegation by
    /// doubleSignSlashBps, and a delegation unbonded at or after the
    /// infraction loses the same fraction when withdrawn; one unbonded
    /// before it keeps everything.
    @Test func evidenceCutsDelegationsProRata() throws {
        let dir = scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let genesis = try Genesis(json: Array(DevChain.genesisJSON.utf8))
        let dev = DevChain.accounts(count: 7)
        let validator = dev[0].address
        let (a, b) = (dev[5], dev[6])
        let evidence = Keccak256.hash(Array("delegators share the slash".utf8))
        let input = ProtocolABI.selector("slashDoubleSign(address,uint256,bytes32)") + Self.word(validator)
            + Self.word(UInt256(3)) + evidence.bytes
        let hooks = EvidenceHooks(blocks: [6], input: input)
        let chain = try Chain(dataDirectory: dir, genesis: genesis, hooks: hooks)
        var nonces: [Address: UInt64] = [:]
        func send(_ from: (key: Secp256k1PrivateKey, address: Address), _ data: [UInt8], value: UInt256 = .zero) throws {
            let nonce = nonces[from.address, default: 0]
            nonces[from.address] = nonce + 1
            let tx = Transaction.dynamicFee(chainID: 7331, nonce: nonce, maxPriorityFeePerGas: UInt256(1),
                                            maxFeePerGas: UInt256(5_000_000_000), gasLimit: 500_000,
                                            to: ProtocolContracts.staking, value: value, data: data).signed(with: from.key)
            _ = try chain.mempool.admit(raw: tx.encoded, state: chain.stateView, baseFee: chain.nextBaseFee)
        }
        func produce(_ n: UInt64) throws {
            _ = try chain.produceBlock(timestamp: genesis.timestamp + n, coinbase: Address(low: 7), proposer: validator)
        }
        func view(_ signature: String, _ args: [UInt8]) -> [UInt8]? {
            chain.protocolView(ProtocolContracts.staking, ProtocolABI.selector(signature) + args)
        }
        func unbond(_ amount: UInt64) -> [UInt8] {
            ProtocolABI.selector("unbond(uint8,address,uint256)") + Self.word(UInt256(4)) + Self.word(validator)
                + Self.word(Self.ath &* UInt256(amount))
        }
        let delegate = ProtocolABI.selector("delegate(address)") + Self.word(validator)
        try send(a, delegate, value: Self.ath &* UInt256(1_000))
        try send(b, delegate, value: Self.ath &* UInt256(1_000))
        try produce(1)
        try send(b, unbond(200))     // block 2: before the infraction at block 3
        try produce(2)
        try produce(3)
        try send(b, unbond(400))     // block 4: after it
        try produce(4)
        #expect(Self.uint(view("delegation(address,address)", Self.word(validator) + Self.word(b.address))) == Self.ath &* UInt256(400))
        let treasury = { chain.store.account(ProtocolContracts.governance)?.balance ?? .zero }
        let before = treasury()
        for n in 5...6 as ClosedRange<UInt64> { try produce(n) }
        #expect(hooks.results.withLock { $0.map(\.status) } == [.success])

        // 5%: of a's 1,000 and b's remaining 400 at once, and of the validator's 1,000 self stake.
        #expect(Self.uint(view("delegation(address,address)", Self.word(validator) + Self.word(a.address))) == Self.ath &* UInt256(950))
        #expect(Self.uint(view("delegation(address,address)", Self.word(validator) + Self.word(b.address))) == Self.ath &* UInt256(380))
        #expect(Self.uint(view("validators(address)", Self.word(validator)), word: 3) == Self.ath &* UInt256(1_330))  // delegated
        #expect(treasury() &- before == Self.ath &* UInt256(50 + 70))
        // b's entries (role, amount, created, release, validator, slashIndex): 200 untouched, 400 -> 380.
        let entries = view("unbondingEntries(address)", Self.word(b.address))
        #expect(Self.uint(entries, word: 1) == UInt256(2))
        #expect(Self.uint(entries, word: 3) == Self.ath &* UInt256(200))
        #expect(Self.uint(entries, word: 9) == Self.ath &* UInt256(380))
        #expect(entries.map { Array($0[32 * 6..<32 * 7]) } == Self.word(validator))

        // A delegation to a banned validator can still leave, at its cut value, and no more.
        try send(a, unbond(951))
        try produce(7)
        #expect(Self.uint(view("delegation(address,address)", Self.word(validator) + Self.word(a.address))) == Self.ath &* UInt256(950))
        try send(a, unbond(950))
        try produce(8)
        #expect(Self.uint(view("delegation(address,address)", Self.word(validator) + Self.word(a.address))) == .zero)
        #expect(Self.uint(view("bonded(address)", Self.word(a.address))) == .zero)  // no weight left behind

        // Withdrawing pays b 200 + 380; the 20 cut from the second entry goes to the treasury.
        for n in 9...35 as ClosedRange<UInt64> { try produce(n) }
        let balance = chain.store.account(b.address)?.balance ?? .zero
        let treasuryBefore = treasury()
        try send(b, ProtocolABI.selector("withdraw()"))
        try produce(36)
        let paid = (chain.store.account(b.address)?.balance ?? .zero) &- balance
        let gasCost = UInt256(chain.head.gasUsed) &* UInt256(5_000_000_000)
        #expect(paid > Self.ath &* UInt256(580) &- gasCost && paid <= Self.ath &* UInt256(580))
        #expect(treasury() &- treasuryBefore == Self.ath &* UInt256(20))
    }
}
