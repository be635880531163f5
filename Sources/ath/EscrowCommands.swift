import ArgumentParser
import AthClient
import AthCrypto
import AthPrimitives
import AthRPC
import AthTypes

/// `ath escrow`: compute jobs paid through Escrow (0x…1003).
struct EscrowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "escrow",
        abstract: "Create, accept, show and reclaim compute jobs (Escrow at 0x…1003).",
        subcommands: [Create.self, Accept.self, Commit.self, Show.self, Reclaim.self, Withdraw.self])

    static let jobStates = ["unknown", "open", "accepted", "committed", "settled", "reclaimed"]
    static let verdicts = ["-", "valid", "invalid", "unavailable"]

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a job paid with --price; without --operator any active operator may accept it.")
        @Option(help: "Hash of the job's specification, 32 bytes of hex.") var specHash: String
        @Option(help: "The operator the job is reserved for (default: open to any active operator).") var `operator`: String?
        @Option(help: "Payment held in escrow.") var price: String
        @Option(help: "Last block for the result: a block number, or +N for N blocks from the latest.") var deadline: String
        @OptionGroup var sender: ProtocolSender

        func run() throws {
            try reporting {
                let session = try sender.session()
                let d = try parseDeadline(deadline, client: session.client)
                let op = try `operator`.map(parseAddress) ?? .zero
                try session.send(ProtocolCall(contract: .escrow, function: EscrowABI.createJob,
                                              args: [.fixedBytes(try parseBytes32(specHash, option: "--spec-hash")), .address(op), .uint(d)],
                                              value: try parseAmount(price))).print(json: sender.node.json)
            }
        }
    }

    struct Accept: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Accept a job as the signing operator.")
        @Argument(help: "The job id.") var job: String
        @OptionGroup var sender: ProtocolSender

        func run() throws {
            try reporting {
                try sender.run(ProtocolCall(contract: .escrow, function: EscrowABI.acceptJob, args: [.uint(try parseID(job, what: "job id"))]))
            }
        }
    }

    struct Commit: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Commit an accepted job's result root, by the deadline.")
        @Argument(help: "The job id.") var job: String
        @Option(help: "The result's root hash, 32 bytes of hex.") var resultRoot: String
        @OptionGroup var sender: ProtocolSender

        func run() throws {
            try reporting {
                try sender.run(ProtocolCall(contract: .escrow, function: EscrowABI.commitResult,
                                            args: [.uint(try parseID(job, what: "job id")),
                                                   .fixedBytes(try parseBytes32(resultRoot, option: "--result-root"))]))
            }
        }
    }

    struct Reclaim: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take a job's payment back after its deadline when no result was committed.")
        @Argument(help: "The job id.") var job: String
        @OptionGroup var sender: ProtocolSender

        func run() throws {
            try reporting {
                try sender.run(ProtocolCall(contract: .escrow, function: EscrowABI.reclaim, args: [.uint(try parseID(job, what: "job id"))]))
            }
        }
    }

    struct Withdraw: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Withdraw the signing account's escrow credit (released lease earnings, refused payments, refunds).")
        @OptionGroup var sender: ProtocolSender

        func run() throws {
            try reporting { try sender.run(ProtocolCall(contract: .escrow, function: EscrowABI.withdraw)) }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a job.")
        @OptionGroup var node: NodeOptions
        @Argument(help: "The job id.") var job: String

        func run() throws {
            try reporting {
                let id = try parseID(job, what: "job id")
                let j = try ProtocolRPC.view(try node.client(), .escrow, EscrowABI.job, [.uint(id)])[0].items
                let state = j[9].uintValue
                guard !state.isZero else { throw CLIError("job \(id) does not exist") }
                let stateName = EscrowCommand.name(state, EscrowCommand.jobStates)
                let verdict = EscrowCommand.name(j[7].uintValue, EscrowCommand.verdicts)
                let op = j[1].addressValue
                let root = j[6].bytesValue
                if node.json {
                    JSON.object([
                        ("job", .number(id.description)), ("state", .string(stateName)), ("customer", .string(j[0].addressValue.checksummed)),
                        ("operator", op == .zero ? .null : .string(op.checksummed)), ("specHash", .string(Hex.encode(j[2].bytesValue))),
                        ("price", .string(j[3].uintValue.description)), ("deadline", .number(j[4].uintValue.description)),
                        ("createdBlock", .number(j[5].uintValue.description)),
                        ("resultRoot", root.allSatisfy { $0 == 0 } ? .null : .string(Hex.encode(root))),
                        ("verdict", .string(verdict)), ("workUnits", .string(j[8].uintValue.description)),
                    ]).printPretty()
                    return
                }
                NodeFormat.printRows([
                    ("job", id.description), ("state", stateName), ("customer", j[0].addressValue.checksummed),
                    ("operator", op == .zero ? "- (open to any active operator)" : op.checksummed),
                    ("spec hash", Hex.encode(j[2].bytesValue)), ("price", NodeFormat.amount(j[3].uintValue)),
                    ("deadline", "block \(j[4].uintValue)"), ("created", "block \(j[5].uintValue)"),
                    ("result root", root.allSatisfy { $0 == 0 } ? "-" : Hex.encode(root)), ("verdict", verdict),
                    ("work units", j[8].uintValue.description),
                ])
            }
        }
    }

    /// The name of a state or verdict number; `state N` for one the CLI does not know.
    static func name(_ v: UInt256, _ names: [String]) -> String {
        v.intIfFits.flatMap { names.indices.contains($0) ? names[$0] : nil } ?? "\(v)"
    }
}

