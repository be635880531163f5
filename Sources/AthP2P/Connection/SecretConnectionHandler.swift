import AthCrypto
import AthPrimitives
import NIOCore

/// Runs the handshake, then seals outgoing `PeerMessage`s into frames and
/// opens incoming frames into `PeerMessage`s (see `Hello`, `AuthMessage`,
/// `Frame`). Any protocol violation records a `P2PError` in `closeReason`
/// and closes the channel; hostile bytes never trap.
///
/// Memory: inbound bytes are buffered only up to one frame, whose announced
/// length is checked against `P2PConfig.maxFrameBytes` before waiting for it.
final class SecretConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = PeerMessage
    typealias OutboundIn = PeerMessage
    typealias OutboundOut = ByteBuffer

    private enum Phase { case idle, awaitingHello, awaitingAuth, established, closed }

    private let nodeKey: Ed25519PrivateKey
    private let config: P2PConfig
    private let expectedNodeID: NodeID?
    private let handshakePromise: EventLoopPromise<PeerIdentity>
    private let closeReason: Locked<P2PError?>
    private var phase = Phase.idle
    private var ephemeral: EphemeralKeyPair?
    private var transcript = Hash32.zero
    private var sealer: FrameSealer?
    private var opener: FrameOpener?
    private var inbound = ByteBuffer()
    private var handshakeTimer: Scheduled<Void>?
    private var handshakeSettled = false

    init(nodeKey: Ed25519PrivateKey, config: P2PConfig, expectedNodeID: NodeID?,
         handshakePromise: EventLoopPromise<PeerIdentity>, closeReason: Locked<P2PError?>) {
        self.nodeKey = nodeKey
        self.config = config
        self.expectedNodeID = expectedNodeID
        self.handshakePromise = handshakePromise
        self.closeReason = closeReason
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        handshakeTimer?.cancel()
        if phase != .established && phase != .closed { record(.connectionClosed) }
        phase = .closed
        settleHandshake(.failure(closeReason.withLock { $0 } ?? .connectionClosed))
        inbound = ByteBuffer()
        context.fireChannelInactive()
    }

    private func start(context: ChannelHandlerContext) {
        guard phase == .idle else { return }
        let pair = EphemeralKeyPair.generate()
        ephemeral = pair
        phase = .awaitingHello
        let timeout = config.handshakeTimeout
        handshakeTimer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
            if phase == .awaitingHello || phase == .awaitingAuth {
                fail(context: context, .handshakeTimeout(milliseconds: timeout.nanoseconds / 1_000_000))
            }
        }
        let hello = Hello.encode(ephemeralPublicKey: pair.publicKey)
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: hello)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard phase != .closed else { return }
        var bytes = unwrapInboundIn(data)
        inbound.writeBuffer(&bytes)
        do {
            try process(context: context)
        } catch {
            fail(context: context, error)
            return
        }
        if inbound.readableBytes == 0 || inbound.readerIndex > 1 << 16 { inbound.discardReadBytes() }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read, let timeout = config.idleTimeout {
            fail(context: context, .idleTimeout(milliseconds: timeout.nanoseconds / 1_000_000))
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(context: context, (error as? P2PError) ?? .ioError(reason: "\(error)"))
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let message = unwrapOutboundIn(data)
        guard phase == .established, var sealer else {
            promise?.fail(phase == .closed ? P2PError.connectionClosed : P2PError.notEstablished)
            return
        }
        guard message.message.count <= config.maxMessageBytes else {
            promise?.fail(P2PError.messageTooLarge(got: message.message.count, limit: config.maxMessageBytes))
            return
        }
        var plaintext = [UInt8]()
        plaintext.reserveCapacity(message.message.count + 1)
        plaintext.append(message.channel)
        plaintext.append(contentsOf: message.message)
        do {
            let frame = try sealer.seal(plaintext)
            self.sealer = sealer
            context.write(wrapOutboundOut(context.channel.allocator.buffer(bytes: frame)), promise: promise)
        } catch {
            promise?.fail(error)
            fail(context: context, error)
        }
    }

    /// Consumes as many complete messages from `inbound` as the phase allows.
    private func process(context: ChannelHandlerContext) throws(P2PError) {
        while true {
            switch phase {
            case .awaitingHello:
                // Refuse a stranger's bytes as soon as the magic is readable.
                let magicCount = Hello.magic.count
                if inbound.readableBytes >= magicCount, let start = inbound.getBytes(at: inbound.readerIndex, length: magicCount),
                   start != Hello.magic {
                    throw .wrongMagic(got: start)
                }
                guard inbound.readableBytes >= Hello.byteCount, let hello = inbound.readBytes(length: Hello.byteCount),
                      let local = ephemeral else { return }
                let remoteKey = try Hello.decode(hello)
                let session = try HandshakeSession.derive(local: local, remotePublicKey: remoteKey,
                                                          networkName: config.networkName)
                ephemeral = nil
                transcript = session.transcript
                var sealer = FrameSealer(key: session.sendKey)
                opener = FrameOpener(key: session.receiveKey)
                let auth = try sealer.seal(AuthMessage.encode(nodeKey: nodeKey, transcript: session.transcript))
                self.sealer = sealer
                phase = .awaitingAuth
                context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: auth)), promise: nil)
            case .awaitingAuth:
                let size = AuthMessage.byteCount + Frame.tagCount
                guard let sealed = try takeFrame(minimum: size, maximum: size), var opener else { return }
                let plaintext = try opener.open(sealed)
                self.opener = opener
                let publicKey = try AuthMessage.verify(plaintext, transcript: transcript)
                let nodeID = NodeID(publicKey: publicKey)
                if let expectedNodeID, expectedNodeID != nodeID {
                    throw .nodeIDMismatch(got: nodeID, expected: expectedNodeID)
                }
                phase = .established
                handshakeTimer?.cancel()
                handshakeTimer = nil
                settleHandshake(.success(PeerIdentity(publicKey: publicKey, nodeID: nodeID)))
            case .established:
                guard let sealed = try takeFrame(minimum: 1 + Frame.tagCount, maximum: config.maxFrameBytes + Frame.tagCount),
                      var opener else { return }
                let plaintext = try opener.open(sealed)
                self.opener = opener
                let message = PeerMessage(channel: plaintext[0], message: Array(plaintext[1...]))
                context.fireChannelRead(wrapInboundOut(message))
            case .idle, .closed:
                return
            }
        }
    }

    /// The sealed payload of the next frame once it has fully arrived; the
    /// header is checked against the bounds as soon as its 4 bytes are here.
    private func takeFrame(minimum: Int, maximum: Int) throws(P2PError) -> [UInt8]? {
        guard let length = inbound.getInteger(at: inbound.readerIndex, as: UInt32.self) else { return nil }
        let count = Int(length)
        guard count <= maximum else { throw .frameTooLarge(sealedBytes: count, limit: maximum) }
        guard count >= minimum else { throw .frameTooSmall(sealedBytes: count, minimum: minimum) }
        guard inbound.readableBytes >= Frame.headerCount + count else { return nil }
        inbound.moveReaderIndex(forwardBy: Frame.headerCount)
        return inbound.readBytes(length: count)
    }

    private func settleHandshake(_ result: Result<PeerIdentity, P2PError>) {
        guard !handshakeSettled else { return }
        handshakeSettled = true
        switch result {
        case .success(let identity): handshakePromise.succeed(identity)
        case .failure(let error): handshakePromise.fail(error)
        }
    }

    private func record(_ error: P2PError) {
        closeReason.withLock { if $0 == nil { $0 = error } }
    }

    /// Records the first error, fails the handshake if it is pending, and closes.
    private func fail(context: ChannelHandlerContext, _ error: P2PError) {
        guard phase != .closed else { return }
        record(error)
        phase = .closed
        handshakeTimer?.cancel()
        settleHandshake(.failure(error))
        inbound = ByteBuffer()
        context.close(promise: nil)
    }
}
