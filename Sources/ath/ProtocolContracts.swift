import AthClient
import AthCrypto
import AthPrimitives
import AthRPC
import AthTypes

/// Staking roles as the contract numbers them.
enum StakeRole: UInt8, CaseIterable, Sendable {
    case validator = 1, `operator` = 2, checker = 3, delegation = 4

    var name: String { String(describing: self) }

    /// `validator`, `operator`, `checker` (and `delegation` when allowed), or the number.
    static func parse(_ text: String, allowDelegation: Bool) throws -> StakeRole {
        let t = text.lowercased()
        let allowed = allCases.filter { allowDelegation || $0 != .delegation }
        if let r = allowed.first(where: { $0.name == t || String($0.rawValue) == t }) { return r }
        throw CLIError("role \"\(text)\" is not one of \(allowed.map(\.name).joined(separator: ", "))")
    }
}

// MARK: Events

/// An event of a protocol contract and the sentence that reports it.
struct ProtocolEventSpec: Sendable {
    let contract: ProtocolContract
    let event: ABIEvent
    let summary: @Sendable (EventArgs) -> String
}

/// Decoded event arguments by name.
struct EventArgs {
    let values: [(String, ABIValue)]

    subscript(_ name: String) -> ABIValue { values.first { $0.0 == name }?.1 ?? .uint(UInt256.zero) }
    func address(_ name: String) -> String { self[name].addressValue.checksummed }
    func uint(_ name: String) -> UInt256 { self[name].uintValue }
    func ath(_ name: String) -> String { ProtocolFormat.ath(uint(name)) }
    func hex(_ name: String) -> String { Hex.encode(self[name].bytesValue) }
}

enum ProtocolEvents {
    static func ev(_ contract: ProtocolContract, _ name: String, _ params: [(String, ABIType)], indexed: Set<String> = [],
                   _ summary: @escaping @Sendable (EventArgs) -> String) -> ProtocolEventSpec {
        ProtocolEventSpec(contract: contract, event: ABIEvent(name, params, indexed: indexed), summary: summary)
    }

    static let all: [ProtocolEventSpec] = staking + slashing + escrow + oracle + governance + params

    static let oracle: [ProtocolEventSpec] = [
        ev(.oracle, "AppealOpened", [("jobId", .uint256), ("appellant", .address), ("verdict", .uint8), ("deadline", .uint256),
                                     ("juryStake", .uint256), ("bond", .uint256)], indexed: ["jobId", "appellant"]) {
            let verdict = EscrowCommand.name($0.uint("verdict"), EscrowCommand.verdicts)
            return "job \($0.uint("jobId")) appealed by \($0.address("appellant")) against verdict \(verdict) (bond \($0.ath("bond"))): "
                + "checkers holding \($0.ath("juryStake")) who did not sign it may report until block \($0.uint("deadline"))"
        },
        ev(.oracle, "AppealDecided", [("jobId", .uint256), ("verdict", .uint8), ("overturned", .bool),
                                      ("jurors", .array(.address)), ("signedStake", .uint256)], indexed: ["jobId"]) {
            let verdict = EscrowCommand.name($0.uint("verdict"), EscrowCommand.verdicts)
            let jurors = $0["jurors"].items.count
            return "job \($0.uint("jobId")) appeal decided by \(jurors) juror\(jurors == 1 ? "" : "s") (\($0.ath("signedStake"))): \(verdict)"
                + ($0["overturned"].boolValue == true ? ", the appealed verdict is overturned" : "")
        },
        ev(.oracle, "UptimeAppealOpened", [("operator", .address), ("epoch", .uint256), ("uptimeBps", .uint256), ("deadline", .uint256),
                                           ("juryStake", .uint256), ("bond", .uint256)], indexed: ["operator", "epoch"]) {
            "operator \($0.address("operator")) appealed its uptime \(ProtocolFormat.bps($0.uint("uptimeBps"))) in epoch \($0.uint("epoch")) "
                + "(bond \($0.ath("bond"))): checkers holding \($0.ath("juryStake")) who did not sign it may report until block \($0.uint("deadline"))"
        },
        ev(.oracle, "UptimeAppealDecided", [("operator", .address), ("epoch", .uint256), ("uptimeBps", .uint256), ("overturned", .bool),
                                            ("bondReturned", .bool)], indexed: ["operator", "epoch"]) {
            "uptime appeal of \($0.address("operator")) in epoch \($0.uint("epoch")) decided: \(ProtocolFormat.bps($0.uint("uptimeBps"))) stands"
                + ($0["bondReturned"].boolValue == true ? ", bond returned" : ", bond to the treasury")
        },
    ]

