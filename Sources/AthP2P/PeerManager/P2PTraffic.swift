import Synchronization

/// What a peer manager has moved since it started, for metrics: messages
/// and their bytes each way, by channel, and the bans it made.
public final class P2PTraffic: Sendable {
    /// Per channel number (256 slots): messages and bytes received and sent.
    private let received = Mutex<[UInt8: (messages: UInt64, bytes: UInt64)]>([:])
    private let sent = Mutex<[UInt8: (messages: UInt64, bytes: UInt64)]>([:])
    private let banCount = Atomic<UInt64>(0)

    public init() {}

    func noteReceived(channel: UInt8, bytes: Int) {
        received.withLock { m in
            let c = m[channel, default: (0, 0)]
            m[channel] = (c.messages &+ 1, c.bytes &+ UInt64(bytes))
        }
    }

    func noteSent(channel: UInt8, bytes: Int, copies: Int) {
        guard copies > 0 else { return }
        sent.withLock { m in
            let c = m[channel, default: (0, 0)]
            m[channel] = (c.messages &+ UInt64(copies), c.bytes &+ UInt64(bytes) &* UInt64(copies))
        }
    }

    func noteBan() { banCount.add(1, ordering: .relaxed) }

    /// Received (messages, bytes) per channel.
    public var receivedByChannel: [UInt8: (messages: UInt64, bytes: UInt64)] { received.withLock { $0 } }
    /// Sent (messages, bytes) per channel.
    public var sentByChannel: [UInt8: (messages: UInt64, bytes: UInt64)] { sent.withLock { $0 } }
    public var bans: UInt64 { banCount.load(ordering: .relaxed) }
}
