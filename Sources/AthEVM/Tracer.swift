import AthPrimitives

/// One executed instruction, in the shape of an EIP-3155 trace line.
public struct TraceStep: Sendable {
    public var pc: Int
    public var op: UInt8
    /// Gas left before the instruction.
    public var gas: UInt64
    /// The instruction's static gas (dynamic parts are not included).
    public var gasCost: UInt64
    /// Call depth, 1-based as in EIP-3155.
    public var depth: Int
    /// Stack items, bottom first.
    public var stack: [UInt256]
    public var memorySize: Int
    public var refund: Int64

    public var opName: String { OpcodeTable.name(op) }
}

/// Receives each instruction before it runs. The interpreter asks
/// `isEnabled` (a static property, so it folds away when specialised) before
/// building a `TraceStep`: a disabled tracer costs nothing.
public protocol Tracer {
    static var isEnabled: Bool { get }
    mutating func step(_ step: TraceStep)
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
