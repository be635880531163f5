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

/// eth_feeHistory.
extension EthAPI {
    // MARK: eth_feeHistory

    func feeHistory(_ p: Params) throws(RPCError) -> JSON {
        guard let countJSON = p[0] else { throw Params.invalid(0, "block count is required") }
        let requested = try Params.quantity64(countJSON, 0)
        guard requested >= 1 else { throw Params.invalid(0, "block count must be at least 1") }
        let count = min(requested, 1024)
        guard let newest = resolve(try BlockSelector.parse(p[1], 1)) else {
            throw RPCError(code: -32000, message: "requested block is beyond the head block")
        }
        var percentiles: [Double] = []
        if let list = p[2] {
            guard let arr = list.arrayValue, arr.count <= 100 else { throw Params.invalid(2, "at most 100 reward percentiles") }
            for v in arr {
                guard let text = v.numberText, let d = Double(text), d >= 0, d <= 100 else {
                    throw Params.invalid(2, "reward percentiles must be numbers between 0 and 100")
                }
                if let last = percentiles.last, d < last { throw Params.invalid(2, "reward percentiles must ascend") }
                percentiles.append(d)
            }
        }
        let oldest = newest + 1 >= count ? newest + 1 - count : 0
        var baseFees: [JSON] = [], ratios: [JSON] = [], rewards: [JSON] = []
        var lastHeader: Header?
        for n in oldest...newest {
            guard let b = try loaded(n) else { break }
            let h = b.block.header
            lastHeader = h
            baseFees.append(RPCValue.quantity(h.baseFeePerGas))
            ratios.append(.number(String(h.gasLimit == 0 ? 0 : Double(h.gasUsed) / Double(h.gasLimit))))
            if !percentiles.isEmpty {
                // Effective tips weighted by each transaction's gas used.
                var tips: [(tip: UInt256, gas: UInt64)] = []
                for (i, tx) in b.block.transactions.enumerated() {
                    let price = Self.effectiveGasPrice(tx.transaction, baseFee: h.baseFeePerGas)
                    let gas = b.receipts[i].cumulativeGasUsed - (i == 0 ? 0 : b.receipts[i - 1].cumulativeGasUsed)
                    tips.append((price > h.baseFeePerGas ? price &- h.baseFeePerGas : .zero, gas))
                }
                tips.sort { $0.tip < $1.tip }
                var row: [JSON] = []
                for pct in percentiles {
                    guard !tips.isEmpty, h.gasUsed > 0 else { row.append(RPCValue.quantity(0)); continue }
                    let threshold = UInt64(Double(h.gasUsed) * pct / 100)
                    var sum: UInt64 = 0, chosen = tips.last!.tip
                    for t in tips {
                        sum += t.gas
                        if sum >= threshold { chosen = t.tip; break }
                    }
                    row.append(RPCValue.quantity(chosen))
                }
                rewards.append(.array(row))
            }
        }
        if let h = lastHeader { baseFees.append(RPCValue.quantity(chain.rules.nextBaseFee(after: h))) }
        var fields: [(String, JSON)] = [("oldestBlock", RPCValue.quantity(oldest)), ("baseFeePerGas", .array(baseFees)),
                                        ("gasUsedRatio", .array(ratios))]
        if !percentiles.isEmpty { fields.append(("reward", .array(rewards))) }
        return .object(fields)
    }
}
