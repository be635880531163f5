import AthPrimitives

/// The criteria of a `logs` subscription: an address set and positional topic
/// alternatives, matched as geth does.
///
/// A log matches when its address is in the set (an empty set matches any)
/// and, for every position `i` of `topics`, the alternatives at `i` are empty
/// (wildcard) or contain the log's topic `i`; a filter with more positions
/// than the log has topics never matches it.
struct LogFilter: Sendable, Equatable {
    var addresses: Set<Address>
    var topics: [Set<Hash32>]

    /// geth's bounds on filter criteria.
    static let maxAddresses = 1000
    static let maxTopicPositions = 4
    static let maxTopicAlternatives = 1000

    init(addresses: Set<Address> = [], topics: [Set<Hash32>] = []) {
        self.addresses = addresses
        self.topics = topics
    }

    /// Parses `{"address": a | [a...], "topics": [t | [t...] | null, ...]}`;
    /// other members (`fromBlock`, `toBlock`) are ignored.
    init(json: JSON) throws(RPCError) {
        guard case .object = json else { throw .invalidParams("logs filter must be an object") }
        switch json["address"] {
        case nil, .null?: addresses = []
        case .string(let text)?:
            addresses = [try Self.address(text)]
        case .array(let list)?:
            guard list.count <= Self.maxAddresses else {
                throw .invalidParams("logs filter has \(list.count) addresses, more than the \(Self.maxAddresses) allowed")
            }
            var set = Set<Address>()
            for item in list {
                guard case .string(let text) = item else { throw .invalidParams("logs filter address must be a hex string") }
                set.insert(try Self.address(text))
            }
            addresses = set
        default:
            throw .invalidParams("logs filter address must be a hex string or an array of them")
        }
        switch json["topics"] {
        case nil, .null?: topics = []
        case .array(let positions)?:
            guard positions.count <= Self.maxTopicPositions else {
                throw .invalidParams("logs filter has \(positions.count) topic positions, more than the \(Self.maxTopicPositions) allowed")
            }
            var parsed: [Set<Hash32>] = []
            for position in positions {
                switch position {
                case .null: parsed.append([])
                case .string(let text): parsed.append([try Self.topic(text)])
                case .array(let alternatives):
                    guard alternatives.count <= Self.maxTopicAlternatives else {
                        throw .invalidParams("logs filter topic position has more than \(Self.maxTopicAlternatives) alternatives")
                    }
                    var set = Set<Hash32>()
                    for alt in alternatives {
                        switch alt {
                        case .string(let text): set.insert(try Self.topic(text))
                        case .null: break
                        default: throw .invalidParams("logs filter topic must be a hex string or null")
                        }
                    }
                    // [null] or [] at a position is a wildcard.
                    parsed.append(alternatives.contains(.null) ? [] : set)
                default:
                    throw .invalidParams("logs filter topic must be a hex string, an array of them, or null")
                }
            }
            topics = parsed
        default:
            throw .invalidParams("logs filter topics must be an array")
        }
    }

    func matches(address: Address?, topics logTopics: [Hash32]?) -> Bool {
        if !addresses.isEmpty {
            guard let address, addresses.contains(address) else { return false }
        }
        guard !topics.isEmpty else { return true }
        guard let logTopics, logTopics.count >= topics.count else { return false }
        for (i, alternatives) in topics.enumerated() where !alternatives.isEmpty {
            guard alternatives.contains(logTopics[i]) else { return false }
        }
        return true
    }

    /// Address and topics of a published log object; nil fields when absent or malformed.
    static func fields(of log: JSON) -> (Address?, [Hash32]?) {
        let address = log["address"]?.stringValue.flatMap { try? Address(hex: $0) }
        var topics: [Hash32]? = nil
        if let list = log["topics"]?.arrayValue {
            var parsed: [Hash32] = []
            parsed.reserveCapacity(list.count)
            for t in list {
                guard let text = t.stringValue, let h = try? Hash32(hex: text) else { return (address, nil) }
                parsed.append(h)
            }
            topics = parsed
        }
        return (address, topics)
    }

    private static func address(_ text: String) throws(RPCError) -> Address {
        guard text.hasPrefix("0x") || text.hasPrefix("0X") else {
            throw .invalidParams("logs filter address \(RPCError.excerpt(text)) must be 0x-prefixed hex")
        }
        do { return try Address(hex: text) } catch {
            throw .invalidParams("logs filter address \(RPCError.excerpt(text)) is invalid: \(error)")
        }
    }

    private static func topic(_ text: String) throws(RPCError) -> Hash32 {
        guard text.hasPrefix("0x") || text.hasPrefix("0X") else {
            throw .invalidParams("logs filter topic \(RPCError.excerpt(text)) must be 0x-prefixed hex")
        }
        do { return try Hash32(hex: text) } catch {
            throw .invalidParams("logs filter topic \(RPCError.excerpt(text)) is invalid: \(error)")
        }
    }
}
