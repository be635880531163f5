import AthCrypto
import AthPrimitives
import Logging

/// The switch: keeps the node connected to its peers and routes their messages.
///
/// - Exactly one connection per remote node id (see `State.admission`); our
///   own node id is refused.
/// - Persistent peers are kept connected, redialled forever with exponential
///   backoff; other outbound peers come from seeds and peer exchange, up to
///   `maxOutbound`; inbound peers up to `maxInbound`.
/// - Each connection has one reader task that passes its messages to
///   `onMessage` in order. Per node id the callbacks come in order: connected,
///   messages, disconnected, then (after a reconnect) connected again.
/// - A peer that sends an unknown channel number, a malformed peer-exchange
///   message or a flood of them is banned: disconnected, refused and not
///   dialled until the ban ends.
///
/// Call `stop` when done: until then the manager's tasks keep it alive.
/// Callbacks run on the manager's tasks: they must not block for long, and
/// must not call `stop` (which waits for them).
public final class PeerManager: Sendable {
    /// First redial delay; doubles after each failure up to `dialBackoffMax`.
    static let initialBackoff = Duration.milliseconds(250)
    /// A connection that lasted this long resets the redial backoff.
    static let stableConnection = Duration.seconds(10)
    /// How often each peer is asked for addresses.
    static let pexInterval = Duration.seconds(30)
    /// Most addresses in one answer.
    static let pexAnswerAddresses = 32
    /// How long a seed that answered waits before it is dialled again.
    static let seedRedialInterval = Duration.seconds(60)
    /// Period of the maintenance loop (bans, peer-exchange requests, outbound dials).
    static let tick = Duration.milliseconds(500)

    /// This node's id, from `nodeKey`.
    public let nodeID: NodeID
    let nodeKey: Ed25519PrivateKey
    let config: PeerManagerConfig
    let logger: Logger
    let onMessage: @Sendable (NodeID, P2PChannel, [UInt8]) -> Void
    let onPeerConnected: @Sendable (NodeID) -> Void
    let onPeerDisconnected: @Sendable (NodeID) -> Void
    /// Persistent peers other than ourselves, by node id (first address wins).
    let persistent: [NodeID: PeerAddress]
    let state = Locked(State())
    /// Messages, bytes and bans since start (for metrics).
    public let traffic = P2PTraffic()

    /// `onMessage` receives every message on a known channel except `.pex`.
    public init(nodeKey: Ed25519PrivateKey, config: PeerManagerConfig, logger: Logger = Logger(label: "ath.p2p"),
                onMessage: @escaping @Sendable (NodeID, P2PChannel, [UInt8]) -> Void,
                onPeerConnected: @escaping @Sendable (NodeID) -> Void = { _ in },
                onPeerDisconnected: @escaping @Sendable (NodeID) -> Void = { _ in }) {
        let nodeID = NodeID(publicKey: nodeKey.publicKey)
        self.nodeID = nodeID
        self.nodeKey = nodeKey
        self.config = config
        self.logger = logger
        self.onMessage = onMessage
        self.onPeerConnected = onPeerConnected
        self.onPeerDisconnected = onPeerDisconnected
        var persistent: [NodeID: PeerAddress] = [:]
        for address in config.persistentPeers where address.nodeID != nodeID && persistent[address.nodeID] == nil {
            persistent[address.nodeID] = address
        }
        self.persistent = persistent
    }

    /// Binds the listener, then starts dialling persistent peers and seeds.
    /// Throws `.alreadyStarted` on a second call (also after `stop`),
    /// `.bindFailed`, or `.peerAddressInvalidHost` for a bad `externalHost`.
    public func start() async throws(P2PError) {
        try state.withLock { (s: inout State) throws(P2PError) in
            guard s.phase == .idle else { throw .alreadyStarted }
            s.phase = .starting
        }
        let host = config.advertisedHost
        if let host, !PeerAddress.isValidHost(host.utf8) {
            state.withLock { $0.phase = .idle }
            throw .peerAddressInvalidHost(address: host, host: host)
        }
        let logger = self.logger
        let listener = P2PListener(host: config.listenHost, port: config.listenPort, nodeKey: nodeKey,
                                   config: config.connection) { error, remote in
            logger.debug("refused inbound connection", metadata: ["remote": "\(remote ?? "?")", "reason": "\(error)"])
        }
        do {
            try await listener.start()
        } catch {
            state.withLock { $0.phase = .idle }
            throw error
        }
        let port = listener.port
        let started = state.withLock { s in
            guard s.phase == .starting else { return false }
            s.phase = .running
            s.listener = listener
            if let host, let port { s.advertised = PEXEndpoint(host: host, port: port) }
            let now = ContinuousClock.now
            for seed in config.seeds where seed.nodeID != nodeID && persistent[seed.nodeID] == nil {
                s.book.addSeed(seed, now: now)
            }
            s.background.append(Task { await self.acceptLoop(listener) })
            for address in persistent.values { s.background.append(Task { await self.keepConnected(address) }) }
            s.background.append(Task { await self.maintenanceLoop() })
            return true
        }
        guard started else {
            await listener.stop()
            return
        }
        logger.info("P2P listening", metadata: ["node": "\(nodeID)", "host": "\(config.listenHost)",
                                                "port": "\(port.map(String.init) ?? "?")",
                                                "advertised": "\(host ?? "none")"])
    }

