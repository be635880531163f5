import AthConsensus
import AthCrypto
import AthPrimitives

/// Deterministic validators for the consensus tests.
struct Fixture {
    let keys: [Ed25519PrivateKey]
    let validators: ValidatorSet
    let chainID: UInt64

    /// Validator i has address 0x…(i+1), a key from seed [i+1, …] and power `powers[i]`.
    init(powers: [UInt64], chainID: UInt64 = 1) {
        let keys = powers.indices.map { i in try! Ed25519PrivateKey(seed: [UInt8](repeating: UInt8(i + 1), count: 32)) }
        self.keys = keys
        validators = try! ValidatorSet(powers.indices.map { i in
            Validator(address: Address(low: UInt64(i + 1)), publicKey: keys[i].publicKey, votingPower: powers[i])
        })
        self.chainID = chainID
    }

    func address(_ i: Int) -> Address { Address(low: UInt64(i + 1)) }

    func vote(_ type: VoteType, _ i: Int, height: UInt64 = 1, round: Int32 = 0, _ hash: Hash32?) -> Vote {
        Vote.signed(type: type, height: height, round: round, blockHash: hash, validatorIndex: UInt32(i),
                    validatorAddress: address(i), key: keys[i], chainID: chainID)
    }

    func proposal(by i: Int, height: UInt64 = 1, round: Int32, _ hash: Hash32, polRound: Int32 = -1) -> Proposal {
        Proposal.signed(height: height, round: round, blockHash: hash, polRound: polRound, key: keys[i], chainID: chainID)
    }

    func commit(height: UInt64 = 1, round: Int32 = 0, _ hash: Hash32, signers: [Int]) -> Commit {
        Commit(height: height, round: round, blockHash: hash, signatures: signers.map { i in
            CommitSignature(validatorIndex: UInt32(i), validatorAddress: address(i),
                            signature: vote(.precommit, i, height: height, round: round, hash).signature)
        })
    }
}

/// A block hash that names its test label.
func blockHash(_ label: String) -> Hash32 { Keccak256.hash(Array(label.utf8)) }
