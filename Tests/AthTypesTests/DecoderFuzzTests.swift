import AthCrypto
import AthPrimitives
import AthTypes
import AthTestSupport
import Testing

/// Feeds random and mutated inputs to the RLP and transaction decoders: none
/// may crash, and whatever they accept must re-encode to the same bytes.
@Suite struct DecoderFuzzTests {
    static let iterations = 1_000_000

    /// Valid seeds to mutate: signed transactions of every type and some RLP.
    static func seeds() -> [[UInt8]] {
        let key = try! Secp256k1PrivateKey(Array(repeating: 0x11, count: 32))
        let to = Address(low: 0xbeef)
        let list = [AccessListEntry(address: to, storageKeys: [.zero])]
        let txs: [Transaction] = [
            .legacy(chainID: nil, nonce: 0, gasPrice: UInt256(1), gasLimit: 21_000, to: to, value: UInt256(5)),
            .legacy(chainID: 1, nonce: 300, gasPrice: UInt256(1 << 40), gasLimit: 90_000, to: nil, value: .zero, data: [0x60, 0x00, 0xf3]),
            .accessList(chainID: 7, nonce: 1, gasPrice: UInt256(9), gasLimit: 50_000, to: to, value: .zero, data: [1, 2, 3], accessList: list),
            .dynamicFee(chainID: 7, nonce: 2, maxPriorityFeePerGas: UInt256(1), maxFeePerGas: UInt256(2), gasLimit: 60_000, to: to, value: UInt256.max, data: Array(repeating: 0xab, count: 70), accessList: list),
        ]
        var out = txs.map { $0.signed(with: key).encoded }
        out.append(RLP.encode(.list([.bytes([1, 2, 3]), .list([.bytes([]), .bytes(Array(repeating: 7, count: 60))])])))
        return out
    }

    static func mutate(_ seed: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var b = seed
        let edits = Int(rng.next() % 4) + 1
        for _ in 0..<edits {
            switch rng.next() % 6 {
            case 0 where !b.isEmpty: b[Int(rng.next() % UInt64(b.count))] = UInt8(truncatingIfNeeded: rng.next())
            case 1 where !b.isEmpty: b[Int(rng.next() % UInt64(b.count))] ^= 1 << (rng.next() % 8)
            case 2 where !b.isEmpty: b.removeSubrange(Int(rng.next() % UInt64(b.count))...)
            case 3: b.insert(UInt8(truncatingIfNeeded: rng.next()), at: Int(rng.next() % UInt64(b.count + 1)))
            case 4 where !b.isEmpty: b.remove(at: Int(rng.next() % UInt64(b.count)))
            default:
                // Interesting header bytes at random places.
                let specials: [UInt8] = [0x00, 0x7f, 0x80, 0x81, 0xb7, 0xb8, 0xbf, 0xc0, 0xf7, 0xf8, 0xff, 0x01, 0x02, 0x03]
                if !b.isEmpty { b[Int(rng.next() % UInt64(b.count))] = specials[Int(rng.next() % UInt64(specials.count))] }
            }
        }
        return b
    }

    @Test func decodersNeverCrashAndAcceptedInputsRoundTrip() {
        var rng = SplitMix64(seed: 0x5eed)
        let seeds = Self.seeds()
        var acceptedRLP = 0, acceptedTx = 0, mismatches: [String] = []
        for i in 0..<Self.iterations {
            let input: [UInt8]
            if i % 4 == 0 {
                let n = Int(rng.next() % 48)
                input = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            } else {
                input = Self.mutate(seeds[Int(rng.next() % UInt64(seeds.count))], &rng)
            }
            if let item = try? RLP.decode(input) {
                acceptedRLP += 1
                if RLP.encode(item) != input, mismatches.count < 10 { mismatches.append("rlp " + Hex.encode(input)) }
            }
            if let tx = try? SignedTransaction.decode(input) {
                acceptedTx += 1
                let again = SignedTransaction(transaction: tx.transaction, signature: tx.signature)
                if again.encoded != input, mismatches.count < 10 { mismatches.append("tx " + Hex.encode(input)) }
            }
        }
        let mismatchCount = mismatches.count
        #expect(mismatchCount == 0, "inputs that did not round-trip: \(mismatches)")
        // The mutations must exercise the accept path too, not only refusals.
        #expect(acceptedRLP > 10_000)
        #expect(acceptedTx > 1_000)
    }
}
