import AthPrimitives

/// One executed instruction, in the shape of an EIP-3155 trace line.
public struct TraceStep: Sendable {
    public var pc: Int
    public var op: UInt8
    /// Gas left before the instruction.
    public var gas: UInt64
    /// The instruction's cost: its static gas as the interpreter hands the
    /// step over; `CostedStepTracer` (and the node's struct logger) replace
    /// it with the whole cost, dynamic parts included.
    public var gasCost: UInt64
    /// Call depth, 1-based as in EIP-3155.
    public var depth: Int
    /// Stack items, bottom first.
    public var stack: [UInt256]
    public var memorySize: Int
    public var refund: Int64
    /// The frame's memory, only when the tracer asks for it (`wantsMemory`).
    public var memory: [UInt8] = []
    /// The account whose code runs (the storage SLOAD and SSTORE address).
    public var address: Address = .zero

    public var opName: String { OpcodeTable.name(op) }
}

/// Receives each instruction before it runs, and (all optional) each call
/// frame's start and end, the gas an instruction charged before a child
/// frame ran, and each log. The interpreter asks `isEnabled` (a static
/// property, so it folds away when specialised) before any of them: a
/// disabled tracer costs nothing.
public protocol Tracer {
    static var isEnabled: Bool { get }
    /// Whether `TraceStep.memory` should carry the frame's memory (a copy per step).
    var wantsMemory: Bool { get }
    mutating func step(_ step: TraceStep)
    /// A CALL-family or CREATE instruction charged its gas, the child's
    /// included, leaving its frame `gasLeft`; its child runs next.
    mutating func charged(gasLeft: UInt64)
    /// A message starts: the transaction's own (depth 0) or a child. For a
    /// create, `created` is the address it will deploy at.
    mutating func enter(_ message: Message, created: Address?)
    /// The message that last entered and has not exited ends with `result`.
    mutating func exit(_ result: ExecutionResult)
    /// An interpreter frame ended (by STOP, RETURN, REVERT or a halt) with `gasLeft`.
    mutating func frameEnded(gasLeft: UInt64)
    /// A LOG instruction emitted `log` (kept only if its frame succeeds).
    mutating func log(_ log: Log)
}

extension Tracer {
    public var wantsMemory: Bool { false }
    public mutating func charged(gasLeft: UInt64) {}
    public mutating func enter(_ message: Message, created: Address?) {}
    public mutating func exit(_ result: ExecutionResult) {}
    public mutating func frameEnded(gasLeft: UInt64) {}
    public mutating func log(_ log: Log) {}
}

/// The tracer that does nothing.
public struct NoTracer: Tracer {
    public static var isEnabled: Bool { false }
    public init() {}
    @inline(__always) public mutating func step(_ step: TraceStep) {}
}

/// A tracer that hands each step to a closure.
public struct ClosureTracer: Tracer {
    public static var isEnabled: Bool { true }
    private let body: (TraceStep) -> Void
    public init(_ body: @escaping (TraceStep) -> Void) { self.body = body }
    public mutating func step(_ step: TraceStep) { body(step) }
}

/// Hands each step to a closure once its whole cost is known: the gas it
/// left for the frame's next step, the gas a call or create charged before
/// its child ran (the child's gas included), or, for a frame's last step,
/// the gas the frame ended with. Steps reach the closure in execution order,
/// with `gasCost` as EIP-3155 and geth's struct logger report it.
public struct CostedStepTracer: Tracer {
    public static var isEnabled: Bool { true }
    private let body: (TraceStep) -> Void
    /// Per step depth: the step whose cost waits for its frame's next event.
    private var pending: [Int: TraceStep] = [:]
    /// Message depths of the frames running now.
    private var frames: [Int] = []
    private var lastDepth = 0

    public init(_ body: @escaping (TraceStep) -> Void) { self.body = body }

    public mutating func step(_ step: TraceStep) {
        flush(depth: step.depth, gasLeft: step.gas)
        pending[step.depth] = step
        lastDepth = step.depth
    }

    public mutating func charged(gasLeft: UInt64) { flush(depth: lastDepth, gasLeft: gasLeft) }
    public mutating func enter(_ message: Message, created: Address?) { frames.append(message.depth) }
    public mutating func exit(_ result: ExecutionResult) { _ = frames.popLast() }

    public mutating func frameEnded(gasLeft: UInt64) {
        if let depth = frames.last { flush(depth: depth + 1, gasLeft: gasLeft) }
    }

    private mutating func flush(depth: Int, gasLeft: UInt64) {
        guard var step = pending.removeValue(forKey: depth) else { return }
        step.gasCost = step.gas >= gasLeft ? step.gas - gasLeft : step.gasCost
        body(step)
    }
}
