import AthPrimitives
import AthTypes
import AthEVM
import AthExecution
import AthRPC

/// debug_traceTransaction, debug_traceBlockByNumber, debug_traceBlockByHash
/// and debug_traceCall with geth's tracers: the default struct logger,
/// `callTracer` and `prestateTracer`, in geth's JSON shapes. A transaction is
/// traced by re-executing its block on the parent's state (kept history) up
/// to it; each replayed transaction must match its receipt, or the trace is
/// refused rather than wrong. Traces run on the read-only call pool, under
/// the same time limit as eth_call.
extension EthAPI {
    static let debugMethods: Set<String> = [
        "debug_traceTransaction", "debug_traceCall", "debug_traceBlockByNumber", "debug_traceBlockByHash",
    ]
    /// Struct-log entries kept when the config sets no `limit`, and the most a `limit` may ask for.
    static let defaultStructLogLimit = 100_000, maxStructLogLimit = 1_000_000

    enum TraceKind: Sendable {
        case structLog(enableMemory: Bool, disableStack: Bool, disableStorage: Bool, limit: Int, limitGiven: Bool)
        case call(onlyTopCall: Bool, withLog: Bool)
        case prestate(diffMode: Bool)
    }

    /// The tracer a config object (argument `i`) asks for.
    func traceConfig(_ v: JSON?, _ i: Int) throws(RPCError) -> TraceKind {
        guard let v, !v.isNull else {
            return .structLog(enableMemory: false, disableStack: false, disableStorage: false,
                              limit: Self.defaultStructLogLimit, limitGiven: false)
        }
        guard v.objectValue != nil else { throw Params.invalid(i, "expected a tracer config object") }
        func flag(_ o: JSON?, _ key: String) throws(RPCError) -> Bool {
            guard let x = o?[key], !x.isNull else { return false }
            guard let b = x.boolValue else { throw Params.invalid(i, "\(key) must be true or false") }
            return b
        }
        let config = v["tracerConfig"]
        if let c = config, !c.isNull, c.objectValue == nil { throw Params.invalid(i, "tracerConfig must be an object") }
        switch v["tracer"]?.stringValue {
        case nil:
            if let t = v["tracer"], !t.isNull { throw Params.invalid(i, "tracer must be a name") }
            var limit = Self.defaultStructLogLimit, given = false
            if let l = v["limit"], !l.isNull {
                guard let text = l.numberText, let n = Int(text), n >= 0, n <= Self.maxStructLogLimit else {
                    throw Params.invalid(i, "limit must be a whole number from 0 to \(Self.maxStructLogLimit)")
                }
                if n > 0 { limit = n; given = true }
            }
            return .structLog(enableMemory: try flag(v, "enableMemory"), disableStack: try flag(v, "disableStack"),
                              disableStorage: try flag(v, "disableStorage"), limit: limit, limitGiven: given)
        case "callTracer":
            return .call(onlyTopCall: try flag(config, "onlyTopCall"), withLog: try flag(config, "withLog"))
        case "prestateTracer":
            return .prestate(diffMode: try flag(config, "diffMode"))
        case let name?:
            throw RPCError(code: -32000, message:
                "tracer \"\(name.prefix(64))\" is not supported: use callTracer, prestateTracer, or no tracer for the struct logger")
        }
    }

    func handleDebug(_ method: String, _ p: Params, client: String) async throws(RPCError) -> JSON {
        switch method {
        case "debug_traceTransaction":
            try p.require(count: 1...2)
            let hash = try p.hash(0)
            let kind = try traceConfig(p[1], 1)
            guard let (n, i) = chain.store.transactionLocation(hash), let b = try loaded(n),
                  Int(i) < b.block.transactions.count else {
                throw RPCError(code: -32000, message: "transaction \(hash) not found")
            }
            let traces = try await traceBlock(b, indices: Int(i)..<(Int(i) + 1), kind: kind, client: client)
            return traces.first ?? .null
        case "debug_traceBlockByNumber", "debug_traceBlockByHash":
            try p.require(count: 1...2)
            let n: UInt64?
            if method == "debug_traceBlockByHash" { n = chain.store.number(ofHash: try p.hash(0)) } else {
                n = resolve(try BlockSelector.parse(p[0], 0))
            }
            let kind = try traceConfig(p[1], 1)
            guard let n, let b = try loaded(n) else { throw RPCError(code: -32000, message: "block not found") }
            let traces = try await traceBlock(b, indices: 0..<b.block.transactions.count, kind: kind, client: client)
            return .array(zip(b.block.transactions, traces).map { tx, trace in
                .object([("txHash", RPCValue.hash(tx.hash)), ("result", trace)])
            })
        case "debug_traceCall":
            try p.require(count: 1...3)
            let tx = try callTransaction(p, estimate: false)
            let at = try stateBlock(p[1], 1)
            let kind = try traceConfig(p[2], 2)
            if case .prestate(true) = kind {
                throw RPCError(code: -32000, message:
                    "diffMode is served for transactions in blocks (debug_traceTransaction, debug_traceBlockByNumber), not for debug_traceCall")
            }
            let outcome = try await onCallPool(client: client, at: at.number) { ctx -> Result<JSON, RPCError> in
                let state = JournaledState(blockHashes: ctx.blockHashes)
                state.backing = ctx.backing
                state.interrupt = ctx.interrupt
                let context = ReadContext.callBlock(after: ctx.head, rules: ctx.rules, for: tx)
                return Self.trace(kind, tx, state: state, context: context, simulate: true).map { $0.json }
            }
            return try outcome.get()
        default:
            throw RPCError(code: -32601, message: "the method \(method) does not exist/is not available")
        }
    }

