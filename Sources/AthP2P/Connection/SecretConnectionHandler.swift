import AthCrypto
import AthPrimitives
import NIOCore

/// Runs the handshake, then seals outgoing `PeerMessage`s into frames and
/// opens incoming frames into `PeerMessage`s (see `Hello`, `AuthMessage`,
/// `Frame`). Any protocol violation records a `P2PError` in `closeReason`
/// and closes the channel; hostile bytes never trap.
///
/// Memory: a frame's announced length is checked against
/// `P2PConfig.maxFrameBytes` as soon as its 4-byte header is here. After the
/// handshake a frame is then decrypted as its bytes arrive, straight into its
/// message (`IncomingFrame`), which is delivered once the tag verifies; at
/// most one frame is held, once. Outgoing frames are encrypted straight from
/// the message into the buffer written to the socket.
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
    /// Bytes not yet consumed: handshake messages, and frame headers.
    private var inbound = ByteBuffer()
    /// The frame whose header has arrived but not all of its bytes.
    private var incoming: IncomingFrame?
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
        incoming = nil
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
        do {
            // The frame under way takes its bytes straight from the socket's buffer.
            if incoming != nil { try continueFrame(from: &bytes, context: context) }
            guard phase != .closed else { return }
            inbound.writeBuffer(&bytes)
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
        var frame = context.channel.allocator.buffer(capacity: Frame.headerCount + 1 + message.message.count + Frame.tagCount)
        do {
            try sealer.seal(channel: message.channel, message: message.message, into: &frame)
            self.sealer = sealer
            context.write(wrapOutboundOut(frame), promise: promise)
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
                guard let sealedCount = try completeFrame(minimum: size, maximum: size), var opener else { return }
                let plaintext = try openFrame(sealedCount: sealedCount, with: &opener) { Array($0) }
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
                guard incoming == nil, var opener,
                      let sealedCount = try announcedLength(minimum: 1 + Frame.tagCount,
                                                            maximum: config.maxFrameBytes + Frame.tagCount) else { return }
                inbound.moveReaderIndex(forwardBy: Frame.headerCount)
                incoming = try opener.beginFrame(sealedCount: sealedCount)
                self.opener = opener
                try continueFrame(from: &inbound, context: context)
            case .idle, .closed:
                return
            }
        }
    }

    /// The sealed length the next frame's header announces, once its 4 bytes
    /// are here; refused at once when outside the bounds.
    private func announcedLength(minimum: Int, maximum: Int) throws(P2PError) -> Int? {
        guard let length = inbound.getInteger(at: inbound.readerIndex, as: UInt32.self) else { return nil }
        let count = Int(length)
        guard count <= maximum else { throw .frameTooLarge(sealedBytes: count, limit: maximum) }
        guard count >= minimum else { throw .frameTooSmall(sealedBytes: count, minimum: minimum) }
        return count
    }

    /// The sealed length of the next frame once all of it is in `inbound`
    /// (handshake frames, which are small and fixed in size).
    private func completeFrame(minimum: Int, maximum: Int) throws(P2PError) -> Int? {
        guard let count = try announcedLength(minimum: minimum, maximum: maximum),
              inbound.readableBytes >= Frame.headerCount + count else { return nil }
        return count
    }

    /// Opens the complete frame at the reader index where it lies, consumes
    /// it, and returns what `body` makes of its plaintext (which must not escape).
    private func openFrame<T>(sealedCount: Int, with opener: inout FrameOpener,
                              _ body: (UnsafeMutableRawBufferPointer) -> T) throws(P2PError) -> T {
        let result = try inbound.withUnsafeMutableReadableBytes { (bytes) throws(P2PError) -> T in
            let sealed = UnsafeMutableRawBufferPointer(rebasing: bytes[Frame.headerCount..<(Frame.headerCount + sealedCount)])
            return body(try opener.openInPlace(sealed))
        }
        inbound.moveReaderIndex(forwardBy: Frame.headerCount + sealedCount)
        return result
    }

    /// Feeds the frame under way from `bytes` (as much as it still needs) and
    /// delivers its message once it is complete and authentic.
    private func continueFrame(from bytes: inout ByteBuffer, context: ChannelHandlerContext) throws(P2PError) {
        let taken = bytes.withUnsafeReadableBytes { incoming!.consume($0) }
        bytes.moveReaderIndex(forwardBy: taken)
        guard let frame = incoming, frame.isComplete else { return }
        incoming = nil
        context.fireChannelRead(wrapInboundOut(try frame.open()))
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
        incoming = nil
        context.close(promise: nil)
    }
}
