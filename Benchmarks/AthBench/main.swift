// athbench: times AthCrypto's hot paths for `make bench` (Benchmarks/run.sh),
// which sets each figure against a yardstick (C libsecp256k1, pycryptodome).
//
//   athbench keccak SIZE N                 hash a SIZE-byte buffer N times per repetition
//   athbench secp256k1-vectors N FILE      write N deterministic recovery inputs to FILE
//   athbench secp256k1-recover N [FILE]    recover N public keys per repetition
//   athbench gossip SIZE PEERS ROUNDS      send a SIZE-byte message to PEERS P2P peers (GossipBench.swift)
//   athbench gemm N ROUNDS                 the CPU backend on an N³ gemm-i8 job and Freivalds' check (ComputeBench.swift)
//   athbench worstcase [--gas N] [--only NAME]  every opcode and precompile at its worst shape per gas (WorstCaseBench.swift)
//
// Each prints one line of `key=value` fields; the figure is the best of
// `repetitions` timed passes after one warm-up pass.

import AthCrypto
import AthPrimitives

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let repetitions = 7

func fail(_ message: String) -> Never {
    let line = Array("athbench: \(message)\n".utf8)
    _ = write(2, line, line.count)
    exit(2)
}

func nanoseconds(_ duration: Duration) -> Double {
    let (seconds, attoseconds) = duration.components
    return Double(seconds) * 1e9 + Double(attoseconds) / 1e9
}

/// Runs `pass` once to warm up, then `repetitions` times; the fastest pass in ns.
func bestPass(_ pass: () -> Void) -> Double {
    pass()
    let clock = ContinuousClock()
    var best = Double.infinity
    for _ in 0..<repetitions {
        best = min(best, nanoseconds(clock.measure(pass)))
    }
    return best
}

func keccak(size: Int, iterations: Int) {
    let input = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
    var sink: UInt64 = 0
    let best = bestPass {
        for _ in 0..<iterations {
            let digest = Keccak256.hash(input)
            sink ^= withUnsafeBytes(of: digest) { $0.load(as: UInt64.self) }
        }
    }
    let perOp = best / Double(iterations)
    let mbPerSecond = Double(size) / perOp * 1e3
    print("keccak-athcrypto size=\(size) n=\(iterations) ns_per_op=\(Int(perOp.rounded())) " +
          "mb_per_s=\((mbPerSecond * 10).rounded() / 10) sink=\(sink & 0xff)")
}

/// One recovery input: message hash, then r, s (big-endian) and the recovery id.
struct RecoveryInput {
    var hash: Hash32
    var signature: RecoverableSignature

    static let recordSize = 97

    /// Input `i` of the deterministic set: key and message are keccak256 of a
    /// label and `i`, so every run (and the C yardstick) sees the same data.
    static func deterministic(_ i: Int) -> RecoveryInput {
        let index = withUnsafeBytes(of: UInt64(i).bigEndian, Array.init)
        let key = try! Secp256k1PrivateKey(Keccak256.hash(Array("athbench-key".utf8) + index).bytes)
        let hash = Keccak256.hash(Array("athbench-message".utf8) + index)
        return RecoveryInput(hash: hash, signature: Secp256k1.sign(hash: hash, key: key))
    }

    var record: [UInt8] { hash.bytes + signature.compact }

    init(hash: Hash32, signature: RecoverableSignature) {
        self.hash = hash
        self.signature = signature
    }

    init(record: ArraySlice<UInt8>) throws {
        hash = Hash32(record.prefix(32))!
        signature = try RecoverableSignature(compact: Array(record.dropFirst(32)))
    }
}

func loadInputs(count: Int, file: String?) -> [RecoveryInput] {
    guard let file else { return (0..<count).map(RecoveryInput.deterministic) }
    guard let handle = fopen(file, "rb") else { fail("cannot open \(file)") }
    defer { fclose(handle) }
    var bytes = [UInt8](repeating: 0, count: count * RecoveryInput.recordSize)
    guard fread(&bytes, 1, bytes.count, handle) == bytes.count else { fail("\(file) holds fewer than \(count) inputs") }
    return (0..<count).map { i in
        let start = i * RecoveryInput.recordSize
        do { return try RecoveryInput(record: bytes[start..<start + RecoveryInput.recordSize]) } catch { fail("input \(i): \(error)") }
    }
}

func writeInputs(count: Int, file: String) {
    guard let handle = fopen(file, "wb") else { fail("cannot create \(file)") }
    defer { fclose(handle) }
    for i in 0..<count {
        let record = RecoveryInput.deterministic(i).record
        guard fwrite(record, 1, record.count, handle) == record.count else { fail("cannot write \(file)") }
    }
}

func secp256k1Recover(count: Int, file: String?) {
    let inputs = loadInputs(count: count, file: file)
    var keys = [Secp256k1PublicKey]()
    keys.reserveCapacity(count)
    let best = bestPass {
        keys.removeAll(keepingCapacity: true)
        for input in inputs {
            do { keys.append(try Secp256k1.recover(hash: input.hash, signature: input.signature)) } catch { fail("recover: \(error)") }
        }
    }
    // The same fold the C yardstick prints, to show both did the same work.
    var check: UInt64 = 0
    for key in keys { check = check &* 31 &+ UInt64(key.xy[0]) &+ UInt64(key.xy[63]) }
    print("secp256k1-recover-athcrypto n=\(count) ns_per_op=\(Int((best / Double(count)).rounded())) check=\(check)")
}

let arguments = CommandLine.arguments.dropFirst()
func integer(_ index: Int, _ name: String) -> Int {
    guard arguments.count > index, let value = Int(arguments[arguments.startIndex + index]), value > 0 else {
        fail("expected a positive integer \(name)")
    }
    return value
}

switch arguments.first {
case "keccak":
    keccak(size: integer(1, "SIZE"), iterations: integer(2, "N"))
case "secp256k1-vectors":
    guard arguments.count == 3 else { fail("usage: athbench secp256k1-vectors N FILE") }
    writeInputs(count: integer(1, "N"), file: arguments[arguments.startIndex + 2])
case "secp256k1-recover":
    let file = arguments.count > 2 ? arguments[arguments.startIndex + 2] : nil
    secp256k1Recover(count: integer(1, "N"), file: file)
case "admission-vectors":
    guard arguments.count == 3 else { fail("usage: athbench admission-vectors N FILE") }
    writeAdmissionVectors(count: integer(1, "N"), file: arguments[arguments.startIndex + 2])
case "admission":
    admission(count: integer(1, "N"), threads: integer(2, "THREADS"))
case "block-import":
    blockImport(blocks: integer(1, "BLOCKS"), perBlock: integer(2, "TXS"))
case "gossip":
    gossipBench(size: integer(1, "SIZE"), peerCount: integer(2, "PEERS"), rounds: integer(3, "ROUNDS"))
case "gemm":
    gemmBench(n: integer(1, "N"), rounds: integer(2, "ROUNDS"))
case "oracle":
    oracleBench(jobs: integer(1, "JOBS"))
case "worstcase":
    worstCaseBench(Array(arguments.dropFirst()))
default:
    fail("usage: athbench keccak SIZE N | secp256k1-vectors N FILE | secp256k1-recover N [FILE] | " +
         "admission-vectors N FILE | admission N THREADS | block-import BLOCKS TXS | gossip SIZE PEERS ROUNDS | gemm N ROUNDS | oracle JOBS | " +
         "worstcase [--gas N] [--only NAME]")
}
