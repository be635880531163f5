import AthPrimitives
import AthTypes
import Testing

/// Amounts as users type them: a unit is required on the command line.
@Suite struct AmountTests {
    @Test(arguments: [("1.5ath", "1500000000000000000"), ("20gwei", "20000000000"), ("5wei", "5"),
                      ("2ETHER", "2000000000000000000"), ("0", "0"), (" 3ath ", "3000000000000000000")])
    func amountsWithUnitsParse(text: String, wei: String) throws {
        #expect(try Amount.parseWithUnit(text) == UInt256(decimal: wei)!)
    }

    @Test(arguments: ["100", "1.5", "0x3e8", "007"])
    func aBareNumberIsRefusedWithTheFix(text: String) {
        #expect(throws: Amount.ParseError.noUnit(text)) { try Amount.parseWithUnit(text) }
        #expect(Amount.ParseError.noUnit("100").description == "amount 100 has no unit: write 100ath, or 100wei")
    }

    @Test(arguments: ["", "lots", "1.2.3ath", "ath", "1e18wei", "-1ath", String(repeating: "9", count: 200)])
    func junkIsRefused(text: String) {
        #expect(throws: Amount.ParseError.self) { try Amount.parseWithUnit(text) }
    }

    @Test func aHugeBareNumberIsNotEchoedWhole() {
        let long = String(repeating: "9", count: 200)
        do {
            _ = try Amount.parseWithUnit(long)
            Issue.record("accepted")
        } catch {
            #expect(error.description.count < 300)
        }
    }
}
