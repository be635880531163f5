import AthPrimitives
import Testing

// MARK: - Helpers

/// Parses hex that a test itself wrote.
func word(_ text: String) -> UInt256 {
    guard let v = UInt256(hex: text) else { fatalError("bad test literal \(text)") }
    return v
}

let two64 = UInt256(limbs: 0, 1, 0, 0)
let two128 = UInt256(limbs: 0, 0, 1, 0)
let two255 = UInt256(limbs: 0, 0, 0, 1 << 63)
let maxDecimal = "115792089237316195423570985008687907853269984665640564039457584007913129639935"

/// A row of EIP-145's shift test table: value, shift, expected (all hex).
struct ShiftVector: Sendable, CustomTestStringConvertible {
    let value: String, shift: String, expected: String
    init(_ value: String, _ shift: String, _ expected: String) {
        self.value = value; self.shift = shift; self.expected = expected
    }
    var testDescription: String { "\(value) by \(shift)" }
}

private let top = "0x8000000000000000000000000000000000000000000000000000000000000000"
private let all = "0x" + String(repeating: "f", count: 64)
private let allButTop = "0x7" + String(repeating: "f", count: 63)

private func neg(_ x: UInt64) -> UInt256 { UInt256.zero &- UInt256(x) }

/// Known values and edge cases: bytes, text, arithmetic and the EVM operations.
@Suite struct UInt256Tests {
    // MARK: - Construction, bytes and inspection

    @Test func constantsHaveExpectedLimbs() {
        #expect(UInt256.zero.limbs == (0, 0, 0, 0))
        #expect(UInt256.one.limbs == (1, 0, 0, 0))
        #expect(UInt256.max.limbs == (.max, .max, .max, .max))
        #expect(UInt256(7) == 7)
        let v = UInt256(limbs: 1, 2, 3, 4)
        #expect(v.limbs == (1, 2, 3, 4))
        #expect(v.low64 == 1)
    }

    @Test func bigEndianBytesRoundTrip() throws {
        let bytes = (1...32).map { UInt8($0) }
        let v = try #require(UInt256(bigEndianBytes: bytes))
        #expect(v.limbs == (0x191A_1B1C_1D1E_1F20, 0x1112_1314_1516_1718, 0x090A_0B0C_0D0E_0F10, 0x0102_0304_0506_0708))
        #expect(v.bigEndianBytes == bytes)
        #expect(v.minimalBigEndianBytes == bytes)
        // A collection without contiguous storage takes the generic path.
        #expect(UInt256(bigEndianBytes: (1...32).lazy.map { UInt8($0) }) == v)
        #expect(UInt256(bigEndianBytes: [0x01, 0x00].lazy.map { $0 }) == 256)

        var buffer = [UInt8](repeating: 0xEE, count: 34)
        buffer.withUnsafeMutableBytes { v.store(to: $0.baseAddress! + 1) }
        #expect(Array(buffer[1...32]) == bytes && buffer[0] == 0xEE && buffer[33] == 0xEE)
        let loaded = buffer.withUnsafeBytes { UInt256(pointer: $0.baseAddress! + 1) }
        #expect(loaded == v)
    }

    @Test func shortAndPaddedBytes() {
        #expect(UInt256(bigEndianBytes: [UInt8]()) == .zero)
        #expect(UInt256(bigEndianBytes: [0x01]) == 1)
        #expect(UInt256(bigEndianBytes: [0x00, 0x00, 0x01, 0x02]) == 0x102)
        #expect(UInt256(bigEndianBytes: [UInt8](repeating: 0xFF, count: 32)) == .max)
        #expect(UInt256(bigEndianBytes: [0x01, 0, 0, 0, 0, 0, 0, 0, 0]) == two64)
        #expect(UInt256(bigEndianBytes: [UInt8](repeating: 0, count: 33)) == nil)
        #expect(UInt256.zero.minimalBigEndianBytes == [])
        #expect(UInt256.zero.bigEndianBytes == [UInt8](repeating: 0, count: 32))
        #expect(UInt256(256).minimalBigEndianBytes == [1, 0])
        #expect(two64.minimalBigEndianBytes == [1, 0, 0, 0, 0, 0, 0, 0, 0])
        #expect(UInt256.max.minimalBigEndianBytes == [UInt8](repeating: 0xFF, count: 32))
    }

