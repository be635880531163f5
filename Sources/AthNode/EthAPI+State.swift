import Foundation
import Synchronization
import AthPrimitives
import AthCrypto
import AthTypes
import AthEVM
import AthExecution
import AthStorage
import AthMempool
import AthRPC

/// State reads (at the head or a past block), eth_call and eth_estimateGas.
extension EthAPI {
    // MARK: State queries

    /// Which state a query reads: the head's (`number` nil: latest, pending,
    /// safe, finalized) or that of the block named by number or hash, which
    /// must exist and not be below the kept history.
    func stateBlock(_ v: JSON?, _ i: Int) throws(RPCError) -> (selector: BlockSelector, number: UInt64?) {
        let sel = try BlockSelector.parse(v, i)
        let n: UInt64
        switch sel {
        case .latest, .pending, .safe, .finalized: return (sel, nil)
        case .earliest: n = 0
        case .number(let x):
            guard x <= chain.head.number else { throw RPCError(code: -32000, message: "header not found") }
            n = x
        case .hash(let h):
            guard let x = chain.store.number(ofHash: h) else { throw RPCError(code: -32000, message: "header for hash \(h) not found") }
            n = x
        }
        let from = chain.store.historyFrom
        guard n >= from else { throw RPCError(code: -32000, message: HistoryLimit.pruned(n, from: from)) }
        return (sel, n)
    }

    /// The account at `a` at block `number` (the head when nil), read in one snapshot.
    func account(_ a: Address, at number: UInt64?) throws(RPCError) -> AccountRecord? {
        guard let number else { return chain.store.account(a) }
        return try readState(number) { $0.account(a, at: number) }
    }

    /// Storage slot `slot` of `a` at block `number` (the head when nil).
    func storage(_ a: Address, _ slot: UInt256, at number: UInt64?) throws(RPCError) -> UInt256 {
        guard let number else { return chain.store.storage(a, slot) }
        return try readState(number) { $0.storage(a, slot, at: number) }
    }

    /// Runs `body` on a snapshot that still keeps the state of block `number`.
    func readState<T>(_ number: UInt64, _ body: (StoreSnapshot) -> T) throws(RPCError) -> T {
        let outcome: Result<T, RPCError>
        do {
            outcome = try chain.store.snapshot { snap in
                let from = snap.historyFrom
                guard number >= from else {
                    return .failure(RPCError(code: -32000, message: HistoryLimit.pruned(number, from: from)))
                }
                return .success(body(snap))
            }
        } catch {
            throw RPCError(code: -32603, message: "cannot read the chain state: \(error)")
        }
        return try outcome.get()
    }

    func resolve(_ sel: BlockSelector) -> UInt64? {
        let head = chain.head.number
        switch sel {
        case .latest, .pending, .safe, .finalized: return head
        case .earliest: return 0
        case .number(let n): return n <= head ? n : nil
        case .hash(let h): return chain.store.number(ofHash: h)
        }
    }


    // MARK: eth_call and eth_estimateGas

    func callTransaction(_ p: Params, estimate: Bool) throws(RPCError) -> ExecutableTransaction {
        guard let obj = p[0], obj.objectValue != nil else { throw Params.invalid(0, "expected a transaction call object") }
        let known: Set<String> = ["from", "to", "gas", "gasPrice", "maxFeePerGas", "maxPriorityFeePerGas", "value",
                                  "data", "input", "nonce", "accessList", "type", "chainId"]
        for (k, _) in obj.objectValue! where !known.contains(k) {
            throw Params.invalid(0, "json: unknown field \"\(k)\"")
        }
        func opt(_ key: String) -> JSON? { if let v = obj[key], !v.isNull { return v } else { return nil } }
        let from = try opt("from").map { v throws(RPCError) in
            guard let s = v.stringValue else { throw Params.invalid(0, "from must be an address") }
            return try Params.address(s, 0)
        } ?? .zero
        let to = try opt("to").map { v throws(RPCError) in
            guard let s = v.stringValue else { throw Params.invalid(0, "to must be an address") }
            return try Params.address(s, 0)
        }
        let gas = try opt("gas").map { v throws(RPCError) in try Params.quantity64(v, 0) } ?? Self.callGasCap
        guard gas <= Self.callGasCap else { throw RPCError(code: -32000, message: "gas limit \(gas) is above the cap \(Self.callGasCap)") }
        let value = try opt("value").map { v throws(RPCError) in try Params.quantity(v, 0) } ?? .zero
        if opt("data") != nil, opt("input") != nil, opt("data") != opt("input") {
            throw RPCError(code: -32000, message: "both \"data\" and \"input\" are set and not equal. Please use \"input\" to pass transaction call data")
        }
        let data: [UInt8] = try (opt("input") ?? opt("data")).map { v throws(RPCError) -> [UInt8] in
            guard let s = v.stringValue else { throw Params.invalid(0, "input must be hex data") }
            return try Params.bytes(s, 0)
        } ?? []
        var maxFee = UInt256.zero, tip = UInt256.zero
        if let gp = opt("gasPrice") {
            if opt("maxFeePerGas") != nil || opt("maxPriorityFeePerGas") != nil {
                throw RPCError(code: -32000, message: "both gasPrice and (maxFeePerGas or maxPriorityFeePerGas) specified")
            }
            maxFee = try Params.quantity(gp, 0); tip = maxFee
        } else {
            if let f = opt("maxFeePerGas") { maxFee = try Params.quantity(f, 0) }
            if let t = opt("maxPriorityFeePerGas") { tip = try Params.quantity(t, 0) }
            if opt("maxFeePerGas") == nil, !tip.isZero { maxFee = tip &+ chain.nextBaseFee }
        }
        if !maxFee.isZero, maxFee < chain.nextBaseFee {
            throw RPCError(code: -32000, message: "max fee per gas less than block base fee: address \(from), maxFeePerGas: \(maxFee), baseFee: \(chain.nextBaseFee)")
        }
        if tip > maxFee { throw RPCError(code: -32000, message: "max priority fee per gas higher than max fee per gas") }
        var accessList: [AccessListEntry] = []
        if let al = opt("accessList") {
            guard let entries = al.arrayValue else { throw Params.invalid(0, "accessList must be an array") }
            for e in entries {
                guard let a = e["address"]?.stringValue else { throw Params.invalid(0, "access list entry needs an address") }
                var keys: [Hash32] = []
                for k in e["storageKeys"]?.arrayValue ?? [] {
                    guard let ks = k.stringValue else { throw Params.invalid(0, "storage keys must be hashes") }
                    keys.append(try Params.hash(ks, 0))
                }
                accessList.append(AccessListEntry(address: try Params.address(a, 0), storageKeys: keys))
            }
        }
        return ExecutableTransaction(sender: from, to: to, nonce: 0, gasLimit: gas, value: value, data: data,
                                     accessList: accessList, maxFeePerGas: maxFee, maxPriorityFeePerGas: tip)
    }