    /// Re-executes block `b` on its parent's state and traces the
    /// transactions at `indices` (the ones before them run untraced).
    func traceBlock(_ b: LoadedBlock, indices: Range<Int>, kind: TraceKind, client: String) async throws(RPCError) -> [JSON] {
        let n = b.block.header.number
        guard n > 0 else { return [] }
        let from = chain.store.historyFrom
        guard n - 1 >= from else {
            throw RPCError(code: -32000, message: "block \(n) cannot be traced: " + HistoryLimit.pruned(n - 1, from: from))
        }
        let hooks = chain.hooks
        let outcome = try await onCallPool(client: client, at: n - 1) { ctx in
            Self.replay(b, on: ctx, hooks: hooks, tracing: indices, kind: kind)
        }
        return try outcome.get()
    }

    static func replay(_ b: LoadedBlock, on ctx: ReadContext, hooks: any SystemHooks, tracing indices: Range<Int>,
                       kind: TraceKind) -> Result<[JSON], RPCError> {
        let header = b.block.header
        let state = JournaledState(blockHashes: ctx.blockHashes)
        state.backing = ctx.backing
        state.interrupt = ctx.interrupt
        // A dev chain's blocks carry no commit: the proposer alone signs.
        let signers: CommitSigners = header.lastCommitHash == .zero ? .proposerOnly : .none
        let context = BlockReplay.begin(state, environment: BlockReplay.environment(of: header, signers: signers),
                                        rules: ctx.rules, hooks: hooks)
        var traces: [JSON] = []
        var cumulative: UInt64 = 0
        for i in 0..<indices.upperBound {
            if ctx.interrupted { return .failure(RPCError(code: -32000, message: "the trace was stopped: its time limit passed")) }
            let tx = ExecutableTransaction(b.block.transactions[i], sender: b.block.senders[i])
            let receipt = b.receipts[i]
            let expected = receipt.cumulativeGasUsed &- cumulative
            cumulative = receipt.cumulativeGasUsed
            let outcome: TransactionOutcome
            if indices.contains(i) {
                switch trace(kind, tx, state: state, context: context, simulate: false) {
                case .failure(let e): return .failure(e)
                case .success(let traced):
                    outcome = traced.outcome
                    traces.append(traced.json)
                }
            } else {
                do { outcome = try TransactionExecutor.execute(tx, state: state, block: context) } catch {
                    return .failure(diverged(header.number, i, "it is refused now: \(error)"))
                }
            }
            guard outcome.gasUsed == expected, (outcome.status == .success) == receipt.succeeded else {
                return .failure(diverged(header.number, i, "it used \(outcome.gasUsed) gas, its receipt \(expected)"))
            }
        }
        return .success(traces)
    }

    static func diverged(_ block: UInt64, _ i: Int, _ why: String) -> RPCError {
        RPCError(code: -32000, message:
            "the replay of block \(block) does not match its receipts at transaction \(i) (\(why)); it cannot be traced on this node")
    }