    static let staking: [ProtocolEventSpec] = [
        ev(.staking, "ValidatorRegistered", [("validator", .address), ("consensusKey", .bytes32), ("commissionBps", .uint256),
                                             ("stake", .uint256)], indexed: ["validator"]) {
            "validator \($0.address("validator")) registered: stake \($0.ath("stake")), commission \(ProtocolFormat.bps($0.uint("commissionBps"))), consensus key \($0.hex("consensusKey"))"
        },
        ev(.staking, "OperatorRegistered", [("operator", .address), ("gpuModel", .string), ("gpuCount", .uint256),
                                            ("gpuMemoryGiB", .uint256), ("endpoint", .string), ("stake", .uint256)],
           indexed: ["operator"]) {
            "operator \($0.address("operator")) registered: \($0.uint("gpuCount")) × \($0["gpuModel"].stringValue) (\($0.uint("gpuMemoryGiB")) GiB), endpoint \($0["endpoint"].stringValue), stake \($0.ath("stake"))"
        },
        ev(.staking, "CheckerRegistered", [("checker", .address), ("endpoint", .string), ("stake", .uint256)],
           indexed: ["checker"]) {
            "checker \($0.address("checker")) registered: endpoint \($0["endpoint"].stringValue), stake \($0.ath("stake"))"
        },
        ev(.staking, "StakeAdded", [("account", .address), ("role", .uint8), ("amount", .uint256)], indexed: ["account"]) {
            "\($0.address("account")) added \($0.ath("amount")) to its \(ProtocolFormat.role($0.uint("role"))) stake"
        },
        ev(.staking, "Delegated", [("delegator", .address), ("validator", .address), ("amount", .uint256)],
           indexed: ["delegator", "validator"]) {
            "\($0.address("delegator")) delegated \($0.ath("amount")) to validator \($0.address("validator"))"
        },
        ev(.staking, "Unbonded", [("account", .address), ("role", .uint8), ("validator", .address), ("amount", .uint256),
                                  ("releaseBlock", .uint256)], indexed: ["account"]) {
            let what = $0.uint("role") == UInt256(UInt64(StakeRole.delegation.rawValue))
                ? "its delegation to \($0.address("validator"))" : "its \(ProtocolFormat.role($0.uint("role"))) stake"
            return "\($0.address("account")) unbonded \($0.ath("amount")) of \(what): withdrawable from block \($0.uint("releaseBlock"))"
        },
        ev(.staking, "Withdrawn", [("account", .address), ("amount", .uint256)], indexed: ["account"]) {
            "\($0.address("account")) withdrew \($0.ath("amount")) of matured unbonded stake"
        },
        ev(.staking, "RewardsClaimed", [("account", .address), ("amount", .uint256)], indexed: ["account"]) {
            "\($0.address("account")) claimed \($0.ath("amount")) of rewards"
        },
        ev(.staking, "JailChanged", [("validator", .address), ("jailed", .bool), ("untilBlock", .uint256)],
           indexed: ["validator"]) {
            $0["jailed"].boolValue ? "validator \($0.address("validator")) jailed until block \($0.uint("untilBlock"))"
                : "validator \($0.address("validator")) is no longer jailed"
        },
        ev(.staking, "ValidatorRemoved", [("validator", .address)], indexed: ["validator"]) {
            "validator \($0.address("validator")) left the registry (no self stake left)"
        },
        ev(.staking, "Slashed", [("account", .address), ("role", .uint8), ("requested", .uint256), ("fromBonded", .uint256),
                                 ("fromUnbonding", .uint256)], indexed: ["account"]) {
            "\($0.address("account"))'s \(ProtocolFormat.role($0.uint("role"))) stake slashed: \($0.ath("fromBonded")) bonded and \($0.ath("fromUnbonding")) unbonding taken"
        },
        ev(.staking, "DelegationsSlashed", [("validator", .address), ("bps", .uint256), ("amount", .uint256)],
           indexed: ["validator"]) {
            "delegations to validator \($0.address("validator")) slashed \(ProtocolFormat.bps($0.uint("bps"))): \($0.ath("amount")) taken"
        },
    ]

