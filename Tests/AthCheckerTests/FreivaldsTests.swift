import Testing
import AthPrimitives
import AthCrypto
import AthTypes
import AthChecker

struct FreivaldsTests {
    static let spec = try! GemmSpec(m: 48, n: 40, k: 56, seed: Keccak256.hash(Array("freivalds".utf8)), rounds: 20)

    @Test func theTrueProductPassesForEverySeed() {
        let c = Self.spec.referenceProduct()
        for s in 0..<8 {
            let seed = Freivalds.seed(blockHash: Keccak256.hash([UInt8(s)]), checker: Address(low: 0xc0ffee))
            #expect(Freivalds.check(spec: Self.spec, c: c, seed: seed))
        }
    }

    @Test func oneChangedEntryIsCaught() {
        let c = Self.spec.referenceProduct()
        for s in 0..<16 {
            var wrong = c
            let at = (s * 977) % wrong.count
            wrong[at] &+= s % 2 == 0 ? 1 : -3
            let seed = Freivalds.seed(blockHash: Keccak256.hash([UInt8(s)]), checker: Address(low: 0xbeef))
            #expect(!Freivalds.check(spec: Self.spec, c: wrong, seed: seed), "entry \(at)")
        }
        #expect(!Freivalds.check(spec: Self.spec, c: Array(c.dropLast()), seed: .zero))
    }

    @Test func vectorsAreDeterministicAndDependOnTheSeed() {
        let a = Freivalds.masks(seed: Keccak256.hash([1]), n: 100, rounds: 20)
        #expect(a == Freivalds.masks(seed: Keccak256.hash([1]), n: 100, rounds: 20))
        #expect(a != Freivalds.masks(seed: Keccak256.hash([2]), n: 100, rounds: 20))
        #expect(a.allSatisfy { $0 >> 20 == 0 })
        // About half the columns in each round.
        for j in 0..<20 {
            let ones = a.count(where: { $0 >> UInt64(j) & 1 == 1 })
            #expect(ones > 25 && ones < 75)
        }
    }
}