    /// Who a call counts against: the remote address, else the connection.
    static func client(_ context: RPCRequestContext) -> String {
        if let address = context.remoteAddress { return address }
        return "\(context.transport.rawValue)#\(context.connectionID)"
    }

    /// Runs `body` on the read-only call pool; its limits become RPC errors
    /// (-32000 for a timeout as geth, -32005 for a limit).
    func onCallPool<T: Sendable>(client: String, at block: UInt64? = nil,
                                 _ body: @escaping @Sendable (ReadContext) -> T) async throws(RPCError) -> T {
        switch await chain.calls.run(client: client, at: block, body) {
        case .success(let value): return value
        case .failure(let failure):
            switch failure {
            case .clientBusy, .overloaded: throw RPCError(code: -32005, message: failure.description)
            default: throw RPCError(code: -32000, message: failure.description)
            }
        }
    }

    static func revertError(_ output: [UInt8]) -> RPCError {
        let message = revertReason(output).map { "execution reverted: " + $0 } ?? "execution reverted"
        return RPCError(code: 3, message: message, data: RPCValue.data(output))
    }

    func call(_ tx: ExecutableTransaction, at block: UInt64? = nil, client: String) async throws(RPCError) -> JSON {
        switch try await onCallPool(client: client, at: block, { $0.execute(tx) }) {
        case .failure(let e): throw RPCError(code: -32000, message: e.description)
        case .success(let outcome):
            switch outcome.status {
            case .success: return RPCValue.data(outcome.output)
            case .revert: throw Self.revertError(outcome.output)
            case .halt(let reason): throw RPCError(code: -32000, message: reason.description)
            }
        }
    }

    /// What one gas estimate found, computed in one job on one snapshot.
    enum Estimate: Sendable {
        case gas(UInt64)
        case invalid(InvalidTransaction)
        case reverted([UInt8])
        case halted(HaltReason, cap: UInt64)
    }

    func estimateGas(_ base: ExecutableTransaction, at block: UInt64? = nil, client: String) async throws(RPCError) -> JSON {
        switch try await onCallPool(client: client, at: block, { Self.estimate(base, on: $0) }) {
        case .gas(let gas): return RPCValue.quantity(gas)
        case .invalid(let e): throw RPCError(code: -32000, message: e.description)
        case .reverted(let output): throw Self.revertError(output)
        case .halted(let reason, let cap):
            if case .outOfGas = reason { throw RPCError(code: -32000, message: "gas required exceeds allowance (\(cap))") }
            throw RPCError(code: -32000, message: reason.description)
        }
    }

    /// The least gas limit with which `base` succeeds, by binary search
    /// (trying the usual answer, gas used plus the 63/64 reserve, first).
    static func estimate(_ base: ExecutableTransaction, on ctx: ReadContext) -> Estimate {
        var tx = base
        // The most the sender could pay for, when a fee is set.
        if !tx.maxFeePerGas.isZero {
            let bal = ctx.balance(tx.sender)
            let available = bal > tx.value ? bal &- tx.value : .zero
            let allowance = available / tx.maxFeePerGas
            if allowance < UInt256(tx.gasLimit) { tx.gasLimit = allowance.low64 }
        }
        let cap = tx.gasLimit
        func succeeds(_ gas: UInt64) -> Bool {
            var t = tx
            t.gasLimit = gas
            if case .success(let o) = ctx.execute(t), o.status == .success { return true }
            return false
        }
        let used: UInt64
        switch ctx.execute(tx) {
        case .failure(let e): return .invalid(e)
        case .success(let o):
            switch o.status {
            case .success: used = o.gasUsed
            case .revert: return .reverted(o.output)
            case .halt(let reason): return .halted(reason, cap: cap)
            }
        }
        var lo = max(used, tx.intrinsicGas) - 1, hi = cap
        let guess = min(cap, (used + 3000) * 64 / 63)
        if guess < hi, succeeds(guess) { hi = guess }
        while hi - lo > 1, !ctx.interrupted {
            let mid = lo + (hi - lo) / 2
            if succeeds(mid) { hi = mid } else { lo = mid }
        }
        return .gas(hi)
    }
}
