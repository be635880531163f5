extension PeerManager {
    /// Hands every authenticated inbound connection to `admit`; ends when the listener stops.
    func acceptLoop(_ listener: P2PListener) async {
        for await connection in listener.connections {
            _ = await admit(connection, dialled: nil)
        }
    }

    /// Keeps `connection` (starting its reader task) or closes it, following
    /// `State.admission`. `dialled` is the address we dialled; nil for inbound.
    /// Returns whether it was kept.
    func admit(_ connection: PeerConnection, dialled: PeerAddress?) async -> Bool {
        let id = connection.remoteNodeID
        let outbound = dialled != nil
        let isPersistent = persistent[id] != nil
        let now = ContinuousClock.now
        let (refusal, replaced): (String?, PeerConnection?) = state.withLock { s in
            let decision = s.admission(of: id, outbound: outbound, persistent: isPersistent, local: nodeID,
                                       maxInbound: config.maxInbound, now: now)
            guard case .accept(let replacing) = decision else {
                if case .refuse(let reason) = decision { return (reason, nil) }
                return (nil, nil)
            }
            var replaced: PeerConnection?
            if let old = replacing?.connection, old.isOpen, s.closing[ObjectIdentifier(old)] == nil {
                s.closing[ObjectIdentifier(old)] = "replaced by a newer connection to the same node"
                replaced = old
            }
            // Chain after the old connection's reader so this peer's callbacks stay in order.
            let previous = replacing.flatMap { s.readers[ObjectIdentifier($0.connection)] }
            s.readers[ObjectIdentifier(connection)] = Task { await self.runPeer(connection, after: previous) }
            s.peers[id] = ConnectedPeer(connection: connection, outbound: outbound, persistent: isPersistent,
                                        dialled: dialled, advertised: nil, connectedAt: now, pex: PEXPeerState(now: now))
            if let dialled, !isPersistent { s.book.dialSucceeded(dialled) }
            return (nil, replaced)
        }
        if let refusal {
            logger.debug("refused peer", metadata: ["peer": "\(id)", "outbound": "\(outbound)", "reason": "\(refusal)"])
            await connection.close()
            return false
        }
        logger.info("peer connected", metadata: ["peer": "\(id)", "outbound": "\(outbound)",
                                                 "persistent": "\(isPersistent)",
                                                 "address": "\(dialled?.hostPort ?? connection.remoteAddress ?? "?")"])
        if let replaced { await replaced.close() }
        return true
    }

    /// The reader task of one connection: connected callback, then each
    /// message in order, then bookkeeping and the disconnected callback.
    func runPeer(_ connection: PeerConnection, after previous: Task<Void, Never>?) async {
        await previous?.value
        let id = connection.remoteNodeID
        onPeerConnected(id)
        if config.pex { requestAddresses(over: connection) }
        for await message in connection.messages {
            traffic.noteReceived(channel: message.channel, bytes: message.message.count)
            guard let channel = P2PChannel(rawValue: message.channel) else {
                ban(id, reason: P2PError.unknownChannel(message.channel).description, also: connection)
                break
            }
            if channel == .pex {
                guard handlePEX(message.message, from: connection) else { break }
            } else {
                onMessage(id, channel, message.message)
            }
        }
        let error = await connection.closed()
        let now = ContinuousClock.now
        let key = ObjectIdentifier(connection)
        let reason: String? = state.withLock { s in
            let reason = s.closing.removeValue(forKey: key)
            if let peer = s.peers[id], peer.connection === connection {
                s.peers[id] = nil
                // A connection we closed on purpose says nothing about the address.
                if peer.outbound && !peer.persistent && reason == nil {
                    if now - peer.connectedAt >= Self.stableConnection {
                        s.book.disconnected(id, now: now)
                    } else {
                        s.book.dialFailed(id, now: now, backoffMax: config.dialBackoffMax)
                    }
                }
            }
            return reason
        }
        logger.info("peer disconnected", metadata: ["peer": "\(id)",
                                                    "reason": "\(reason ?? error?.description ?? "closed by the peer")"])
        onPeerDisconnected(id)
        _ = state.withLock { $0.readers.removeValue(forKey: key) }
    }
}
