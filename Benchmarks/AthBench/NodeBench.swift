// Node-level benchmarks for `make bench`:
//
//   athbench admission-vectors N FILE    write the recovery inputs of the N admission transactions
//   athbench admission N THREADS         admit N raw transactions into a mempool from THREADS threads
//   athbench block-import BLOCKS TXS     import BLOCKS blocks of TXS transfers, and the raw parts:
//                                        the same recoveries (libsecp256k1, same threads) and LMDB
//                                        writes of the same keys and sizes
//
// Transactions are deterministic (keys and contents from keccak256 of labels),
// so the C yardstick recovers exactly the signatures admission recovers.

import Foundation
import AthCrypto
import AthPrimitives
import AthTypes
import AthExecution
import AthMempool
import AthStorage
import AthNode
import CLMDB
import CSecp256k1

let benchChainID: UInt64 = 7331
let benchBaseFee = UInt256(1_000_000_000)

/// Sender `i` of the benchmark: keccak256("athbench-sender-i").
func benchKey(_ i: Int) -> Secp256k1PrivateKey {
    try! Secp256k1PrivateKey(Keccak256.hash(Array("athbench-sender-\(i)".utf8)).bytes)
}

/// N signed transfers from `senders` senders, round-robin, nonces ascending per sender.
func benchTransactions(_ n: Int, senders: Int, nonceBase: [UInt64]? = nil) -> [SignedTransaction] {
    let keys = (0..<senders).map(benchKey)
    var out: [SignedTransaction] = []
    out.reserveCapacity(n)
    for i in 0..<n {
        let s = i % senders
        let nonce = UInt64(i / senders) + (nonceBase?[s] ?? 0)
        let tx = Transaction.dynamicFee(chainID: benchChainID, nonce: nonce, maxPriorityFeePerGas: UInt256(1 + UInt64(i % 7)),
                                        maxFeePerGas: UInt256(10_000_000_000), gasLimit: 21_000,
                                        to: Address(low: 0x10_0000 + UInt64(i % 5000)), value: UInt256(UInt64(1 + i)))
        out.append(tx.signed(with: keys[s]))
    }
    return out
}

struct FundedView: MempoolStateView {
    func nonce(of: Address) -> UInt64 { 0 }
    func balance(of: Address) -> UInt256 { UInt256(1) << 100 }
}

func admissionSenders(_ n: Int) -> Int { max(1, n / 16) }

func writeAdmissionVectors(count: Int, file: String) {
    let txs = benchTransactions(count, senders: admissionSenders(count))
    guard let handle = fopen(file, "wb") else { fail("cannot create \(file)") }
    defer { fclose(handle) }
    for tx in txs {
        let sig = try! RecoverableSignature(r: tx.signature.r.bigEndianBytes, s: tx.signature.s.bigEndianBytes,
                                            recoveryID: tx.signature.yParity)
        let record = tx.transaction.signingHash.bytes + sig.compact
        guard fwrite(record, 1, record.count, handle) == record.count else { fail("cannot write \(file)") }
    }
}

/// Runs `body(t)` on `threads` threads at once and waits for all.
func onThreads(_ threads: Int, _ body: @escaping @Sendable (Int) -> Void) {
    DispatchQueue.concurrentPerform(iterations: threads, execute: body)
}

func admission(count: Int, threads: Int) {
    let txs = benchTransactions(count, senders: admissionSenders(count))
    let raws = txs.map(\.encoded)
    // Each thread takes whole senders, so its nonces arrive in order.
    let senders = admissionSenders(count)
    let parts: [[[UInt8]]] = (0..<threads).map { t in raws.enumerated().filter { ($0.offset % senders) % threads == t }.map(\.element) }
    var accepted = 0
    let best = bestPass {
        let pool = Mempool(config: MempoolConfig(chainID: benchChainID, blockGasLimit: 30_000_000, maxTransactions: count + 1,
                                                 maxBytes: 1 << 30, maxPerSender: count + 1))
        let view = FundedView()
        onThreads(threads) { t in
            for raw in parts[t] {
                do { _ = try pool.admit(raw: raw, state: view, baseFee: benchBaseFee) } catch { fail("admit: \(error)") }
            }
        }
        accepted = pool.stats.pending
    }
    guard accepted == count else { fail("admitted \(accepted) of \(count)") }
    print("admission-athnode n=\(count) threads=\(threads) ns_per_op=\(Int((best / Double(count)).rounded())) tx_per_s=\(Int(Double(count) / best * 1e9))")
}

