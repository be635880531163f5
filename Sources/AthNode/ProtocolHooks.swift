import AthPrimitives
import AthCrypto
import AthEVM
import AthExecution

/// The protocol contracts' fixed addresses (Contracts/DESIGN.md).
public enum ProtocolContracts {
    public static let params = Address(low: 0x1000)
    public static let staking = Address(low: 0x1001)
    public static let slashing = Address(low: 0x1002)
    public static let escrow = Address(low: 0x1003)
    public static let oracle = Address(low: 0x1004)
    public static let governance = Address(low: 0x1005)
}

/// One entry of `Staking.validatorSet()` / `epochValidatorSet()`.
public struct ValidatorEntry: Sendable, Equatable {
    public var account: Address
    public var consensusKey: Hash32
    public var power: UInt256
}

/// The node's per-block system calls into the protocol contracts, made
/// from the system address and charged to no one:
/// - block start: the block reward (`Staking.blockRewardNow()`, decayed per
///   epoch) is split by `Staking.mintReward(proposer, amount)` and, only if
///   that call succeeds, minted to Staking (which also rolls the epoch and fixes its validator set); then
///   `Slashing.recordSignatures` records which validators of the epoch's set
///   signed;
/// - block end: `Escrow.settleDueLeases()` streams leases an epoch behind.
///
/// A chain whose genesis has no Staking contract gets no calls at all. The
/// calls are deterministic: producer and importer run the same ones.
public struct ProtocolHooks: SystemHooks {
    /// Told about a system call that failed (a contract bug: the block is
    /// still valid, the failure is the same on every node).
    let report: @Sendable (String) -> Void

    public init(report: @escaping @Sendable (String) -> Void = { _ in }) { self.report = report }

    public func beginBlock(_ calls: SystemCaller) {
        guard calls.hasCode(ProtocolContracts.staking) else { return }
        let reward = calls.call(ProtocolContracts.staking, input: ProtocolABI.blockRewardNow)
        guard reward.status == .success, reward.output.count == 32,
              let amount = UInt256(bigEndianBytes: reward.output) else {
            return failed("Staking.blockRewardNow", reward, calls)
        }
        if !amount.isZero {
            // Accounted first, minted only once accounted: a failing
            // mintReward (reverted, so nothing recorded) mints nothing, and
            // no ATH sits in Staking that no account owns.
            let minted = calls.call(ProtocolContracts.staking, input: ProtocolABI.mintReward(calls.proposer, amount))
            if minted.status == .success {
                calls.mint(ProtocolContracts.staking, amount)
            } else {
                failed("Staking.mintReward", minted, calls)
            }
        }
        guard calls.hasCode(ProtocolContracts.slashing) else { return }
        // Double-sign evidence the block includes (verified by consensus
        // before the block was accepted): slash and ban, once per evidence.
        for e in calls.evidence {
            let slashed = calls.call(ProtocolContracts.slashing, input: ProtocolABI.slashDoubleSign(e.validator, e.height, e.evidenceHash))
            if slashed.status != .success { failed("Slashing.slashDoubleSign", slashed, calls) }
        }
        let accountsSigned: (([ValidatorEntry]) -> [Bool])?
        switch calls.signers {
        case .none: accountsSigned = nil
        // One process proposes and commits every block on a dev chain: the
        // proposer is the only validator whose signature counts.
        case .proposerOnly: accountsSigned = { set in set.map { $0.account == calls.proposer } }
        case .keys(let keys): accountsSigned = { set in set.map { keys.contains($0.consensusKey) } }
        }
        guard let accountsSigned else { return }
        let set = calls.call(ProtocolContracts.staking, input: ProtocolABI.epochValidatorSet)
        guard set.status == .success, let validators = ProtocolABI.decodeValidatorSet(set.output) else {
            return failed("Staking.epochValidatorSet", set, calls)
        }
        guard !validators.isEmpty else { return }
        let recorded = calls.call(ProtocolContracts.slashing,
                                  input: ProtocolABI.recordSignatures(validators.map(\.account), accountsSigned(validators)))
        if recorded.status != .success { failed("Slashing.recordSignatures", recorded, calls) }
    }

    public func endBlock(_ calls: SystemCaller) {
        guard calls.hasCode(ProtocolContracts.escrow) else { return }
        let settled = calls.call(ProtocolContracts.escrow, input: ProtocolABI.settleDueLeases)
        if settled.status != .success { failed("Escrow.settleDueLeases", settled, calls) }
    }

