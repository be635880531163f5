import AthCrypto
import AthPrimitives

/// The protocol contracts at their fixed genesis addresses (Contracts/DESIGN.md).
public enum ProtocolContract: String, CaseIterable, Sendable {
    case params = "Params", staking = "Staking", slashing = "Slashing", escrow = "Escrow", oracle = "Oracle",
         governance = "Governance"

    /// 0x…1000 to 0x…1005, in genesis order.
    public var address: Address { Address(low: 0x1000 + UInt64(Self.allCases.firstIndex(of: self) ?? 0)) }

    public init?(address: Address) {
        guard let c = Self.allCases.first(where: { $0.address == address }) else { return nil }
        self = c
    }
}

// MARK: Functions

public enum StakingABI {
    /// (consensusKey, commissionBps, proof): proof is the key's ed25519 signature of popDigest(account, key).
    public static let registerValidator = ABIFunction("registerValidator", [.bytes32, .uint256, .bytes])
    public static let popDigest = ABIFunction("popDigest", [.address, .bytes32], returns: [.bytes32])
    public static let registerOperator = ABIFunction("registerOperator", [.string, .uint256, .uint256, .string])
    public static let registerChecker = ABIFunction("registerChecker", [.string])
    public static let addStake = ABIFunction("addStake", [.uint8])
    public static let delegate = ABIFunction("delegate", [.address])
    public static let unbond = ABIFunction("unbond", [.uint8, .address, .uint256])
    public static let withdraw = ABIFunction("withdraw")
    public static let claimRewards = ABIFunction("claimRewards")
    public static let pendingRewards = ABIFunction("pendingRewards", [.address], returns: [.uint256])
    /// (consensusKey, commissionBps, selfStake, delegated, jailedUntil, jailed, banned, registered)
    public static let validators = ABIFunction("validators", [.address], returns: [
        .tuple([.bytes32, .uint256, .uint256, .uint256, .uint256, .bool, .bool, .bool])])
    /// (gpuModel, gpuCount, gpuMemoryGiB, endpoint, stake, registered)
    public static let operators = ABIFunction("operators", [.address], returns: [
        .tuple([.string, .uint256, .uint256, .string, .uint256, .bool])])
    /// (endpoint, stake, registered, active)
    public static let checkers = ABIFunction("checkers", [.address], returns: [.tuple([.string, .uint256, .bool, .bool])])
    public static let delegations = ABIFunction("delegations", [.address], returns: [.array(.address)])
    /// delegation(validator, delegator)
    public static let delegation = ABIFunction("delegation", [.address, .address], returns: [.uint256])
    /// (role, amount, createdBlock, releaseBlock, validator, slashIndex)[]; a
    /// delegation's amount is net of the validator's slashes that reach it.
    public static let unbondingEntries = ABIFunction("unbondingEntries", [.address], returns: [
        .array(.tuple([.uint8, .uint256, .uint256, .uint256, .address, .uint256]))])
    public static let bonded = ABIFunction("bonded", [.address], returns: [.uint256])
}

public enum SlashingABI {
    public static let unjail = ABIFunction("unjail")
}

public enum EscrowABI {
    /// The blocks of a job's commitment and acceptance (0: none).
    public static let commitBlock = ABIFunction("commitBlock", [.uint256], returns: [.uint256])
    public static let acceptBlock = ABIFunction("acceptBlock", [.uint256], returns: [.uint256])
    public static let createJob = ABIFunction("createJob", [.bytes32, .address, .uint256], returns: [.uint256])
    /// createJob with specHash = keccak256(spec); the spec is published in a JobSpecPublished log.
    public static let createJobWithSpec = ABIFunction("createJobWithSpec", [.bytes, .address, .uint256], returns: [.uint256])
    public static let jobCount = ABIFunction("jobCount", returns: [.uint256])
    public static let acceptJob = ABIFunction("acceptJob", [.uint256])
    public static let setJobMinPrice = ABIFunction("setJobMinPrice", [.uint256])
    public static let jobMinPrice = ABIFunction("jobMinPrice", [.address], returns: [.uint256])
    public static let leaseMinPrice = ABIFunction("leaseMinPrice", [.address], returns: [.uint256])
    public static let jobUnits = ABIFunction("jobUnits", [.uint256], returns: [.uint256])
    public static let setLeaseMinPrice = ABIFunction("setLeaseMinPrice", [.uint256])
    public static let commitResult = ABIFunction("commitResult", [.uint256, .bytes32])
    public static let reclaim = ABIFunction("reclaim", [.uint256])
    public static let withdraw = ABIFunction("withdraw")
    /// (customer, operator, specHash, price, deadline, createdBlock, resultRoot, verdict, workUnits, state)
    public static let job = ABIFunction("job", [.uint256], returns: [
        .tuple([.address, .address, .bytes32, .uint256, .uint256, .uint256, .bytes32, .uint8, .uint256, .uint8])])
    public static let openLease = ABIFunction("openLease", [.address, .uint256], returns: [.uint256])
    public static let topUp = ABIFunction("topUp", [.uint256])
    public static let closeLease = ABIFunction("closeLease", [.uint256])
    /// releaseDowntimeRefund(leaseId, epoch): anyone, once the epoch's uptime report is final
    public static let releaseDowntimeRefund = ABIFunction("releaseDowntimeRefund", [.uint256, .uint256])
    public static let downtimeHeld = ABIFunction("downtimeHeld", [.uint256, .uint256], returns: [.uint256])
    /// (customer, operator, pricePerBlock, deposit, startBlock, paidUntil, totalPaid, refunded, closedBlock, state)
    public static let lease = ABIFunction("lease", [.uint256], returns: [
        .tuple([.address, .address, .uint256, .uint256, .uint256, .uint256, .uint256, .uint256, .uint256, .uint8])])
}

