import AthPrimitives
import AthTypes

/// Faults a checker can be told to commit, for tests of the Oracle's quorum
/// and slashing. Never set one on a real network.
public enum CheckerFault: String, Sendable, CaseIterable {
    /// Attest the opposite of the honest verdict: valid becomes invalid (0
    /// work units) and invalid becomes valid (the spec's work units);
    /// unavailable stays.
    case dissent

    /// The judgement this fault makes of the honest one.
    public func apply(to honest: Judgement, spec: GemmSpec) -> Judgement {
        switch (self, honest.verdict) {
        case (.dissent, .valid):
            return Judgement(verdict: .invalid, workUnits: .zero, rootMatches: honest.rootMatches,
                             reason: "fault dissent, honestly: " + honest.reason)
        case (.dissent, .invalid):
            return Judgement(verdict: .valid, workUnits: UInt256(spec.workUnits), rootMatches: honest.rootMatches,
                             reason: "fault dissent, honestly: " + honest.reason)
        case (.dissent, .unavailable):
            return honest
        }
    }
}
