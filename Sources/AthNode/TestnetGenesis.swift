import AthClient
import AthPrimitives
import AthCrypto
import AthTypes

/// Staking's constructor arguments (`Contracts/Staking.vy` `__init__`): the
/// stakes that exist from genesis. The genesis must give Staking a balance of
/// `totalStake`, since no value is sent with the constructor.
public struct StakingGenesis: Sendable, Equatable {
    public struct Validator: Sendable, Equatable {
        public var account: Address
        /// The ed25519 public key the validator signs consensus messages with.
        public var consensusKey: Hash32
        public var commissionBps: UInt256
        public var stake: UInt256
        public init(account: Address, consensusKey: Hash32, commissionBps: UInt256, stake: UInt256) {
            self.account = account; self.consensusKey = consensusKey; self.commissionBps = commissionBps; self.stake = stake
        }
    }

    public struct Operator: Sendable, Equatable {
        public var account: Address
        public var gpuModel: String
        public var gpuCount: UInt256
        public var gpuMemoryGiB: UInt256
        public var endpoint: String
        public var stake: UInt256
        public init(account: Address, gpuModel: String, gpuCount: UInt256, gpuMemoryGiB: UInt256, endpoint: String, stake: UInt256) {
            self.account = account; self.gpuModel = gpuModel; self.gpuCount = gpuCount
            self.gpuMemoryGiB = gpuMemoryGiB; self.endpoint = endpoint; self.stake = stake
        }
    }

    public struct Checker: Sendable, Equatable {
        public var account: Address
        public var endpoint: String
        public var stake: UInt256
        public init(account: Address, endpoint: String, stake: UInt256) {
            self.account = account; self.endpoint = endpoint; self.stake = stake
        }
    }

    public var validators: [Validator]
    public var operators: [Operator]
    public var checkers: [Checker]

    public init(validators: [Validator], operators: [Operator], checkers: [Checker]) {
        self.validators = validators; self.operators = operators; self.checkers = checkers
    }

    /// The sum of every stake: Staking's genesis balance; nil past 2^256.
    public var totalStake: UInt256? {
        checkedSum(validators.map(\.stake) + operators.map(\.stake) + checkers.map(\.stake))
    }

    /// The Solidity ABI encoding of `(GenesisValidator[], GenesisOperator[],
    /// GenesisChecker[])`, as appended to Staking's creation code.
    public func encodedArguments() -> [UInt8] {
        let v: [ABIValue] = validators.map { .tuple([.address($0.account), .fixedBytes($0.consensusKey.bytes), .uint($0.commissionBps), .uint($0.stake)]) }
        let o: [ABIValue] = operators.map {
            .tuple([.address($0.account), .string($0.gpuModel), .uint($0.gpuCount), .uint($0.gpuMemoryGiB), .string($0.endpoint), .uint($0.stake)])
        }
        let c: [ABIValue] = checkers.map { .tuple([.address($0.account), .string($0.endpoint), .uint($0.stake)]) }
        return ABI.encode([.array(v), .array(o), .array(c)])
    }
}

/// The sum, or nil when it overflows 256 bits.
func checkedSum(_ values: [UInt256]) -> UInt256? {
    var total = UInt256.zero
    for v in values {
        let (sum, overflow) = total.addingReportingOverflow(v)
        if overflow { return nil }
        total = sum
    }
    return total
}

/// The genesis of a multi-validator test network (`athd testnet`): the
/// devnet's chain settings, parameters, prefunded dev accounts, contracts,
/// GPU operator and checkers, with the validator set replaced by the given
/// validators (the devnet validator's stake and commission each).
public enum TestnetGenesis {
    /// What each validator account gets in `alloc` to pay for its transactions.
    public static let validatorFunding = UInt256(decimal: "100000000000000000000")!  // 100 ATH
    /// Staking keeps at most this many genesis entries of each kind (`MAX_GENESIS`).
    public static let maxValidators = 100

