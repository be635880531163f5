import AthPrimitives
import AthEVM
import AthRPC

/// geth's default struct logger: one entry per executed instruction with
/// its gas before and its whole cost (`CostedStepTracer`: memory expansion,
/// cold access, the gas a call hands its child), the stack, and optionally
/// memory and the storage the frame's account has read or written. At most
/// `limit` entries.
struct StructLogger: Tracer {
    static var isEnabled: Bool { true }
    var wantsMemory: Bool { sink.enableMemory }

    struct Entry {
        var pc: Int
        var op: UInt8
        var gas: UInt64
        var gasCost: UInt64
        var depth: Int
        var stack: [UInt256]?
        var memory: [UInt8]?
        var storage: [UInt256: UInt256]?
        var refund: Int64
    }

    /// Where costed steps land (the costing tracer hands them to a closure).
    final class Sink {
        let enableMemory, disableStack, disableStorage: Bool
        let limit: Int
        var entries: [Entry] = []
        var truncated = false
        /// The step being handed over now; a finished SLOAD's value is on its stack.
        var next: TraceStep?
        var storage: [Address: [UInt256: UInt256]] = [:]

        init(enableMemory: Bool, disableStack: Bool, disableStorage: Bool, limit: Int) {
            self.enableMemory = enableMemory; self.disableStack = disableStack
            self.disableStorage = disableStorage; self.limit = limit
        }

        func record(_ s: TraceStep) {
            guard entries.count < limit else { truncated = true; return }
            var e = Entry(pc: s.pc, op: s.op, gas: s.gas, gasCost: s.gasCost, depth: s.depth,
                          stack: disableStack ? nil : s.stack, memory: enableMemory ? s.memory : nil,
                          storage: nil, refund: s.refund)
            if !disableStorage, let key = s.stack.last {
                if s.op == 0x54, let next, next.depth == s.depth, let value = next.stack.last {  // SLOAD
                    storage[s.address, default: [:]][key] = value
                    e.storage = storage[s.address]
                } else if s.op == 0x55, s.stack.count >= 2 {  // SSTORE
                    storage[s.address, default: [:]][key] = s.stack[s.stack.count - 2]
                    e.storage = storage[s.address]
                }
            }
            entries.append(e)
        }
    }

    let sink: Sink
    private var costed: CostedStepTracer

    init(enableMemory: Bool, disableStack: Bool, disableStorage: Bool, limit: Int) {
        let sink = Sink(enableMemory: enableMemory, disableStack: disableStack, disableStorage: disableStorage,
                        limit: limit)
        self.sink = sink
        costed = CostedStepTracer { sink.record($0) }
    }

    var truncated: Bool { sink.truncated }

    mutating func step(_ s: TraceStep) {
        sink.next = s
        costed.step(s)
    }

    mutating func charged(gasLeft: UInt64) {
        sink.next = nil
        costed.charged(gasLeft: gasLeft)
    }

    mutating func enter(_ message: Message, created: Address?) { costed.enter(message, created: created) }
    mutating func exit(_ result: ExecutionResult) { costed.exit(result) }

    mutating func frameEnded(gasLeft: UInt64) {
        sink.next = nil
        costed.frameEnded(gasLeft: gasLeft)
    }

    /// geth's `structLogs` entries.
    func json() -> JSON {
        .array(sink.entries.map { e in
            var fields: [(String, JSON)] = [
                ("pc", .number(String(e.pc))), ("op", .string(OpcodeTable.name(e.op))), ("gas", .number(String(e.gas))),
                ("gasCost", .number(String(e.gasCost))), ("depth", .number(String(e.depth))),
            ]
            if let stack = e.stack { fields.append(("stack", .array(stack.map { .string($0.hexQuantity) }))) }
            if let memory = e.memory {
                var words: [JSON] = []
                var i = 0
                while i < memory.count {
                    words.append(.string(Hex.encode(memory[i..<min(i + 32, memory.count)]).dropFirst(2).description))
                    i += 32
                }
                fields.append(("memory", .array(words)))
            }
            if let storage = e.storage {
                fields.append(("storage", .object(storage.sorted { $0.key < $1.key }.map { k, v in
                    (Self.word(k), .string(Self.word(v)))
                })))
            }
            if e.refund != 0 { fields.append(("refund", .number(String(e.refund)))) }
            return .object(fields)
        })
    }

    /// A 32-byte word as 64 hex digits without 0x, as geth writes storage.
    static func word(_ v: UInt256) -> String { String(Hex.encode(v.bigEndianBytes).dropFirst(2)) }
}

/// geth's callTracer: the tree of calls and creates with their gas, value,
/// input, output and error; `onlyTopCall` keeps the top frame only and
/// `withLog` adds each frame's logs (dropped for frames that failed).
struct CallTracer: Tracer {
    static var isEnabled: Bool { true }
    let onlyTopCall: Bool
    let withLog: Bool