    @Test func bitAndByteCounts() {
        #expect(UInt256.zero.leadingZeroBitCount == 256)
        #expect(UInt256.one.leadingZeroBitCount == 255)
        #expect(two64.leadingZeroBitCount == 191)
        #expect(two128.leadingZeroBitCount == 127)
        #expect(two255.leadingZeroBitCount == 0)
        #expect(UInt256.max.leadingZeroBitCount == 0)
        #expect(UInt256.zero.significantByteCount == 0)
        #expect(UInt256(1).significantByteCount == 1)
        #expect(UInt256(255).significantByteCount == 1)
        #expect(UInt256(256).significantByteCount == 2)
        #expect(two64.significantByteCount == 9)
        #expect(UInt256.max.significantByteCount == 32)
        #expect(UInt256.zero.isZero && !UInt256.one.isZero && !two255.isZero)
    }

    @Test func narrowingConversions() {
        #expect(UInt256(UInt64.max).uint64IfFits == .max)
        #expect(two64.uint64IfFits == nil)
        #expect(UInt256(UInt64(Int.max)).intIfFits == Int.max)
        #expect(UInt256(UInt64(Int.max) + 1).intIfFits == nil)
        #expect(two128.intIfFits == nil)
        #expect(UInt256(limbs: 5, 0, 0, 1).low64 == 5)
    }

    @Test func ordersAcrossLimbBoundaries() {
        let ascending: [UInt256] = [.zero, .one, UInt256(.max), two64, two64 &+ 1, two128, two255 &- 1, two255, .max]
        for i in ascending.indices {
            for j in ascending.indices {
                #expect((ascending[i] < ascending[j]) == (i < j))
                #expect((ascending[i] <= ascending[j]) == (i <= j))
                #expect((ascending[i] > ascending[j]) == (i > j))
                #expect((ascending[i] >= ascending[j]) == (i >= j))
                #expect((ascending[i] == ascending[j]) == (i == j))
            }
        }
        #expect(ascending.reversed().sorted() == ascending)
        #expect(Set(ascending + ascending).count == ascending.count)
    }

    // MARK: - Text

    @Test(arguments: [
        ("0", UInt256.zero), ("1", .one), ("000123", 123),
        ("18446744073709551615", UInt256(.max)), ("18446744073709551616", two64),
        ("10000000000000000000", UInt256(10_000_000_000_000_000_000)),
        ("340282366920938463463374607431768211456", two128),
        ("57896044618658097711785492504343953926634992332820282019728792003956564819968", two255),
        (maxDecimal, .max),
    ])
    func parsesDecimal(text: String, expected: UInt256) {
        #expect(UInt256(decimal: text) == expected)
        #expect(UInt256(decimal: text[...]) == expected)
    }

    @Test(arguments: [
        "", "-1", "+1", " 1", "1 ", "0x10", "1_000", "12a", "1.0", "\u{0663}", "\u{FF11}",
        "115792089237316195423570985008687907853269984665640564039457584007913129639936",
        "999999999999999999999999999999999999999999999999999999999999999999999999999999",
    ])
    func rejectsMalformedDecimal(text: String) {
        #expect(UInt256(decimal: text) == nil)
    }