    static let slashing: [ProtocolEventSpec] = [
        ev(.slashing, "OperatorSlashed", [("operator", .address), ("penaltyBps", .uint256), ("reason", .uint8),
                                          ("requested", .uint256), ("slashed", .uint256)], indexed: ["operator"]) {
            let reasons: [UInt64: String] = [2: "an invalid result", 3: "an unavailable result", 4: "a job accepted and never committed"]
            let why = $0.uint("reason").uint64IfFits.flatMap { reasons[$0] } ?? "reason \($0.uint("reason"))"
            return "operator \($0.address("operator")) slashed \($0.ath("slashed")) for \(why)"
        },
        ev(.slashing, "CheckerSlashed", [("checker", .address), ("infractionBlock", .uint256), ("requested", .uint256),
                                         ("slashed", .uint256)], indexed: ["checker"]) {
            "checker \($0.address("checker")) slashed \($0.ath("slashed")) for signing a verdict proven wrong (block \($0.uint("infractionBlock")))"
        },
        ev(.slashing, "Unjailed", [("validator", .address)], indexed: ["validator"]) {
            "validator \($0.address("validator")) unjailed: it rejoins the candidates"
        },
    ]

    static let escrow: [ProtocolEventSpec] = [
        ev(.escrow, "JobCreated", [("jobId", .uint256), ("customer", .address), ("operator", .address), ("specHash", .bytes32),
                                   ("price", .uint256), ("deadline", .uint256)],
           indexed: ["jobId", "customer", "operator"]) {
            let op = $0["operator"].addressValue == .zero ? "open to any active operator" : "for operator \($0.address("operator"))"
            return "job \($0.uint("jobId")) created by \($0.address("customer")) \(op): price \($0.ath("price")), deadline block \($0.uint("deadline")), spec \($0.hex("specHash"))"
        },
        ev(.escrow, "JobSpecPublished", [("jobId", .uint256), ("spec", .bytes)], indexed: ["jobId"]) {
            "job \($0.uint("jobId")) spec published (\($0["spec"].bytesValue.count) bytes)"
        },
        ev(.escrow, "JobAccepted", [("jobId", .uint256), ("operator", .address)], indexed: ["jobId", "operator"]) {
            "job \($0.uint("jobId")) accepted by operator \($0.address("operator"))"
        },
        ev(.escrow, "ResultCommitted", [("jobId", .uint256), ("operator", .address), ("resultRoot", .bytes32)],
           indexed: ["jobId", "operator"]) {
            "job \($0.uint("jobId")): operator \($0.address("operator")) committed result root \($0.hex("resultRoot"))"
        },
        ev(.escrow, "JobReclaimed", [("jobId", .uint256), ("customer", .address), ("amount", .uint256)],
           indexed: ["jobId", "customer"]) {
            "job \($0.uint("jobId")) reclaimed by \($0.address("customer")): \($0.ath("amount")) refunded"
        },
        ev(.escrow, "LeaseOpened", [("leaseId", .uint256), ("customer", .address), ("operator", .address),
                                    ("pricePerBlock", .uint256), ("deposit", .uint256)],
           indexed: ["leaseId", "customer", "operator"]) {
            "lease \($0.uint("leaseId")) opened by \($0.address("customer")) with operator \($0.address("operator")): \($0.ath("pricePerBlock")) per block, deposit \($0.ath("deposit"))"
        },
        ev(.escrow, "LeaseSettled", [("leaseId", .uint256), ("blocks", .uint256), ("amount", .uint256), ("fee", .uint256),
                                     ("depositLeft", .uint256), ("paidUntil", .uint256)], indexed: ["leaseId"]) {
            "lease \($0.uint("leaseId")) settled: \($0.uint("blocks")) block(s), \($0.ath("amount")) paid (fee \($0.ath("fee"))), deposit left \($0.ath("depositLeft"))"
        },
        ev(.escrow, "LeaseOverdrawn", [("leaseId", .uint256), ("paidUntil", .uint256)], indexed: ["leaseId"]) {
            "lease \($0.uint("leaseId")) ran out of deposit: paid until block \($0.uint("paidUntil")); top it up to resume"
        },
        ev(.escrow, "LeaseToppedUp", [("leaseId", .uint256), ("sender", .address), ("amount", .uint256), ("deposit", .uint256)],
           indexed: ["leaseId", "sender"]) {
            "lease \($0.uint("leaseId")) topped up by \($0.address("sender")) with \($0.ath("amount")): deposit now \($0.ath("deposit"))"
        },
        ev(.escrow, "LeaseResumed", [("leaseId", .uint256), ("fromBlock", .uint256)], indexed: ["leaseId"]) {
            "lease \($0.uint("leaseId")) resumed from block \($0.uint("fromBlock"))"
        },
        ev(.escrow, "LeaseClosed", [("leaseId", .uint256), ("closedBy", .address), ("refund", .uint256)],
           indexed: ["leaseId", "closedBy"]) {
            "lease \($0.uint("leaseId")) closed by \($0.address("closedBy")): \($0.ath("refund")) of deposit refunded"
        },
        ev(.escrow, "DowntimeRefundReleased", [("leaseId", .uint256), ("epoch", .uint256), ("refund", .uint256), ("returned", .uint256)],
           indexed: ["leaseId", "epoch"]) {
            "lease \($0.uint("leaseId")) epoch \($0.uint("epoch")): SLA refund of \($0.ath("refund")) credited to the customer"
                + ($0.uint("returned") == .zero ? "" : ", \($0.ath("returned")) returned to the operator")
        },
        ev(.escrow, "EarningsReleased", [("operator", .address), ("amount", .uint256)], indexed: ["operator"]) {
            "\($0.ath("amount")) of lease earnings released to operator \($0.address("operator"))"
        },
        ev(.escrow, "PaymentDeferred", [("account", .address), ("amount", .uint256)], indexed: ["account"]) {
            "a payment of \($0.ath("amount")) to \($0.address("account")) was refused and credited: take it with `ath escrow withdraw`"
        },
        ev(.escrow, "PayoutReleased", [("jobId", .uint256), ("operator", .address), ("payout", .uint256), ("fee", .uint256)],
           indexed: ["jobId", "operator"]) {
            "job \($0.uint("jobId")): \($0.ath("payout")) released to operator \($0.address("operator")) after the challenge window (fee \($0.ath("fee")))"
        },
        ev(.escrow, "RefundReleased", [("jobId", .uint256), ("customer", .address), ("operator", .address), ("refund", .uint256),
                                       ("operatorSlashed", .uint256)], indexed: ["jobId", "customer", "operator"]) {
            "job \($0.uint("jobId")): \($0.ath("refund")) refunded to \($0.address("customer")) after the challenge window, operator \($0.address("operator")) slashed \($0.ath("operatorSlashed"))"
        },
        ev(.escrow, "FraudRefunded", [("jobId", .uint256), ("customer", .address), ("operator", .address), ("refund", .uint256),
                                      ("operatorSlashed", .uint256)], indexed: ["jobId", "customer", "operator"]) {
            "job \($0.uint("jobId")) proven wrong: \($0.ath("refund")) refunded to \($0.address("customer")), operator \($0.address("operator")) slashed \($0.ath("operatorSlashed"))"
        },
        ev(.escrow, "JobMinPriceSet", [("operator", .address), ("pricePerUnit", .uint256)], indexed: ["operator"]) {
            $0.uint("pricePerUnit") == .zero ? "operator \($0.address("operator")) accepts jobs at any price"
                : "operator \($0.address("operator")) accepts jobs at \($0.ath("pricePerUnit")) per work unit or more"
        },
        ev(.escrow, "LeaseMinPriceSet", [("operator", .address), ("pricePerBlock", .uint256)], indexed: ["operator"]) {
            "operator \($0.address("operator")) accepts new leases at \($0.ath("pricePerBlock")) per block or more"
        },
        ev(.escrow, "Withdrawal", [("account", .address), ("amount", .uint256)], indexed: ["account"]) {
            "\($0.address("account")) withdrew \($0.ath("amount")) of escrow credit"
        },
    ]

