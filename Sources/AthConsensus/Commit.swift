import AthCrypto
import AthPrimitives
import Dispatch

/// One validator's precommit signature inside a commit.
public struct CommitSignature: Hashable, Sendable {
    public var validatorIndex: UInt32
    public var validatorAddress: Address
    public var signature: [UInt8]

    public init(validatorIndex: UInt32, validatorAddress: Address, signature: [UInt8]) {
        self.validatorIndex = validatorIndex; self.validatorAddress = validatorAddress; self.signature = signature
    }
}

/// Proof that a block was decided: precommits for it from validators holding
/// more than 2/3 of the power, all at one height and round.
public struct Commit: Hashable, Sendable {
    /// Signatures checked one by one below this count, in parallel above it.
    static let parallelThreshold = 16

    public var height: UInt64
    public var round: Int32
    public var blockHash: Hash32
    public var signatures: [CommitSignature]

    public init(height: UInt64, round: Int32, blockHash: Hash32, signatures: [CommitSignature]) {
        self.height = height; self.round = round; self.blockHash = blockHash; self.signatures = signatures
    }

    /// The precommit that signature `i` signs.
    public func precommit(at i: Int) -> Vote {
        let s = signatures[i]
        return Vote(type: .precommit, height: height, round: round, blockHash: blockHash,
                    validatorIndex: s.validatorIndex, validatorAddress: s.validatorAddress, signature: s.signature)
    }

    /// Checks the commit is for `height` and `blockHash`, then as `verify(against:chainID:)`.
    public func verify(against validators: ValidatorSet, chainID: UInt64,
                       height expectedHeight: UInt64, blockHash expectedHash: Hash32) throws(ConsensusError) {
        guard height == expectedHeight else { throw .wrongHeight(got: height, expected: expectedHeight) }
        guard blockHash == expectedHash else { throw .wrongBlockHash(got: blockHash, expected: expectedHash) }
        try verify(against: validators, chainID: chainID)
    }

    /// Checks that every signer is a distinct known validator, that they hold
    /// more than 2/3 of the power, and that every signature verifies
    /// (in parallel when there are many).
    public func verify(against validators: ValidatorSet, chainID: UInt64) throws(ConsensusError) {
        guard round >= 0 else { throw .roundOutOfRange(UInt64(UInt32(bitPattern: round))) }
        guard signatures.count <= validators.count else {
            throw .tooManySignatures(got: signatures.count, max: validators.count)
        }
        var seen = [Bool](repeating: false, count: validators.count)
        var keys: [Ed25519PublicKey] = []
        keys.reserveCapacity(signatures.count)
        var power: UInt64 = 0
        for s in signatures {
            guard let v = validators.validator(at: s.validatorIndex, address: s.validatorAddress) else {
                throw .unknownValidator(index: s.validatorIndex, address: s.validatorAddress)
            }
            guard !seen[Int(s.validatorIndex)] else { throw .duplicateSigner(s.validatorAddress) }
            seen[Int(s.validatorIndex)] = true
            guard s.signature.count == Ed25519.signatureCount else {
                throw .wrongSignatureLength(got: s.signature.count, expected: Ed25519.signatureCount)
            }
            power += v.votingPower
            keys.append(v.publicKey)
        }
        guard validators.isTwoThirds(power) else { throw .insufficientPower(got: power, total: validators.totalVotingPower) }
        let message = SignBytes.vote(chainID: chainID, type: .precommit, height: height, round: round, blockHash: blockHash)
        let valid = Self.verifyAll(message: message, signatures: signatures.map(\.signature), keys: keys)
        if let bad = valid.firstIndex(of: false) { throw .invalidSignature(validator: signatures[bad].validatorAddress) }
    }

    private static func verifyAll(message: [UInt8], signatures: [[UInt8]], keys: [Ed25519PublicKey]) -> [Bool] {
        let n = signatures.count
        guard n >= parallelThreshold else {
            return (0..<n).map { Ed25519.verify(signature: signatures[$0], message: message, publicKey: keys[$0]) }
        }
        let results = ResultBuffer(count: n)
        DispatchQueue.concurrentPerform(iterations: n) { i in
            results.pointer[i] = Ed25519.verify(signature: signatures[i], message: message, publicKey: keys[i])
        }
        return results.take()
    }

    /// Each concurrent iteration writes only its own slot.
    private final class ResultBuffer: @unchecked Sendable {
        let pointer: UnsafeMutableBufferPointer<Bool>
        init(count: Int) {
            pointer = .allocate(capacity: count)
            pointer.initialize(repeating: false)
        }
        func take() -> [Bool] { Array(pointer) }
        deinit { pointer.deallocate() }
    }

    /// Largest commit encoding `decode` accepts.
    public static let maxEncodedSize = 64 + ValidatorSet.maxValidators * 100

    /// Wire form: RLP([height, round, blockHash, [[index, address, signature], ...]]).
    public func encode() -> [UInt8] {
        var w = RLPWriter(capacity: 64 + signatures.count * 96)
        w.appendList { l in
            l.append(height)
            l.append(UInt64(UInt32(bitPattern: round)))
            l.append(blockHash)
            l.appendList { list in
                for s in signatures {
                    list.appendList { e in
                        e.append(UInt64(s.validatorIndex))
                        e.append(s.validatorAddress)
                        e.append(bytes: s.signature)
                    }
                }
            }
        }
        return w.bytes
    }

    /// Decodes the wire form, refusing malformed input and more than
    /// `ValidatorSet.maxValidators` signatures. Signatures are checked by `verify`.
    public static func decode(_ bytes: [UInt8]) throws(ConsensusError) -> Commit {
        try decodeTopLevelList(bytes, maxSize: maxEncodedSize) { (d: inout RLPDecoder) throws(ConsensusError) in
            var l = try d.wrap { (d: inout RLPDecoder) throws(RLPError) in try d.readList() }
            let height = try l.wrap { (d: inout RLPDecoder) throws(RLPError) in try d.readUInt64() }
            let round = try l.readRound()
            let hash = try l.wrap { (d: inout RLPDecoder) throws(RLPError) in try d.readHash() }
            var list = try l.wrap { (d: inout RLPDecoder) throws(RLPError) in try d.readList() }
            var signatures: [CommitSignature] = []
            while !list.isAtEnd {
                guard signatures.count < ValidatorSet.maxValidators else {
                    throw .tooManySignatures(got: signatures.count + 1, max: ValidatorSet.maxValidators)
                }
                var e = try list.wrap { (d: inout RLPDecoder) throws(RLPError) in try d.readList() }
                let index = try e.wrap { (d: inout RLPDecoder) throws(RLPError) in try d.readUInt64() }
                guard index <= UInt64(UInt32.max) else {
                    throw .malformed(.integerOverflow(offset: e.offset, bytes: 8, maxBytes: 4))
                }
                let address = try e.wrap { (d: inout RLPDecoder) throws(RLPError) in try d.readAddress() }
                let signature = try e.readSignature()
                try e.wrap { (d: inout RLPDecoder) throws(RLPError) in try d.finish() }
                signatures.append(CommitSignature(validatorIndex: UInt32(index), validatorAddress: address, signature: signature))
            }
            try l.wrap { (d: inout RLPDecoder) throws(RLPError) in try d.finish() }
            return Commit(height: height, round: round, blockHash: hash, signatures: signatures)
        }
    }
}
