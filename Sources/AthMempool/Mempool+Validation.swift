import AthPrimitives
import AthTypes

extension MempoolConfig {
    /// The checks that need no account state, cheapest first so a flood of
    /// bad transactions costs little: size, chain id, EIP-2681 nonce, block
    /// gas limit, fee fields, EIP-3860 init code, intrinsic gas, minimum
    /// tip, base fee. Returns the worst-case cost (gas limit × fee cap +
    /// value), nil when it does not fit in 256 bits (no balance covers it).
    func checkStateless(_ signed: SignedTransaction, baseFee: UInt256) throws(MempoolError) -> UInt256? {
        let size = signed.encoded.count
        guard size <= maxTransactionSize else { throw .oversized(size: size, limit: maxTransactionSize) }
        let tx = signed.transaction
        if let id = tx.chainID {
            guard id == chainID else { throw .invalidChainID(got: id, expected: chainID) }
        } else if !allowUnprotected {
            throw .invalidChainID(got: nil, expected: chainID)
        }
        guard tx.nonce < UInt64.max else { throw .invalidTransaction(.nonceMax) }
        guard tx.gasLimit <= blockGasLimit else {
            throw .exceedsBlockGasLimit(gasLimit: tx.gasLimit, blockGasLimit: blockGasLimit)
        }
        guard tx.maxPriorityFeePerGas <= tx.maxFeePerGas else {
            throw .tipAboveFeeCap(tip: tx.maxPriorityFeePerGas, maxFee: tx.maxFeePerGas)
        }
        if tx.isContractCreation && tx.data.count > TransactionGas.maxInitcodeSize {
            throw .invalidTransaction(.initcodeTooLarge(size: tx.data.count, limit: TransactionGas.maxInitcodeSize))
        }
        let intrinsic = tx.intrinsicGas
        guard tx.gasLimit >= intrinsic else { throw .intrinsicGasTooLow(gasLimit: tx.gasLimit, intrinsicGas: intrinsic) }
        guard tx.maxPriorityFeePerGas >= minTip else { throw .underpriced(tip: tx.maxPriorityFeePerGas, minTip: minTip) }
        guard tx.maxFeePerGas >= baseFee else { throw .feeCapBelowBaseFee(maxFee: tx.maxFeePerGas, baseFee: baseFee) }
        let gas = UInt256(tx.gasLimit).multipliedReportingOverflow(by: tx.maxFeePerGas)
        let cost = gas.partialValue.addingReportingOverflow(tx.value)
        return gas.overflow || cost.overflow ? nil : cost.partialValue
    }
}