    static let governance: [ProtocolEventSpec] = [
        ev(.governance, "ProposalSubmitted", [("proposalId", .uint256), ("proposer", .address), ("target", .address),
                                              ("value", .uint256), ("callData", .bytes), ("description", .string),
                                              ("depositEndBlock", .uint256)],
           indexed: ["proposalId", "proposer", "target"]) {
            "proposal \($0.uint("proposalId")) submitted by \($0.address("proposer")): \(ProtocolFormat.call(target: $0["target"].addressValue, data: $0["callData"].bytesValue, value: $0.uint("value"))), \"\($0["description"].stringValue)\"; deposits until block \($0.uint("depositEndBlock"))"
        },
        ev(.governance, "DepositAdded", [("proposalId", .uint256), ("depositor", .address), ("amount", .uint256),
                                         ("totalDeposit", .uint256)], indexed: ["proposalId", "depositor"]) {
            "\($0.address("depositor")) deposited \($0.ath("amount")) on proposal \($0.uint("proposalId")) (total \($0.ath("totalDeposit")))"
        },
        ev(.governance, "VotingStarted", [("proposalId", .uint256), ("votingStartBlock", .uint256), ("votingEndBlock", .uint256)],
           indexed: ["proposalId"]) {
            "proposal \($0.uint("proposalId")) is in voting: votes from block \($0.uint("votingStartBlock") &+ .one) to \($0.uint("votingEndBlock"))"
        },
        ev(.governance, "Voted", [("proposalId", .uint256), ("voter", .address), ("option", .uint8), ("weight", .uint256)],
           indexed: ["proposalId", "voter"]) {
            "\($0.address("voter")) voted \(GovernanceABI.optionName($0.uint("option"))) on proposal \($0.uint("proposalId")) with weight \($0.ath("weight"))"
        },
        ev(.governance, "ProposalTallied", [("proposalId", .uint256), ("state", .uint8), ("yesVotes", .uint256),
                                            ("noVotes", .uint256), ("abstainVotes", .uint256), ("vetoVotes", .uint256),
                                            ("totalStake", .uint256)], indexed: ["proposalId"]) {
            "proposal \($0.uint("proposalId")) tallied: \(GovernanceABI.stateName($0.uint("state"))) (yes \($0.ath("yesVotes")), no \($0.ath("noVotes")), abstain \($0.ath("abstainVotes")), veto \($0.ath("vetoVotes")) of \($0.ath("totalStake")) staked)"
        },
        ev(.governance, "ProposalQueued", [("proposalId", .uint256), ("executableBlock", .uint256)], indexed: ["proposalId"]) {
            "proposal \($0.uint("proposalId")) queued: executable from block \($0.uint("executableBlock"))"
        },
        ev(.governance, "DepositBurned", [("proposalId", .uint256), ("amount", .uint256)], indexed: ["proposalId"]) {
            "proposal \($0.uint("proposalId")) was vetoed: its deposit of \($0.ath("amount")) was burned"
        },
        ev(.governance, "ProposalExecuted", [("proposalId", .uint256)], indexed: ["proposalId"]) {
            "proposal \($0.uint("proposalId")) executed"
        },
        ev(.governance, "DepositRefunded", [("proposalId", .uint256), ("depositor", .address), ("amount", .uint256)],
           indexed: ["proposalId", "depositor"]) {
            "\($0.ath("amount")) of deposit on proposal \($0.uint("proposalId")) refunded to \($0.address("depositor"))"
        },
        ev(.governance, "TreasuryReceived", [("sender", .address), ("amount", .uint256)], indexed: ["sender"]) {
            "the treasury received \($0.ath("amount")) from \($0.address("sender"))"
        },
    ]

