import AthCrypto
import AthEVM
import AthPrimitives
import AthTypes

// The precompile cases: a STATICCALL with all the gas left to 0x01–0x0a (and
// this chain's 0xa01–0xa02) on
// input copied from the call data, in a loop; a failed call jumps to INVALID,
// and the last call's output is returned and checked.
extension WorstCase {
    static func precompileCases(gas: UInt64) -> [WorstCase] {
        var cases: [WorstCase] = [ecrecoverCase()]
        for size in [0, 32, 256, 1024, 8192] {
            cases.append(precompileCase("SHA256 \(size) B", 0x02, input: bytes(size, seed: 2), outputSize: 32,
                                        gas: 60 + 12 * words(size)) { out, input in
                out == SHA256Hash.hash(input).bytes ? nil : "wrong digest"
            })
        }
        for size in [0, 32, 256, 1024, 8192] {
            cases.append(precompileCase("RIPEMD160 \(size) B", 0x03, input: bytes(size, seed: 3), outputSize: 32,
                                        gas: 600 + 120 * words(size)))
        }
        for size in [0, 32, 1024, 8192] {
            cases.append(precompileCase("IDENTITY \(size) B", 0x04, input: bytes(size, seed: 4), outputSize: size,
                                        gas: 15 + 3 * words(size)) { out, input in out == input ? nil : "wrong copy" })
        }
        // MODEXP: small moduli with long exponents (a third of a gas per
        // exponent bit at 1–8 bytes), then 32…1024-byte moduli, odd and even,
        // and the 200-gas floor.
        for (m, e, odd) in [(1, 1024, true), (8, 1024, true), (8, 1024, false), (16, 1024, true), (32, 1024, true),
                            (8, 75, true), (32, 3, true)] {
            cases.append(modexpCase(modulus: m, exponent: e, odd: odd))
        }
        for m in [32, 64, 128, 256, 512, 1024] {
            for odd in [true, false] { cases.append(modexpCase(modulus: m, exponent: 32, odd: odd)) }
        }
        for rounds in [0, 1, 12, 10_000, 1_000_000] {
            var input = [UInt8((rounds >> 24) & 0xff), UInt8((rounds >> 16) & 0xff), UInt8((rounds >> 8) & 0xff),
                         UInt8(rounds & 0xff)]
            input += bytes(208, seed: 9) + [1]
            cases.append(precompileCase("BLAKE2F \(rounds) rounds", 0x09, input: input, outputSize: 64, gas: rounds))
        }
        cases += bn254Cases()
        cases.append(pointEvaluationCase())
        cases += gemmEntryCases() + ed25519Cases()
        return cases
    }

    static func words(_ size: Int) -> Int { (size + 31) / 32 }

    /// `count` deterministic bytes.
    static func bytes(_ count: Int, seed: UInt8) -> [UInt8] {
        var out: [UInt8] = []
        var block = Keccak256.hash([seed, 0x77]).bytes
        while out.count < count {
            out += block
            block = Keccak256.hash(block).bytes
        }
        return Array(out.prefix(count))
    }

    /// A loop of STATICCALLs to `address` with `input` in memory at 0 and
    /// the output at `outputOffset`; `gas` is the precompile's own cost.
    static func precompileCase(_ name: String, _ address: UInt64, input: [UInt8], outputSize: Int, gas: Int,
                               check: ((_ output: [UInt8], _ input: [UInt8]) -> String?)? = nil) -> WorstCase {
        let outputOffset = (input.count + 31) / 32 * 32
        var c = WorstCase(name: name, prologue: { a in
            a.op(.calldatasize, .push0, .push0, .calldatacopy)
            a.push(outputOffset + outputSize + 32)
            a.op(.mload, .pop)  // pay the memory once
        }, body: { a, _ in
            a.push(outputSize); a.push(outputOffset); a.push(input.count); a.push(0); a.push(Int(address))
            a.op(.gas, .staticcall, .iszero)
            a.pushLabel("fail")
            a.op(.jumpi)
        }, bodyGas: 100 + 40 + gas, unroll: gas > 5_000 ? 1 : nil, epilogue: { a in
            a.op(.returndatasize, .push0, .push0, .returndatacopy, .returndatasize, .push0, .return)
        })
        c.calldata = input
        c.check = { result, _ in
            guard result.output.count == outputSize else {
                return "returned \(result.output.count) bytes, expected \(outputSize)"
            }
            return check?(result.output, input)
        }
        return c
    }

    /// ECRECOVER of a valid signature (it must give the signer's address).
    static func ecrecoverCase() -> WorstCase {
        let key = try! Secp256k1PrivateKey(Keccak256.hash(Array("worstcase key".utf8)).bytes)
        let hash = Keccak256.hash(Array("worstcase message".utf8))
        let signature = Secp256k1.sign(hash: hash, key: key).compact  // r ‖ s ‖ recovery id
        var input = hash.bytes + [UInt8](repeating: 0, count: 31) + [27 + signature[64]]
        input += signature[0..<64]
        let expected = [UInt8](repeating: 0, count: 12) + key.address.bytes
        return precompileCase("ECRECOVER valid signature", 0x01, input: input, outputSize: 32, gas: 3_000) { out, _ in
            out == expected ? nil : "recovered the wrong address"
        }
    }

