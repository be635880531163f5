import AthPrimitives

/// Where a node says it can be dialled: its advertised host and listen port.
public struct PEXEndpoint: Hashable, Sendable {
    public let host: String
    public let port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }
}

/// A peer-exchange message (channel `P2PChannel.pex`).
///
/// Wire form, strict RLP: `[kind, host, port, [[nodeID, host, port], ...]]`
/// - kind: 1 request, 2 response;
/// - host, port: the sender's own dialable address (its node id is the one
///   the handshake proved), or the empty string and 0 when it advertises none;
/// - the list: empty in a request, at most `maxAddresses` in a response;
///   node ids are 20 bytes, hosts pass `PeerAddress.isValid`, ports 1...65535.
/// Whatever decodes re-encodes to the same bytes.
public struct PEXMessage: Equatable, Sendable {
    public enum Kind: UInt8, Sendable {
        case request = 1
        case response = 2
    }

    /// Most addresses one response may carry.
    public static let maxAddresses = 64
    /// Largest encoding `decode` accepts: 64 entries of at most 282 bytes
    /// (a 253-byte host) plus the header fields fit with room to spare.
    public static let maxEncodedSize = 20 * 1024

    public var kind: Kind
    public var advertised: PEXEndpoint?
    public var addresses: [PeerAddress]

    public init(kind: Kind, advertised: PEXEndpoint?, addresses: [PeerAddress] = []) {
        self.kind = kind
        self.advertised = advertised
        self.addresses = addresses
    }

    public func encode() -> [UInt8] {
        var w = RLPWriter(capacity: 16 + addresses.count * 48)
        w.appendList { l in
            l.append(UInt64(kind.rawValue))
            l.append(bytes: Array((advertised?.host ?? "").utf8))
            l.append(UInt64(advertised?.port ?? 0))
            l.appendList { list in
                for a in addresses {
                    list.appendList { e in
                        e.append(bytes: a.nodeID.bytes)
                        e.append(bytes: Array(a.host.utf8))
                        e.append(UInt64(a.port))
                    }
                }
            }
        }
        return w.bytes
    }

    /// Decodes the wire form, refusing anything malformed, non-canonical or
    /// out of bounds with `.malformedPEXMessage`.
    public static func decode(_ bytes: [UInt8]) throws(P2PError) -> PEXMessage {
        guard bytes.count <= maxEncodedSize else {
            throw malformed("message of \(bytes.count) bytes exceeds the limit of \(maxEncodedSize) bytes")
        }
        var top = RLPDecoder(bytes)
        var fields = try rlp { () throws(RLPError) in try top.readList() }
        let kindNumber = try rlp { () throws(RLPError) in try fields.readUInt64() }
        guard kindNumber <= UInt64(UInt8.max), let kind = Kind(rawValue: UInt8(kindNumber)) else {
            throw malformed("unknown message kind \(kindNumber), expected 1 (request) or 2 (response)")
        }
        let host = try rlp { () throws(RLPError) in try fields.readBytes() }
        let port = try rlp { () throws(RLPError) in try fields.readUInt64() }
        var advertised: PEXEndpoint?
        if !host.isEmpty || port != 0 {
            advertised = PEXEndpoint(host: try validHost(host, what: "advertised host"),
                                     port: try validPort(port, what: "advertised port"))
        }
        var list = try rlp { () throws(RLPError) in try fields.readList() }
        var addresses: [PeerAddress] = []
        while !list.isAtEnd {
            guard addresses.count < maxAddresses else { throw malformed("carries more than \(maxAddresses) addresses") }
            var entry = try rlp { () throws(RLPError) in try list.readList() }
            let id = try rlp { () throws(RLPError) in try entry.readBytes() }
            guard let nodeID = NodeID(bytes: Array(id)) else {
                throw malformed("address \(addresses.count) has a node id of \(id.count) bytes, expected \(NodeID.byteCount)")
            }
            let host = try validHost(try rlp { () throws(RLPError) in try entry.readBytes() },
                                     what: "address \(addresses.count) host")
            let port = try validPort(try rlp { () throws(RLPError) in try entry.readUInt64() },
                                     what: "address \(addresses.count) port")
            try rlp { () throws(RLPError) in try entry.finish() }
            addresses.append(PeerAddress(nodeID: nodeID, host: host, port: port))
        }
        try rlp { () throws(RLPError) in try fields.finish() }
        try rlp { () throws(RLPError) in try top.finish() }
        guard kind == .response || addresses.isEmpty else {
            throw malformed("a request carries \(addresses.count) addresses, expected none")
        }
        return PEXMessage(kind: kind, advertised: advertised, addresses: addresses)
    }

    private static func malformed(_ reason: String) -> P2PError { .malformedPEXMessage(reason: reason) }

    private static func rlp<T>(_ body: () throws(RLPError) -> T) throws(P2PError) -> T {
        do throws(RLPError) {
            return try body()
        } catch {
            throw malformed(error.description)
        }
    }

    private static func validHost(_ bytes: ArraySlice<UInt8>, what: String) throws(P2PError) -> String {
        guard PeerAddress.isValidHost(bytes) else {
            throw malformed("\(what) is not a host name or IP address of 1...\(PeerAddress.maxHostBytes) characters")
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func validPort(_ value: UInt64, what: String) throws(P2PError) -> Int {
        guard value >= 1 && value <= 65535 else { throw malformed("\(what) \(value) is outside 1...65535") }
        return Int(value)
    }
}