    private func failed(_ what: String, _ result: ExecutionResult, _ calls: SystemCaller) {
        report("system call \(what) failed in block \(calls.blockNumber): \(result.summary)")
    }
}

/// ABI encoding and decoding of the few calls the node makes itself.
public enum ProtocolABI {
    static func selector(_ signature: String) -> [UInt8] { Array(Keccak256.hash(Array(signature.utf8)).bytes.prefix(4)) }

    static func word(_ v: UInt256) -> [UInt8] { v.bigEndianBytes }
    static func word(_ n: Int) -> [UInt8] { UInt256(UInt64(n)).bigEndianBytes }
    static func word(_ a: Address) -> [UInt8] { [UInt8](repeating: 0, count: 12) + a.bytes }

    public static let blockRewardNow = selector("blockRewardNow()")
    public static let epochValidatorSet = selector("epochValidatorSet()")
    public static let validatorSet = selector("validatorSet()")
    public static let settleDueLeases = selector("settleDueLeases()")
    public static let epoch = selector("epoch()")
    static let mintRewardSelector = selector("mintReward(address,uint256)")
    static let recordSignaturesSelector = selector("recordSignatures(address[],bool[])")
    static let keyOwnerSelector = selector("keyOwner(bytes32)")
    static let slashDoubleSignSelector = selector("slashDoubleSign(address,uint256,bytes32)")

    /// `slashDoubleSign(address validator, uint256 infractionBlock, bytes32 evidenceHash)`.
    public static func slashDoubleSign(_ validator: Address, _ height: UInt64, _ evidenceHash: Hash32) -> [UInt8] {
        slashDoubleSignSelector + word(validator) + word(UInt256(height)) + evidenceHash.bytes
    }

    public static func mintReward(_ proposer: Address, _ amount: UInt256) -> [UInt8] {
        mintRewardSelector + word(proposer) + word(amount)
    }

    public static func keyOwner(_ key: Hash32) -> [UInt8] { keyOwnerSelector + key.bytes }

    /// `recordSignatures(address[] validators, bool[] signed)`.
    public static func recordSignatures(_ validators: [Address], _ signed: [Bool]) -> [UInt8] {
        precondition(validators.count == signed.count)
        let n = validators.count
        var out = recordSignaturesSelector
        out += word(64)
        out += word(64 + 32 * (n + 1))
        out += word(n)
        for v in validators { out += word(v) }
        out += word(n)
        for s in signed { out += word(s ? 1 : 0) }
        return out
    }

    /// Decodes `DynArray[ValidatorInfo(address, bytes32, uint256), 100]`;
    /// nil for anything malformed.
    public static func decodeValidatorSet(_ data: [UInt8]) -> [ValidatorEntry]? {
        guard data.count >= 64, let offset = smallInt(data, at: 0), offset <= data.count - 32,
              let n = smallInt(data, at: offset), n <= 256 else { return nil }
        let start = offset + 32
        guard data.count - start >= n * 96 else { return nil }
        var out: [ValidatorEntry] = []
        out.reserveCapacity(n)
        for i in 0..<n {
            let base = start + i * 96
            guard data[base..<base + 12].allSatisfy({ $0 == 0 }),
                  let account = Address(data[base + 12..<base + 32]),
                  let power = UInt256(bigEndianBytes: data[base + 64..<base + 96]) else { return nil }
            out.append(ValidatorEntry(account: account, consensusKey: Hash32(Array(data[base + 32..<base + 64]))!,
                                      power: power))
        }
        return out
    }

    /// An address returned as one ABI word; nil if malformed.
    public static func decodeAddress(_ data: [UInt8]) -> Address? {
        guard data.count == 32, data[0..<12].allSatisfy({ $0 == 0 }) else { return nil }
        return Address(data[12..<32])
    }

    /// A word at `at` holding a value below 2^32 (offsets, lengths).
    static func smallInt(_ data: [UInt8], at: Int) -> Int? {
        guard at >= 0, data.count - at >= 32, data[at..<at + 28].allSatisfy({ $0 == 0 }) else { return nil }
        return data[at + 28..<at + 32].reduce(0) { $0 << 8 | Int($1) }
    }
}
