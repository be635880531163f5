import AthClient
import AthCrypto
import AthNode
import AthOracle
import AthPrimitives
import AthTypes
import Foundation
import Logging

/// Attestations the node's oracle module ingests per second: on the devnet
/// chain with `jobs` committed jobs, each of the three dev checkers' signed
/// verdicts goes through `OracleService.submit` (signature recovery, the
/// Staking, Escrow, Oracle and Params views, de-duplication, quorum), one
/// thread after another as JSON-RPC would hand them over. The yardstick is
/// the signature recovery alone, the one step no ingest can skip.
func oracleBench(jobs: Int) {
    let genesis: Genesis
    do { genesis = try Genesis(json: Array(DevChain.genesisJSON.utf8)) } catch { fail("devnet genesis: \(error)") }
    let dir = temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let chain: Chain
    do { chain = try Chain(dataDirectory: dir, genesis: genesis, hooks: ProtocolHooks()) } catch { fail("\(error)") }
    let customer = DevAccounts.key(5), operatorKey = DevAccounts.key(1)
    let checkers = [2, 3, 4].map(DevAccounts.key)
    var nonces: [Address: UInt64] = [:]
    var blockTime = genesis.timestamp

    func produce() {
        while chain.mempool.stats.pending > 0 {
            blockTime += 1
            do { _ = try chain.produceBlock(timestamp: blockTime, coinbase: operatorKey.address, proposer: operatorKey.address) } catch {
                fail("\(error)")
            }
        }
    }
    func send(_ key: Secp256k1PrivateKey, _ function: ABIFunction, _ args: [ABIValue], value: UInt256 = .zero) {
        let data: [UInt8]
        do { data = try function.encodeCall(args) } catch { fail("\(error)") }
        let nonce = nonces[key.address, default: 0]
        nonces[key.address] = nonce + 1
        let tx = Transaction.dynamicFee(chainID: chain.rules.chainID, nonce: nonce, maxPriorityFeePerGas: UInt256(1_000_000_000),
                                        maxFeePerGas: UInt256(100_000_000_000), gasLimit: 400_000,
                                        to: ProtocolContract.escrow.address, value: value, data: data).signed(with: key)
        do { _ = try chain.mempool.add(tx, sender: key.address, state: chain.stateView, baseFee: chain.nextBaseFee) } catch {
            fail("mempool: \(error)")
        }
        // The pool takes a bounded number of transactions per sender.
        if nonce % 32 == 31 { produce() }
    }
    func root(_ i: Int) -> Hash32 { Keccak256.hash(Array("result \(i)".utf8)) }

    // The jobs: created for dev operator 1, accepted and committed.
    for i in 1...jobs {
        send(customer, EscrowABI.createJob, [.fixedBytes(Keccak256.hash(Array("spec \(i)".utf8)).bytes),
                                             .address(operatorKey.address), .uint(UInt256(1_000_000))], value: UInt256(1_000))
    }
    produce()
    for i in 1...jobs { send(operatorKey, EscrowABI.acceptJob, [.uint(UInt256(UInt64(i)))]) }
    produce()
    for i in 1...jobs { send(operatorKey, EscrowABI.commitResult, [.uint(UInt256(UInt64(i))), .fixedBytes(root(i).bytes)]) }
    produce()

    let domain = OracleDomain(chainID: chain.rules.chainID, oracle: ProtocolContract.oracle.address)
    var inputs: [(OracleStatement, [UInt8])] = []
    for i in 1...jobs {
        let a = JobAttestation(jobID: UInt256(UInt64(i)), resultRoot: root(i), verdict: .valid, workUnits: UInt256(16), round: 1)
        for c in checkers { inputs.append((.job(a), a.sign(domain, key: c))) }
    }
    var logger = Logger(label: "oracle-bench")
    logger.logLevel = .warning

    var services: [OracleService] = []
    let ingest = bestPassWithSetup(setup: { () -> OracleService in
        let s = OracleService(chain: chain, transmitter: nil, logger: logger)
        services.append(s)
        return s
    }, pass: { service in
        for (statement, signature) in inputs {
            do { try service.submit(statement, signature: signature) } catch { fail("attestation refused: \(error)") }
        }
    })
    guard let last = services.last, last.readyReports().count == jobs else {
        fail("the pool did not reach a quorum on every job")
    }
    let recoverOnly = bestPass {
        for (statement, signature) in inputs {
            guard OracleSignature.recover(signature, digest: statement.digest(domain)) != nil else { fail("no signer") }
        }
    }
    let n = Double(inputs.count)
    print("oracle-ingest attestations=\(inputs.count) jobs=\(jobs) per_s=\(Int(n / ingest * 1e9)) "
          + "recover_only_per_s=\(Int(n / recoverOnly * 1e9)) us_per_attestation=\(String(format: "%.1f", ingest / n / 1000))")
}
