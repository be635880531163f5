import Testing
import AthPrimitives
import AthCrypto
import AthTypes
import AthChecker

struct CheckerVerdictTests {
    static let spec = try! GemmSpec(m: 24, n: 20, k: 32, seed: Keccak256.hash(Array("checker verdict".utf8)), rounds: 8)
    static let product = spec.referenceProduct()

    static func bytes(_ c: [Int32]) -> [UInt8] {
        c.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: UInt32(bitPattern: v) >> (8 * $0)) } }
    }

    static func root(_ c: [Int32]) -> Hash32 { RowMerkleTree(rowsOf: c, n: spec.n).root }

    static func seed(_ s: Int) -> Hash32 { Freivalds.seed(blockHash: Keccak256.hash([UInt8(s)]), checker: Address(low: 0xc4ec)) }

    @Test func theTrueProductIsValidForItsWorkUnits() {
        let j = CheckerVerdict.judge(spec: Self.spec, committedRoot: Self.root(Self.product), fetched: Self.bytes(Self.product),
                                     seed: Self.seed(1), rounds: 20)
        #expect(j.verdict == .valid)
        #expect(j.workUnits == UInt256(Self.spec.workUnits))
        #expect(j.rootMatches == true)
    }

    @Test func oneChangedEntryWithAMatchingRootFailsFreivalds() {
        for s in 0..<12 {
            var wrong = Self.product
            let at = (s * 131) % wrong.count
            wrong[at] &+= s % 2 == 0 ? 1 : -5
            // The worker commits to the wrong matrix it serves: only Freivalds can tell.
            let j = CheckerVerdict.judge(spec: Self.spec, committedRoot: Self.root(wrong), fetched: Self.bytes(wrong),
                                         seed: Self.seed(s), rounds: 20)
            #expect(j.verdict == .invalid, "entry \(at)")
            #expect(j.workUnits == .zero)
            #expect(j.rootMatches == true)
        }
    }

    @Test func servedRowsThatDoNotMatchTheCommittedRootAreInvalid() {
        var other = Self.product
        other[5] &+= 1
        let j = CheckerVerdict.judge(spec: Self.spec, committedRoot: Self.root(other), fetched: Self.bytes(Self.product),
                                     seed: Self.seed(2), rounds: 20)
        #expect(j.verdict == .invalid)
        #expect(j.workUnits == .zero)
        #expect(j.rootMatches == false)
    }

    @Test(arguments: [0, 4, 1])
    func missingOrMisSizedDataIsUnavailable(trim: Int) {
        let full = Self.bytes(Self.product)
        let fetched: [UInt8]? = trim == 0 ? nil : Array(full.dropLast(trim))
        let j = CheckerVerdict.judge(spec: Self.spec, committedRoot: Self.root(Self.product), fetched: fetched,
                                     seed: Self.seed(3), rounds: 20)
        #expect(j.verdict == .unavailable)
        #expect(j.workUnits == .zero)
        #expect(j.rootMatches == nil)
    }

    @Test func extraBytesAreUnavailable() {
        let j = CheckerVerdict.judge(spec: Self.spec, committedRoot: Self.root(Self.product),
                                     fetched: Self.bytes(Self.product) + [0, 0, 0, 0], seed: Self.seed(4), rounds: 20)
        #expect(j.verdict == .unavailable)
    }

    @Test func moreThanSixtyFourRoundsRunInBatches() {
        let c = Self.product
        #expect(Freivalds.check(spec: Self.spec, c: c, seed: Self.seed(5), rounds: 200))
        var wrong = c
        wrong[17] &+= 3
        #expect(!Freivalds.check(spec: Self.spec, c: wrong, seed: Self.seed(5), rounds: 200))
        // Rounds 64… continue the keystream where round 63 ended.
        let all = Freivalds.masks(seed: Self.seed(6), n: 30, rounds: 64)
        let later = Freivalds.masks(seed: Self.seed(6), n: 30, rounds: 8, firstRound: 56)
        #expect(zip(all, later).allSatisfy { $0 >> 56 == $1 })
    }

    @Test func resultBytesAreLittleEndianInt32() {
        #expect(CheckerVerdict.decodeResult([1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff], rows: 1, columns: 2) == [1, -1])
        #expect(CheckerVerdict.decodeResult([0x78, 0x56, 0x34, 0x12], rows: 1, columns: 1) == [0x1234_5678])
        #expect(CheckerVerdict.decodeResult([1, 0, 0], rows: 1, columns: 1) == nil)
        #expect(CheckerVerdict.decodeResult([], rows: 0, columns: 1) == nil)
    }

    @Test func dissentFlipsValidAndInvalidButNotUnavailable() {
        let valid = Judgement(verdict: .valid, workUnits: UInt256(Self.spec.workUnits), rootMatches: true, reason: "ok")
        let invalid = Judgement(verdict: .invalid, workUnits: .zero, rootMatches: false, reason: "bad")
        let unavailable = Judgement(verdict: .unavailable, workUnits: .zero, rootMatches: nil, reason: "gone")
        let flippedValid = CheckerFault.dissent.apply(to: valid, spec: Self.spec)
        #expect(flippedValid.verdict == .invalid && flippedValid.workUnits == .zero)
        let flippedInvalid = CheckerFault.dissent.apply(to: invalid, spec: Self.spec)
        #expect(flippedInvalid.verdict == .valid && flippedInvalid.workUnits == UInt256(Self.spec.workUnits))
        #expect(CheckerFault.dissent.apply(to: unavailable, spec: Self.spec) == unavailable)
    }
}