public enum GovernanceABI {
    public static let propose = ABIFunction("propose", [.address, .uint256, .bytes, .string], returns: [.uint256])
    public static let deposit = ABIFunction("deposit", [.uint256])
    public static let vote = ABIFunction("vote", [.uint256, .uint8])
    public static let tally = ABIFunction("tally", [.uint256])
    public static let execute = ABIFunction("execute", [.uint256])
    /// (proposer, target, value, callData, description, totalDeposit, submitBlock, depositEndBlock,
    ///  votingStartBlock, votingEndBlock, executableBlock, yes, no, abstain, veto, totalStake, state)
    public static let proposal = ABIFunction("proposal", [.uint256], returns: [
        .tuple([.address, .address, .uint256, .bytes, .string] + [ABIType](repeating: .uint256, count: 11) + [.uint8])])

    public static let states = ["deposit period", "voting", "passed", "rejected", "vetoed", "executed", "dropped"]
    public static let options = ["yes", "no", "abstain", "veto"]

    public static func stateName(_ s: UInt256) -> String { s.intIfFits.flatMap { states.indices.contains($0) ? states[$0] : nil } ?? "state \(s)" }
    public static func optionName(_ o: UInt256) -> String {
        o.intIfFits.flatMap { (1...options.count).contains($0) ? options[$0 - 1] : nil } ?? "option \(o)"
    }
}

public enum ParamsABI {
    public static let get = ABIFunction("get", [.string], returns: [.uint256])
    public static let set = ABIFunction("set", [.string, .uint256])
    public static let names = ABIFunction("names", returns: [.array(.string)])
}

public enum OracleABI {
    /// submitReport(jobId, resultRoot, verdict, workUnits, round, signatures)
    public static let submitReport = ABIFunction("submitReport", [.uint256, .bytes32, .uint8, .uint256, .uint256, .array(.bytes)])
    /// submitUptimeReport(operator, epoch, round, uptimes, signatures): one measured uptime per signer
    public static let submitUptimeReport = ABIFunction("submitUptimeReport", [.address, .uint256, .uint256, .array(.uint256), .array(.bytes)])
    public static let lastRound = ABIFunction("lastRound", [.uint256], returns: [.uint256])
    public static let lastUptimeRound = ABIFunction("lastUptimeRound", [.address, .uint256], returns: [.uint256])
    public static let attestationDigest = ABIFunction("attestationDigest", [.uint256, .bytes32, .uint8, .uint256, .uint256],
                                                      returns: [.bytes32])
    /// appeal(jobId, signers): payable (Params appealBond against a verdict)
    public static let appeal = ABIFunction("appeal", [.uint256, .array(.address)])
    public static let appealDeadline = ABIFunction("appealDeadline", [.uint256], returns: [.uint256])
    public static let appealDecided = ABIFunction("appealDecided", [.uint256], returns: [.bool])
    public static let juryStake = ABIFunction("juryStake", [.uint256], returns: [.uint256])
    public static let appealExcluded = ABIFunction("appealExcluded", [.uint256, .address], returns: [.bool])
    public static let appealOpened = ABIEvent("AppealOpened", [("jobId", .uint256), ("appellant", .address), ("verdict", .uint8),
                                                               ("deadline", .uint256), ("juryStake", .uint256), ("bond", .uint256)],
                                              indexed: ["jobId", "appellant"])
    /// appealUptime(operator, epoch, signers): payable (Params appealBond), the operator only
    public static let appealUptime = ABIFunction("appealUptime", [.address, .uint256, .array(.address)])
    public static let uptimeAppealOpened = ABIEvent("UptimeAppealOpened", [("operator", .address), ("epoch", .uint256), ("uptimeBps", .uint256),
                                                                           ("deadline", .uint256), ("juryStake", .uint256), ("bond", .uint256)],
                                                    indexed: ["operator", "epoch"])
    public static let uptimeReportAccepted = ABIEvent("UptimeReportAccepted", [("operator", .address), ("epoch", .uint256), ("round", .uint256),
                                                                               ("uptimeBps", .uint256), ("signers", .array(.address)),
                                                                               ("signedStake", .uint256)],
                                                      indexed: ["operator", "epoch"])

