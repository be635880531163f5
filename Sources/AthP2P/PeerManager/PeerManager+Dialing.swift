extension PeerManager {
    private enum PersistentStep {
        case stop
        case wait(Duration)
        case watch(PeerConnection, since: ContinuousClock.Instant)
        case dial
    }

    /// Keeps one persistent peer connected until the manager stops: watches
    /// its connection (whoever dialled it) and redials after a failure or a
    /// disconnect, waiting 250 ms doubling up to `dialBackoffMax`. A connection
    /// that stayed up `stableConnection` resets the backoff.
    func keepConnected(_ address: PeerAddress) async {
        let id = address.nodeID
        var backoff = Self.initialBackoff
        var delay: Duration?
        while !Task.isCancelled {
            if let delay {
                do { try await Task.sleep(for: delay) } catch { return }
            }
            delay = nil
            let now = ContinuousClock.now
            let step: PersistentStep = state.withLock { s in
                guard s.phase == .running else { return .stop }
                if let end = s.bans.expiry(of: id, now: now) { return .wait(end - now) }
                if let peer = s.peers[id], peer.connection.isOpen { return .watch(peer.connection, since: peer.connectedAt) }
                if s.dialing.contains(id) { return .wait(Self.initialBackoff) }
                s.dialing.insert(id)
                return .dial
            }
            var watched: (PeerConnection, ContinuousClock.Instant)?
            switch step {
            case .stop:
                return
            case .wait(let duration):
                delay = duration
            case .watch(let connection, let since):
                watched = (connection, since)
            case .dial:
                let connection = await dial(address)
                var kept = false
                if let connection { kept = await admit(connection, dialled: address) }
                state.withLock { _ = $0.dialing.remove(id) }
                if let connection, kept {
                    watched = (connection, ContinuousClock.now)
                } else {
                    delay = backoff
                    backoff = min(backoff * 2, config.dialBackoffMax)
                }
            }
            guard let watched else { continue }
            let (connection, since) = watched
            _ = await connection.closed()
            // Replaced by another connection to the same peer: watch that one.
            if state.withLock({ s in s.peers[id].map { $0.connection.isOpen } ?? false }) { continue }
            if ContinuousClock.now - since >= Self.stableConnection { backoff = Self.initialBackoff }
            delay = backoff
            backoff = min(backoff * 2, config.dialBackoffMax)
        }
    }

    /// Dials one address from the address book once.
    func dialOnce(_ address: PeerAddress) async {
        let connection = await dial(address)
        if let connection { _ = await admit(connection, dialled: address) }
        let now = ContinuousClock.now
        state.withLock { s in
            s.dialing.remove(address.nodeID)
            if connection == nil { s.book.dialFailed(address.nodeID, now: now, backoffMax: config.dialBackoffMax) }
        }
    }

    /// Opens an authenticated connection to `address`; one that authenticates
    /// as another node is refused. Failures are logged at debug level.
    func dial(_ address: PeerAddress) async -> PeerConnection? {
        do {
            return try await PeerConnection.connect(host: address.host, port: address.port, nodeKey: nodeKey,
                                                    config: config.connection, expectedNodeID: address.nodeID)
        } catch {
            logger.debug("dial failed", metadata: ["peer": "\(address)", "reason": "\(error)"])
            return nil
        }
    }

    /// Every `tick`: forgets expired bans, asks peers for addresses every
    /// `pexInterval`, and dials address-book entries while below `maxOutbound`.
    func maintenanceLoop() async {
        while !Task.isCancelled {
            maintain()
            do { try await Task.sleep(for: Self.tick) } catch { return }
        }
    }

    private func maintain() {
        let now = ContinuousClock.now
        let (askAddresses, dials): ([PeerConnection], [PeerAddress]) = state.withLock { s in
            guard s.phase == .running else { return ([], []) }
            s.bans.prune(now: now)
            var ask: [PeerConnection] = []
            if config.pex {
                for peer in s.peers.values where s.isLive(peer) {
                    if let last = peer.pex.lastRequest, now - last < Self.pexInterval { continue }
                    ask.append(peer.connection)
                }
            }
            let dialingOutbound = s.dialing.count(where: { persistent[$0] == nil })
            let free = config.maxOutbound - s.liveCount(outbound: true) - dialingOutbound
            let picks = s.book.candidates(now: now, limit: free) { id in
                id == nodeID || persistent[id] != nil || s.peers[id] != nil || s.dialing.contains(id)
                    || s.bans.isBanned(id, now: now)
            }
            for address in picks { s.dialing.insert(address.nodeID) }
            return (ask, picks)
        }
        for connection in askAddresses { requestAddresses(over: connection) }
        for address in dials {
            logger.debug("dialling peer", metadata: ["peer": "\(address)"])
            Task { await self.dialOnce(address) }
        }
    }
}
