import AthCrypto

/// One message on one channel, as carried by a frame (channel byte, then the message).
/// Channel numbers are assigned by the layers above (consensus, mempool, sync).
public struct PeerMessage: Sendable, Equatable {
    public let channel: UInt8
    public let message: [UInt8]

    public init(channel: UInt8, message: [UInt8]) {
        self.channel = channel
        self.message = message
    }
}

/// What the handshake proved about the remote peer.
public struct PeerIdentity: Sendable, Equatable {
    /// The ed25519 node key whose signature over the transcript verified.
    public let publicKey: Ed25519PublicKey
    /// `NodeID(publicKey:)`.
    public let nodeID: NodeID
}
