import ArgumentParser
import Foundation
import AthClient
import AthCrypto
import AthPrimitives
import AthRPC
import AthTypes

/// `ath stake`: register as validator, operator or checker, add stake, show an account's stakes.
struct StakeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stake",
        abstract: "Stake ATH as a validator, GPU operator or checker (Staking at 0x…1001).",
        discussion: """
        Amounts take a unit (1000ath; a bare number is wei). Each command checks the call against the \
        latest state first: a refusal prints the contract's reason and exits 1 without sending anything.
        """,
        subcommands: [Validator.self, Operator.self, Checker.self, Add.self, Show.self])

    struct Validator: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register the signing account as a validator.",
            discussion: """
            Staking binds a consensus key only with its proof of possession: the key's ed25519 signature of \
            Staking.popDigest(account, key). With --validator-key-file (the node's config/validator_key.json) \
            the command signs it; a key held elsewhere passes the signature with --proof.
            """)
        @Option(help: "The ed25519 consensus public key, 32 bytes of hex (default: the key file's).") var consensusKey: String?
        @Option(help: "The node's validator key file (config/validator_key.json) that signs the proof of possession.")
        var validatorKeyFile: String?
        @Option(help: "The proof of possession, 64 bytes of hex, when the key is not in a file here.") var proof: String?
        @Option(help: "Share of the delegators' rewards the validator keeps, in basis points (500 = 5%).") var commissionBps: UInt64
        @Option(help: "Self stake (at least the validatorMinStake parameter).") var amount: String
        @OptionGroup var sender: ProtocolSender

        func run() throws {
            try reporting {
                guard (validatorKeyFile == nil) != (proof == nil) else {
                    throw CLIError("give --validator-key-file (to sign the proof of possession) or --proof, one of them")
                }
                let secret = try validatorKeyFile.map(Self.loadKey)
                var key = try consensusKey.map { try parseBytes32($0, option: "--consensus-key") }
                if let secret {
                    if let key, key != secret.publicKey.bytes {
                        throw CLIError("--consensus-key is not the public key of \(validatorKeyFile ?? "")")
                    }
                    key = secret.publicKey.bytes
                }
                guard let key else { throw CLIError("--consensus-key is required with --proof") }
                let stake = try parseAmount(amount)
                try sender.requireAtLeast(stake, try sender.param("validatorMinStake"), "Staking: stake below the validator minimum")
                let session = try sender.session()
                let signature: [UInt8]
                if let secret {
                    let digest = try session.view(.staking, StakingABI.popDigest,
                                                  [.address(session.key.address), .fixedBytes(key)])
                    guard let d = digest.first?.bytesValue, d.count == 32 else { throw CLIError("Staking.popDigest gave no digest") }
                    signature = secret.sign(d)
                } else {
                    signature = try parseData(proof ?? "", option: "--proof")
                    guard signature.count == 64 else { throw CLIError("--proof takes 64 bytes of hex, not \(signature.count)") }
                }
                try session.send(ProtocolCall(contract: .staking, function: StakingABI.registerValidator,
                                              args: [.fixedBytes(key), .uint(UInt256(commissionBps)), .bytes(signature)],
                                              value: stake)).print(json: sender.node.json)
            }
        }

        /// The seed of a `{"type": "ed25519", "seed": "<hex>"}` key file (athd's format).
        static func loadKey(_ path: String) throws -> Ed25519PrivateKey {
            guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("cannot read \(path)") }
            guard data.count <= 1 << 16,
                  let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  obj["type"] as? String == "ed25519", let seedHex = obj["seed"] as? String,
                  let seed = try? Hex.decode(seedHex), let key = try? Ed25519PrivateKey(seed: seed) else {
                throw CLIError("\(path) is not an ed25519 key file ({\"type\": \"ed25519\", \"seed\": \"<hex>\"})")
            }
            return key
        }
    }

    struct Operator: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register the signing account as a GPU operator.",
            discussion: "The stake must cover gpu-count × operatorStakeClass0/1/2 (memory < 24, 24–80, > 80 GiB).")
        @Option(help: "GPU model, e.g. \"NVIDIA H100 80GB HBM3\" (at most 64 bytes).") var gpuModel: String
        @Option(help: "Number of GPUs.") var gpuCount: UInt64
        @Option(name: .customLong("gpu-memory-gib"), help: "Memory per GPU in GiB.") var gpuMemoryGiB: UInt64
        @Option(help: "URL where customers reach the operator (at most 128 bytes).") var endpoint: String
        @Option(help: "Stake.") var amount: String
        @OptionGroup var sender: ProtocolSender

        func run() throws {
            try reporting {
                try checkLength(gpuModel, 64, "--gpu-model")
                try checkLength(endpoint, 128, "--endpoint")
                let stake = try parseAmount(amount)
                if gpuCount > 0 && gpuCount <= 1024 && gpuMemoryGiB > 0 {
                    // Staking's classes: memory < 24 GiB, 24–80 GiB, > 80 GiB.
                    let perGPU = try sender.param(gpuMemoryGiB < 24 ? "operatorStakeClass0"
                                                  : gpuMemoryGiB <= 80 ? "operatorStakeClass1" : "operatorStakeClass2")
                    try sender.requireAtLeast(stake, perGPU &* UInt256(gpuCount), "Staking: stake below the operator's required stake",
                                              for: " for \(gpuCount) × \(gpuMemoryGiB) GiB GPU\(gpuCount == 1 ? "" : "s")")
                }
                try sender.run(ProtocolCall(contract: .staking, function: StakingABI.registerOperator,
                                            args: [.string(gpuModel), .uint(UInt256(gpuCount)), .uint(UInt256(gpuMemoryGiB)),
                                                   .string(endpoint)],
                                            value: stake))
            }
        }
    }

    struct Checker: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register the signing account as a checker.")
        @Option(help: "URL where the checker is reached (at most 128 bytes).") var endpoint: String
        @Option(help: "Stake (at least the checkerMinStake parameter).") var amount: String
        @OptionGroup var sender: ProtocolSender

        func run() throws {
            try reporting {
                try checkLength(endpoint, 128, "--endpoint")
                let stake = try parseAmount(amount)
                try sender.requireAtLeast(stake, try sender.param("checkerMinStake"), "Staking: stake below the checker minimum")
                try sender.run(ProtocolCall(contract: .staking, function: StakingABI.registerChecker,
                                            args: [.string(endpoint)], value: stake))
            }
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add stake to a role the signing account holds.")
        @Option(help: "validator, operator or checker.") var role: String
        @Option(help: "Stake to add.") var amount: String
        @OptionGroup var sender: ProtocolSender

        func run() throws {
            try reporting {
                let r = try StakeRole.parse(role, allowDelegation: false)
                try sender.run(ProtocolCall(contract: .staking, function: StakingABI.addStake,
                                            args: [.uint(UInt256(UInt64(r.rawValue)))], value: try parseAmount(amount)))
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show an account's stakes: validator, operator, checker, delegations, unbonding, rewards.")
        @OptionGroup var node: NodeOptions
        @Argument(help: "The account's address.") var address: String

        func run() throws {
            try reporting {
                let a = try parseAddress(address)
                let client = try node.client()
                func view(_ f: ABIFunction, _ args: [ABIValue]) throws -> [ABIValue] { try ProtocolRPC.view(client, .staking, f, args) }
                let v = try view(StakingABI.validators, [.address(a)])[0].items
                let o = try view(StakingABI.operators, [.address(a)])[0].items
                let c = try view(StakingABI.checkers, [.address(a)])[0].items
                let delegatedTo = try view(StakingABI.delegations, [.address(a)])[0].items.map(\.addressValue)
                let delegations = try delegatedTo.map { ($0, try view(StakingABI.delegation, [.address($0), .address(a)])[0].uintValue) }
                let unbonding = try view(StakingABI.unbondingEntries, [.address(a)])[0].items.map(\.items)
                let bonded = try view(StakingABI.bonded, [.address(a)])[0].uintValue
                let pending = try view(StakingABI.pendingRewards, [.address(a)])[0].uintValue
                func param(_ name: String) throws -> UInt256 {
                    try ProtocolRPC.view(client, .params, ParamsABI.get, [.string(name)])[0].uintValue
                }
                let unbondingOf = { (role: UInt64) in
                    unbonding.filter { $0[0].uintValue == UInt256(role) }.reduce(UInt256.zero) { $0 &+ $1[1].uintValue }
                }
                // Why a role does not count now (nil: it does).
                var operatorInactive: String?
                if o[5].boolValue {
                    let memory = o[2].uintValue, count = o[1].uintValue
                    let perGPU = try param(memory < UInt256(24) ? "operatorStakeClass0"
                                           : memory <= UInt256(80) ? "operatorStakeClass1" : "operatorStakeClass2")
                    let required = perGPU &* count
                    if o[4].uintValue < required {
                        operatorInactive = "stake \(ProtocolFormat.ath(o[4].uintValue)) below the required \(ProtocolFormat.ath(required)) for \(count) × \(memory) GiB GPU\(count == .one ? "" : "s")"
                            + (unbondingOf(2).isZero ? "" : " (\(ProtocolFormat.ath(unbondingOf(2))) unbonding)")
                    }
                } else {
                    operatorInactive = "not registered"
                }
                var checkerInactive: String?
                if !c[2].boolValue {
                    checkerInactive = "not registered"
                } else if !c[3].boolValue {
                    checkerInactive = "deactivated" + (unbondingOf(3).isZero ? "" : " (\(ProtocolFormat.ath(unbondingOf(3))) unbonding)")
                } else {
                    let minimum = try param("checkerMinStake")
                    if c[1].uintValue < minimum {
                        checkerInactive = "stake \(ProtocolFormat.ath(c[1].uintValue)) below the checker minimum \(ProtocolFormat.ath(minimum))"
                    }
                }
                var validatorInactive: String?
                if v[6].boolValue {
                    validatorInactive = "banned for double signing"
                } else if !v[7].boolValue {
                    validatorInactive = "not registered"
                } else if v[5].boolValue {
                    validatorInactive = "jailed until block \(v[4].uintValue) (then `ath unjail`)"
                } else {
                    let minimum = try param("validatorMinStake")
                    if v[2].uintValue < minimum {
                        validatorInactive = "self stake \(ProtocolFormat.ath(v[2].uintValue)) below the validator minimum \(ProtocolFormat.ath(minimum))"
                    }
                }
                func status(_ reason: String?) -> String { reason.map { "inactive: \($0)" } ?? "active" }
                func statusJSON(_ reason: String?) -> [(String, JSON)] {
                    [("active", .bool(reason == nil))] + (reason.map { [("inactiveReason", JSON.string($0))] } ?? [])
                }

                if node.json {
                    var members: [(String, JSON)] = [("address", .string(a.checksummed)), ("bonded", .string(bonded.description)),
                                                     ("pendingRewards", .string(pending.description))]
                    if v[2].uintValue > .zero || v[7].boolValue || v[6].boolValue {
                        members.append(("validator", .object([
                            ("consensusKey", .string(Hex.encode(v[0].bytesValue))), ("commissionBps", .number(v[1].uintValue.description)),
                            ("selfStake", .string(v[2].uintValue.description)), ("delegated", .string(v[3].uintValue.description)),
                            ("jailedUntil", .number(v[4].uintValue.description)), ("jailed", .bool(v[5].boolValue)),
                            ("banned", .bool(v[6].boolValue)), ("registered", .bool(v[7].boolValue))] + statusJSON(validatorInactive))))
                    }
                    if o[4].uintValue > .zero || o[5].boolValue {
                        members.append(("operator", .object([
                            ("gpuModel", .string(o[0].stringValue)), ("gpuCount", .number(o[1].uintValue.description)),
                            ("gpuMemoryGiB", .number(o[2].uintValue.description)), ("endpoint", .string(o[3].stringValue)),
                            ("stake", .string(o[4].uintValue.description)), ("registered", .bool(o[5].boolValue))]
                            + statusJSON(operatorInactive))))
                    }
                    if c[1].uintValue > .zero || c[2].boolValue {
                        members.append(("checker", .object([
                            ("endpoint", .string(c[0].stringValue)), ("stake", .string(c[1].uintValue.description)),
                            ("registered", .bool(c[2].boolValue))] + statusJSON(checkerInactive))))
                    }
                    members.append(("delegations", .array(delegations.map {
                        .object([("validator", .string($0.0.checksummed)), ("amount", .string($0.1.description))])
                    })))
                    members.append(("unbonding", .array(unbonding.map {
                        var entry: [(String, JSON)] = [
                            ("role", .string(ProtocolFormat.role($0[0].uintValue))), ("amount", .string($0[1].uintValue.description)),
                            ("createdBlock", .number($0[2].uintValue.description)), ("releaseBlock", .number($0[3].uintValue.description))]
                        if $0[0].uintValue == UInt256(4) { entry.append(("validator", .string($0[4].addressValue.checksummed))) }
                        return .object(entry)
                    })))
                    JSON.object(members).printPretty()
                    return
                }
                var rows: [(String, String)] = [("address", a.checksummed), ("bonded", ProtocolFormat.ath(bonded)),
                                                ("pending rewards", ProtocolFormat.ath(pending))]
                if v[2].uintValue > .zero || v[7].boolValue || v[6].boolValue {
                    rows.append(("validator", "self stake \(ProtocolFormat.ath(v[2].uintValue)), delegated \(ProtocolFormat.ath(v[3].uintValue)), commission \(ProtocolFormat.bps(v[1].uintValue)), \(status(validatorInactive))"))
                    rows.append(("consensus key", Hex.encode(v[0].bytesValue)))
                }
                if o[4].uintValue > .zero || o[5].boolValue {
                    rows.append(("operator", "\(o[1].uintValue) × \(o[0].stringValue) (\(o[2].uintValue) GiB), stake \(ProtocolFormat.ath(o[4].uintValue)), endpoint \(o[3].stringValue), \(status(operatorInactive))"))
                }
                if c[1].uintValue > .zero || c[2].boolValue {
                    rows.append(("checker", "stake \(ProtocolFormat.ath(c[1].uintValue)), endpoint \(c[0].stringValue), \(status(checkerInactive))"))
                }
                for (validator, amount) in delegations { rows.append(("delegation", "\(ProtocolFormat.ath(amount)) to \(validator.checksummed)")) }
                for e in unbonding {
                    let to = e[0].uintValue == UInt256(4) ? " to \(e[4].addressValue.checksummed)" : ""
                    rows.append(("unbonding", "\(ProtocolFormat.ath(e[1].uintValue)) of \(ProtocolFormat.role(e[0].uintValue)) stake\(to), withdrawable from block \(e[3].uintValue)"))
                }
                NodeFormat.printRows(rows)
            }
        }
    }
}

/// `ath delegate`: delegate ATH to a validator.
struct DelegateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delegate", abstract: "Delegate ATH to a registered validator (Staking.delegate).")
    @Argument(help: "The validator's address.") var validator: String
    @Option(help: "Amount to delegate.") var amount: String
    @OptionGroup var sender: ProtocolSender

    func run() throws {
        try reporting {
            try sender.run(ProtocolCall(contract: .staking, function: StakingABI.delegate,
                                        args: [.address(try parseAddress(validator))], value: try parseAmount(amount)))
        }
    }
}

