import AthPrimitives

/// Why a P2P connection was refused or closed. Every case that a remote peer
/// can cause closes that one connection and nothing else.
public enum P2PError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The hello did not start with the protocol magic "ATHP" (not an ATH node, or garbage).
    case wrongMagic(got: [UInt8])
    /// The peer speaks another version of the handshake.
    case unsupportedVersion(got: UInt32, expected: UInt32)
    /// The peer's ephemeral X25519 key is of low order (for example all zero):
    /// the shared secret would be zero, so the session would be unencrypted.
    case lowOrderEphemeralKey
    /// The peer sent our own ephemeral key back (a reflection attack).
    case reflectedEphemeralKey
    /// The hello is not exactly magic, version and a 32-byte key.
    case malformedHello(got: Int, expected: Int)
    /// The authentication message is not a 32-byte key followed by a 64-byte signature.
    case malformedAuthMessage(got: Int, expected: Int)
    /// The peer's signature over the handshake transcript does not verify.
    case invalidSignature(nodeID: NodeID)
    /// The peer authenticated as another node than the one we dialled.
    case nodeIDMismatch(got: NodeID, expected: NodeID)
    /// A frame header announced more bytes than the frame limit allows.
    case frameTooLarge(sealedBytes: Int, limit: Int)
    /// A frame header announced fewer bytes than a tag plus a channel byte.
    case frameTooSmall(sealedBytes: Int, minimum: Int)
    /// A frame failed authentication: altered, replayed, reordered or sealed with another key.
    case frameAuthenticationFailed(counter: UInt64)
    /// 2^64 - 1 frames were sent or received in one direction; the nonce would repeat.
    case counterExhausted
    /// A message to send is larger than the frame limit.
    case messageTooLarge(got: Int, limit: Int)
    /// The handshake did not finish in time.
    case handshakeTimeout(milliseconds: Int64)
    /// Nothing was received for longer than the idle timeout.
    case idleTimeout(milliseconds: Int64)
    /// More bytes were queued for the peer than it read; the peer is too slow or never reads.
    case outboundQueueFull(limitBytes: Int)
    /// Received messages piled up past the limit because nobody consumed them.
    case inboundQueueFull(limitBytes: Int)
    /// The connection is closed (or closed before the handshake finished).
    case connectionClosed
    /// A send was attempted before the handshake finished.
    case notEstablished
    /// The TCP connection could not be opened.
    case connectFailed(host: String, port: Int, reason: String)
    /// The listener could not bind.
    case bindFailed(host: String, port: Int, reason: String)
    /// The listener was already started.
    case alreadyStarted
    /// The socket failed underneath the connection.
    case ioError(reason: String)
    /// A peer address has no "nodeid@" part.
    case peerAddressMissingNodeID(address: String)
    /// A peer address's node id is not 40 hex digits.
    case peerAddressInvalidNodeID(address: String, reason: HexError)
    /// A peer address has no ":port" after the host.
    case peerAddressMissingPort(address: String)
    /// A peer address's port is not a number in 1...65535.
    case peerAddressInvalidPort(address: String, port: String)
    /// A peer address's host is empty, too long, has characters no host name
    /// or IP address has, or is an IPv6 address without brackets.
    case peerAddressInvalidHost(address: String, host: String)
    /// A peer sent a message on a channel number that no `P2PChannel` names.
    case unknownChannel(UInt8)
    /// A peer-exchange message broke the encoding rules or its bounds.
    case malformedPEXMessage(reason: String)
    /// A peer sent more peer-exchange messages than the limit per window.
    case pexFlood(messages: Int, limit: Int, seconds: Int)

    public var description: String {
        switch self {
        case .wrongMagic(let got):
            return "peer hello starts with \(Hex.encode(got)), expected the ATH P2P magic 0x41544850 (\"ATHP\")"
        case .unsupportedVersion(let got, let expected):
            return "peer speaks P2P handshake version \(got), expected \(expected)"
        case .lowOrderEphemeralKey:
            return "peer sent a low-order ephemeral X25519 key (shared secret would be zero)"
        case .reflectedEphemeralKey:
            return "peer sent back our own ephemeral key"
        case .malformedHello(let got, let expected):
            return "peer hello is \(got) bytes long, expected \(expected)"
        case .malformedAuthMessage(let got, let expected):
            return "peer authentication message is \(got) bytes long, expected \(expected)"
        case .invalidSignature(let nodeID):
            return "peer \(nodeID) sent an invalid signature over the handshake transcript"
        case .nodeIDMismatch(let got, let expected):
            return "peer authenticated as node \(got), expected \(expected)"
        case .frameTooLarge(let sealedBytes, let limit):
            return "peer frame of \(sealedBytes) bytes exceeds the limit of \(limit) bytes"
        case .frameTooSmall(let sealedBytes, let minimum):
            return "peer frame of \(sealedBytes) bytes is shorter than the minimum of \(minimum) bytes"
        case .frameAuthenticationFailed(let counter):
            return "peer frame \(counter) failed authentication (altered, replayed or reordered)"
        case .counterExhausted:
            return "frame counter exhausted; the connection must be re-established"
        case .messageTooLarge(let got, let limit):
            return "message of \(got) bytes exceeds the frame limit of \(limit) bytes"
        case .handshakeTimeout(let ms):
            return "handshake did not finish within \(ms) ms"
        case .idleTimeout(let ms):
            return "nothing received from the peer for \(ms) ms"
        case .outboundQueueFull(let limit):
            return "peer is not reading: more than \(limit) bytes queued for it"
        case .inboundQueueFull(let limit):
            return "more than \(limit) bytes of received messages were not consumed"
        case .connectionClosed:
            return "connection closed"
        case .notEstablished:
            return "connection is not established yet"
        case .connectFailed(let host, let port, let reason):
            return "cannot connect to \(host):\(port): \(reason)"
        case .bindFailed(let host, let port, let reason):
            return "cannot listen on \(host):\(port): \(reason)"
        case .alreadyStarted:
            return "P2P listener already started"
        case .ioError(let reason):
            return "connection failed: \(reason)"
        case .peerAddressMissingNodeID(let address):
            return "peer address \"\(address)\" has no node id: expected nodeid@host:port"
        case .peerAddressInvalidNodeID(let address, let reason):
            return "peer address \"\(address)\" has an invalid node id (\(reason)): expected 40 hex digits before the @"
        case .peerAddressMissingPort(let address):
            return "peer address \"\(address)\" has no port: expected nodeid@host:port"
        case .peerAddressInvalidPort(let address, let port):
            return "peer address \"\(address)\" has an invalid port \"\(port)\": expected a number in 1...65535"
        case .peerAddressInvalidHost(let address, let host):
            return "peer address \"\(address)\" has an invalid host \"\(host)\": expected a host name or an IPv4 address, "
                + "or an IPv6 address in brackets, of at most \(PeerAddress.maxHostBytes) characters"
        case .unknownChannel(let number):
            return "peer sent a message on unknown channel \(number)"
        case .malformedPEXMessage(let reason):
            return "peer sent a malformed peer-exchange message: \(reason)"
        case .pexFlood(let messages, let limit, let seconds):
            return "peer sent \(messages) peer-exchange messages within \(seconds) s, more than the limit of \(limit)"
        }
    }
}