    @Test func describesDecimal() {
        #expect(UInt256.zero.description == "0")
        #expect(UInt256(42).description == "42")
        #expect(two64.description == "18446744073709551616")
        #expect((UInt256(10_000_000_000_000_000_000) &* UInt256(10_000_000_000_000_000_000) &+ 7).description
            == "100000000000000000000000000000000000007")
        #expect(UInt256.max.description == maxDecimal)
        #expect("\(two255)" == "57896044618658097711785492504343953926634992332820282019728792003956564819968")
    }

    @Test(arguments: [
        ("0x0", UInt256.zero), ("0", .zero), ("0x00000", .zero), ("0xff", 255), ("FF", 255), ("0XaB", 0xAB),
        ("0x10000000000000000", two64),
        ("0x8000000000000000000000000000000000000000000000000000000000000000", two255),
        ("0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", .max),
        ("0x00ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", .max),
    ])
    func parsesHex(text: String, expected: UInt256) {
        #expect(UInt256(hex: text) == expected)
    }

    @Test(arguments: [
        "", "0x", "0X", "x1", "0x-1", " 0x1", "0x1 ", "0xg", "0x1_0", "0x0x1", "+0x1", "0xé",
        "0x10000000000000000000000000000000000000000000000000000000000000000",
    ])
    func rejectsMalformedHex(text: String) {
        #expect(UInt256(hex: text) == nil)
    }

    @Test func describesHex() {
        #expect(UInt256.zero.hexDescription == "0x0")
        #expect(UInt256.one.hexDescription == "0x1")
        #expect(UInt256(255).hexDescription == "0xff")
        #expect(UInt256(0xABC).hexDescription == "0xabc")
        #expect(two64.hexDescription == "0x10000000000000000")
        #expect(UInt256.max.hexDescription == "0x" + String(repeating: "f", count: 64))
    }

    // MARK: - Arithmetic edge cases

    @Test func wrapsAndReportsOverflowAtTheEdges() {
        #expect(UInt256.max &+ 1 == .zero)
        #expect(UInt256.zero &- 1 == .max)
        #expect(UInt256.max &* .max == .one)
        #expect(two255 &* 2 == .zero)
        #expect(UInt256(.max) &+ 1 == two64)
        #expect(two64 &- 1 == UInt256(.max))
        #expect(UInt256.max.addingReportingOverflow(1) == (.zero, true))
        #expect(UInt256.max.addingReportingOverflow(0) == (.max, false))
        #expect(UInt256.zero.subtractingReportingOverflow(1) == (.max, true))
        #expect(UInt256.one.subtractingReportingOverflow(1) == (.zero, false))
        #expect(two128.multipliedReportingOverflow(by: two128) == (.zero, true))
        #expect(two128.multipliedReportingOverflow(by: two128 &- 1) == (two128 &* (two128 &- 1), false))
        #expect(two255.multipliedReportingOverflow(by: 2) == (.zero, true))
        #expect(two255.multipliedReportingOverflow(by: 1) == (two255, false))
        #expect(UInt256.max.multipliedFullWidth(by: .max) == (.max &- 1, .one))
        #expect(two128.multipliedFullWidth(by: two128) == (.one, .zero))
        #expect(UInt256.zero.multipliedFullWidth(by: .max) == (.zero, .zero))
    }

    @Test func divisionByZeroGivesZero() {
        for x in [UInt256.zero, .one, two64, .max] {
            #expect(x / .zero == .zero)
            #expect(x % .zero == .zero)
            #expect(x.quotientAndRemainder(dividingBy: .zero) == (.zero, .zero))
        }
    }

    @Test func dividesAtTheEdges() {
        #expect(UInt256.max / .one == .max)
        #expect(UInt256.max / .max == .one)
        #expect(UInt256.max % .max == .zero)
        #expect((UInt256.max &- 1) / .max == .zero)
        #expect((UInt256.max &- 1) % .max == .max &- 1)
        #expect(UInt256.max / two64 == UInt256(limbs: .max, .max, .max, 0))
        #expect(UInt256.max % two64 == UInt256(.max))
        #expect(UInt256.max / 10 == word("0x1999999999999999999999999999999999999999999999999999999999999999"))
        #expect(UInt256.max % 10 == 5)
        #expect(two255 / (two128 &+ 1) == word("0x7fffffffffffffffffffffffffffffff"))
        #expect(UInt256(100) / 7 == 14 && UInt256(100) % 7 == 2)
        var x = UInt256(100)
        x /= 3
        #expect(x == 33)
        x %= 5
        #expect(x == 3)
    }

    @Test func addmodAndMulmodKnownResults() {
        let m1 = UInt256.max &- 1
        #expect(UInt256.mulmod(.max, .max, m1) == 1)
        #expect(UInt256.mulmod(.max, .max, .max) == 0)
        #expect(UInt256.mulmod(two255, 2, .max) == 1)
        #expect(UInt256.mulmod(two255, two255, .max) == two255 >> 1)
        #expect(UInt256.mulmod(.max, .max, 12) == 9)  // max ≡ 3 (mod 12)
        #expect(UInt256.mulmod(5, 7, 0) == 0)
        #expect(UInt256.mulmod(5, 7, 1) == 0)
        #expect(UInt256.mulmod(10, 10, 8) == 4)
        #expect(UInt256.addmod(.max, .max, m1) == 2)
        #expect(UInt256.addmod(.max, .max, .max) == 0)
        #expect(UInt256.addmod(.max, 2, .max) == 2)
        #expect(UInt256.addmod(.max, 1, 2) == 0)
        #expect(UInt256.addmod(.max, .max, 3) == 0)
        #expect(UInt256.addmod(two255, two255, two255 &+ 1) == two255 &- 1)
        #expect(UInt256.addmod(5, 7, 0) == 0)
        #expect(UInt256.addmod(10, 10, 8) == 4)
    }

    @Test func exponentiationKnownResults() {
        #expect(UInt256(2).exp(255) == two255)
        #expect(UInt256(2).exp(256) == .zero)
        #expect(UInt256(2).exp(.max) == .zero)
        #expect(UInt256(3).exp(0) == .one)
        #expect(UInt256.zero.exp(0) == .one)
        #expect(UInt256.zero.exp(5) == .zero)
        #expect(UInt256.one.exp(.max) == .one)
        #expect(UInt256.max.exp(2) == .one)
        #expect(UInt256.max.exp(3) == .max)
        #expect(UInt256(10).exp(77).description == "1" + String(repeating: "0", count: 77))
        // 3 has order 2^254 mod 2^256, so 3^(2^256-1) = 3^-1 = 0xaa…ab.
        #expect(UInt256(3).exp(.max) == word("0x" + String(repeating: "a", count: 63) + "b"))
        #expect(UInt256(3).exp(.max) &* 3 == .one)
    }

    // MARK: - EVM operations

    @Test(arguments: [
        ShiftVector("0x1", "0x00", "0x1"), ShiftVector("0x1", "0x01", "0x2"), ShiftVector("0x1", "0xff", top),
        ShiftVector("0x1", "0x0100", "0x0"), ShiftVector("0x1", "0x0101", "0x0"), ShiftVector(all, "0x00", all),
        ShiftVector(all, "0x01", "0x" + String(repeating: "f", count: 63) + "e"), ShiftVector(all, "0xff", top),
        ShiftVector(all, "0x0100", "0x0"), ShiftVector("0x0", "0x01", "0x0"),
        ShiftVector(allButTop, "0x01", "0x" + String(repeating: "f", count: 63) + "e"),
    ])
    func shlMatchesEIP145(v: ShiftVector) {
        #expect(word(v.value) << word(v.shift) == word(v.expected))
        #expect(word(v.value) << Int(word(v.shift).low64) == word(v.expected))
        #expect(word(v.value) << word(v.shift).low64 == word(v.expected))
    }

    @Test(arguments: [
        ShiftVector("0x1", "0x00", "0x1"), ShiftVector("0x1", "0x01", "0x0"),
        ShiftVector(top, "0x01", "0x4" + String(repeating: "0", count: 63)), ShiftVector(top, "0xff", "0x1"),
        ShiftVector(top, "0x0100", "0x0"), ShiftVector(top, "0x0101", "0x0"), ShiftVector(all, "0x00", all),
        ShiftVector(all, "0x01", allButTop), ShiftVector(all, "0xff", "0x1"), ShiftVector(all, "0x0100", "0x0"),
        ShiftVector("0x0", "0x01", "0x0"),
    ])
    func shrMatchesEIP145(v: ShiftVector) {
        #expect(word(v.value) >> word(v.shift) == word(v.expected))
        #expect(word(v.value) >> Int(word(v.shift).low64) == word(v.expected))
    }

    @Test(arguments: [
        ShiftVector("0x1", "0x00", "0x1"), ShiftVector("0x1", "0x01", "0x0"),
        ShiftVector(top, "0x01", "0xc" + String(repeating: "0", count: 63)), ShiftVector(top, "0xff", all),
        ShiftVector(top, "0x0100", all), ShiftVector(top, "0x0101", all), ShiftVector(all, "0x00", all),
        ShiftVector(all, "0x01", all), ShiftVector(all, "0xff", all), ShiftVector(all, "0x0100", all),
        ShiftVector("0x0", "0x01", "0x0"), ShiftVector("0x4" + String(repeating: "0", count: 63), "0xfe", "0x1"),
        ShiftVector(allButTop, "0xf8", "0x7f"), ShiftVector(allButTop, "0xfe", "0x1"),
        ShiftVector(allButTop, "0xff", "0x0"), ShiftVector(allButTop, "0x0100", "0x0"),
    ])
    func sarMatchesEIP145(v: ShiftVector) {
        #expect(word(v.value).sar(by: word(v.shift)) == word(v.expected))
        #expect(word(v.value).sar(by: Int(word(v.shift).low64)) == word(v.expected))
    }

    @Test func shiftsOfAnySizeNeverTrap() {
        let x = word("0x0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
        #expect(x << 64 == UInt256(limbs: 0, x.limbs.0, x.limbs.1, x.limbs.2))
        #expect(x >> 128 == UInt256(limbs: x.limbs.2, x.limbs.3, 0, 0))
        #expect(x << 192 == UInt256(limbs: 0, 0, 0, x.limbs.0))
        #expect(x << Int.max == .zero && x >> Int.max == .zero)
        #expect(x << UInt64.max == .zero && x >> UInt64.max == .zero)
        #expect(x << UInt256.max == .zero && x >> UInt256.max == .zero)
        #expect(x << (two64 &+ 1) == .zero)  // low limb 1, but the count is huge
        #expect(x << -4 == x >> 4 && x >> -4 == x << 4 && x << Int.min == .zero)
        #expect(x.sar(by: .max) == .zero && UInt256.max.sar(by: .max) == .max && two255.sar(by: Int.max) == .max)
        var y = x
        y <<= 8
        y >>= 8
        #expect(y == x & (UInt256.max >> 8))
    }

    @Test func bitwiseOperators() {
        let a = word("0xff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00")
        let b = word("0x0ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff0")
        #expect(a & b == word("0x0f000f000f000f000f000f000f000f000f000f000f000f000f000f000f000f00"))
        #expect(a | b == word("0xfff0fff0fff0fff0fff0fff0fff0fff0fff0fff0fff0fff0fff0fff0fff0fff0"))
        #expect(a ^ b == word("0xf0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0"))
        #expect(~a == word("0x00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff"))
        #expect(~UInt256.zero == .max)
        var c = a
        c &= b; #expect(c == a & b)
        c = a; c |= b; #expect(c == a | b)
        c = a; c ^= b; #expect(c == a ^ b)
    }

    @Test func signedDivisionAndRemainder() {
        #expect(two255.sdiv(.max) == two255)         // -2^255 / -1 wraps
        #expect(UInt256.max.sdiv(.max) == .one)      // -1 / -1
        #expect(neg(4).sdiv(2) == neg(2))
        #expect(UInt256(4).sdiv(neg(2)) == neg(2))
        #expect(neg(7).sdiv(2) == neg(3))            // truncates toward zero
        #expect(neg(7).sdiv(neg(2)) == 3)
        #expect(UInt256.max.sdiv(2) == .zero)        // -1 / 2
        #expect(two255.sdiv(1) == two255)
        #expect(neg(7).sdiv(.zero) == .zero)
        #expect(neg(7).smod(2) == .max)              // -1: the dividend's sign
        #expect(UInt256(7).smod(neg(2)) == 1)
        #expect(neg(8).smod(neg(3)) == neg(2))
        #expect(two255.smod(.max) == .zero)
        #expect(UInt256(7).smod(.zero) == .zero)
        #expect(neg(7).smod(.zero) == .zero)
    }

    @Test func signedComparisons() {
        #expect(UInt256.max.slt(.zero) && !UInt256.zero.slt(.max))
        #expect(two255.slt(two255 &- 1) && !(two255 &- 1).slt(two255))
        #expect(UInt256.one.sgt(.max) && !UInt256.max.sgt(.one))
        #expect(!UInt256(5).slt(5) && !UInt256(5).sgt(5))
        #expect(neg(2).slt(neg(1)) && neg(1).sgt(neg(2)))
        #expect(UInt256(1).slt(2) && UInt256(2).sgt(1))
        #expect(two255.isNegative && UInt256.max.isNegative && !(two255 &- 1).isNegative && !UInt256.zero.isNegative)
    }

    @Test(arguments: [
        ("0x0", "0xff", all),
        ("0x0", "0x7f", "0x7f"),
        ("0x0", "0x17f", "0x7f"),
        ("0x0", "0x0", "0x0"),
        ("0x1", "0x8000", "0x" + String(repeating: "f", count: 60) + "8000"),
        ("0x1", "0x127fff", "0x7fff"),
        ("0x1e", "0x80" + String(repeating: "00", count: 30), "0xff80" + String(repeating: "00", count: 30)),
        ("0x1e", "0xff7f" + String(repeating: "00", count: 30), "0x7f" + String(repeating: "00", count: 30)),
        ("0x1f", "0x12", "0x12"),
        ("0x1f", top, top),
        ("0x20", "0xff", "0xff"),
        ("0x10000000000000000", "0xff", "0xff"),
        (all, "0x80", "0x80"),
    ])
    func signextendMatchesEVM(byteIndex: String, value: String, expected: String) {
        #expect(UInt256.signextend(byteIndex: word(byteIndex), value: word(value)) == word(expected))
    }

    @Test func byteSelectsFromTheMostSignificantEnd() throws {
        let x = try #require(UInt256(bigEndianBytes: (1...32).map { UInt8($0) }))
        for i in 0..<32 { #expect(x.byte(index: UInt256(UInt64(i))) == UInt256(UInt64(i + 1))) }
        #expect(x.byte(index: 32) == .zero)
        #expect(x.byte(index: two64) == .zero)
        #expect(x.byte(index: .max) == .zero)
        #expect(two255.byte(index: 0) == 0x80)
    }
}