    static let params: [ProtocolEventSpec] = [
        ev(.params, "ParamChanged", [("name", .string), ("oldValue", .uint256), ("newValue", .uint256)]) {
            let name = $0["name"].stringValue
            return "parameter \(name) changed from \(ProtocolFormat.param(name, $0.uint("oldValue"))) to \(ProtocolFormat.param(name, $0.uint("newValue")))"
        },
    ]
}

/// One decoded protocol event from a receipt.
struct DecodedEvent {
    let spec: ProtocolEventSpec
    let args: [(String, ABIValue)]

    var summary: String { spec.summary(EventArgs(values: args)) }

    /// The event as JSON; its `args` by name, `uint8` as numbers, other integers as decimal strings.
    var json: JSON {
        .object([("contract", .string(spec.contract.rawValue)), ("event", .string(spec.event.name)),
                 ("args", .object(zip(spec.event.params, args).map { ($0.name, ProtocolFormat.json($1.1, $0.indexed && $0.type.isDynamic ? .bytes32 : $0.type)) })),
                 ("summary", .string(summary))])
    }

    /// The protocol events in a receipt's logs, in log order; logs of other contracts or
    /// unknown events are skipped, a malformed protocol log is an error.
    static func fromReceipt(_ receipt: JSON) throws -> [DecodedEvent] {
        var out: [DecodedEvent] = []
        for (i, log) in (receipt["logs"]?.arrayValue ?? []).enumerated() {
            guard let address = try NodeValue.address(log["address"], "log address"),
                  let contract = ProtocolContract(address: address),
                  let topicList = log["topics"]?.arrayValue, let first = topicList.first else { continue }
            let topic0 = try NodeValue.hash(first, "log topic")
            guard let spec = ProtocolEvents.all.first(where: { $0.contract == contract && $0.event.topic0 == topic0 }) else { continue }
            let topics = try topicList.map { try NodeValue.hash($0, "log topic") }
            guard let dataText = log["data"]?.stringValue, let data = try? Hex.decode(dataText) else {
                throw NodeValue.invalid("log data", log["data"])
            }
            do {
                out.append(DecodedEvent(spec: spec, args: try spec.event.decode(topics: topics, data: data)))
            } catch {
                throw CLIError("the node sent a malformed \(contract.rawValue).\(spec.event.name) log (log \(i)): \(error.description)")
            }
        }
        return out
    }
}

