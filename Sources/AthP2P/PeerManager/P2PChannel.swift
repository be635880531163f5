/// Channel numbers used on the wire: the first byte of every frame's plaintext
/// says which part of the node a message is for. A peer that sends any other
/// number is banned (see `PeerManager`).
public enum P2PChannel: UInt8, Sendable, CaseIterable {
    /// Peer exchange (`PEXMessage`); handled inside `PeerManager`, never passed to `onMessage`.
    case pex = 0
    /// A peer's consensus and chain status (height, round, step).
    case status = 1
    /// Gossiped transactions for the mempool.
    case transactions = 2
    /// Block proposals and their parts.
    case proposal = 3
    /// Prevotes and precommits.
    case vote = 4
    /// Block sync: a request for blocks by height.
    case blockRequest = 5
    /// Block sync: the blocks asked for.
    case blockResponse = 6
    /// Evidence of validator misbehaviour.
    case evidence = 7
    /// Attestations.
    case attestation = 8
}
