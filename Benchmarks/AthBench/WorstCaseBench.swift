import AthCrypto
import AthEVM
import AthPrimitives

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `athbench worstcase [--gas N] [--only NAME] [--passes N] [--dump]`: every Cancun
/// opcode and precompile, and this chain's own precompiles (0xa01, 0xa02), at
/// its most expensive shape per gas, each looped for a block's worth of gas
/// (default 30,000,000) through the interpreter on
/// `JournaledState`, the path `ath evm run` takes. The chain's goal is that no
/// block of such code takes longer than 600 ms, so each case must run at
/// ≥ 50 Mgas/s; slower ones are marked `<< below 50`.
///
/// A case is one program: a prologue (memory, stack and return data set up),
/// then a loop of the case's body unrolled, which runs while more gas is left
/// than one more pass of the loop needs, then an epilogue. It must end in
/// success with at most one loop pass's gas left, and bodies that can fail (calls,
/// creates) jump to an INVALID when they do, so a case that measures a halted
/// or idle loop fails the benchmark (exit 2) instead of printing a figure.
/// Each case runs on fresh state, best of `passes` timed runs (fewer when one
/// run takes over 2 s), timed in the thread's CPU seconds. Exits 1 when a
/// case is below 50 Mgas/s.
func worstCaseBench(_ arguments: [String]) {
    var gas: UInt64 = 30_000_000
    var only: [String] = []
    var passes = 3
    var dump = false
    var i = 0
    func value() -> String {
        i += 1
        guard i < arguments.count else { fail("worstcase: \(arguments[i - 1]) needs a value") }
        return arguments[i]
    }
    while i < arguments.count {
        switch arguments[i] {
        case "--gas":
            guard let g = UInt64(value()), g >= 1_000_000 else { fail("worstcase: --gas must be at least 1000000") }
            gas = g
        case "--only": only.append(value())
        case "--dump": dump = true
        case "--passes":
            guard let p = Int(value()), p > 0 else { fail("worstcase: --passes must be positive") }
            passes = p
        default: fail("usage: athbench worstcase [--gas N] [--only NAME]… [--passes N] [--dump]")
        }
        i += 1
    }
    let cases = (WorstCase.opcodeCases(gas: gas) + WorstCase.precompileCases(gas: gas)).filter { c in
        only.isEmpty || only.contains { c.name.lowercased().contains($0.lowercased()) }
    }
    guard !cases.isEmpty else { fail("worstcase: no case matches \(only)") }
    if dump {  // the programs as hex, for `ath evm run`
        for c in cases { print("\(c.name): \(Hex.encode(c.program().code)) calldata \(Hex.encode(c.calldata))") }
        return
    }
    print(WorstCase.row("case", "gas used", "seconds", "Mgas/s", ""))
    var slowest: (name: String, rate: Double)?
    var below = 0
    for c in cases {
        let (used, seconds) = c.measure(gas: gas, passes: passes)
        let rate = Double(used) / seconds / 1e6
        let low = rate < WorstCase.goalMgasPerSecond
        if low { below += 1 }
        if slowest == nil || rate < slowest!.rate { slowest = (c.name, rate) }
        print(WorstCase.row(c.name, "\(used)", fixed(seconds, 4), fixed(rate, 1),
                            low ? "<< below 50" : ""))
    }
    if let slowest {
        print("worstcase cases=\(cases.count) below_50=\(below) slowest=\(String(slowest.name.map { $0 == " " ? "_" : $0 })) " +
              "slowest_mgas_per_s=\(fixed(slowest.rate, 1)) gas=\(gas)")
    }
    if below > 0 { exit(1) }
}

/// CPU time of the calling thread: on a machine shared with other work it
/// is what the run would take on an idle one, which wall time is not.
func threadCPUSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// `x` with `digits` decimals (no Foundation in athbench).
func fixed(_ x: Double, _ digits: Int) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let n = Int((x * scale).rounded())
    let whole = String(n / Int(scale))
    guard digits > 0 else { return whole }
    let fraction = String(n % Int(scale))
    return whole + "." + String(repeating: "0", count: digits - fraction.count) + fraction
}

