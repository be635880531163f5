import AthCrypto
import AthPrimitives

/// One validator: its Staking account, its ed25519 consensus key, its power.
public struct Validator: Hashable, Sendable {
    /// The Staking contract account that bonded the stake.
    public let address: Address
    /// The key that signs votes and proposals.
    public let publicKey: Ed25519PublicKey
    /// Bonded stake in consensus units; never zero inside a set.
    public let votingPower: UInt64
    /// CometBFT-style proposer priority; only `ValidatorSet` changes it.
    public internal(set) var proposerPriority: Int64 = 0

    public init(address: Address, publicKey: Ed25519PublicKey, votingPower: UInt64) {
        self.address = address
        self.publicKey = publicKey
        self.votingPower = votingPower
    }
}

/// The validators of one height, sorted by address, with proposer rotation
/// weighted by voting power (CometBFT's proposer-priority algorithm).
public struct ValidatorSet: Hashable, Sendable {
    /// Bound on the number of validators (commits and vote sets scale with it).
    public static let maxValidators = 1024
    /// Bound on the total power, so that priority arithmetic and `power * 3`
    /// never overflow (CometBFT uses the same bound).
    public static let maxTotalVotingPower = UInt64(Int64.max / 8)
    /// Priorities are kept within this many times the total power.
    static let priorityWindowFactor: Int64 = 2

    /// Sorted by address.
    public private(set) var validators: [Validator]
    public let totalVotingPower: UInt64
    /// Index of the proposer chosen by the last priority increment.
    public private(set) var proposerIndex: Int

    /// A fresh set: priorities start at zero and are incremented once, so the
    /// first proposer is the most powerful validator (lowest address on ties).
    public init(_ validators: [Validator]) throws(ConsensusError) {
        guard !validators.isEmpty else { throw .emptyValidatorSet }
        guard validators.count <= Self.maxValidators else {
            throw .tooManyValidators(got: validators.count, max: Self.maxValidators)
        }
        var sorted = validators.sorted { $0.address < $1.address }
        var total: UInt64 = 0
        var keys = Set<Ed25519PublicKey>()
        for i in sorted.indices {
            sorted[i].proposerPriority = 0
            let v = sorted[i]
            guard v.votingPower > 0 else { throw .zeroVotingPower(v.address) }
            if i > 0 && sorted[i - 1].address == v.address { throw .duplicateValidator(v.address) }
            guard keys.insert(v.publicKey).inserted else { throw .duplicateConsensusKey(v.address) }
            let (sum, overflow) = total.addingReportingOverflow(v.votingPower)
            guard !overflow, sum <= Self.maxTotalVotingPower else {
                throw .totalPowerTooLarge(max: Self.maxTotalVotingPower)
            }
            total = sum
        }
        self.validators = sorted
        self.totalVotingPower = total
        self.proposerIndex = 0
        incrementProposerPriority(times: 1)
    }

    public var count: Int { validators.count }
    public var proposer: Validator { validators[proposerIndex] }

    public subscript(index: Int) -> Validator { validators[index] }

    /// The index of `address`, by binary search.
    public func index(of address: Address) -> Int? {
        var lo = 0, hi = validators.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if validators[mid].address < address { lo = mid + 1 } else { hi = mid }
        }
        return lo < validators.count && validators[lo].address == address ? lo : nil
    }

    /// The index of the validator holding `publicKey`.
    public func index(of publicKey: Ed25519PublicKey) -> Int? {
        validators.firstIndex { $0.publicKey == publicKey }
    }

    /// The validator at `index` if it is in range and has `address`.
    public func validator(at index: UInt32, address: Address) -> Validator? {
        guard Int(index) < validators.count else { return nil }
        let v = validators[Int(index)]
        return v.address == address ? v : nil
    }

    /// Whether `power` is more than 2/3 of the total (strictly).
    public func isTwoThirds(_ power: UInt64) -> Bool {
        // total ≤ Int64.max / 8, so neither product overflows.
        power.multipliedReportingOverflow(by: 3).partialValue > totalVotingPower * 2
    }

    /// Whether `power` is more than 1/3 of the total (strictly).
    public func isOneThird(_ power: UInt64) -> Bool {
        power.multipliedReportingOverflow(by: 3).partialValue > totalVotingPower
    }

    /// A copy whose proposer has advanced `times` steps (one per round).
    public func incrementingProposerPriority(times: Int) -> ValidatorSet {
        var copy = self
        copy.incrementProposerPriority(times: times)
        return copy
    }

    /// CometBFT's IncrementProposerPriority: rescale to the window, centre on
    /// the average, then per step add each power and charge the winner the total.
    mutating func incrementProposerPriority(times: Int) {
        guard times > 0 else { return }
        let total = Int64(totalVotingPower)
        rescalePriorities(diffMax: Self.priorityWindowFactor * total)
        shiftByAveragePriority()
        for _ in 0..<times {
            var best = 0
            for i in validators.indices {
                validators[i].proposerPriority = Self.clippedAdd(validators[i].proposerPriority, Int64(validators[i].votingPower))
                // Strictly greater keeps the lowest address on ties (sorted order).
                if validators[i].proposerPriority > validators[best].proposerPriority { best = i }
            }
            validators[best].proposerPriority = Self.clippedAdd(validators[best].proposerPriority, -total)
            proposerIndex = best
        }
    }

    private mutating func rescalePriorities(diffMax: Int64) {
        guard diffMax > 0, let maxP = validators.map(\.proposerPriority).max(),
              let minP = validators.map(\.proposerPriority).min() else { return }
        let (diff, overflow) = maxP.subtractingReportingOverflow(minP)
        let d = overflow ? Int64.max : diff
        guard d > diffMax else { return }
        let ratio = d / diffMax + (d % diffMax == 0 ? 0 : 1)
        for i in validators.indices { validators[i].proposerPriority /= ratio }
    }

    private mutating func shiftByAveragePriority() {
        // Σ(p / n) + Σ(p % n) / n: the average without overflowing Int64.
        let n = Int64(validators.count)
        var quotients: Int64 = 0, remainders: Int64 = 0
        for v in validators {
            quotients = Self.clippedAdd(quotients, v.proposerPriority / n)
            remainders += v.proposerPriority % n
        }
        let average = Self.clippedAdd(quotients, remainders / n)
        for i in validators.indices {
            validators[i].proposerPriority = Self.clippedAdd(validators[i].proposerPriority, Self.clippedNegate(average))
        }
    }

    static func clippedAdd(_ a: Int64, _ b: Int64) -> Int64 {
        let (r, overflow) = a.addingReportingOverflow(b)
        if !overflow { return r }
        return b > 0 ? Int64.max : Int64.min
    }

    static func clippedNegate(_ a: Int64) -> Int64 { a == Int64.min ? Int64.max : -a }
}

