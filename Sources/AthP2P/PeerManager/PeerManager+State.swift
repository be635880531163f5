extension PeerManager {
    enum Phase { case idle, starting, running, stopped }

    /// Everything the manager shares between its tasks, behind one lock.
    struct State {
        var phase = Phase.idle
        var listener: P2PListener?
        /// Our own dialable address, sent in every peer-exchange message.
        var advertised: PEXEndpoint?
        /// At most one entry per node id (see `admission`).
        var peers: [NodeID: ConnectedPeer] = [:]
        /// Node ids with a dial in flight.
        var dialing: Set<NodeID> = []
        var bans = BanList()
        var book = AddressBook()
        /// Why we closed a connection that still has a reader task, keyed by the connection.
        var closing: [ObjectIdentifier: String] = [:]
        /// Every reader task not yet finished, so `stop` can wait for them.
        var readers: [ObjectIdentifier: Task<Void, Never>] = [:]
        /// The listener loop, persistent-peer loops and the maintenance loop.
        var background: [Task<Void, Never>] = []

        /// Open and not being closed by us.
        func isLive(_ peer: ConnectedPeer) -> Bool {
            peer.connection.isOpen && closing[ObjectIdentifier(peer.connection)] == nil
        }

        func livePeer(_ id: NodeID) -> ConnectedPeer? {
            peers[id].flatMap { isLive($0) ? $0 : nil }
        }

        func liveCount(outbound: Bool) -> Int {
            peers.values.count(where: { !$0.persistent && $0.outbound == outbound && isLive($0) })
        }
    }

    /// One authenticated connection we keep.
    struct ConnectedPeer {
        let connection: PeerConnection
        let outbound: Bool
        let persistent: Bool
        /// The address we dialled (outbound only).
        let dialled: PeerAddress?
        /// The address the peer advertised in peer exchange.
        var advertised: PEXEndpoint?
        let connectedAt: ContinuousClock.Instant
        var pex: PEXPeerState

        var info: PeerInfo {
            let address = dialled?.hostPort
                ?? advertised.map { PeerAddress(nodeID: connection.remoteNodeID, host: $0.host, port: $0.port).hostPort }
                ?? connection.remoteAddress
            return PeerInfo(nodeID: connection.remoteNodeID, address: address, outbound: outbound, persistent: persistent)
        }
    }

    enum Admission {
        /// Keep the new connection; close `replacing` if it is still open.
        case accept(replacing: ConnectedPeer?)
        case refuse(String)
    }
}

extension PeerManager.State {
    /// Whether to keep a new authenticated connection to `remote`.
    ///
    /// Exactly one connection per node id: when both nodes dial each other at
    /// once, each side keeps the connection dialled by the node with the lower
    /// node id, so both keep the same one. A second connection in the same
    /// direction replaces the first (the remote redialled, so it considers the
    /// old one dead).
    func admission(of remote: NodeID, outbound: Bool, persistent: Bool, local: NodeID, maxInbound: Int,
                   now: ContinuousClock.Instant) -> PeerManager.Admission {
        guard phase == .running else { return .refuse("the peer manager is not running") }
        guard remote != local else { return .refuse("it is this node itself") }
        guard !bans.isBanned(remote, now: now) else { return .refuse("it is banned") }
        if let existing = livePeer(remote) {
            if existing.outbound == outbound { return .accept(replacing: existing) }
            let keepOutbound = local.bytes.lexicographicallyPrecedes(remote.bytes)
            return outbound == keepOutbound
                ? .accept(replacing: existing)
                : .refuse("already connected; keeping the connection dialled by the lower node id")
        }
        if !outbound && !persistent && liveCount(outbound: false) >= maxInbound {
            return .refuse("the inbound limit of \(maxInbound) peers is reached")
        }
        return .accept(replacing: peers[remote])
    }
}

/// Banned node ids and when each ban ends. Bounded: past `capacity` the ban
/// that ends first is dropped.
struct BanList: Sendable {
    static let capacity = 10_000
    private var until: [NodeID: ContinuousClock.Instant] = [:]

    func isBanned(_ id: NodeID, now: ContinuousClock.Instant) -> Bool { expiry(of: id, now: now) != nil }

    /// When the ban on `id` ends, if it is banned now.
    func expiry(of id: NodeID, now: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        until[id].flatMap { $0 > now ? $0 : nil }
    }

    mutating func ban(_ id: NodeID, until end: ContinuousClock.Instant, now: ContinuousClock.Instant) {
        if until[id] == nil && until.count >= Self.capacity {
            prune(now: now)
            if until.count >= Self.capacity, let first = until.min(by: { $0.value < $1.value }) {
                until[first.key] = nil
            }
        }
        until[id] = max(end, until[id] ?? end)
    }

    mutating func prune(now: ContinuousClock.Instant) {
        until = until.filter { $0.value > now }
    }
}

/// Per-connection peer-exchange bookkeeping: rate limits and the request in flight.
struct PEXPeerState {
    /// A peer sending more PEX messages than this within `floodWindow` is banned.
    static let floodLimit = 20
    static let floodWindow = Duration.seconds(60)
    /// At most one request answered per peer within this interval; others are ignored.
    static let answerInterval = Duration.seconds(10)

    var windowStart: ContinuousClock.Instant
    var windowCount = 0
    var lastAnswer: ContinuousClock.Instant?
    var lastRequest: ContinuousClock.Instant?
    var requestOutstanding = false

    init(now: ContinuousClock.Instant) { windowStart = now }

    /// Counts one received message; false once the peer floods.
    mutating func count(now: ContinuousClock.Instant) -> Bool {
        if now - windowStart >= Self.floodWindow {
            windowStart = now
            windowCount = 0
        }
        windowCount += 1
        return windowCount <= Self.floodLimit
    }

    /// Whether a request may be answered now; if so, remembers that it was.
    mutating func takeAnswer(now: ContinuousClock.Instant) -> Bool {
        if let last = lastAnswer, now - last < Self.answerInterval { return false }
        lastAnswer = now
        return true
    }
}