// MARK: Block import

func temporaryDirectory() -> String {
    var template = Array((NSTemporaryDirectory() + "/athbench-XXXXXX").utf8CString)
    guard let p = mkdtemp(&template) else { fail("cannot create a temporary directory") }
    return String(cString: p)
}

func benchGenesis(senders: Int) -> Genesis {
    let alloc = (0..<senders).map { (address: benchKey($0).address, account: GenesisAccount(balance: UInt256(1) << 100)) }
    return Genesis(chainID: benchChainID, timestamp: 1_767_225_600, gasLimit: 30_000_000, baseFeePerGas: benchBaseFee,
                   minBaseFeePerGas: benchBaseFee, alloc: alloc)
}

func blockImport(blocks: Int, perBlock: Int) {
    let senders = perBlock  // one transfer per sender per block: every sender and recipient changes
    let genesis = benchGenesis(senders: senders)
    let coinbase = Address(low: 0xc0ffee)

    // Produce the blocks once on a source chain.
    let sourceDir = temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: sourceDir) }
    let source: Chain
    do { source = try Chain(dataDirectory: sourceDir, genesis: genesis) } catch { fail("\(error)") }
    var produced: [Block] = []
    let txs = benchTransactions(blocks * perBlock, senders: senders)
    for b in 0..<blocks {
        for tx in txs[(b * perBlock)..<((b + 1) * perBlock)] {
            do { _ = try source.mempool.add(tx, sender: try tx.recoverSender(), state: source.stateView, baseFee: source.nextBaseFee) } catch {
                fail("mempool: \(error)")
            }
        }
        do {
            let c = try source.produceBlock(timestamp: 1_767_225_600 + UInt64(b + 1), coinbase: coinbase, proposer: coinbase)
            guard c.block.transactions.count == perBlock else { fail("block \(b + 1) holds \(c.block.transactions.count) transactions") }
            produced.append(c.block)
        } catch { fail("\(error)") }
    }

    // Ours: a fresh chain imports them (recovery, re-execution, roots, one LMDB commit each).
    var dirs: [String] = []
    defer { for d in dirs { try? FileManager.default.removeItem(atPath: d) } }
    let ours = bestPassWithSetup(setup: { () -> Chain in
        let dir = temporaryDirectory()
        dirs.append(dir)
        do { return try Chain(dataDirectory: dir, genesis: genesis) } catch { fail("\(error)") }
    }, pass: { chain in
        for block in produced {
            do { try chain.importBlock(header: block.header, transactions: block.transactions) } catch { fail("\(error)") }
        }
    })

    // Raw part 1: the same recoveries with libsecp256k1 on the same number of threads.
    let inputs: [(hash: [UInt8], compact: [UInt8], recid: Int32)] = produced.flatMap { $0.transactions }.map { tx in
        (tx.transaction.signingHash.bytes, tx.signature.r.bigEndianBytes + tx.signature.s.bigEndianBytes, Int32(tx.signature.yParity))
    }
    let threads = min(max(ProcessInfo.processInfo.activeProcessorCount, 1), 8)
    nonisolated(unsafe) let ctx = secp256k1_context_create(UInt32(SECP256K1_CONTEXT_NONE))!
    let recover = bestPass {
        onThreads(threads) { t in
            var i = t
            while i < inputs.count {
                var sig = secp256k1_ecdsa_recoverable_signature()
                var key = secp256k1_pubkey()
                var out = [UInt8](repeating: 0, count: 65)
                var len = 65
                guard secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &sig, inputs[i].compact, inputs[i].recid) == 1,
                      secp256k1_ecdsa_recover(ctx, &key, &sig, inputs[i].hash) == 1,
                      secp256k1_ec_pubkey_serialize(ctx, &out, &len, &key, UInt32(SECP256K1_EC_UNCOMPRESSED)) == 1 else {
                    fail("raw recovery failed")
                }
                i += threads
            }
        }
    }

    // Raw part 2: LMDB writes of the same keys and sizes, one synced write transaction per block:
    // account records of every sender, recipient and the coinbase, the transaction index, the
    // header, body and receipts, the log-free block's hash index and head pointer.
    let lmdb = bestPassWithSetup(setup: { () -> String in
        let dir = temporaryDirectory()
        dirs.append(dir)
        return dir
    }, pass: { dir in rawLMDBWrites(dir: dir, blocks: produced, coinbase: coinbase) })

    let raw = recover + lmdb
    let n = blocks * perBlock
    print("block-import-athnode blocks=\(blocks) txs_per_block=\(perBlock) ms=\(String(format: "%.1f", ours / 1e6)) tx_per_s=\(Int(Double(n) / ours * 1e9)) " +
          "raw_recover_ms=\(String(format: "%.1f", recover / 1e6)) raw_lmdb_ms=\(String(format: "%.1f", lmdb / 1e6)) raw_ms=\(String(format: "%.1f", raw / 1e6))")
}