// MARK: Persistence and commitment

extension ValidatorSet {
    /// Largest encoding `decode` accepts.
    public static let maxEncodedSize = 16 + maxValidators * 96

    /// The hash a block header commits to: keccak256 of RLP([[address,
    /// public key, power], ...]) in set order. Priorities are not part of it.
    public var hash: Hash32 {
        var w = RLPWriter(capacity: 16 + validators.count * 72)
        w.appendList { l in
            for v in validators {
                l.appendList { e in e.append(v.address); e.append(bytes: v.publicKey.bytes); e.append(v.votingPower) }
            }
        }
        return Keccak256.hash(w.bytes)
    }

    /// Stored form, priorities included: RLP([proposerIndex, [[address, key,
    /// power, priority as its two's-complement bit pattern], ...]]).
    public func encode() -> [UInt8] {
        var w = RLPWriter(capacity: 16 + validators.count * 88)
        w.appendList { l in
            l.append(UInt64(proposerIndex))
            l.appendList { list in
                for v in validators {
                    list.appendList { e in
                        e.append(v.address); e.append(bytes: v.publicKey.bytes); e.append(v.votingPower)
                        e.append(UInt64(bitPattern: v.proposerPriority))
                    }
                }
            }
        }
        return w.bytes
    }

    /// Decodes `encode()`'s output with every invariant of `init` checked
    /// (sorted unique addresses, unique keys, non-zero bounded power).
    public static func decode(_ bytes: [UInt8]) throws(ConsensusError) -> ValidatorSet {
        try decodeTopLevelList(bytes, maxSize: maxEncodedSize) { (d: inout RLPDecoder) throws(ConsensusError) in
            var l = try d.wrap { (d: inout RLPDecoder) throws(RLPError) in try d.readList() }
            let proposer = try l.wrap { (d: inout RLPDecoder) throws(RLPError) in try d.readUInt64() }
            var list = try l.wrap { (d: inout RLPDecoder) throws(RLPError) in try d.readList() }
            var members: [Validator] = []
            var priorities: [Int64] = []
            while !list.isAtEnd {
                guard members.count < maxValidators else { throw .tooManyValidators(got: members.count + 1, max: maxValidators) }
                var e = try list.wrap { (d: inout RLPDecoder) throws(RLPError) in try d.readList() }
                let address = try e.wrap { (d: inout RLPDecoder) throws(RLPError) in try d.readAddress() }
                let keyStart = e.offset
                let keyBytes = try e.wrap { (d: inout RLPDecoder) throws(RLPError) in try d.readBytes() }
                guard let key = try? Ed25519PublicKey(Array(keyBytes)) else {
                    throw .malformed(.wrongFieldLength(offset: keyStart, got: keyBytes.count, expected: 32))
                }
                let power = try e.wrap { (d: inout RLPDecoder) throws(RLPError) in try d.readUInt64() }
                let priority = try e.wrap { (d: inout RLPDecoder) throws(RLPError) in try d.readUInt64() }
                try e.wrap { (d: inout RLPDecoder) throws(RLPError) in try d.finish() }
                members.append(Validator(address: address, publicKey: key, votingPower: power))
                priorities.append(Int64(bitPattern: priority))
            }
            try l.wrap { (d: inout RLPDecoder) throws(RLPError) in try d.finish() }
            var set = try ValidatorSet(members)
            guard set.validators.map(\.address) == members.map(\.address) else { throw .invalidValidatorSet("validators are not sorted by address") }
            guard proposer < UInt64(members.count) else { throw .invalidValidatorSet("proposer index \(proposer) is out of range") }
            for i in set.validators.indices { set.validators[i].proposerPriority = priorities[i] }
            set.proposerIndex = Int(proposer)
            return set
        }
    }
}
