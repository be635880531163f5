import AthConsensus
import AthCrypto
import AthPrimitives
import Testing

@Suite struct ValidatorSetTests {
    @Test func proposersRotateInProportionToPower() {
        let f = Fixture(powers: [1, 2, 3, 4])
        var set = f.validators
        var counts = [Int](repeating: 0, count: 4)
        for _ in 0..<1000 {
            counts[set.proposerIndex] += 1
            set = set.incrementingProposerPriority(times: 1)
        }
        for (i, expected) in [100, 200, 300, 400].enumerated() {
            #expect(abs(counts[i] - expected) <= 1, "validator \(i) proposed \(counts[i]) times")
        }
    }

    @Test func rotationIsDeterministicAndCumulative() {
        let f = Fixture(powers: [5, 1, 7, 3, 2])
        var step = f.validators
        for _ in 0..<37 { step = step.incrementingProposerPriority(times: 1) }
        #expect(step == f.validators.incrementingProposerPriority(times: 37))
        #expect(Fixture(powers: [5, 1, 7, 3, 2]).validators == f.validators)
    }

    @Test func firstProposerIsTheMostPowerful() {
        #expect(Fixture(powers: [1, 9, 3]).validators.proposerIndex == 1)
        #expect(Fixture(powers: [2, 2, 2]).validators.proposerIndex == 0)
    }

    @Test func badSetsAreRefused() throws {
        let k = Ed25519PrivateKey.generate().publicKey
        let k2 = Ed25519PrivateKey.generate().publicKey
        #expect(throws: ConsensusError.emptyValidatorSet) { try ValidatorSet([]) }
        #expect(throws: ConsensusError.zeroVotingPower(Address(low: 1))) {
            try ValidatorSet([Validator(address: Address(low: 1), publicKey: k, votingPower: 0)])
        }
        #expect(throws: ConsensusError.duplicateValidator(Address(low: 1))) {
            try ValidatorSet([Validator(address: Address(low: 1), publicKey: k, votingPower: 1),
                              Validator(address: Address(low: 1), publicKey: k2, votingPower: 1)])
        }
        #expect(throws: ConsensusError.self) {
            try ValidatorSet([Validator(address: Address(low: 1), publicKey: k, votingPower: 1),
                              Validator(address: Address(low: 2), publicKey: k, votingPower: 1)])
        }
        #expect(throws: ConsensusError.totalPowerTooLarge(max: ValidatorSet.maxTotalVotingPower)) {
            try ValidatorSet([Validator(address: Address(low: 1), publicKey: k, votingPower: UInt64.max),
                              Validator(address: Address(low: 2), publicKey: k2, votingPower: 1)])
        }
    }

    @Test func extremePowersDoNotTrap() throws {
        let k = Ed25519PrivateKey.generate().publicKey
        let k2 = Ed25519PrivateKey.generate().publicKey
        var set = try ValidatorSet([Validator(address: Address(low: 1), publicKey: k, votingPower: ValidatorSet.maxTotalVotingPower - 1),
                                    Validator(address: Address(low: 2), publicKey: k2, votingPower: 1)])
        set = set.incrementingProposerPriority(times: 50)
        #expect(set.proposerIndex == 0)
    }
}
