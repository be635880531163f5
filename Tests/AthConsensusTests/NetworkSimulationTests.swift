import AthConsensus
import AthPrimitives
import Testing

@Suite struct NetworkSimulationTests {
    @Test func fourValidatorsFinalizeFiftyHeights() {
        var net = SimulatedNetwork(powers: [10, 10, 10, 10], behaviours: [.honest, .honest, .honest, .honest])
        net.run(heights: 50, maxTime: 10_000_000)
        #expect(net.violations.isEmpty, "\(net.violations)")
        for i in 0..<4 { #expect(net.commits[i].count >= 50) }
        for h in UInt64(1)...50 {
            let hashes = Set((0..<4).compactMap { net.commits[$0][h] })
            #expect(hashes.count == 1, "height \(h)")
        }
    }

    @Test func finalizesWithOneSilentValidator() {
        var net = SimulatedNetwork(powers: [10, 10, 10, 10], behaviours: [.honest, .silent, .honest, .honest])
        net.run(heights: 12, maxTime: 10_000_000)
        #expect(net.violations.isEmpty, "\(net.violations)")
        for i in [0, 2, 3] { #expect(net.commits[i].count >= 12) }
        #expect(net.isSafe)
    }

    @Test func nothingCommitsWithTwoSilentValidators() {
        var net = SimulatedNetwork(powers: [10, 10, 10, 10], behaviours: [.honest, .silent, .silent, .honest])
        net.run(heights: 1, maxTime: 120_000)
        #expect(net.commits.allSatisfy { $0.isEmpty })
        // Without +2/3 of any prevotes there is no prevote timeout: they wait at height 1.
        #expect(net.nodes[0].height == 1 && net.nodes[3].height == 1)
    }

    @Test func equivocatingProposerDoesNotBreakSafety() {
        for seed in UInt64(1)...4 {
            var net = SimulatedNetwork(powers: [10, 10, 10, 10],
                                       behaviours: [.equivocatingProposer, .honest, .honest, .honest], seed: seed)
            net.run(heights: 8, maxTime: 10_000_000)
            #expect(net.violations.isEmpty, "\(net.violations)")
            #expect(net.isSafe)
            for i in 1..<4 { #expect(net.commits[i].count >= 8) }
        }
    }

    @Test func doublePrevoteIsReportedAsEvidence() throws {
        var net = SimulatedNetwork(powers: [10, 10, 10, 10], behaviours: [.honest, .doublePrevoter, .honest, .honest])
        net.run(heights: 3, maxTime: 10_000_000)
        #expect(net.isSafe)
        for i in [0, 2, 3] {
            let mine = net.evidence[i]
            #expect(!mine.isEmpty, "node \(i) saw no evidence")
            for e in mine {
                #expect(e.validatorAddress == net.fixture.address(1))
                #expect(e.voteA.blockHash == nil || e.voteB.blockHash != nil)
                try e.verify(against: net.fixture.validators, chainID: net.fixture.chainID)
            }
        }
    }
}
