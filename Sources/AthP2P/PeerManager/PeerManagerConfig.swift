/// Who to connect to and how many, for one `PeerManager`. The defaults suit a
/// public node; `init(networkName:)` sets all of them.
public struct PeerManagerConfig: Sendable {
    /// Address the listener binds; default "0.0.0.0" (all interfaces).
    public var listenHost: String
    /// Port the listener binds; 0 lets the system choose (see `PeerManager.listenPort`). Default 26656.
    public var listenPort: Int
    /// Host advertised to peers in peer exchange, with the bound listen port.
    /// nil: advertise `listenHost` unless it is a wildcard ("0.0.0.0", "::"),
    /// in which case the node does not advertise itself.
    public var externalHost: String?
    /// Peers kept connected: redialled forever with exponential backoff, always
    /// accepted inbound, not counted against `maxOutbound` or `maxInbound`.
    public var persistentPeers: [PeerAddress]
    /// Peers dialled only to learn addresses through peer exchange; a seed is
    /// disconnected once it has answered.
    public var seeds: [PeerAddress]
    /// Most inbound connections from non-persistent peers; default 40.
    public var maxInbound: Int
    /// Most outbound connections to non-persistent peers; default 10.
    public var maxOutbound: Int
    /// Whether to exchange addresses with peers; default true.
    public var pex: Bool
    /// How long a banned peer is refused and not dialled; default 10 minutes.
    public var banDuration: Duration
    /// Longest wait between redials; backoff starts at 250 ms and doubles up to this. Default 30 s.
    public var dialBackoffMax: Duration
    /// Limits and timeouts of each connection.
    public var connection: P2PConfig

    public init(networkName: String) {
        listenHost = "0.0.0.0"
        listenPort = 26656
        externalHost = nil
        persistentPeers = []
        seeds = []
        maxInbound = 40
        maxOutbound = 10
        pex = true
        banDuration = .seconds(600)
        dialBackoffMax = .seconds(30)
        connection = P2PConfig(networkName: networkName)
    }

    /// The host this node advertises in peer exchange, if any.
    var advertisedHost: String? {
        if let externalHost { return externalHost }
        return ["", "0.0.0.0", "::", "[::]"].contains(listenHost) ? nil : listenHost
    }
}

/// One connected peer, as `PeerManager.peers` reports it.
public struct PeerInfo: Sendable, Equatable {
    public let nodeID: NodeID
    /// Where the peer can be dialled ("host:port"): the address we dialled, or
    /// the one it advertised; otherwise its socket address; nil if none is known.
    public let address: String?
    /// Whether we dialled the peer.
    public let outbound: Bool
    /// Whether the peer is one of `PeerManagerConfig.persistentPeers`.
    public let persistent: Bool

    public init(nodeID: NodeID, address: String?, outbound: Bool, persistent: Bool) {
        self.nodeID = nodeID
        self.address = address
        self.outbound = outbound
        self.persistent = persistent
    }
}