/// One worst-case program and the state it runs on.
struct WorstCase {
    static let goalMgasPerSecond = 50.0
    static let caller = Address(low: 0x1000_0000_0000_0000)
    static let target = Address(low: 0x2000_0000_0000_0000)
    /// BLOCKHASH has 256 blocks behind it; this chain's precompiles are on.
    static let block = BlockContext(coinbase: Address(low: 0xc0ffee), number: 1_000, timestamp: 1_700_000_000,
                                    gasLimit: 30_000_000, baseFee: UInt256(7), prevRandao: .zero, chainID: UInt256(1),
                                    chainPrecompiles: true)

    struct Account {
        var address: Address
        var balance: UInt256 = .zero
        var code: [UInt8] = []
        var storage: [(UInt256, UInt256)] = []
        /// Warmed before the run, as an access list would.
        var warm = false
    }

    var name: String
    /// Everything before the loop.
    var prologue: (inout Assembler) -> Void = { _ in }
    /// Copy `index` of the loop body (labels inside must include the index).
    var body: (inout Assembler, Int) -> Void
    /// An upper bound on one body's gas, once the prologue has paid memory.
    var bodyGas: Int
    /// Body copies per loop pass; chosen from `bodyGas` when nil.
    var unroll: Int? = nil
    var epilogue: (inout Assembler) -> Void = { $0.op(.stop) }
    var calldata: [UInt8] = []
    var targetStorage: (UInt64) -> [(UInt256, UInt256)] = { _ in [] }
    var targetBalance = UInt256(1_000_000_000)
    var accounts: (UInt64) -> [Account] = { _ in [] }
    /// Judges the finished run; returns what is wrong, or nil.
    var check: (ExecutionResult, JournaledState) -> String? = { _, _ in nil }

    /// The program, and the most gas one pass of its loop may take.
    func program() -> (code: [UInt8], passGas: UInt64) {
        let copies = unroll ?? Swift.max(1, Swift.min(1_000, 6_000 / Swift.max(bodyGas, 1)))
        var a = Assembler()
        prologue(&a)
        a.label("loop")
        for k in 0..<copies { body(&a, k) }
        // Loop while more gas is left than one more pass could use, with
        // room for SSTORE's 2,300-gas sentry (EIP-2200) at its end.
        let passGas = UInt64(bodyGas * copies + 2_600)
        a.push(UInt256(passGas))
        a.op(.gas, .gt)
        a.pushLabel("loop")
        a.op(.jumpi)
        epilogue(&a)
        a.label("fail")
        a.op(.invalid)
        return (a.assembled(), passGas)
    }

    /// Runs the case `passes` times on fresh state; gas used and the best time.
    func measure(gas: UInt64, passes: Int) -> (gasUsed: UInt64, seconds: Double) {
        let (code, passGas) = program()
        var best = Double.infinity
        var spent = 0.0
        var used: UInt64 = 0
        for _ in 0..<passes {
            let state = prepare(code, gas: gas)
            let message = Message(kind: .call, target: Self.target, codeAddress: Self.target, caller: Self.caller,
                                  value: .zero, input: calldata, gas: gas)
            let start = threadCPUSeconds()
            let result = executeOnJournaledState(state, block: Self.block,
                                                 transaction: TransactionContext(origin: Self.caller, gasPrice: UInt256(7)),
                                                 message: message)
            let seconds = threadCPUSeconds() - start
            used = gas - result.gasLeft
            guard result.status == .success else { fail("worstcase \(name): ended in \(result.status), not success") }
            // The loop stops with at most one pass's gas (and its check) left.
            guard used + passGas + 100 >= gas, used * 2 >= gas else {
                fail("worstcase \(name): used only \(used) of \(gas) gas")
            }
            if let problem = check(result, state) { fail("worstcase \(name): \(problem)") }
            best = Swift.min(best, seconds)
            spent += seconds
            if spent > 2 { break }
        }
        return (used, best)
    }