    /// The genesis JSON text. `validatorFunding` is added to each validator
    /// account's balance (zero reproduces the devnet itself when given the
    /// devnet validator and chain id 7331).
    public static func make(chainID: UInt64, validators: [(account: Address, consensusKey: Hash32)],
                            validatorFunding: UInt256 = validatorFunding) throws(NodeError) -> String {
        guard chainID > 0 else { throw NodeError("the chain id must be positive") }
        guard (1...maxValidators).contains(validators.count) else {
            throw NodeError("a testnet needs 1 to \(maxValidators) validators, not \(validators.count)")
        }
        var accounts = Set<Address>(), keys = Set<Hash32>()
        for v in validators {
            guard accounts.insert(v.account).inserted else { throw NodeError("validator account \(v.account) is listed twice") }
            guard keys.insert(v.consensusKey).inserted else { throw NodeError("consensus key \(v.consensusKey) is listed twice") }
        }
        let devnet: Genesis
        do { devnet = try Genesis(json: Array(DevChain.genesisJSON.utf8)) } catch { throw NodeError("the embedded devnet genesis: \(error)") }
        guard let stakingIndex = devnet.contracts.firstIndex(where: { $0.address == ProtocolContracts.staking }),
              let template = DevChain.stakingGenesis.validators.first else {
            throw NodeError("the embedded devnet genesis has no Staking contract or no validator")
        }

        var staking = DevChain.stakingGenesis
        staking.validators = validators.map {
            .init(account: $0.account, consensusKey: $0.consensusKey, commissionBps: template.commissionBps, stake: template.stake)
        }
        var contracts = devnet.contracts
        contracts[stakingIndex].initCode = Array(contracts[stakingIndex].initCode.prefix(DevChain.stakingCreationCodeCount))
            + staking.encodedArguments()

        var balances: [Address: UInt256] = [:]
        for entry in devnet.alloc where entry.address != ProtocolContracts.staking {
            guard entry.account == GenesisAccount(balance: entry.account.balance) else {
                throw NodeError("the devnet alloc entry \(entry.address) holds more than a balance")
            }
            balances[entry.address] = entry.account.balance
        }
        for v in validators {
            guard let funded = checkedSum([balances[v.account] ?? .zero, validatorFunding]) else {
                throw NodeError("validator account \(v.account)'s balance overflows")
            }
            balances[v.account] = funded
        }
        guard let staked = staking.totalStake else { throw NodeError("the genesis stakes add up to more than 2^256 wei") }
        balances[ProtocolContracts.staking] = staked

        let comment = "ATH testnet of \(validators.count) validators, written by athd testnet: the devnet's settings, "
            + "prefunded dev accounts (key i = keccak256(\\\"ath devnet account i\\\")), contracts, GPU operator and checkers, "
            + "with its own validators. Never use the dev keys on a real network."
        return render(comment: comment, chainID: chainID, devnet: devnet,
                      alloc: balances.sorted { $0.key < $1.key }, contracts: contracts)
    }

    /// The JSON in the layout of `Genesis/devnet.json` (alloc sorted by address).
    static func render(comment: String, chainID: UInt64, devnet: Genesis,
                       alloc: [(key: Address, value: UInt256)], contracts: [GenesisContract]) -> String {
        var out = "{\n"
        out += "  \"comment\": \"\(comment)\",\n"
        out += "  \"chainId\": \(chainID),\n"
        out += "  \"timestamp\": \(devnet.timestamp),\n"
        out += "  \"gasLimit\": \(devnet.gasLimit),\n"
        out += "  \"baseFeePerGas\": \"\(devnet.baseFeePerGas)\",\n"
        out += "  \"minBaseFeePerGas\": \"\(devnet.minBaseFeePerGas)\",\n"
        out += "  \"extraData\": \"\(Hex.encode(devnet.extraData))\",\n"
        out += "  \"alloc\": {\n"
        out += alloc.map { "    \"\($0.key)\": {\n      \"balance\": \"\($0.value)\"\n    }" }.joined(separator: ",\n")
        out += "\n  },\n  \"contracts\": [\n"
        out += contracts.map {
            "    {\n      \"name\": \"\($0.name)\",\n      \"address\": \"\($0.address)\",\n      \"initCode\": \"\(Hex.encode($0.initCode))\"\n    }"
        }.joined(separator: ",\n")
        out += "\n  ]\n}\n"
        return out
    }
}