    /// MODEXP with a `modulus`-byte modulus (odd or even), a base of the same
    /// length and an all-ones `exponent`-byte exponent.
    static func modexpCase(modulus m: Int, exponent e: Int, odd: Bool) -> WorstCase {
        var mod = bytes(m, seed: UInt8(truncatingIfNeeded: m &+ e))
        mod[0] |= 0x80
        if odd { mod[m - 1] |= 1 } else { mod[m - 1] &= 0xfe }
        let base = bytes(m, seed: 5)
        var input: [UInt8] = []
        for length in [m, e, m] { input += UInt256(UInt64(length)).bigEndianBytes }
        input += base + [UInt8](repeating: 0xff, count: e) + mod
        // EIP-2565.
        let w = (m + 7) / 8
        let iterations = max(1, e <= 32 ? 8 * e - 1 : 8 * (e - 32) + 255)
        let gas = max(200, w * w * iterations / 3)
        return precompileCase("MODEXP \(m) B \(odd ? "odd" : "even") mod, \(e) B exp", 0x05, input: input,
                              outputSize: m, gas: gas)
    }

    static func bn254Cases() -> [WorstCase] {
        let g1 = UInt256(1).bigEndianBytes + UInt256(2).bigEndianBytes
        let p = UInt256(decimal: "21888242871839275222246405745257275088696311157297823662689037894645226208583")!
        let minusG1 = UInt256(1).bigEndianBytes + (p &- UInt256(2)).bigEndianBytes
        // EIP-197's G2 generator: x = (x₁, x₀), y = (y₁, y₀), imaginary parts first.
        let g2 = try! Hex.decode("198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c2"
            + "1800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed"
            + "090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b"
            + "12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa")
        let one = UInt256.one.bigEndianBytes
        return [
            precompileCase("BN254 ADD", 0x06, input: g1 + g1, outputSize: 64, gas: 150),
            precompileCase("BN254 MUL 256-bit scalar", 0x07, input: g1 + UInt256.max.bigEndianBytes, outputSize: 64,
                           gas: 6_000),
            precompileCase("BN254 PAIRING 1 pair", 0x08, input: g1 + g2, outputSize: 32, gas: 45_000 + 34_000),
            precompileCase("BN254 PAIRING 2 pairs", 0x08, input: g1 + g2 + minusG1 + g2, outputSize: 32,
                           gas: 45_000 + 2 * 34_000) { out, _ in out == one ? nil : "e(P, Q)·e(−P, Q) is not 1" },
        ]
    }

    /// 0x0a is not implemented and always fails: each call burns the 50,000
    /// gas it is given. Measured so its figure is on the table.
    static func pointEvaluationCase() -> WorstCase {
        var c = WorstCase(name: "POINT_EVALUATION (unimplemented: fails)", prologue: { a in
            a.op(.calldatasize, .push0, .push0, .calldatacopy)
        }, body: { a, _ in
            a.push(64); a.push(192); a.push(192); a.push(0); a.push(0x0a); a.push(50_000)
            a.op(.staticcall, .pop)
        }, bodyGas: 50_140, unroll: 1)
        c.calldata = bytes(192, seed: 10)
        return c
    }

    /// GEMM_I8_ENTRY (0xa01) at its costliest shapes per gas: n ≥ 64 makes
    /// every byte of B's column a keystream block of its own; n < 64 packs
    /// them; the smallest entry is mostly the base price.
    static func gemmEntryCases() -> [WorstCase] {
        let seed = Keccak256.hash(Array("worstcase gemm".utf8))
        let shapes: [(m: Int, n: Int, k: Int, i: Int, j: Int)] = [
            (16_384, 16_384, 16_384, 16_383, 16_383), (16_384, 64, 16_384, 9_999, 63), (16_384, 1, 16_384, 7, 0),
            (64, 64, 64, 63, 63), (2, 1_000, 65, 1, 999), (1, 1, 1, 0, 0),
        ]
        return shapes.map { s in
            var input = seed.bytes
            for v in [s.m, s.n, s.k, s.i, s.j] { input += UInt256(UInt64(v)).bigEndianBytes }
            // docs/gemm-i8.md: 1,000 + 60 per ChaCha20 block read.
            let rowStart = s.i * s.k
            let blocksA = (rowStart + s.k - 1) / 64 - rowStart / 64 + 1
            let blocksB = s.n >= 64 ? s.k : ((s.k - 1) * s.n + s.j) / 64 - s.j / 64 + 1
            let gas = 1_000 + 60 * (blocksA + blocksB)
            // A call gets 63/64 of the gas left (EIP-150): loop only while that covers the price.
            return precompileCase("GEMM_I8_ENTRY m=\(s.m) n=\(s.n) k=\(s.k)", 0xa01, input: input, outputSize: 32,
                                  gas: gas + gas / 63 + 1) { out, _ in
                guard s.m * s.n * s.k <= 1 << 20 else { return nil }
                let c = try! GemmSpec(m: s.m, n: s.n, k: s.k, seed: seed, rounds: 1).referenceProduct()
                let v = Int64(c[s.i * s.n + s.j])
                let word = v < 0 ? UInt256.zero &- UInt256(UInt64(-v)) : UInt256(UInt64(v))  // int256
                return out == word.bigEndianBytes ? nil : "wrong entry"
            }
        }
    }

    /// ED25519_VERIFY (0xa02) of a valid signature, short and long messages.
    static func ed25519Cases() -> [WorstCase] {
        let key = try! Ed25519PrivateKey(seed: Keccak256.hash(Array("worstcase ed25519".utf8)).bytes)
        let one = UInt256.one.bigEndianBytes
        return [0, 32, 1024, 8192].map { size in
            let message = bytes(size, seed: 0xa2)
            let input = key.publicKey.bytes + key.sign(message) + message
            return precompileCase("ED25519_VERIFY \(size) B", 0xa02, input: input, outputSize: 32,
                                  gas: 2_000 + 12 * words(size)) { out, _ in out == one ? nil : "did not verify" }
        }
    }
}
