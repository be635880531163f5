import ArgumentParser
import AthClient
import AthCrypto
import AthPrimitives
import AthRPC
import AthTypes

/// `ath gov`: proposals, votes and execution (Governance at 0x…1005).
struct GovCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gov",
        abstract: "Propose, vote on, tally, execute and show governance proposals (Governance at 0x…1005).",
        discussion: """
        A proposal enters voting once its deposits reach govMinDeposit; votes are weighted by the voter's \
        bonded stake when voting started. After the voting period `ath gov execute` tallies it and, once \
        a passed proposal's timelock is over, executes it.
        """,
        subcommands: [Propose.self, Deposit.self, Vote.self, Tally.self, Execute.self, Show.self])

    static let votingState = UInt256(1), passedState = UInt256(2)

    struct Propose: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Submit a proposal: a call of --target with --calldata, or a parameter change with --param and --value.")
        @Option(help: "The contract the proposal calls.") var target: String?
        @Option(help: "The call data, hex.") var calldata: String?
        @Option(help: "A parameter to change (builds Params.set(NAME, VALUE) calldata for target Params).") var param: String?
        @Option(help: "The parameter's new value, a whole number in its unit (wei, bps, blocks).") var value: String?
        @Option(help: "ATH the call sends from the treasury.") var callValue: String = "0"
        @Option(help: "What the proposal does and why (at most 256 bytes).") var description: String
        @Option(help: "The proposer's deposit (the proposal enters voting at govMinDeposit).") var deposit: String
        @OptionGroup var sender: ProtocolSender

        func run() throws {
            try reporting {
                let targetAddress: Address, data: [UInt8]
                switch (param, value, target, calldata) {
                case (let name?, let v?, nil, nil):
                    try checkLength(name, 32, "--param")
                    targetAddress = ProtocolContract.params.address
                    let newValue = try parseCount(v, option: "--value")
                    data = try abi(ParamsABI.set.encodeCall([.string(name), .uint(newValue)]))
                case (nil, nil, let t?, let d):
                    targetAddress = try parseAddress(t)
                    data = try parseData(d ?? "0x", option: "--calldata")
                default:
                    throw CLIError("give either --param NAME --value N, or --target ADDRESS [--calldata HEX]")
                }
                guard data.count <= 2048 else { throw CLIError("the call data is \(data.count) bytes; a proposal takes at most 2048") }
                try checkLength(description, 256, "--description")
                try sender.run(ProtocolCall(contract: .governance, function: GovernanceABI.propose,
                                            args: [.address(targetAddress), .uint(try parseAmount(callValue)), .bytes(data),
                                                   .string(description)],
                                            value: try parseAmount(deposit)))
            }
        }
    }

    struct Deposit: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add to a proposal's deposit during its deposit period.")
        @Argument(help: "The proposal id.") var proposal: String
        @Option(help: "Amount to deposit.") var amount: String
        @OptionGroup var sender: ProtocolSender

        func run() throws {
            try reporting {
                try sender.run(ProtocolCall(contract: .governance, function: GovernanceABI.deposit,
                                            args: [.uint(try parseID(proposal, what: "proposal id"))], value: try parseAmount(amount)))
            }
        }
    }

    struct Vote: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Vote on a proposal in voting, weighted by the voter's stake.")
        @Argument(help: "The proposal id.") var proposal: String
        @Argument(help: "yes, no, abstain or veto.") var option: String
        @OptionGroup var sender: ProtocolSender

        func run() throws {
            try reporting {
                guard let index = GovernanceABI.options.firstIndex(of: option.lowercased()) else {
                    throw CLIError("vote \"\(option)\" is not one of \(GovernanceABI.options.joined(separator: ", "))")
                }
                try sender.run(ProtocolCall(contract: .governance, function: GovernanceABI.vote,
                                            args: [.uint(try parseID(proposal, what: "proposal id")), .uint(UInt256(UInt64(index + 1)))]))
            }
        }
    }

    struct Tally: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a proposal's votes; with a signing key, decide it after its voting period (anyone may).",
            discussion: "Without --from, --private-key-file or --dev-account nothing is sent: the votes so far are shown, and whether a tally could be sent now.")
        @Argument(help: "The proposal id.") var proposal: String
        @OptionGroup var sender: ProtocolSender

        func run() throws {
            try reporting {
                let id = try parseID(proposal, what: "proposal id")
                guard sender.signing.givesKey else { return try show(id) }
                try sender.run(ProtocolCall(contract: .governance, function: GovernanceABI.tally, args: [.uint(id)]))
            }
        }

        /// The votes so far and whether a tally would be accepted now (an eth_call; nothing is sent).
        func show(_ id: UInt256) throws {
            let client = try sender.node.client()
            let p = try ProtocolRPC.view(client, .governance, GovernanceABI.proposal, [.uint(id)])[0].items
            let u = { (i: Int) in p[i].uintValue }
            guard !u(6).isZero else { throw CLIError("proposal \(id) does not exist") }
            let data = try abi(GovernanceABI.tally.encodeCall([.uint(id)]))
            var verdict = "a tally can be sent now (give --from, --private-key-file or --dev-account to send it)"
            do {
                _ = try ProtocolRPC.call(client, "eth_call", [ProtocolRPC.callObject(from: nil, to: ProtocolContract.governance.address,
                                                                                   value: .zero, data: data), .string("latest")])
            } catch let e as CLIError {
                verdict = "a tally now is refused: \(e.description)"
            }
            let state = GovernanceABI.stateName(u(16))
            if sender.node.json {
                JSON.object([
                    ("proposal", .number(id.description)), ("state", .string(state)),
                    ("yesVotes", .string(u(11).description)), ("noVotes", .string(u(12).description)),
                    ("abstainVotes", .string(u(13).description)), ("vetoVotes", .string(u(14).description)),
                    ("totalStake", .string(u(15).description)), ("votingEndBlock", .number(u(9).description)),
                    ("tallyNow", .string(verdict)),
                ]).printPretty()
                return
            }
            var rows: [(String, String)] = [("proposal", id.description), ("state", state),
                ("votes", "yes \(ProtocolFormat.ath(u(11))), no \(ProtocolFormat.ath(u(12))), abstain \(ProtocolFormat.ath(u(13))), veto \(ProtocolFormat.ath(u(14)))")]
            if !u(15).isZero { rows.append(("total stake", ProtocolFormat.ath(u(15)))) }
            if !u(8).isZero { rows.append(("voting ends", "block \(u(9))")) }
            rows.append(("tally", verdict))
            NodeFormat.printRows(rows)
        }
    }

    struct Execute: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Execute a passed proposal after its timelock; tallies it first when its voting has ended.")
        @Argument(help: "The proposal id.") var proposal: String
        @OptionGroup var sender: ProtocolSender

        func run() throws {
            try reporting {
                let id = try parseID(proposal, what: "proposal id")
                var session = try sender.session()
                let json = sender.node.json
                var p = try session.view(.governance, GovernanceABI.proposal, [.uint(id)])[0].items
                var tally: ProtocolOutcome?
                if p[16].uintValue == GovCommand.votingState {
                    let latest = UInt256(try session.client.blockNumber())
                    let end = p[9].uintValue
                    guard latest >= end else {
                        throw CLIError("proposal \(id) is in voting until block \(end) (now \(latest)); execute it after its voting and timelock")
                    }
                    var tallyOptions = session.options
                    tallyOptions.noWait = false
                    let tallySession = ProtocolSession(client: session.client, key: session.key, options: tallyOptions)
                    let outcome = try tallySession.send(ProtocolCall(contract: .governance, function: GovernanceABI.tally, args: [.uint(id)]))
                    tally = outcome
                    if !json { outcome.print(json: false) }
                    if let n = session.options.nonce { session.options.nonce = n + 1 }
                    p = try session.view(.governance, GovernanceABI.proposal, [.uint(id)])[0].items
                    if p[16].uintValue != GovCommand.passedState {
                        if json { JSON.object([("tally", outcome.json)]).printPretty() }
                        throw CLIError("proposal \(id) was \(GovernanceABI.stateName(p[16].uintValue)) at the tally: there is nothing to execute")
                    }
                    let next = UInt256(try session.client.blockNumber()) &+ .one
                    if next < p[10].uintValue {
                        // Tallied and passed: the work so far is done; execution waits for the timelock.
                        let later = "proposal \(id) passed; its timelock ends at block \(p[10].uintValue): run `ath gov execute \(id)` again from then"
                        if json {
                            JSON.object([("tally", outcome.json), ("executableBlock", .number(p[10].uintValue.description)),
                                         ("next", .string(later))]).printPretty()
                        } else {
                            print(later)
                        }
                        return
                    }
                }
                let executed = try session.send(ProtocolCall(contract: .governance, function: GovernanceABI.execute, args: [.uint(id)]))
                if json, let tally, case .object(let members) = executed.json {
                    JSON.object(members + [("tally", tally.json)]).printPretty()
                } else {
                    executed.print(json: json)
                }
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a proposal: its call, deposits, periods and votes.")
        @OptionGroup var node: NodeOptions
        @Argument(help: "The proposal id.") var proposal: String

        func run() throws {
            try reporting {
                let id = try parseID(proposal, what: "proposal id")
                let p = try ProtocolRPC.view(try node.client(), .governance, GovernanceABI.proposal, [.uint(id)])[0].items
                let u = { (i: Int) in p[i].uintValue }
                let state = GovernanceABI.stateName(u(16))
                let action = ProtocolFormat.call(target: p[1].addressValue, data: p[3].bytesValue, value: u(2))
                if node.json {
                    JSON.object([
                        ("proposal", .number(id.description)), ("state", .string(state)),
                        ("proposer", .string(p[0].addressValue.checksummed)), ("target", .string(p[1].addressValue.checksummed)),
                        ("value", .string(u(2).description)), ("callData", .string(Hex.encode(p[3].bytesValue))),
                        ("action", .string(action)), ("description", .string(p[4].stringValue)),
                        ("totalDeposit", .string(u(5).description)), ("submitBlock", .number(u(6).description)),
                        ("depositEndBlock", .number(u(7).description)), ("votingStartBlock", .number(u(8).description)),
                        ("votingEndBlock", .number(u(9).description)), ("executableBlock", .number(u(10).description)),
                        ("yesVotes", .string(u(11).description)), ("noVotes", .string(u(12).description)),
                        ("abstainVotes", .string(u(13).description)), ("vetoVotes", .string(u(14).description)),
                        ("totalStake", .string(u(15).description)),
                    ]).printPretty()
                    return
                }
                var rows: [(String, String)] = [
                    ("proposal", id.description), ("state", state), ("proposer", p[0].addressValue.checksummed),
                    ("action", action), ("description", p[4].stringValue), ("deposit", ProtocolFormat.ath(u(5))),
                    ("submitted", "block \(u(6))"),
                ]
                if u(8).isZero {
                    rows.append(("deposits until", "block \(u(7))"))
                } else {
                    rows.append(("voting", "blocks \(u(8) &+ .one) to \(u(9))"))
                }
                rows.append(("votes", "yes \(ProtocolFormat.ath(u(11))), no \(ProtocolFormat.ath(u(12))), abstain \(ProtocolFormat.ath(u(13))), veto \(ProtocolFormat.ath(u(14)))"))
                if !u(15).isZero { rows.append(("total stake", ProtocolFormat.ath(u(15)))) }
                if !u(10).isZero { rows.append(("executable from", "block \(u(10))")) }
                if !p[3].bytesValue.isEmpty { rows.append(("call data", Hex.encode(p[3].bytesValue))) }
                NodeFormat.printRows(rows)
            }
        }
    }
}

/// `ath params`: the protocol parameters (Params at 0x…1000).
struct ParamsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "params", abstract: "Show the protocol parameters (Params at 0x…1000), or one of them.")
    @OptionGroup var node: NodeOptions
    @Argument(help: "A parameter's name, e.g. protocolFeeBps (default: all).") var name: String?

    func run() throws {
        try reporting {
            let client = try node.client()
            if let name {
                try checkLength(name, 32, "the parameter name")
                let v = try ProtocolRPC.view(client, .params, ParamsABI.get, [.string(name)])[0].uintValue
                if node.json {
                    JSON.object([("name", .string(name)), ("value", .string(v.description))]).printPretty()
                } else {
                    print(ProtocolFormat.param(name, v))
                }
                return
            }
            let names = try ProtocolRPC.view(client, .params, ParamsABI.names)[0].items.map(\.stringValue)
            let values = try names.map { try ProtocolRPC.view(client, .params, ParamsABI.get, [.string($0)])[0].uintValue }
            if node.json {
                JSON.object(zip(names, values).map { ($0, .string($1.description)) }).printPretty()
            } else {
                NodeFormat.printRows(zip(names, values).map { ($0, ProtocolFormat.param($0, $1)) })
            }
        }
    }
}
