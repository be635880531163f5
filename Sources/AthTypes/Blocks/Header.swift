import AthPrimitives
import AthCrypto

/// A block header: Ethereum's Cancun header fields, in Ethereum's order,
/// followed by the BFT fields this chain adds. The block hash is the
/// Keccak-256 of its RLP encoding.
///
/// Fields Ethereum keeps for proof-of-work compatibility (`ommersHash`,
/// `difficulty`, `nonce`) are fixed: the empty-list hash, 0 and 8 zero bytes.
/// Blob fields are always zero: this chain carries no blobs.
public struct Header: Hashable, Sendable {
    public var parentHash: Hash32
    public var ommersHash: Hash32 = Header.emptyOmmersHash
    /// Fee recipient of the priority fees (the proposer's reward address).
    public var coinbase: Address
    public var stateRoot: Hash32
    public var transactionsRoot: Hash32
    public var receiptsRoot: Hash32
    public var logsBloom: Bloom
    public var difficulty: UInt64 = 0
    public var number: UInt64
    public var gasLimit: UInt64
    public var gasUsed: UInt64
    /// Seconds since the Unix epoch; never below the parent's.
    public var timestamp: UInt64
    public var extraData: [UInt8]
    /// PREVRANDAO.
    public var mixHash: Hash32
    public var nonce: UInt64 = 0
    public var baseFeePerGas: UInt256
    public var withdrawalsRoot: Hash32 = Header.emptyTrieRoot
    public var blobGasUsed: UInt64 = 0
    public var excessBlobGas: UInt64 = 0
    public var parentBeaconBlockRoot: Hash32 = .zero
    // BFT fields (filled by consensus; zero on a single-validator dev chain).
    /// The validator that proposed the block.
    public var proposer: Address
    /// Hash of the validator set that signs this block.
    public var validatorsHash: Hash32 = .zero
    /// Hash of the commit (signatures) that finalized the parent.
    public var lastCommitHash: Hash32 = .zero
    /// Hash of the evidence included in the block.
    public var evidenceHash: Hash32 = .zero

    /// keccak256(rlp([])).
    public static let emptyOmmersHash = Keccak256.hash([0xc0])
    /// keccak256(rlp("")): the root of an empty trie.
    public static let emptyTrieRoot = Keccak256.hash([0x80])
    /// Upper bound on `extraData` (Ethereum's 32 bytes).
    public static let maxExtraData = 32

    public init(parentHash: Hash32, coinbase: Address, stateRoot: Hash32, transactionsRoot: Hash32,
                receiptsRoot: Hash32, logsBloom: Bloom, number: UInt64, gasLimit: UInt64, gasUsed: UInt64,
                timestamp: UInt64, extraData: [UInt8], mixHash: Hash32, baseFeePerGas: UInt256, proposer: Address) {
        self.parentHash = parentHash; self.coinbase = coinbase; self.stateRoot = stateRoot
        self.transactionsRoot = transactionsRoot; self.receiptsRoot = receiptsRoot; self.logsBloom = logsBloom
        self.number = number; self.gasLimit = gasLimit; self.gasUsed = gasUsed; self.timestamp = timestamp
        self.extraData = extraData; self.mixHash = mixHash; self.baseFeePerGas = baseFeePerGas; self.proposer = proposer
    }

    public var encoded: [UInt8] {
        var w = RLPWriter(capacity: 700)
        w.appendList { w in
            w.append(parentHash); w.append(ommersHash); w.append(coinbase); w.append(stateRoot)
            w.append(transactionsRoot); w.append(receiptsRoot); w.append(bytes: logsBloom.bytes)
            w.append(difficulty); w.append(number); w.append(gasLimit); w.append(gasUsed); w.append(timestamp)
            w.append(bytes: extraData); w.append(mixHash)
            var n = [UInt8](repeating: 0, count: 8)
            for i in 0..<8 { n[i] = UInt8(truncatingIfNeeded: nonce >> (56 - 8 * UInt64(i))) }
            w.append(bytes: n)
            w.append(baseFeePerGas); w.append(withdrawalsRoot); w.append(blobGasUsed); w.append(excessBlobGas)
            w.append(parentBeaconBlockRoot)
            w.append(proposer); w.append(validatorsHash); w.append(lastCommitHash); w.append(evidenceHash)
        }
        return w.bytes
    }

    public var hash: Hash32 { Keccak256.hash(encoded) }

    /// Decodes a header; strict RLP, exact field count, no trailing bytes.
    public init(decoding bytes: [UInt8]) throws(BlockDecodingError) {
        var outer = RLPDecoder(bytes)
        do {
            var d = try outer.readList()
            try outer.finish()
            parentHash = try d.readHash(); ommersHash = try d.readHash(); coinbase = try d.readAddress()
            stateRoot = try d.readHash(); transactionsRoot = try d.readHash(); receiptsRoot = try d.readHash()
            guard let bloom = Bloom(try d.readBytes()) else { throw BlockDecodingError.invalid("logs bloom is not 256 bytes") }
            logsBloom = bloom
            difficulty = try d.readUInt64(); number = try d.readUInt64(); gasLimit = try d.readUInt64()
            gasUsed = try d.readUInt64(); timestamp = try d.readUInt64()
            let extra = try d.readBytes()
            guard extra.count <= Self.maxExtraData else { throw BlockDecodingError.invalid("extra data longer than 32 bytes") }
            extraData = Array(extra)
            mixHash = try d.readHash()
            let n = try d.readBytes()
            guard n.count == 8 else { throw BlockDecodingError.invalid("nonce is not 8 bytes") }
            nonce = n.reduce(0) { $0 << 8 | UInt64($1) }
            baseFeePerGas = try d.readUInt256(); withdrawalsRoot = try d.readHash()
            blobGasUsed = try d.readUInt64(); excessBlobGas = try d.readUInt64(); parentBeaconBlockRoot = try d.readHash()
            proposer = try d.readAddress(); validatorsHash = try d.readHash(); lastCommitHash = try d.readHash()
            evidenceHash = try d.readHash()
            try d.finish()
        } catch let e as BlockDecodingError {
            throw e
        } catch let e as RLPError {
            throw .rlp("header", e)
        } catch {
            throw .invalid("header: \(error)")
        }
    }
}

/// Why stored or received block data could not be decoded.
public enum BlockDecodingError: Error, Equatable, Sendable, CustomStringConvertible {
    case rlp(String, RLPError)
    case invalid(String)
    case transaction(Int, TransactionError)

    public var description: String {
        switch self {
        case .rlp(let what, let e): return "\(what): \(e)"
        case .invalid(let why): return why
        case .transaction(let i, let e): return "transaction \(i): \(e)"
        }
    }
}