    /// Closes the listener and every connection and waits for the reader tasks
    /// (so no callback runs after it returns, except from a dial that was in
    /// flight, which is then refused). Idempotent.
    public func stop() async {
        let (listener, connections, readers, background) = state.withLock { s in
            guard s.phase != .stopped else {
                return (nil as P2PListener?, [PeerConnection](), [Task<Void, Never>](), [Task<Void, Never>]())
            }
            s.phase = .stopped
            for peer in s.peers.values where s.closing[ObjectIdentifier(peer.connection)] == nil {
                s.closing[ObjectIdentifier(peer.connection)] = "this node is stopping"
            }
            let listener = s.listener
            s.listener = nil
            return (listener, s.peers.values.map(\.connection), Array(s.readers.values), s.background)
        }
        for task in background { task.cancel() }
        await listener?.stop()
        for connection in connections { await connection.close() }
        for task in readers { await task.value }
    }

    /// The bound listen port while running.
    public var listenPort: Int? { state.withLock { $0.listener }?.port }

    /// Connected peers, sorted by node id.
    public var peers: [PeerInfo] {
        state.withLock { s in s.peers.values.filter { s.isLive($0) }.map(\.info) }
            .sorted { $0.nodeID.bytes.lexicographicallyPrecedes($1.nodeID.bytes) }
    }

    public var peerCount: Int { state.withLock { s in s.peers.values.count(where: { s.isLive($0) }) } }

    /// Sends to every connected peer except `except`. Never blocks: a peer
    /// whose outbound queue overflows is disconnected by its connection.
    public func broadcast(_ channel: P2PChannel, _ message: [UInt8], except: NodeID? = nil) {
        guard fits(message) else { return }
        let targets = state.withLock { s in
            s.peers.values.compactMap { $0.connection.remoteNodeID != except && s.isLive($0) ? $0.connection : nil }
        }
        var copies = 0
        for connection in targets where (try? connection.send(channel: channel.rawValue, message: message)) != nil { copies += 1 }
        traffic.noteSent(channel: channel.rawValue, bytes: message.count, copies: copies)
    }

    /// Sends to one peer; false when it is not connected or the send was refused.
    @discardableResult
    public func send(to id: NodeID, _ channel: P2PChannel, _ message: [UInt8]) -> Bool {
        guard fits(message), let connection = state.withLock({ $0.livePeer(id)?.connection }) else { return false }
        do {
            try connection.send(channel: channel.rawValue, message: message)
            traffic.noteSent(channel: channel.rawValue, bytes: message.count, copies: 1)
            return true
        } catch {
            return false
        }
    }

    /// Disconnects the peer and refuses it, inbound and outbound, persistent
    /// included, until `banDuration` has passed. Logs `reason`.
    public func ban(_ id: NodeID, reason: String) {
        ban(id, reason: reason, also: nil)
    }

    /// Closes the connection to `id`, if any. A persistent peer is redialled.
    public func disconnect(_ id: NodeID) {
        let connection: PeerConnection? = state.withLock { s in
            guard let peer = s.livePeer(id) else { return nil }
            s.closing[ObjectIdentifier(peer.connection)] = "disconnected by this node"
            return peer.connection
        }
        if let connection { Task { await connection.close() } }
    }

    public func isBanned(_ id: NodeID) -> Bool {
        state.withLock { $0.bans.isBanned(id, now: .now) }
    }

    /// Bans `id`; also closes `connection` (the one whose reader caught the
    /// misbehaviour, which may already have been replaced).
    func ban(_ id: NodeID, reason: String, also connection: PeerConnection?) {
        guard id != nodeID else { return }
        traffic.noteBan()
        let now = ContinuousClock.now
        let toClose: [PeerConnection] = state.withLock { s in
            s.bans.ban(id, until: now + config.banDuration, now: now)
            var toClose: [PeerConnection] = []
            for c in [s.peers[id]?.connection, connection].compactMap({ $0 }) where !toClose.contains(where: { $0 === c }) {
                if s.closing[ObjectIdentifier(c)] == nil { s.closing[ObjectIdentifier(c)] = "banned: \(reason)" }
                toClose.append(c)
            }
            return toClose
        }
        logger.info("peer banned", metadata: ["peer": "\(id)", "reason": "\(reason)",
                                              "duration": "\(config.banDuration)"])
        for c in toClose { Task { await c.close() } }
    }

    private func fits(_ message: [UInt8]) -> Bool {
        guard message.count <= config.connection.maxMessageBytes else {
            logger.error("message not sent: larger than the frame limit",
                         metadata: ["bytes": "\(message.count)", "limit": "\(config.connection.maxMessageBytes)"])
            return false
        }
        return true
    }

    /// The redial delay after `failures` consecutive failures (1 → 250 ms, doubling, capped at `max`).
    static func backoff(afterFailures failures: Int, max: Duration) -> Duration {
        let doublings = Swift.min(Swift.max(failures - 1, 0), 16)
        return Swift.min(initialBackoff * (1 << doublings), max)
    }
}
