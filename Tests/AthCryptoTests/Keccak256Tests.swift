import AthCrypto
import AthPrimitives
import AthTestSupport
import Testing

@Suite struct Keccak256Tests {
    @Test func emptyInputHasEthereumsEmptyHash() {
        #expect(Keccak256.hash([]) == hash32("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"))
    }

    @Test func shortMessages() {
        #expect(Keccak256.hash(Array("abc".utf8)) == hash32("4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"))
        #expect(Keccak256.hash(Array("The quick brown fox jumps over the lazy dog".utf8))
            == hash32("4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15"))
    }

    /// Lengths around the 136-byte rate, where padding moves into a block of its
    /// own; expected values from pycryptodome's `Crypto.Hash.keccak`.
    @Test(arguments: [
        (1, "3ac225168df54212a25c1c01fd35bebfea408fdac2e31ddd6f80a4bbf9a5f1cb"),
        (135, "34367dc248bbd832f4e3e69dfaac2f92638bd0bbd18f2912ba4ef454919cf446"),
        (136, "a6c4d403279fe3e0af03729caada8374b5ca54d8065329a3ebcaeb4b60aa386e"),
        (137, "d869f639c7046b4929fc92a4d988a8b22c55fbadb802c0c66ebcd484f1915f39"),
        (271, "132f47effd6c8b1b299efa53fe68aece77ec8ae4eb2e294f668eec94f76001e1"),
        (272, "cf7fcd4f705ee749930d19ca84561a9bf62516bd90a471545fa2f49fdc7e63c8"),
        (273, "5a7b8187d2778e614097fac3097573de1fee4d972304d3360796a857029bb176"),
    ])
    func blockBoundaries(count: Int, expected: String) {
        let input = [UInt8](repeating: UInt8(ascii: "a"), count: count)
        #expect(Keccak256.hash(input) == hash32(expected))
        var hasher = Keccak256.Hasher()
        for byte in input { hasher.update([byte]) }
        #expect(hasher.finalize() == hash32(expected))
    }

    /// 100,000 bytes of `i * 31 + 7`; expected value from pycryptodome.
    @Test func longInputMatchesReference() {
        let input = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        #expect(Keccak256.hash(input) == hash32("cbbdbce22fd6fe62df332a4262961bc10543b76a62a8a9d93e08e069605684fa"))
    }

    @Test func incrementalEqualsOneShotAtRandomSplits() {
        var random = SplitMix64(seed: 0x6b65_6363_616b)
        for size in [0, 135, 136, 137, 1000, 70_000, 1 << 20] {
            let input = random.bytes(size)
            let expected = Keccak256.hash(input)
            for _ in 0..<4 {
                var hasher = Keccak256.Hasher()
                var start = 0
                while start < size {
                    let piece = Int.random(in: 0...min(size - start, 500), using: &random)
                    hasher.update(Array(input[start..<start + piece]))
                    start += piece
                }
                #expect(hasher.finalize() == expected, "size \(size)")
            }
        }
    }

    @Test func bufferAndArrayEntryPointsAgree() {
        let input = Array(0..<300).map { UInt8($0 % 256) }
        let viaBuffer = input.withUnsafeBytes { Keccak256.hash($0) }
        #expect(viaBuffer == Keccak256.hash(input))
        #expect(Keccak256.hash(UnsafeRawBufferPointer(start: nil, count: 0)) == Keccak256.hash([]))
    }
}
