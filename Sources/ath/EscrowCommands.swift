import ArgumentParser
import AthClient
import AthCrypto
import AthPrimitives
import AthRPC
import AthTypes
import Foundation

/// `ath escrow`: compute jobs paid through Escrow (0x…1003).
struct EscrowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "escrow",
        abstract: "Create, accept, show and reclaim compute jobs (Escrow at 0x…1003).",
        subcommands: [Create.self, Accept.self, Commit.self, Show.self, Result.self, Reclaim.self, Appeal.self, Withdraw.self,
                      MinPrice.self])

    static let jobStates = ["unknown", "open", "accepted", "committed", "settled", "reclaimed"]
    static let verdicts = ["-", "valid", "invalid", "unavailable"]

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a job paid with --price; without --operator any active operator may accept it.",
            discussion: """
                Either name a spec that travels outside the chain with --spec-hash, or let the CLI write a gemm-i8 \
                spec (--kind gemm-i8 --size N, see docs/gemm-i8.md) and publish it on chain with the job; then the \
                command follows the job (accepted, committed, each checker's attestation, settlement) until it \
                settles, unless --no-follow.
                """)
        @Option(help: "Hash of the job's specification, 32 bytes of hex (a spec kept outside the chain).") var specHash: String?
        @Option(help: "Job kind whose spec the CLI writes and publishes: gemm-i8.") var kind: String?
        @Option(help: "gemm-i8: m = n = k = SIZE (1...16384).") var size: Int?
        @Option(help: "gemm-i8: the seed of A and B, 32 bytes of hex (default: random).") var seed: String?
        @Option(help: "gemm-i8: Freivalds rounds checkers run at least (1...64).") var rounds: Int = 20
        @Option(help: "The operator the job is reserved for (default: open to any active operator).") var `operator`: String?
        @Option(help: "Payment held in escrow (default with --kind: 1 ATH).") var price: String?
        @Option(help: "Last block for the result: a block number, or +N for N blocks from the latest (default with --kind: +100).")
        var deadline: String?
        @Flag(help: "With --kind: return once the job is created instead of following it to settlement.") var noFollow = false
        @Option(help: "With --kind: seconds to follow the job.") var followTimeout: Int = 300
        @OptionGroup var sender: ProtocolSender

        func run() throws {
            try reporting {
                let session = try sender.session()
                let op = try `operator`.map(parseAddress) ?? .zero
                guard let kind else {
                    guard let specHash, let price, let deadline else {
                        throw CLIError("give --spec-hash, --price and --deadline, or --kind gemm-i8 --size N")
                    }
                    let d = try parseDeadline(deadline, client: session.client)
                    try session.send(ProtocolCall(contract: .escrow, function: EscrowABI.createJob,
                                                  args: [.fixedBytes(try parseBytes32(specHash, option: "--spec-hash")), .address(op), .uint(d)],
                                                  value: try parseAmount(price))).print(json: sender.node.json)
                    return
                }
                guard kind == "gemm-i8" else { throw CLIError("--kind \(kind) is not a job kind this CLI writes (gemm-i8)") }
                guard specHash == nil else { throw CLIError("give --spec-hash or --kind, not both") }
                guard let size else { throw CLIError("--kind gemm-i8 needs --size N") }
                let seedHash: Hash32
                if let seed { seedHash = Hash32(try parseBytes32(seed, option: "--seed"))! } else { seedHash = Hash32(SecureRandom.bytes(32))! }
                let spec: GemmSpec
                do { spec = try GemmSpec(m: size, n: size, k: size, seed: seedHash, rounds: rounds) } catch { throw CLIError("\(error)") }
                let d = try parseDeadline(deadline ?? "+100", client: session.client)
                let outcome = try session.send(ProtocolCall(contract: .escrow, function: EscrowABI.createJobWithSpec,
                                                            args: [.bytes(spec.encoded), .address(op), .uint(d)],
                                                            value: try parseAmount(price ?? "1ath")))
                guard !noFollow, !sender.node.json else { outcome.print(json: sender.node.json); return }
                guard let event = outcome.events.first(where: { $0.spec.event.name == "JobCreated" }) else {
                    throw CLIError("the transaction created no job")
                }
                let created = EventArgs(values: event.args)
                let id = created.uint("jobId")
                print("job \(id) created in block \(NodeFormat.decimal(outcome.submission.receipt?["blockNumber"])): gemm-i8 \(size)×\(size)×\(size), "
                      + "\(spec.workUnits) work units, seed \(seedHash), at least \(rounds) Freivalds rounds, price \(NodeFormat.amount(created.uint("price"))), deadline block \(d)")
                try JobFollower(client: session.client, job: id, timeout: followTimeout).run()
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

    struct Appeal: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Appeal a job's INVALID or UNAVAILABLE verdict (its operator, with the appealBond), or a committed job that got no report.",
            discussion: """
                Checkers staked at the commitment that did not sign the verdict re-check the job until the appeal's \
                deadline (Params appealBlocks). If more than half of their stake finds the result VALID, the operator \
                is paid and its bond returned; otherwise the verdict stands and the bond goes to the treasury. A job \
                committed without a report may be appealed 2 epochs after its deadline, by its customer or operator, \
                without a bond. The verdict's signers are read from the Oracle's logs.
                """)
        @Argument(help: "The job id.") var job: String
        @OptionGroup var sender: ProtocolSender

        func run() throws {
            try reporting {
                let id = try parseID(job, what: "job id")
                let client = try sender.node.client()
                let j = try ProtocolRPC.view(client, .escrow, EscrowABI.job, [.uint(id)])[0].items
                guard !j[9].uintValue.isZero else { throw CLIError("job \(id) does not exist") }
                var signers: [ABIValue] = []
                var bond = UInt256.zero
                if j[9].uintValue == UInt256(4) {
                    let from = j[5].uintValue.uint64IfFits ?? 0
                    signers = try Self.reportSigners(client, job: id, from: from).map { .address($0) }
                    bond = try ProtocolRPC.view(client, .params, ParamsABI.get, [.string("appealBond")])[0].uintValue
                }
                try sender.run(ProtocolCall(contract: .oracle, function: OracleABI.appeal, args: [.uint(id), .array(signers)], value: bond))
            }
        }

        /// The signers the Oracle recorded for the job's last report: its
        /// ReportAccepted log, then any LateSignersRewarded logs after it.
        static func reportSigners(_ client: NodeClient, job: UInt256, from: UInt64) throws -> [Address] {
            var signers: [Address] = []
            var reportBlock: UInt64?
            for event in [JobEvents.reportAccepted, OracleABI.lateSignersRewarded] {
                let filter: JSON = .object([
                    ("address", .string(ProtocolContract.oracle.address.description)),
                    ("fromBlock", .string("0x" + String(from, radix: 16))), ("toBlock", "latest"),
                    ("topics", .array([.string(event.topic0.description), .string(Hex.encode(job.bigEndianBytes))])),
                ])
                for item in try client.call("eth_getLogs", [filter]).arrayValue ?? [] {
                    guard let log = try? ChainClient.log(item), let args = try? event.decode(topics: log.topics, data: log.data),
                          let list = args.first(where: { $0.0 == "signers" })?.1.items else {
                        throw CLIError("the node sent a log of job \(job) that does not decode")
                    }
                    if event.name == "ReportAccepted" {
                        signers = list.map(\.addressValue)
                        reportBlock = log.blockNumber
                    } else if let r = reportBlock, log.blockNumber >= r {
                        signers += list.map(\.addressValue)
                    }
                }
            }
            guard reportBlock != nil else { throw CLIError("no report of job \(job) was found in the Oracle's logs") }
            return signers
        }
    }

    struct MinPrice: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "min-price",
            abstract: "Set the lowest price per work unit the signing operator accepts for gemm-i8 jobs (0: any).",
            discussion: "acceptJob refuses a job whose price is below work units × this price.")
        @Option(help: "Price per work unit (e.g. 1gwei, 0.001ath).") var perUnit: String
        @OptionGroup var sender: ProtocolSender

        func run() throws {
            try reporting {
                try sender.run(ProtocolCall(contract: .escrow, function: EscrowABI.setJobMinPrice, args: [.uint(try parseAmount(perUnit))]))
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

    struct Result: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fetch a gemm-i8 job's result C from its operator and check it against the committed root.",
            discussion: """
                The operator's endpoint comes from Staking, the dimensions from the job's spec on chain. The rows' \
                Merkle root must equal the root the operator committed, or nothing is written and the command \
                exits 1. -o FILE writes C as m·n int32 little-endian (row-major).
                """)
        @OptionGroup var node: NodeOptions
        @Argument(help: "The job id.") var job: String
        @Option(name: .shortAndLong, help: "Write C here (int32 little-endian, row-major).") var output: String?
        @Option(help: "Seconds to wait for the operator.") var timeout: Int = 60

        func run() throws {
            try reporting {
                let id = try parseID(job, what: "job id")
                guard (1...3600).contains(timeout) else { throw CLIError("--timeout must lie in 1...3600 seconds") }
                let client = try node.client()
                let j = try ProtocolRPC.view(client, .escrow, EscrowABI.job, [.uint(id)])[0].items
                guard !j[9].uintValue.isZero else { throw CLIError("job \(id) does not exist") }
                guard let root = Hash32(j[6].bytesValue), root != .zero else {
                    throw CLIError("job \(id) has no committed result yet (state \(EscrowCommand.name(j[9].uintValue, EscrowCommand.jobStates)))")
                }
                let stateName = EscrowCommand.name(j[9].uintValue, EscrowCommand.jobStates)
                let verdict = EscrowCommand.name(j[7].uintValue, EscrowCommand.verdicts)
                if stateName == "settled" && verdict != "valid" {
                    throw CLIError("job \(id) was settled \(verdict): the checkers found its committed result wrong or unavailable; nothing written")
                }
                let op = j[1].addressValue
                let endpointText = try ProtocolRPC.view(client, .staking, StakingABI.operators, [.address(op)])[0].items[3].stringValue
                let spec = try Self.spec(of: id, createdAt: j[5].uintValue, url: node.url)
                let endpoint: HTTPEndpoint
                do { endpoint = try HTTPEndpoint(endpointText) } catch {
                    throw CLIError("operator \(op.checksummed) registered an endpoint that is not an http URL: \(endpointText.prefix(128))")
                }
                let expected = spec.m * spec.n * 4
                let response: HTTPGetResponse
                do {
                    response = try HTTPGetClient().getSync(endpoint, path: "/jobs/\(id)/result", connectTimeout: .seconds(5),
                                                           timeout: .seconds(Int64(timeout)), maxBodyBytes: expected)
                } catch {
                    throw CLIError("cannot fetch job \(id)'s result from \(endpointText): \(error)")
                }
                guard response.status == 200 else {
                    throw CLIError("\(endpointText) answered HTTP \(response.status) for job \(id)'s result")
                }
                guard response.body.count == expected else {
                    throw CLIError("\(endpointText) sent \(response.body.count) bytes for a \(spec.m)×\(spec.n) result, expected \(expected)")
                }
                var c = [Int32](repeating: 0, count: spec.m * spec.n)
                c.withUnsafeMutableBytes { dst in response.body.withUnsafeBytes { dst.copyMemory(from: $0) } }
                for i in c.indices { c[i] = Int32(littleEndian: c[i]) }
                let got = RowMerkleTree(rowsOf: c, n: spec.n).root
                guard got == root else {
                    throw CLIError("the result \(endpointText) served does not match the committed root: its rows hash to \(got), the operator committed \(root)")
                }
                if let output {
                    guard FileManager.default.createFile(atPath: output, contents: Data(response.body)) else {
                        throw CLIError("cannot write \(output)")
                    }
                }
                if node.json {
                    JSON.object([("job", .number(id.description)), ("endpoint", .string(endpointText)),
                                 ("rows", .number(String(spec.m))), ("cols", .number(String(spec.n))),
                                 ("resultRoot", .string(Hex.encode(root.bytes))), ("matchesRoot", .bool(true)),
                                 ("verdict", stateName == "settled" ? .string(verdict) : .null),
                                 ("file", output.map { .string($0) } ?? .null)]).printPretty()
                    return
                }
                NodeFormat.printRows([("job", id.description), ("from", endpointText), ("result", "\(spec.m)×\(spec.n) int32"),
                                      ("root", "\(Hex.encode(root.bytes)) (matches the committed root)"),
                                      ("verdict", stateName == "settled" ? verdict : "- (not settled yet: the checkers have not ruled on it)"),
                                      ("written to", output ?? "- (give -o FILE to keep it)")])
            }
        }

        /// The gemm-i8 spec published with job `id` in its creating block.
        static func spec(of id: UInt256, createdAt block: UInt256, url: String) throws -> GemmSpec {
            guard let n = block.uint64IfFits else { throw CLIError("job \(id) has no creation block") }
            let chain: ChainClient
            do { chain = try ChainClient(url: url, timeout: .seconds(30)) } catch { throw CLIError("\(error)") }
            let logs: [ChainLog]
            do {
                logs = try chain.logs(address: ProtocolContract.escrow.address,
                                      topics: [JobEvents.jobSpecPublished.topic0, Hash32(id.bigEndianBytes)], from: n, to: n)
            } catch {
                throw CLIError("cannot read job \(id)'s spec: \(error)")
            }
            guard let log = logs.first, let values = try? JobEvents.jobSpecPublished.decode(topics: log.topics, data: log.data),
                  let bytes = values.first(where: { $0.0 == "spec" })?.1.bytesValue else {
                throw CLIError("job \(id) published no spec on chain: its result's size is unknown here")
            }
            do { return try GemmSpec(decoding: bytes) } catch { throw CLIError("job \(id)'s spec does not decode: \(error)") }
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
        subcommands: [Open.self, TopUp.self, Close.self, Show.self, MinPrice.self, AppealUptime.self, ReleaseRefund.self])

    static let states = ["unknown", "active", "overdrawn", "closed"]

    struct Open: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Rent an operator's GPUs, paid per block from the deposit.")
        @Option(help: "The operator's address.") var `operator`: String
        @Option(help: "Price per block.") var pricePerBlock: String
        @Option(help: "Deposit (at least one epoch's price).") var deposit: String
        @OptionGroup var sender: ProtocolSender

        func run() throws {
            try reporting {
                let op = try parseAddress(`operator`)
                let price = try parseAmount(pricePerBlock), paid = try parseAmount(deposit)
                let floor = try ProtocolRPC.view(try sender.node.client(), .escrow, EscrowABI.leaseMinPrice, [.address(op)])[0].uintValue
                try sender.requireAtLeast(price, floor, "Escrow: price per block below the operator's minimum", for: " per block")
                let epoch = try sender.param("epochLength")
                let (oneEpoch, overflow) = price.multipliedReportingOverflow(by: epoch)
                if !overflow {
                    try sender.requireAtLeast(paid, oneEpoch, "Escrow: deposit must cover at least one epoch",
                                              for: " (\(epoch) blocks × \(ProtocolFormat.ath(price)))")
                }
                try sender.run(ProtocolCall(contract: .escrow, function: EscrowABI.openLease,
                                            args: [.address(op), .uint(price)], value: paid))
            }
        }
    }

    struct MinPrice: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "min-price",
            abstract: "Set the lowest price per block the signing operator accepts for new leases (existing ones keep theirs).")
        @Option(help: "Price per block (e.g. 0.01ath).") var perBlock: String
        @OptionGroup var sender: ProtocolSender

        func run() throws {
            try reporting {
                try sender.run(ProtocolCall(contract: .escrow, function: EscrowABI.setLeaseMinPrice, args: [.uint(try parseAmount(perBlock))]))
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

    struct AppealUptime: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "appeal-uptime",
            abstract: "Appeal the signing operator's uptime report of an epoch below the SLA (with the appealBond).",
            discussion: """
                Within the report's challenge window. Checkers staked at the epoch's start that did not sign the report \
                attest their own measurement again until the appeal's deadline (Params appealBlocks); if more than half \
                of their stake signs, their median replaces the report's. The held lease refunds then follow the median \
                that stands, and the bond returns if the jury raised it (else it goes to the treasury). The report's \
                signers are read from the Oracle's UptimeReportAccepted log.
                """)
        @Option(help: "The epoch whose uptime report is appealed.") var epoch: UInt64
        @OptionGroup var sender: ProtocolSender

        func run() throws {
            try reporting {
                let session = try sender.session()
                let client = session.client, op = session.key.address
                let event = OracleABI.uptimeReportAccepted
                let filter: JSON = .object([
                    ("address", .string(ProtocolContract.oracle.address.description)), ("fromBlock", "0x0"), ("toBlock", "latest"),
                    ("topics", .array([.string(event.topic0.description), .string(Hex.encode(ABI.encode([.address(op)]))),
                                       .string(Hex.encode(UInt256(epoch).bigEndianBytes))])),
                ])
                // The first report of the epoch is the one appealed (a jury's comes later).
                guard let item = try client.call("eth_getLogs", [filter]).arrayValue?.first else {
                    throw CLIError("no uptime report of \(op.checksummed) in epoch \(epoch) was found in the Oracle's logs")
                }
                guard let log = try? ChainClient.log(item), let args = try? event.decode(topics: log.topics, data: log.data),
                      let list = args.first(where: { $0.0 == "signers" })?.1.items else {
                    throw CLIError("the node sent an uptime report log that does not decode")
                }
                let bond = try ProtocolRPC.view(client, .params, ParamsABI.get, [.string("appealBond")])[0].uintValue
                try session.send(ProtocolCall(contract: .oracle, function: OracleABI.appealUptime,
                                              args: [.address(op), .uint(UInt256(epoch)), .array(list.map { .address($0.addressValue) })],
                                              value: bond)).print(json: sender.node.json)
            }
        }
    }

    struct ReleaseRefund: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "release-refund",
            abstract: "Release a lease's SLA refund of an epoch once its uptime report is final (anyone may send it).",
            discussion: "The customer is credited its share by the median that stands; withdraw it with `ath escrow withdraw`.")
        @Argument(help: "The lease id.") var lease: String
        @Option(help: "The epoch of the refund.") var epoch: UInt64
        @OptionGroup var sender: ProtocolSender

        func run() throws {
            try reporting {
                try sender.run(ProtocolCall(contract: .escrow, function: EscrowABI.releaseDowntimeRefund,
                                            args: [.uint(try parseID(lease, what: "lease id")), .uint(UInt256(epoch))]))
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
                let client = try node.client()
                let l = try ProtocolRPC.view(client, .escrow, EscrowABI.lease, [.uint(id)])[0].items
                guard !l[9].uintValue.isZero else { throw CLIError("lease \(id) does not exist") }
                let state = EscrowCommand.name(l[9].uintValue, LeaseCommand.states)
                let closed = l[8].uintValue
                // What is rented and where to reach it: the operator's registration.
                let o = try ProtocolRPC.view(client, .staking, StakingABI.operators, [.address(l[1].addressValue)])[0].items
                let gpus = "\(o[1].uintValue) × \(o[0].stringValue) (\(o[2].uintValue) GiB)"
                let epoch = try ProtocolRPC.view(client, .params, ParamsABI.get, [.string("epochLength")])[0].uintValue
                let perEpoch = l[2].uintValue &* epoch
                let closeRefund = closed.isZero ? nil : try Self.closeRefund(id, at: closed, url: node.url)
                if node.json {
                    JSON.object([
                        ("lease", .number(id.description)), ("state", .string(state)),
                        ("customer", .string(l[0].addressValue.checksummed)), ("operator", .string(l[1].addressValue.checksummed)),
                        ("gpus", .string(gpus)), ("endpoint", .string(o[3].stringValue)),
                        ("pricePerBlock", .string(l[2].uintValue.description)), ("pricePerEpoch", .string(perEpoch.description)),
                        ("deposit", .string(l[3].uintValue.description)),
                        ("startBlock", .number(l[4].uintValue.description)), ("paidUntil", .number(l[5].uintValue.description)),
                        ("totalPaid", .string(l[6].uintValue.description)), ("refunded", .string(l[7].uintValue.description)),
                        ("closedBlock", closed.isZero ? .null : .number(closed.description)),
                        ("refundAtClose", closeRefund.map { .string($0.description) } ?? .null),
                    ]).printPretty()
                    return
                }
                var rows: [(String, String)] = [
                    ("lease", id.description), ("state", state), ("customer", l[0].addressValue.checksummed),
                    ("operator", l[1].addressValue.checksummed), ("rents", gpus), ("endpoint", o[3].stringValue),
                    ("price per block", "\(NodeFormat.amount(l[2].uintValue)) (\(NodeFormat.amount(perEpoch)) per \(epoch)-block epoch)"),
                    ("deposit left", NodeFormat.amount(l[3].uintValue)), ("started", "block \(l[4].uintValue)"),
                    ("paid until", "block \(l[5].uintValue)"), ("total paid", NodeFormat.amount(l[6].uintValue)),
                    ("SLA refunds", NodeFormat.amount(l[7].uintValue)), ("closed", closed.isZero ? "-" : "block \(closed)"),
                ]
                if let closeRefund { rows.append(("returned at close", NodeFormat.amount(closeRefund))) }
                NodeFormat.printRows(rows)
            }
        }

        /// The deposit returned when the lease closed (its LeaseClosed event).
        static func closeRefund(_ id: UInt256, at block: UInt256, url: String) throws -> UInt256? {
            guard let n = block.uint64IfFits else { return nil }
            let topic = Hash32(Keccak256.hash(Array("LeaseClosed(uint256,address,uint256)".utf8)).bytes)!
            let chain: ChainClient
            do { chain = try ChainClient(url: url, timeout: .seconds(30)) } catch { throw CLIError("\(error)") }
            let logs: [ChainLog]
            do {
                logs = try chain.logs(address: ProtocolContract.escrow.address, topics: [topic, Hash32(id.bigEndianBytes)], from: n, to: n)
            } catch {
                throw CLIError("cannot read lease \(id)'s closing: \(error)")
            }
            guard let log = logs.first, log.data.count >= 32 else { return nil }
            return UInt256(bigEndianBytes: log.data.prefix(32))
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

/// Prints a job's progress as the node's `ath_job` shows it: acceptance, the
/// committed root, each checker's attestation, and the settlement.
struct JobFollower {
    let client: NodeClient
    let job: UInt256
    let timeout: Int

    func run() throws {
        let started = ContinuousClock.now
        var state = "open"
        var seen = Set<String>()
        while ContinuousClock.now - started < .seconds(timeout) {
            let j = try client.call("ath_job", [.string(job.hexDescription)])
            let head = (try? client.blockNumber()).map(String.init) ?? "?"
            let now = j["state"]?.stringValue ?? "?"
            let elapsed = String(format: "%.1f s", Double((ContinuousClock.now - started).components.seconds)
                                 + Double((ContinuousClock.now - started).components.attoseconds) / 1e18)
            for a in j["attestations"]?.arrayValue ?? [] {
                guard let signer = a["signer"]?.stringValue, !seen.contains(signer) else { continue }
                seen.insert(signer)
                print("[\(elapsed)] checker \(signer) attests: \(a["verdict"]?.stringValue ?? "?")"
                      + " (work units \(NodeFormat.decimal(a["workUnits"])))")
            }
            if now != state {
                switch now {
                case "accepted": print("[\(elapsed)] block \(head): accepted by operator \(j["operator"]?.stringValue ?? "?")")
                case "committed":
                    if state == "open" { print("[\(elapsed)] block \(head): accepted by operator \(j["operator"]?.stringValue ?? "?")") }
                    print("[\(elapsed)] block \(head): result committed, root \(j["resultRoot"]?.stringValue ?? "?")")
                case "settled":
                    let verdict = j["verdict"]?.stringValue ?? "?"
                    print("[\(elapsed)] block \(head): settled by the oracle report: \(verdict)"
                          + (verdict == "valid" ? ", \(NodeFormat.decimal(j["workUnits"])) work units credited to the operator" : ""))
                    try printSettlement()
                    if verdict == "valid" {
                        let endpoint = (try? ProtocolRPC.view(client, .staking, StakingABI.operators,
                                                              [.address(try parseAddress(j["operator"]?.stringValue ?? ""))]))?
                            .first?.items[3].stringValue ?? "the operator's endpoint"
                        print("result: served at \(endpoint)/jobs/\(job)/result; fetch and check it with `ath escrow result \(job) -o FILE`")
                    }
                    return
                case "reclaimed":
                    print("[\(elapsed)] block \(head): reclaimed by the customer")
                    return
                default: break
                }
                state = now
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
        throw CLIError("job \(job) is still \(state) after \(timeout) s; follow it with `ath escrow show \(job)`")
    }

    /// The JobSettled event's payout, fee and refund.
    func printSettlement() throws {
        let filter: JSON = .object([
            ("address", .string(ProtocolContract.escrow.address.description)), ("fromBlock", "0x0"), ("toBlock", "latest"),
            ("topics", .array([.string(JobEvents.jobSettled.topic0.description), .string(Hex.encode(job.bigEndianBytes))])),
        ])
        guard let log = try client.call("eth_getLogs", [filter]).arrayValue?.last,
              let topics = log["topics"]?.arrayValue?.compactMap({ $0.stringValue.flatMap { try? Hash32(hex: $0) } }),
              let data = log["data"]?.stringValue.flatMap({ try? Hex.decode($0) }),
              let args = try? JobEvents.jobSettled.decode(topics: topics, data: data) else { return }
        let v = Dictionary(args, uniquingKeysWith: { a, _ in a })
        NodeFormat.printRows([
            ("operator payout", NodeFormat.amount(v["operatorPayout"]?.uintValue ?? .zero)),
            ("protocol fee", NodeFormat.amount(v["fee"]?.uintValue ?? .zero)),
            ("customer refund", NodeFormat.amount(v["refund"]?.uintValue ?? .zero)),
        ])
    }
}