    /// Runs `tx` on `state` under the tracer `kind` asks for.
    static func trace(_ kind: TraceKind, _ tx: ExecutableTransaction, state: JournaledState, context: BlockContext,
                      simulate: Bool) -> Result<(outcome: TransactionOutcome, json: JSON), RPCError> {
        do {
            switch kind {
            case let .structLog(enableMemory, disableStack, disableStorage, limit, limitGiven):
                var logger = StructLogger(enableMemory: enableMemory, disableStack: disableStack,
                                          disableStorage: disableStorage, limit: limit)
                let outcome = try TransactionExecutor.execute(tx, state: state, block: context, simulate: simulate,
                                                              tracer: &logger)
                if logger.truncated && !limitGiven {
                    return .failure(RPCError(code: -32000, message:
                        "the trace has more than \(limit) steps: pass \"limit\" (at most \(maxStructLogLimit)) to get the first ones"))
                }
                return .success((outcome, .object([
                    ("gas", .number(String(outcome.gasUsed))), ("failed", .bool(outcome.status != .success)),
                    ("returnValue", .string(String(Hex.encode(outcome.output).dropFirst(2)))),
                    ("structLogs", logger.json()),
                ])))
            case let .call(onlyTopCall, withLog):
                var tracer = CallTracer(onlyTopCall: onlyTopCall, withLog: withLog)
                let outcome = try TransactionExecutor.execute(tx, state: state, block: context, simulate: simulate,
                                                              tracer: &tracer)
                guard var root = tracer.root else { return .success((outcome, .null)) }
                // The top frame counts the whole transaction, intrinsic gas and refund included, as geth's.
                root.gas = tx.gasLimit
                root.gasUsed = outcome.gasUsed
                return .success((outcome, CallTracer.json(root)))
            case .prestate(let diffMode):
                var touched = TouchRecorder()
                touched.insert(tx.sender)
                if let to = tx.to { touched.insert(to) }
                touched.insert(context.coinbase)
                // A first run finds what the transaction touches and leaves the state as it was.
                let outcome = try TransactionExecutor.execute(tx, state: state, block: context, simulate: true,
                                                              tracer: &touched)
                let pre = AccountState.read(touched, from: state)
                if !diffMode {
                    if !simulate { _ = try TransactionExecutor.execute(tx, state: state, block: context) }
                    return .success((outcome, .object(pre.sorted { $0.key < $1.key }.map { (Hex.encode($0.key.bytes), $0.value.json(nil)) })))
                }
                let applied = try TransactionExecutor.execute(tx, state: state, block: context)
                let post = AccountState.read(touched, from: state)
                var preJSON: [(String, JSON)] = [], postJSON: [(String, JSON)] = []
                for address in pre.keys.sorted() {
                    let before = pre[address]!, after = post[address]!
                    guard before != after else { continue }
                    if before.exists { preJSON.append((Hex.encode(address.bytes), before.json(changedFrom: after))) }
                    if after.exists { postJSON.append((Hex.encode(address.bytes), after.diffJSON(from: before))) }
                }
                return .success((applied, .object([("post", .object(postJSON)), ("pre", .object(preJSON))])))
            }
        } catch {
            return .failure(RPCError(code: -32000, message: error.description))
        }
    }
}

/// An account's fields and the touched slots' values, for the prestate tracer.
struct AccountState: Equatable {
    var exists: Bool
    var balance: UInt256
    var nonce: UInt64
    var code: [UInt8]
    var storage: [UInt256: UInt256]

    static func read(_ touched: TouchRecorder, from state: JournaledState) -> [Address: AccountState] {
        var out: [Address: AccountState] = [:]
        for address in touched.accounts.union(touched.slots.keys) {
            var slots: [UInt256: UInt256] = [:]
            for key in touched.slots[address] ?? [] { slots[key] = state.storage(address, key) }
            out[address] = AccountState(exists: state.exists(address), balance: state.balance(address),
                                        nonce: state.nonce(address), code: state.code(address), storage: slots)
        }
        return out
    }

    /// geth's prestate account: balance, then nonce, code and storage when
    /// present; with `changedFrom`, only the slots that changed.
    func json(_ only: Set<UInt256>?) -> JSON {
        var fields: [(String, JSON)] = [("balance", RPCValue.quantity(balance))]
        if nonce != 0 { fields.append(("nonce", .number(String(nonce)))) }
        if !code.isEmpty { fields.append(("code", RPCValue.data(code))) }
        let slots = only.map { o in storage.filter { o.contains($0.key) } } ?? storage
        if !slots.isEmpty {
            fields.append(("storage", .object(slots.sorted { $0.key < $1.key }.map {
                (RPCValue.hash(Hash32($0.key.bigEndianBytes)!).stringValue!, RPCValue.hash(Hash32($0.value.bigEndianBytes)!))
            })))
        }
        return .object(fields)
    }

    func json(changedFrom after: AccountState) -> JSON {
        json(Set(storage.keys.filter { storage[$0] != after.storage[$0] }))
    }

    /// The fields that differ from `before` (diffMode's `post`).
    func diffJSON(from before: AccountState) -> JSON {
        var fields: [(String, JSON)] = []
        if balance != before.balance { fields.append(("balance", RPCValue.quantity(balance))) }
        if nonce != before.nonce { fields.append(("nonce", .number(String(nonce)))) }
        if code != before.code { fields.append(("code", RPCValue.data(code))) }
        let changed = storage.filter { before.storage[$0.key] != $0.value }
        if !changed.isEmpty {
            fields.append(("storage", .object(changed.sorted { $0.key < $1.key }.map {
                (RPCValue.hash(Hash32($0.key.bigEndianBytes)!).stringValue!, RPCValue.hash(Hash32($0.value.bigEndianBytes)!))
            })))
        }
        return .object(fields)
    }
}