/// `ath unbond`: move stake into the unbonding queue.
struct UnbondCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unbond", abstract: "Start unbonding stake; `ath withdraw` pays it out after unbondingBlocks.",
        discussion: "--role delegation takes --validator, the validator the stake is delegated to.")
    @Option(help: "validator, operator, checker or delegation.") var role: String
    @Option(help: "The validator of a delegation.") var validator: String?
    @Option(help: "Amount to unbond.") var amount: String
    @OptionGroup var sender: ProtocolSender

    func run() throws {
        try reporting {
            let r = try StakeRole.parse(role, allowDelegation: true)
            let v = try validator.map(parseAddress)
            if r == .delegation, v == nil { throw CLIError("--role delegation needs --validator, the validator delegated to") }
            if r != .delegation, v != nil { throw CLIError("--validator applies to --role delegation only") }
            try sender.run(ProtocolCall(contract: .staking, function: StakingABI.unbond,
                                        args: [.uint(UInt256(UInt64(r.rawValue))), .address(v ?? .zero), .uint(try parseAmount(amount))]))
        }
    }
}

/// `ath withdraw`: pay out matured unbonding entries.
struct WithdrawCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "withdraw", abstract: "Withdraw the signing account's matured unbonded stake (Staking.withdraw).")
    @OptionGroup var sender: ProtocolSender

    func run() throws {
        try reporting { try sender.run(ProtocolCall(contract: .staking, function: StakingABI.withdraw)) }
    }
}

