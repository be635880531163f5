import Testing
import AthPrimitives
import AthChecker

struct UptimeTallyTests {
    let a = Address(low: 0xa), b = Address(low: 0xb), c = Address(low: 0xc)

    @Test func aNewEpochReportsTheOperatorsProbedOftenEnough() {
        var tally = UptimeTally()
        #expect(tally.enter(epoch: 7).isEmpty)
        for up in [true, true, false] { tally.record(operator: b, up: up) }
        for up in [true, true, true, true] { tally.record(operator: a, up: up) }
        for up in [true, true] { tally.record(operator: c, up: up) }  // too few probes
        #expect(tally.enter(epoch: 7).isEmpty)
        let reports = tally.enter(epoch: 8)
        #expect(reports.map(\.operator) == [a, b])
        #expect(reports.map(\.epoch) == [7, 7])
        #expect(reports.map(\.uptimeBps) == [10_000, 6666])
        // The new epoch starts from nothing.
        #expect(tally.enter(epoch: 9).isEmpty)
    }

    @Test func probesBeforeTheFirstEpochAndAfterGoingBackAreDropped() {
        var tally = UptimeTally()
        tally.record(operator: a, up: true)
        #expect(tally.enter(epoch: 3).isEmpty)
        for _ in 0..<5 { tally.record(operator: a, up: false) }
        #expect(tally.enter(epoch: 2).isEmpty)
        #expect(tally.epoch == 2)
        #expect(tally.enter(epoch: 3).isEmpty)
    }

    @Test func uptimeRoundsDown() {
        #expect(UptimeMeasurement(operator: a, epoch: 1, up: 1, total: 3).uptimeBps == 3333)
        #expect(UptimeMeasurement(operator: a, epoch: 1, up: 0, total: 4).uptimeBps == 0)
    }
}
