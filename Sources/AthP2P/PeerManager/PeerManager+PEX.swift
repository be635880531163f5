/// Peer exchange (channel `.pex`, `PEXMessage`): every peer is asked for
/// addresses on connect and every `pexInterval`; requests are answered with up
/// to `pexAnswerAddresses` known good addresses, at most once per
/// `PEXPeerState.answerInterval` per peer; more than `PEXPeerState.floodLimit`
/// messages per `floodWindow`, a malformed message or an unsolicited flood
/// gets the peer banned.
extension PeerManager {
    /// Sends a request (carrying our own address) and remembers that one is outstanding.
    func requestAddresses(over connection: PeerConnection) {
        let id = connection.remoteNodeID
        let now = ContinuousClock.now
        let request: [UInt8]? = state.withLock { s in
            guard var peer = s.peers[id], peer.connection === connection else { return nil }
            peer.pex.lastRequest = now
            peer.pex.requestOutstanding = true
            s.peers[id] = peer
            return PEXMessage(kind: .request, advertised: s.advertised).encode()
        }
        if let request { try? connection.send(channel: P2PChannel.pex.rawValue, message: request) }
    }

    /// Handles one PEX message from the reader task of `connection`; false
    /// when the peer was banned for it (stop reading).
    func handlePEX(_ bytes: [UInt8], from connection: PeerConnection) -> Bool {
        let id = connection.remoteNodeID
        let now = ContinuousClock.now
        let withinLimit = state.withLock { s in
            guard var peer = s.peers[id], peer.connection === connection else { return true }
            let ok = peer.pex.count(now: now)
            s.peers[id] = peer
            return ok
        }
        guard withinLimit else {
            let flood = P2PError.pexFlood(messages: PEXPeerState.floodLimit + 1, limit: PEXPeerState.floodLimit,
                                          seconds: Int(PEXPeerState.floodWindow.components.seconds))
            ban(id, reason: flood.description, also: connection)
            return false
        }
        guard config.pex else { return true }
        let message: PEXMessage
        do {
            message = try PEXMessage.decode(bytes)
        } catch {
            ban(id, reason: "\(error)", also: connection)
            return false
        }
        switch message.kind {
        case .request:
            if let reply = answer(message, from: connection, now: now) {
                try? connection.send(channel: P2PChannel.pex.rawValue, message: reply)
            }
        case .response:
            learn(message, from: connection, now: now)
        }
        return true
    }

    /// The encoded response to a request, or nil when the peer asked too soon.
    private func answer(_ request: PEXMessage, from connection: PeerConnection, now: ContinuousClock.Instant) -> [UInt8]? {
        let id = connection.remoteNodeID
        return state.withLock { s -> [UInt8]? in
            guard var peer = s.peers[id], peer.connection === connection else { return nil }
            note(request.advertised, of: &peer, in: &s, now: now)
            let mayAnswer = peer.pex.takeAnswer(now: now)
            s.peers[id] = peer
            guard mayAnswer else { return nil }
            return PEXMessage(kind: .response, advertised: s.advertised,
                              addresses: shareableAddresses(in: s, for: id)).encode()
        }
    }

    /// Adds the addresses of a solicited response to the address book; an
    /// unsolicited one is ignored. A seed that answered is disconnected.
    private func learn(_ response: PEXMessage, from connection: PeerConnection, now: ContinuousClock.Instant) {
        let id = connection.remoteNodeID
        let seedDone: Bool = state.withLock { s in
            guard var peer = s.peers[id], peer.connection === connection, peer.pex.requestOutstanding else { return false }
            peer.pex.requestOutstanding = false
            note(response.advertised, of: &peer, in: &s, now: now)
            s.peers[id] = peer
            for address in response.addresses where address.nodeID != nodeID && persistent[address.nodeID] == nil
                && !s.bans.isBanned(address.nodeID, now: now) {
                s.book.learn(address, now: now)
            }
            guard peer.outbound, !peer.persistent, s.book.entry(id)?.isSeed == true else { return false }
            s.book.postpone(id, until: now + Self.seedRedialInterval)
            if s.isLive(peer) { s.closing[ObjectIdentifier(connection)] = "seed answered our address request" }
            return true
        }
        if seedDone { Task { await connection.close() } }
    }

    /// Records the address a peer advertises; for an inbound peer it goes into
    /// the address book (unverified: it is dialled, and shared, only after it
    /// has proved itself on an outbound connection).
    private func note(_ advertised: PEXEndpoint?, of peer: inout ConnectedPeer, in s: inout State,
                      now: ContinuousClock.Instant) {
        guard let advertised else { return }
        peer.advertised = advertised
        if !peer.outbound && !peer.persistent {
            s.book.learn(PeerAddress(nodeID: peer.connection.remoteNodeID, host: advertised.host, port: advertised.port),
                         now: now)
        }
    }

    /// Up to `pexAnswerAddresses` known good addresses for `requester`: our own
    /// advertised address, persistent peers, then connected outbound peers by
    /// node id. Never the requester's own.
    private func shareableAddresses(in s: State, for requester: NodeID) -> [PeerAddress] {
        var out: [PeerAddress] = []
        var seen: Set<NodeID> = [requester]
        func add(_ address: PeerAddress) {
            guard out.count < Self.pexAnswerAddresses, address.isValid, seen.insert(address.nodeID).inserted else { return }
            out.append(address)
        }
        if let own = s.advertised { add(PeerAddress(nodeID: nodeID, host: own.host, port: own.port)) }
        for address in config.persistentPeers where address.nodeID != nodeID { add(address) }
        let outbound = s.peers.values
            .filter { $0.outbound && s.isLive($0) }
            .sorted { $0.connection.remoteNodeID.bytes.lexicographicallyPrecedes($1.connection.remoteNodeID.bytes) }
        for peer in outbound { if let dialled = peer.dialled { add(dialled) } }
        return out
    }
}