/// `ath unjail`: a jailed validator rejoins the candidates.
struct UnjailCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unjail", abstract: "Unjail the signing validator after its jail period (Slashing.unjail).")
    @OptionGroup var sender: ProtocolSender

    func run() throws {
        try reporting { try sender.run(ProtocolCall(contract: .slashing, function: SlashingABI.unjail)) }
    }
}

/// `ath rewards`: claim or show staking rewards.
struct RewardsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rewards", abstract: "Claim or show staking rewards.", subcommands: [Claim.self, Show.self])

    struct Claim: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Claim the signing account's rewards (Staking.claimRewards).")
        @OptionGroup var sender: ProtocolSender

        func run() throws {
            try reporting { try sender.run(ProtocolCall(contract: .staking, function: StakingABI.claimRewards)) }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show what `ath rewards claim` would pay an account now.")
        @OptionGroup var node: NodeOptions
        @Argument(help: "The account's address.") var address: String

        func run() throws {
            try reporting {
                let a = try parseAddress(address)
                let pending = try ProtocolRPC.view(try node.client(), .staking, StakingABI.pendingRewards, [.address(a)])[0].uintValue
                if node.json {
                    JSON.object([("address", .string(a.checksummed)), ("pendingRewards", .string(pending.description)),
                                 ("pendingRewardsATH", .string(NodeFormat.athNumber(pending)))]).printPretty()
                } else {
                    NodeFormat.printRows([("address", a.checksummed), ("pending rewards", NodeFormat.amount(pending))])
                }
            }
        }
    }
}

/// Refuses text longer than a contract's `String[n]`.
func checkLength(_ text: String, _ limit: Int, _ option: String) throws {
    guard text.utf8.count <= limit else { throw CLIError("\(option) is \(text.utf8.count) bytes long; the contract takes at most \(limit)") }
}