    struct Frame {
        var type: String
        var from: Address
        var to: Address
        var value: UInt256?
        var gas: UInt64
        var gasUsed: UInt64 = 0
        var input: [UInt8]
        var output: [UInt8] = []
        var error: String?
        var revertReason: String?
        var calls: [Frame] = []
        var logs: [(Log, Int)] = []
    }

    private var stack: [Frame] = []
    /// Frames below the top one, entered while `onlyTopCall` ignores them.
    private var ignored = 0
    private(set) var root: Frame?

    init(onlyTopCall: Bool, withLog: Bool) { self.onlyTopCall = onlyTopCall; self.withLog = withLog }

    mutating func enter(_ m: Message, created: Address?) {
        if onlyTopCall && !stack.isEmpty { ignored += 1; return }
        let type: String
        switch m.kind {
        case .call: type = "CALL"
        case .callCode: type = "CALLCODE"
        case .delegateCall: type = "DELEGATECALL"
        case .staticCall: type = "STATICCALL"
        case .create: type = "CREATE"
        case .create2: type = "CREATE2"
        }
        let carriesValue = m.kind == .call || m.kind == .callCode || m.kind == .create || m.kind == .create2
        stack.append(Frame(type: type, from: m.caller, to: created ?? m.codeAddress,
                           value: carriesValue ? m.value : nil, gas: m.gas, input: m.input))
    }

    mutating func exit(_ result: ExecutionResult) {
        if ignored > 0 { ignored -= 1; return }
        guard var frame = stack.popLast() else { return }
        frame.gasUsed = frame.gas >= result.gasLeft ? frame.gas - result.gasLeft : 0
        frame.output = result.output
        switch result.status {
        case .success: break
        case .revert:
            frame.error = "execution reverted"
            frame.revertReason = AthEVM.revertReason(result.output)
        case .halt(let reason):
            frame.error = reason.description
            frame.output = []
        }
        if frame.error != nil { Self.dropLogs(&frame) }
        if stack.isEmpty { root = frame } else { stack[stack.count - 1].calls.append(frame) }
    }

    mutating func step(_ step: TraceStep) {}

    mutating func log(_ log: Log) {
        guard withLog, ignored == 0, !stack.isEmpty else { return }
        stack[stack.count - 1].logs.append((log, stack[stack.count - 1].calls.count))
    }

    private static func dropLogs(_ frame: inout Frame) {
        frame.logs = []
        for i in frame.calls.indices { dropLogs(&frame.calls[i]) }
    }

    static func json(_ f: Frame) -> JSON {
        var fields: [(String, JSON)] = [("type", .string(f.type)), ("from", RPCValue.address(f.from)),
                                        ("to", RPCValue.address(f.to))]
        if let v = f.value { fields.append(("value", RPCValue.quantity(v))) }
        fields += [("gas", RPCValue.quantity(f.gas)), ("gasUsed", RPCValue.quantity(f.gasUsed)),
                   ("input", RPCValue.data(f.input))]
        if !f.output.isEmpty { fields.append(("output", RPCValue.data(f.output))) }
        if let e = f.error { fields.append(("error", .string(e))) }
        if let r = f.revertReason { fields.append(("revertReason", .string(r))) }
        if !f.calls.isEmpty { fields.append(("calls", .array(f.calls.map(json)))) }
        if !f.logs.isEmpty {
            fields.append(("logs", .array(f.logs.map { log, position in
                .object([("address", RPCValue.address(log.address)), ("topics", .array(log.topics.map(RPCValue.hash))),
                         ("data", RPCValue.data(log.data)), ("position", RPCValue.quantity(position))])
            })))
        }
        return .object(fields)
    }
}

/// What geth's prestateTracer needs from a run: every account and storage
/// slot the transaction touched (their values are read before and after).
struct TouchRecorder: Tracer {
    static var isEnabled: Bool { true }
    private(set) var accounts: Set<Address> = []
    private(set) var slots: [Address: Set<UInt256>] = [:]

    mutating func enter(_ m: Message, created: Address?) {
        accounts.insert(m.caller)
        accounts.insert(m.target)
        accounts.insert(m.codeAddress)
        if let created { accounts.insert(created) }
    }

    mutating func step(_ s: TraceStep) {
        guard let top = s.stack.last else { return }
        switch s.op {
        case 0x54, 0x55: slots[s.address, default: []].insert(top)  // SLOAD, SSTORE
        case 0x31, 0x3b, 0x3c, 0x3f, 0xff: accounts.insert(Address(top.bigEndianBytes.suffix(20))!)  // BALANCE, EXTCODE*, SELFDESTRUCT
        default: break
        }
    }

    mutating func insert(_ address: Address) { accounts.insert(address) }
}