/// `ath lease`: GPU leases paid per block from a deposit.
struct LeaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lease",
        abstract: "Open, top up, close and show GPU leases (Escrow at 0x…1003).",
        subcommands: [Open.self, TopUp.self, Close.self, Show.self])

    static let states = ["unknown", "active", "overdrawn", "closed"]

    struct Open: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Rent an operator's GPUs, paid per block from the deposit.")
        @Option(help: "The operator's address.") var `operator`: String
        @Option(help: "Price per block.") var pricePerBlock: String
        @Option(help: "Deposit (at least one block's price).") var deposit: String
        @OptionGroup var sender: ProtocolSender

        func run() throws {
            try reporting {
                try sender.run(ProtocolCall(contract: .escrow, function: EscrowABI.openLease,
                                            args: [.address(try parseAddress(`operator`)), .uint(try parseAmount(pricePerBlock))],
                                            value: try parseAmount(deposit)))
            }
        }
    }

    struct TopUp: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "topup", abstract: "Add to a lease's deposit (resumes an overdrawn lease).")
        @Argument(help: "The lease id.") var lease: String
        @Option(help: "Amount to add.") var amount: String
        @OptionGroup var sender: ProtocolSender

        func run() throws {
            try reporting {
                try sender.run(ProtocolCall(contract: .escrow, function: EscrowABI.topUp, args: [.uint(try parseID(lease, what: "lease id"))],
                                            value: try parseAmount(amount)))
            }
        }
    }

    struct Close: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Close a lease (its customer or operator): settles it and refunds the rest of the deposit.")
        @Argument(help: "The lease id.") var lease: String
        @OptionGroup var sender: ProtocolSender

        func run() throws {
            try reporting {
                try sender.run(ProtocolCall(contract: .escrow, function: EscrowABI.closeLease, args: [.uint(try parseID(lease, what: "lease id"))]))
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a lease as last settled.")
        @OptionGroup var node: NodeOptions
        @Argument(help: "The lease id.") var lease: String

        func run() throws {
            try reporting {
                let id = try parseID(lease, what: "lease id")
                let l = try ProtocolRPC.view(try node.client(), .escrow, EscrowABI.lease, [.uint(id)])[0].items
                guard !l[9].uintValue.isZero else { throw CLIError("lease \(id) does not exist") }
                let state = EscrowCommand.name(l[9].uintValue, LeaseCommand.states)
                let closed = l[8].uintValue
                if node.json {
                    JSON.object([
                        ("lease", .number(id.description)), ("state", .string(state)),
                        ("customer", .string(l[0].addressValue.checksummed)), ("operator", .string(l[1].addressValue.checksummed)),
                        ("pricePerBlock", .string(l[2].uintValue.description)), ("deposit", .string(l[3].uintValue.description)),
                        ("startBlock", .number(l[4].uintValue.description)), ("paidUntil", .number(l[5].uintValue.description)),
                        ("totalPaid", .string(l[6].uintValue.description)), ("refunded", .string(l[7].uintValue.description)),
                        ("closedBlock", closed.isZero ? .null : .number(closed.description)),
                    ]).printPretty()
                    return
                }
                NodeFormat.printRows([
                    ("lease", id.description), ("state", state), ("customer", l[0].addressValue.checksummed),
                    ("operator", l[1].addressValue.checksummed), ("price per block", NodeFormat.amount(l[2].uintValue)),
                    ("deposit left", NodeFormat.amount(l[3].uintValue)), ("started", "block \(l[4].uintValue)"),
                    ("paid until", "block \(l[5].uintValue)"), ("total paid", NodeFormat.amount(l[6].uintValue)),
                    ("refunded", NodeFormat.amount(l[7].uintValue)), ("closed", closed.isZero ? "-" : "block \(closed)"),
                ])
            }
        }
    }
}

/// A deadline: an absolute block number, or `+N` blocks from the latest.
func parseDeadline(_ text: String, client: NodeClient) throws -> UInt256 {
    let t = text.trimmingCharacters(in: .whitespaces)
    if t.hasPrefix("+") {
        guard let n = UInt64(t.dropFirst()) else { throw CLIError("--deadline +N takes a whole number of blocks, not \"\(text)\"") }
        let (sum, overflow) = try client.blockNumber().addingReportingOverflow(n)
        guard !overflow else { throw CLIError("--deadline \(text) is too far in the future") }
        return UInt256(sum)
    }
    guard let n = UInt64(t) else { throw CLIError("--deadline takes a block number or +N, not \"\(text)\"") }
    return UInt256(n)
}