/// Like `bestPass`, with an untimed `setup` before each pass.
func bestPassWithSetup<S>(setup: () -> S, pass: (S) -> Void) -> Double {
    pass(setup())
    let clock = ContinuousClock()
    var best = Double.infinity
    for _ in 0..<repetitions {
        let s = setup()
        best = min(best, nanoseconds(clock.measure { pass(s) }))
    }
    return best
}

func rawLMDBWrites(dir: String, blocks: [Block], coinbase: Address) {
    var env: OpaquePointer?
    func check(_ rc: Int32, _ what: String) { if rc != 0 { fail("\(what): \(String(cString: mdb_strerror(rc)))") } }
    check(mdb_env_create(&env), "mdb_env_create")
    check(mdb_env_set_mapsize(env, 1 << 32), "mdb_env_set_mapsize")
    check(mdb_env_set_maxdbs(env, 8), "mdb_env_set_maxdbs")
    check(mdb_env_open(env, dir, UInt32(MDB_NOTLS), 0o600), "mdb_env_open")
    defer { mdb_env_close(env) }
    var dbis: [MDB_dbi] = []
    var txn: OpaquePointer?
    check(mdb_txn_begin(env, nil, 0, &txn), "mdb_txn_begin")
    for name in ["accounts", "blocks", "txindex", "meta"] {
        var dbi = MDB_dbi()
        check(mdb_dbi_open(txn, name, UInt32(MDB_CREATE), &dbi), "mdb_dbi_open")
        dbis.append(dbi)
    }
    check(mdb_txn_commit(txn), "mdb_txn_commit")
    func put(_ txn: OpaquePointer?, _ dbi: MDB_dbi, _ key: [UInt8], _ value: [UInt8]) {
        var k = key, v = value
        k.withUnsafeMutableBytes { kb in
            v.withUnsafeMutableBytes { vb in
                var mk = MDB_val(mv_size: kb.count, mv_data: kb.baseAddress)
                var mv = MDB_val(mv_size: vb.count, mv_data: vb.baseAddress)
                check(mdb_put(txn, dbi, &mk, &mv, 0), "mdb_put")
            }
        }
    }
    let account = [UInt8](repeating: 0x5a, count: 72)  // rlp([nonce, balance, storageRoot, codeHash]) is about this size
    for block in blocks {
        var txn: OpaquePointer?
        check(mdb_txn_begin(env, nil, 0, &txn), "mdb_txn_begin")
        var touched = Set<Address>([coinbase])
        for (i, tx) in block.transactions.enumerated() {
            touched.insert(block.senders[i])
            if let to = tx.transaction.to { touched.insert(to) }
        }
        for a in touched.sorted() { put(txn, dbis[0], a.bytes, account) }
        var number = withUnsafeBytes(of: block.number.bigEndian, Array.init)
        put(txn, dbis[1], [0x68] + number, block.header.encoded)
        put(txn, dbis[1], [0x62] + number, block.transactions.flatMap(\.encoded))
        put(txn, dbis[1], [0x72] + number, [UInt8](repeating: 0x11, count: block.transactions.count * 270))
        put(txn, dbis[1], block.hash.bytes, number)
        for (i, tx) in block.transactions.enumerated() {
            put(txn, dbis[2], tx.hash.bytes, number + withUnsafeBytes(of: UInt32(i).bigEndian, Array.init))
        }
        number.append(contentsOf: block.hash.bytes)
        put(txn, dbis[3], Array("head".utf8), number)
        check(mdb_txn_commit(txn), "mdb_txn_commit")
    }
}
