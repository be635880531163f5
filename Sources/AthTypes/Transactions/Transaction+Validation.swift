import AthPrimitives

/// Gas and size constants of the Cancun revision that apply to a transaction
/// before it runs.
public enum TransactionGas {
    public static let base: UInt64 = 21_000
    /// Extra for a contract creation (EIP-2).
    public static let creation: UInt64 = 32_000
    /// Calldata per zero byte.
    public static let zeroByte: UInt64 = 4
    /// Calldata per non-zero byte (EIP-2028).
    public static let nonZeroByte: UInt64 = 16
    /// EIP-2930 access list costs.
    public static let accessListAddress: UInt64 = 2_400
    public static let accessListStorageKey: UInt64 = 1_900
    /// EIP-3860: per 32-byte word of init code.
    public static let initcodeWord: UInt64 = 2
    /// EIP-3860: the most init code a creation may carry (2 × EIP-170's 24576).
    public static let maxInitcodeSize = 49_152
}

extension Transaction {
    /// The gas charged before execution starts (Cancun rules): base, calldata,
    /// creation, init-code words and access list. Cannot overflow: every
    /// term is bounded by the encoded size, which is far below 2^58 bytes.
    public var intrinsicGas: UInt64 {
        var gas = TransactionGas.base
        var zeros: UInt64 = 0
        for b in data where b == 0 { zeros += 1 }
        let nonZeros = UInt64(data.count) - zeros
        gas += zeros * TransactionGas.zeroByte + nonZeros * TransactionGas.nonZeroByte
        if isContractCreation {
            gas += TransactionGas.creation
            gas += TransactionGas.initcodeWord * ((UInt64(data.count) + 31) / 32)
        }
        for entry in accessList {
            gas += TransactionGas.accessListAddress
            gas += TransactionGas.accessListStorageKey * UInt64(entry.storageKeys.count)
        }
        return gas
    }

    /// Checks every rule that needs no account state, in the order geth does:
    /// chain id, nonce bound, fee fields, init code size, intrinsic gas.
    /// `allowUnprotected` admits legacy transactions without EIP-155.
    public func validate(chainID expected: UInt64, allowUnprotected: Bool = true) throws(TransactionError) {
        if let chainID {
            guard chainID == expected else { throw .wrongChainID(got: chainID, expected: expected) }
        } else if !allowUnprotected {
            throw .wrongChainID(got: nil, expected: expected)
        }
        // EIP-2681.
        guard nonce < UInt64.max else { throw .nonceMax }
        guard maxPriorityFeePerGas <= maxFeePerGas else {
            throw .priorityFeeAboveMaxFee(priority: maxPriorityFeePerGas, max: maxFeePerGas)
        }
        guard !UInt256(gasLimit).multipliedReportingOverflow(by: maxFeePerGas).overflow else {
            throw .gasLimitTimesFeeOverflow
        }
        if isContractCreation && data.count > TransactionGas.maxInitcodeSize {
            throw .initcodeTooLarge(size: data.count, limit: TransactionGas.maxInitcodeSize)
        }
        let need = intrinsicGas
        guard gasLimit >= need else { throw .intrinsicGasTooLow(gasLimit: gasLimit, intrinsicGas: need) }
    }
}

extension SignedTransaction {
    /// Stateless validity: `Transaction.validate`, then the signature (EIP-2
    /// ranges and recovery). Returns the sender.
    @discardableResult
    public func validate(chainID: UInt64, allowUnprotected: Bool = true) throws(TransactionError) -> Address {
        try transaction.validate(chainID: chainID, allowUnprotected: allowUnprotected)
        return try recoverSender()
    }
}
