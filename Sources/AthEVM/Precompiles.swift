import AthPrimitives

/// The outcome of a precompiled contract.
public enum PrecompileResult: Sendable, Equatable {
    /// Ran: charge `gasUsed`, return `output`.
    case success(gasUsed: UInt64, output: [UInt8])
    /// Failed (bad input, or `gasUsed` would exceed the limit): the call
    /// halts and consumes all gas passed to it.
    case failure
}
