import AthCrypto
import AthPrimitives
import NIOCore
import NIOPosix

/// An authenticated, encrypted connection to one peer, after the handshake.
///
/// `send` never blocks: it queues the frame and returns. Bytes queued but not
/// yet taken by the socket are bounded by `P2PConfig.maxOutboundQueueBytes`;
/// a peer that does not read until that overflows is disconnected.
public final class PeerConnection: Sendable {
    /// Who the peer proved to be.
    public let remoteIdentity: PeerIdentity
    /// The peer's node id.
    public var remoteNodeID: NodeID { remoteIdentity.nodeID }
    /// The peer's socket address, as text.
    public let remoteAddress: String?
    /// Received messages, in order. Single consumer.
    public let messages: PeerMessages
    public let config: P2PConfig
    private let channel: any Channel
    private let outboundBytes = Locked(0)
    private let pending = Locked(PendingWrites())
    private let closeReason: Locked<P2PError?>

    /// Per-frame overhead counted against the outbound queue: header, channel byte, tag.
    static let frameOverhead = Frame.headerCount + 1 + Frame.tagCount

    init(channel: any Channel, identity: PeerIdentity, messages: PeerMessages, closeReason: Locked<P2PError?>,
         config: P2PConfig) {
        self.channel = channel
        self.remoteIdentity = identity
        self.remoteAddress = channel.remoteAddress?.description
        self.messages = messages
        self.closeReason = closeReason
        self.config = config
    }

    /// Dials `host:port`, runs the handshake and returns the authenticated
    /// connection. With `expectedNodeID` (a persistent peer), a peer that
    /// authenticates as another node is refused with `.nodeIDMismatch`.
    public static func connect(host: String, port: Int, nodeKey: Ed25519PrivateKey, config: P2PConfig,
                               expectedNodeID: NodeID? = nil,
                               group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton)
        async throws(P2PError) -> PeerConnection {
        let loop = group.next()
        let parts = ConnectionParts(loop: loop, config: config)
        let bootstrap = ClientBootstrap(group: loop)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(config.handshakeTimeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try parts.install(on: channel, nodeKey: nodeKey, expectedNodeID: expectedNodeID)
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: host, port: port).get()
        } catch {
            parts.handshake.fail(P2PError.connectFailed(host: host, port: port, reason: "\(error)"))
            throw .connectFailed(host: host, port: port, reason: "\(error)")
        }
        do {
            let identity = try await parts.handshake.futureResult.get()
            return parts.connection(channel: channel, identity: identity)
        } catch {
            channel.close(promise: nil)
            throw (error as? P2PError) ?? .ioError(reason: "\(error)")
        }
    }

    /// Queues `message` on `channel` for the peer. Throws `.messageTooLarge`
    /// past the frame limit, `.connectionClosed` once closed, and
    /// `.outboundQueueFull` (closing the connection) when the peer is not reading.
    public func send(channel number: UInt8, message: [UInt8]) throws(P2PError) {
        guard message.count <= config.maxMessageBytes else {
            throw .messageTooLarge(got: message.count, limit: config.maxMessageBytes)
        }
        guard channel.isActive else { throw closeReason.withLock { $0 } ?? .connectionClosed }
        let size = message.count + Self.frameOverhead
        let limit = config.maxOutboundQueueBytes
        let fits = outboundBytes.withLock { queued in
            guard queued <= limit - size else { return false }
            queued += size
            return true
        }
        guard fits else {
            closeReason.withLock { if $0 == nil { $0 = .outboundQueueFull(limitBytes: limit) } }
            channel.close(promise: nil)
            throw .outboundQueueFull(limitBytes: limit)
        }
        // Messages sent from any thread gather here; one task on the
        // channel's event loop writes everything gathered and flushes once,
        // so a burst of small messages costs one wake-up and one syscall.
        let first = pending.withLock { p in
            p.messages.append(PeerMessage(channel: number, message: message))
            defer { p.scheduled = true }
            return !p.scheduled
        }
        if first { channel.eventLoop.execute { [self] in drain() } }
    }

    /// Writes the gathered messages, in order, and flushes (on the event
    /// loop). One turn takes at most `drainLimit` messages, so a burst to one
    /// peer does not hold the event loop its other channels share.
    private func drain() {
        let (messages, bytes, more) = pending.withLock { p in
            let taken = Array(p.messages.prefix(Self.drainLimit))
            let size = taken.reduce(0) { $0 + $1.message.count + Self.frameOverhead }
            p.messages.removeFirst(taken.count)
            p.scheduled = !p.messages.isEmpty
            return (taken, size, p.scheduled)
        }
        if more { channel.eventLoop.execute { [self] in drain() } }
        guard let last = messages.last else { return }
        for m in messages.dropLast() { channel.write(m, promise: nil) }
        let queue = outboundBytes
        channel.writeAndFlush(last).whenComplete { _ in queue.withLock { $0 -= bytes } }
    }

    /// Messages one event-loop turn writes for this connection.
    static let drainLimit = 256

    /// Bytes queued for the peer and not yet written to the socket.
    public var queuedOutboundBytes: Int { outboundBytes.withLock { $0 } }

    /// Closes the connection.
    public func close() async {
        try? await channel.close()
    }

    /// Waits until the connection closes; returns why (nil after a clean close
    /// by either side).
    public func closed() async -> P2PError? {
        try? await channel.closeFuture.get()
        return closeReason.withLock { $0 }
    }

    /// Why the connection closed, if it did because of an error.
    public var closeError: P2PError? { closeReason.withLock { $0 } }

    /// Whether the connection is still open.
    public var isOpen: Bool { channel.isActive }
}

/// Messages queued by `send` and not yet handed to the channel.
private struct PendingWrites {
    var messages: [PeerMessage] = []
    var scheduled = false
}

/// What one connection's pipeline shares with its `PeerConnection`.
struct ConnectionParts: Sendable {
    let handshake: EventLoopPromise<PeerIdentity>
    let closeReason = Locked<P2PError?>(nil)
    let pendingInbound = Locked(0)
    let stream: AsyncStream<PeerMessage>
    let continuation: AsyncStream<PeerMessage>.Continuation
    let config: P2PConfig

    init(loop: any EventLoop, config: P2PConfig) {
        handshake = loop.makePromise(of: PeerIdentity.self)
        (stream, continuation) = AsyncStream.makeStream(of: PeerMessage.self)
        self.config = config
    }

    /// Adds the idle, secret-connection and sink handlers (on the channel's loop).
    func install(on channel: any Channel, nodeKey: Ed25519PrivateKey, expectedNodeID: NodeID?) throws {
        let sync = channel.pipeline.syncOperations
        if let idle = config.idleTimeout {
            try sync.addHandler(IdleStateHandler(readTimeout: idle))
        }
        try sync.addHandler(SecretConnectionHandler(nodeKey: nodeKey, config: config, expectedNodeID: expectedNodeID,
                                                    handshakePromise: handshake, closeReason: closeReason))
        try sync.addHandler(InboundMessageSink(continuation: continuation, pendingBytes: pendingInbound,
                                               limit: config.maxInboundQueueBytes, closeReason: closeReason))
    }

    func connection(channel: any Channel, identity: PeerIdentity) -> PeerConnection {
        PeerConnection(channel: channel, identity: identity,
                       messages: PeerMessages(stream: stream, pendingBytes: pendingInbound),
                       closeReason: closeReason, config: config)
    }
}
