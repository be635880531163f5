import AthConsensus
import AthPrimitives
import Testing

@Suite struct CommitTests {
    let f = Fixture(powers: [10, 10, 10, 10])
    let x = blockHash("block")

    @Test func goodCommitVerifies() throws {
        try f.commit(x, signers: [0, 1, 2]).verify(against: f.validators, chainID: f.chainID)
        try f.commit(height: 5, round: 3, x, signers: [3, 1, 0, 2])
            .verify(against: f.validators, chainID: f.chainID, height: 5, blockHash: x)
    }

    @Test func manySignaturesVerifyInParallel() throws {
        let big = Fixture(powers: [UInt64](repeating: 1, count: 40))
        try big.commit(x, signers: Array(0..<40)).verify(against: big.validators, chainID: big.chainID)
        var bad = big.commit(x, signers: Array(0..<40))
        bad.signatures[33].signature[5] ^= 0x40
        #expect(throws: ConsensusError.invalidSignature(validator: big.address(33))) {
            try bad.verify(against: big.validators, chainID: big.chainID)
        }
    }

    @Test func missingPowerIsRefused() {
        #expect(throws: ConsensusError.insufficientPower(got: 20, total: 40)) {
            try f.commit(x, signers: [0, 1]).verify(against: f.validators, chainID: f.chainID)
        }
    }

    @Test func badSignatureIsRefused() {
        var c = f.commit(x, signers: [0, 1, 2])
        c.signatures[1].signature[0] ^= 1
        #expect(throws: ConsensusError.invalidSignature(validator: f.address(1))) {
            try c.verify(against: f.validators, chainID: f.chainID)
        }
        #expect(throws: ConsensusError.invalidSignature(validator: f.address(0))) {
            try f.commit(x, signers: [0, 1, 2]).verify(against: f.validators, chainID: 99)
        }
    }

    @Test func unknownValidatorIsRefused() {
        var c = f.commit(x, signers: [0, 1, 2])
        c.signatures[2].validatorAddress = Address(low: 77)
        #expect(throws: ConsensusError.unknownValidator(index: 2, address: Address(low: 77))) {
            try c.verify(against: f.validators, chainID: f.chainID)
        }
        var d = f.commit(x, signers: [0, 1, 2])
        d.signatures[0].validatorIndex = 9
        #expect(throws: ConsensusError.self) { try d.verify(against: f.validators, chainID: f.chainID) }
    }

    @Test func duplicateSignerIsRefused() {
        #expect(throws: ConsensusError.duplicateSigner(f.address(1))) {
            try f.commit(x, signers: [0, 1, 1]).verify(against: f.validators, chainID: f.chainID)
        }
    }

    @Test func wrongHashHeightOrRoundIsRefused() {
        var c = f.commit(x, signers: [0, 1, 2])
        c.blockHash = blockHash("other")
        #expect(throws: ConsensusError.invalidSignature(validator: f.address(0))) {
            try c.verify(against: f.validators, chainID: f.chainID)
        }
        #expect(throws: ConsensusError.wrongBlockHash(got: x, expected: blockHash("other"))) {
            try f.commit(x, signers: [0, 1, 2]).verify(against: f.validators, chainID: f.chainID, height: 1, blockHash: blockHash("other"))
        }
        #expect(throws: ConsensusError.wrongHeight(got: 1, expected: 2)) {
            try f.commit(x, signers: [0, 1, 2]).verify(against: f.validators, chainID: f.chainID, height: 2, blockHash: x)
        }
        var r = f.commit(x, signers: [0, 1, 2])
        r.round = 1
        #expect(throws: ConsensusError.invalidSignature(validator: f.address(0))) {
            try r.verify(against: f.validators, chainID: f.chainID)
        }
    }
}