    /// The Oracle's key for `operator`'s uptime in `epoch` (appealDeadline,
    /// juryStake, appealExcluded, appealDecided): keccak256(abi.encode(operator, epoch)).
    public static func uptimeKey(_ operator: Address, _ epoch: UInt64) -> UInt256 {
        UInt256(bigEndianBytes: Keccak256.hash(ABI.encode([.address(`operator`), .uint(UInt256(epoch))])).bytes) ?? .zero
    }
    public static let lateSignersRewarded = ABIEvent("LateSignersRewarded", [("jobId", .uint256), ("signers", .array(.address))],
                                                     indexed: ["jobId"])
}

/// The job-lifecycle events workers and checkers follow.
public enum JobEvents {
    public static let jobCreated = ABIEvent("JobCreated", [("jobId", .uint256), ("customer", .address), ("operator", .address),
                                                           ("specHash", .bytes32), ("price", .uint256), ("deadline", .uint256)],
                                            indexed: ["jobId", "customer", "operator"])
    public static let jobSpecPublished = ABIEvent("JobSpecPublished", [("jobId", .uint256), ("spec", .bytes)], indexed: ["jobId"])
    public static let jobAccepted = ABIEvent("JobAccepted", [("jobId", .uint256), ("operator", .address)], indexed: ["jobId", "operator"])
    public static let resultCommitted = ABIEvent("ResultCommitted", [("jobId", .uint256), ("operator", .address), ("resultRoot", .bytes32)],
                                                 indexed: ["jobId", "operator"])
    public static let jobSettled = ABIEvent("JobSettled", [("jobId", .uint256), ("verdict", .uint8), ("workUnits", .uint256),
                                                           ("operatorPayout", .uint256), ("fee", .uint256), ("refund", .uint256)],
                                            indexed: ["jobId"])
    public static let jobReclaimed = ABIEvent("JobReclaimed", [("jobId", .uint256), ("customer", .address), ("amount", .uint256)],
                                              indexed: ["jobId", "customer"])
    public static let reportAccepted = ABIEvent("ReportAccepted", [("jobId", .uint256), ("round", .uint256), ("verdict", .uint8),
                                                                   ("resultRoot", .bytes32), ("workUnits", .uint256),
                                                                   ("signers", .array(.address)), ("signedStake", .uint256)],
                                                indexed: ["jobId", "round"])
}

/// An escrow job as `Escrow.job` returns it.
public struct EscrowJob: Sendable, Equatable {
    public enum State: UInt8, Sendable { case unknown = 0, open, accepted, committed, settled, reclaimed }

    public var customer: Address
    public var `operator`: Address
    public var specHash: Hash32
    public var price: UInt256
    public var deadline: UInt64
    public var createdBlock: UInt64
    public var resultRoot: Hash32
    public var verdict: UInt8
    public var workUnits: UInt256
    public var state: State

    /// Decodes the tuple `EscrowABI.job` returns.
    public init?(_ values: [ABIValue]) {
        guard let t = values.first?.items, t.count == 10,
              let spec = Hash32(t[2].bytesValue), let root = Hash32(t[6].bytesValue),
              let deadline = t[4].uintValue.uint64IfFits, let created = t[5].uintValue.uint64IfFits,
              let verdict = t[7].uintValue.intIfFits, let s = t[9].uintValue.intIfFits,
              let state = State(rawValue: UInt8(truncatingIfNeeded: s)), s < 256, verdict < 256 else { return nil }
        customer = t[0].addressValue
        `operator` = t[1].addressValue
        specHash = spec
        price = t[3].uintValue
        self.deadline = deadline
        createdBlock = created
        resultRoot = root
        self.verdict = UInt8(verdict)
        workUnits = t[8].uintValue
        self.state = state
    }
}
