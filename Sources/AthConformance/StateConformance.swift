import AthPrimitives
import AthCrypto
import AthTypes
import AthEVM
import AthExecution
import Foundation

/// GeneralStateTests: a pre-state, a transaction (per post entry, as
/// `txbytes`), and for each Cancun entry the expected post-state root and
/// logs hash, or the exception that makes the transaction invalid.
enum StateConformance {
    static let chainID: UInt64 = 1

    struct PreAccount {
        var balance: UInt256, nonce: UInt64, code: [UInt8], storage: [(UInt256, UInt256)]
    }

    static func run(_ json: [String: Any], file: String, trace: String?, into report: inout ConformanceReport) {
        for (name, body) in Fixtures.sortedCases(json) {
            guard let post = (body["post"] as? [String: Any])?["Cancun"] as? [[String: Any]] else { continue }
            guard let env = body["env"] as? [String: Any], let pre = body["pre"] as? [String: Any],
                  let block = blockContext(env), let accounts = preState(pre) else {
                report.record(file: file, test: name, failure: "fixture env or pre-state is malformed")
                continue
            }
            for (i, entry) in post.enumerated() {
                let label = "\(name)[\(indexLabel(entry, fallback: i))]"
                let tracer = trace.flatMap { label.contains($0) ? TraceWriter.standardError : nil }
                report.record(file: file, test: label, failure: check(entry, block: block, pre: accounts, trace: tracer))
            }
        }
    }

    static func indexLabel(_ entry: [String: Any], fallback: Int) -> String {
        guard let idx = entry["indexes"] as? [String: Any] else { return String(fallback) }
        let d = idx["data"] as? Int ?? 0, g = idx["gas"] as? Int ?? 0, v = idx["value"] as? Int ?? 0
        return "d\(d)g\(g)v\(v)"
    }

    static func check(_ entry: [String: Any], block: BlockContext, pre: [(Address, PreAccount)],
                      trace: ((TraceStep) -> Void)? = nil) -> String? {
        guard let expectedRoot = (entry["hash"] as? String).flatMap({ try? Hash32(hex: $0) }),
              let expectedLogs = (entry["logs"] as? String).flatMap({ try? Hash32(hex: $0) }),
              let txHex = entry["txbytes"] as? String else { return "post entry lacks hash, logs or txbytes" }
        let expectException = entry["expectException"] as? String
        let state = JournaledState(blockHashes: blockHash)
        for (a, acc) in pre { state.setAccount(a, balance: acc.balance, nonce: acc.nonce, code: acc.code, storage: acc.storage) }

        var rejection: String? = nil
        var logs: [Log] = []
        do {
            let tx = try transaction(txHex)
            let outcome = try TransactionExecutor.execute(tx, state: state, block: block, trace: trace)
            logs = outcome.logs
        } catch {
            rejection = String(describing: error)
            // As in the reference runner: a rejected transaction still
            // touches the coinbase with a zero reward.
            state.beginTransaction()
            state.touch(block.coinbase)
            state.finalizeTransaction()
        }
        switch (rejection, expectException) {
        case (nil, .some(let e)): return "accepted a transaction the fixture rejects with \(e)"
        case (.some(let why), nil): return "refused a valid transaction: \(why)"
        default: break
        }
        let root = Commitments.stateRoot(state)
        if root != expectedRoot { return "state root \(root), expected \(expectedRoot)" }
        let logsHash = Commitments.logsHash(logs)
        if logsHash != expectedLogs { return "logs hash \(logsHash), expected \(expectedLogs)" }
        return nil
    }

    /// Decodes and statelessly validates the fixture transaction.
    static func transaction(_ hex: String) throws -> ExecutableTransaction {
        let bytes = try Hex.decode(hex)
        if bytes.first == 0x03 { return try BlobTransactionFixture.decode(bytes, chainID: chainID) }
        let signed = try SignedTransaction.decode(bytes)
        let sender = try signed.validate(chainID: chainID)
        return ExecutableTransaction(signed, sender: sender)
    }

    /// BLOCKHASH in state tests: keccak256 of the block number's decimal text.
    static func blockHash(_ number: UInt64) -> Hash32 { Keccak256.hash(Array(String(number).utf8)) }

    static func u256(_ any: Any?) -> UInt256? { (any as? String).flatMap { UInt256(hex: $0) } }
    static func u64(_ any: Any?) -> UInt64? { u256(any)?.uint64IfFits }

    static func blockContext(_ env: [String: Any]) -> BlockContext? {
        guard let coinbase = (env["currentCoinbase"] as? String).flatMap({ try? Address(hex: $0) }),
              let number = u64(env["currentNumber"]), let timestamp = u64(env["currentTimestamp"]),
              let gasLimit = u64(env["currentGasLimit"]) else { return nil }
        let baseFee = u256(env["currentBaseFee"]) ?? .zero
        let random = (env["currentRandom"] as? String).flatMap { try? Hash32(hex: $0) } ?? .zero
        let excess = u64(env["currentExcessBlobGas"]) ?? 0
        return BlockContext(coinbase: coinbase, number: number, timestamp: timestamp, gasLimit: gasLimit,
                            baseFee: baseFee, prevRandao: random, chainID: UInt256(chainID),
                            blobBaseFee: TransactionExecutor.blobBaseFee(excessBlobGas: excess))
    }

    static func preState(_ pre: [String: Any]) -> [(Address, PreAccount)]? {
        var out: [(Address, PreAccount)] = []
        for key in pre.keys.sorted() {
            guard let a = try? Address(hex: key), let acc = pre[key] as? [String: Any],
                  let balance = u256(acc["balance"]), let nonce = u64(acc["nonce"]),
                  let code = (acc["code"] as? String).flatMap({ try? Hex.decode($0) }) else { return nil }
            var storage: [(UInt256, UInt256)] = []
            for (k, v) in (acc["storage"] as? [String: Any]) ?? [:] {
                guard let kk = UInt256(hex: k), let vv = u256(v) else { return nil }
                storage.append((kk, vv))
            }
            storage.sort { $0.0 < $1.0 }
            out.append((a, PreAccount(balance: balance, nonce: nonce, code: code, storage: storage)))
        }
        return out
    }
}

/// EIP-3155-style trace lines: one JSON object per instruction.
enum TraceWriter {
    static let standardError: @Sendable (TraceStep) -> Void = { step in
        let stack = step.stack.map { "\"\($0.hexDescription)\"" }.joined(separator: ",")
        let line = "{\"pc\":\(step.pc),\"op\":\(step.op),\"gas\":\"0x\(String(step.gas, radix: 16))\"," +
            "\"gasCost\":\"0x\(String(step.gasCost, radix: 16))\",\"memSize\":\(step.memorySize)," +
            "\"stack\":[\(stack)],\"depth\":\(step.depth),\"refund\":\(step.refund),\"opName\":\"\(step.opName)\"}\n"
        FileHandle.standardError.write(Data(line.utf8))
    }
}