    /// A fresh state: caller funded, the program at `target`, the case's
    /// accounts, and what a transaction would have warmed.
    func prepare(_ code: [UInt8], gas: UInt64) -> JournaledState {
        let hashes = (0..<256).map { Keccak256.hash([UInt8(truncatingIfNeeded: $0), 0x68]) }
        let state = JournaledState(blockHashes: { hashes[Int($0 & 0xff)] })
        state.setAccount(Self.caller, balance: UInt256(decimal: "1000000000000000000000000000000")!, nonce: 1,
                         code: [], storage: [])
        state.setAccount(Self.target, balance: targetBalance, nonce: 1, code: code, storage: targetStorage(gas))
        let extra = accounts(gas)
        for a in extra { state.setAccount(a.address, balance: a.balance, nonce: 1, code: a.code, storage: a.storage) }
        state.beginTransaction()
        // As the transaction executor: sender, recipient, coinbase (EIP-3651), precompiles.
        for a in [Self.caller, Self.target, Self.block.coinbase] + (1...10).map({ Address(low: UInt64($0)) })
            + Precompile.chainAddresses {
            _ = state.warmAccount(a)
        }
        for a in extra where a.warm { _ = state.warmAccount(a.address) }
        return state
    }

    static func row(_ name: String, _ gas: String, _ seconds: String, _ rate: String, _ mark: String) -> String {
        func pad(_ s: String, _ n: Int, left: Bool = false) -> String {
            s.count >= n ? s : (left ? s + String(repeating: " ", count: n - s.count)
                                     : String(repeating: " ", count: n - s.count) + s)
        }
        return pad(name, 44, left: true) + pad(gas, 11) + pad(seconds, 9) + pad(rate, 9) + (mark.isEmpty ? "" : "  " + mark)
    }
}

/// A minimal EVM assembler: opcodes, minimal pushes and two-byte labels.
struct Assembler {
    private(set) var code: [UInt8] = []
    private var labels: [String: Int] = [:]
    private var fixups: [(at: Int, label: String)] = []

    mutating func op(_ ops: Op...) { for o in ops { code.append(o.rawValue) } }
    mutating func raw(_ bytes: [UInt8]) { code += bytes }

    /// The shortest push of `v` (PUSH0 for zero).
    mutating func push(_ v: UInt256) {
        let bytes = v.minimalBigEndianBytes
        if bytes.isEmpty { op(.push0); return }
        code.append(0x5f + UInt8(bytes.count))
        code += bytes
    }
    mutating func push(_ v: Int) { push(UInt256(UInt64(v))) }
    mutating func push(_ a: Address) { code.append(0x73); code += a.bytes }
    /// PUSHn with exactly `n` bytes of `fill`.
    mutating func push(bytes n: Int, fill: UInt8) { code.append(0x5f + UInt8(n)); code += [UInt8](repeating: fill, count: n) }

    mutating func pushLabel(_ name: String) {
        code.append(0x61)
        fixups.append((code.count, name))
        code += [0, 0]
    }
    /// A JUMPDEST named `name`.
    mutating func label(_ name: String) {
        labels[name] = code.count
        op(.jumpdest)
    }

    func assembled() -> [UInt8] {
        var out = code
        for f in fixups {
            guard let at = labels[f.label] else { fail("worstcase: no label \(f.label)") }
            out[f.at] = UInt8(at >> 8)
            out[f.at + 1] = UInt8(at & 0xff)
        }
        return out
    }
}

/// The opcodes the generated programs name.
enum Op: UInt8 {
    case stop = 0x00, add = 0x01, eq = 0x14, iszero = 0x15, gt = 0x11
    case address = 0x30, calldatasize = 0x36, calldatacopy = 0x37
    case returndatasize = 0x3d, returndatacopy = 0x3e
    case pop = 0x50, mload = 0x51, mstore = 0x52, mstore8 = 0x53, sstore = 0x55
    case jump = 0x56, jumpi = 0x57, gas = 0x5a, jumpdest = 0x5b
    case push0 = 0x5f
    case dup1 = 0x80, dup2 = 0x81, dup3 = 0x82
    case call = 0xf1, staticcall = 0xfa, create = 0xf0, create2 = 0xf5
    case `return` = 0xf3, revert = 0xfd, invalid = 0xfe, selfdestruct = 0xff
}
