import NIOCore

/// Limits and timeouts of one P2P connection. The defaults suit a public node.
public struct P2PConfig: Sendable {
    /// The chain's network name (chain id); bound into the handshake transcript,
    /// so nodes of different networks never authenticate each other.
    public var networkName: String
    /// Largest frame plaintext (channel byte plus message), checked from the
    /// header before any of the payload is buffered.
    public var maxFrameBytes: Int
    /// How long the hello and authentication exchange may take.
    public var handshakeTimeout: TimeAmount
    /// Close when nothing arrives for this long after the handshake; nil never.
    public var idleTimeout: TimeAmount?
    /// Bytes queued for the peer but not yet written to the socket; a peer
    /// that lets this overflow is disconnected.
    public var maxOutboundQueueBytes: Int
    /// Bytes of received messages not yet consumed from `PeerConnection.messages`;
    /// past this the connection is closed so memory stays bounded.
    public var maxInboundQueueBytes: Int

    public init(networkName: String,
                maxFrameBytes: Int = 4 << 20,
                handshakeTimeout: TimeAmount = .seconds(10),
                idleTimeout: TimeAmount? = .seconds(120),
                maxOutboundQueueBytes: Int = 32 << 20,
                maxInboundQueueBytes: Int = 32 << 20) {
        precondition(maxFrameBytes >= 1 && maxFrameBytes <= Int(UInt32.max) - 64, "P2PConfig: bad maxFrameBytes \(maxFrameBytes)")
        self.networkName = networkName
        self.maxFrameBytes = maxFrameBytes
        self.handshakeTimeout = handshakeTimeout
        self.idleTimeout = idleTimeout
        self.maxOutboundQueueBytes = maxOutboundQueueBytes
        self.maxInboundQueueBytes = maxInboundQueueBytes
    }

    /// The largest message `PeerConnection.send` accepts.
    public var maxMessageBytes: Int { maxFrameBytes - 1 }
}