// MARK: Formatting

enum ProtocolFormat {
    /// `1,000 ATH`, `0.25 ATH`.
    static func ath(_ wei: UInt256) -> String {
        let plain = NodeFormat.athNumber(wei)
        let parts = plain.split(separator: ".", maxSplits: 1)
        var whole = String(parts.first ?? "0")
        var grouped = ""
        while whole.count > 3 {
            grouped = "," + whole.suffix(3) + grouped
            whole = String(whole.dropLast(3))
        }
        grouped = whole + grouped
        return (parts.count == 2 ? grouped + "." + parts[1] : grouped) + " ATH"
    }

    /// Basis points as a percentage: 500 → `5%`, 1234 → `12.34%`.
    static func bps(_ v: UInt256) -> String {
        guard let n = v.uint64IfFits else { return "\(v) bps" }
        let whole = n / 100, frac = n % 100
        if frac == 0 { return "\(whole)%" }
        return frac % 10 == 0 ? "\(whole).\(frac / 10)%" : "\(whole).\(frac < 10 ? "0" : "")\(frac)%"
    }

    static func role(_ r: UInt256) -> String {
        r.uint64IfFits.flatMap { UInt8(exactly: $0) }.flatMap(StakeRole.init(rawValue:))?.name ?? "role-\(r)"
    }

    /// A parameter's value with its unit: amounts in ATH, rates in percent, durations in blocks.
    static func param(_ name: String, _ v: UInt256) -> String {
        if name.hasSuffix("Bps") { return "\(v) (\(bps(v)))" }
        if name.hasSuffix("Stake") || name.contains("StakeClass") || name == "blockReward" || name == "govMinDeposit" {
            return "\(v) (\(ath(v)))"
        }
        if name.hasSuffix("Blocks") || name == "epochLength" || name == "downtimeWindow" { return "\(v) blocks" }
        return v.description
    }

    /// What a proposal does: `Params.set("protocolFeeBps", 1500)` or `call 0x… with 0x… (value)`.
    static func call(target: Address, data: [UInt8], value: UInt256) -> String {
        var text: String
        if target == ProtocolContract.params.address, let args = try? ParamsABI.set.decodeCall(data), args.count == 2 {
            text = "Params.set(\"\(args[0].stringValue)\", \(args[1].uintValue))"
        } else if data.isEmpty {
            text = "transfer to \(target.checksummed)"
        } else {
            let name = ProtocolContract(address: target).map { $0.rawValue + " " } ?? ""
            text = "call \(name)\(target.checksummed) with \(data.count) bytes of call data"
        }
        if !value.isZero { text += " sending \(ath(value)) from the treasury" }
        return text
    }

    /// A decoded value as JSON: `uint8` a number, other integers decimal strings, bytes hex, addresses checksummed.
    static func json(_ v: ABIValue, _ type: ABIType) -> JSON {
        switch (v, type) {
        case (.uint(let n), .uint(let bits)) where bits <= 32: return .number(n.description)
        case (.uint, .int): return .string(ABISignature.text(v, type))
        case (.uint(let n), _): return .string(n.description)
        case (.address(let a), _): return .string(a.checksummed)
        case (.bool(let b), _): return .bool(b)
        case (.string(let s), _): return .string(s)
        case (.bytes(let b), _), (.fixedBytes(let b), _): return .string(Hex.encode(b))
        case (.tuple(let items), .tuple(let types)): return .array(zip(items, types).map { json($0, $1) })
        case (.array(let items), .array(let t)), (.tuple(let items), .fixedArray(let t, _)): return .array(items.map { json($0, t) })
        default: return .null
        }
    }
}
