import AthPrimitives
import AthTypes
import AthEVM

/// What running one included transaction produced.
public struct TransactionOutcome: Sendable {
    public var status: ExecutionStatus
    /// Gas charged to the sender after refunds.
    public var gasUsed: UInt64
    public var logs: [Log]
    public var output: [UInt8]
    public var createdAddress: Address?
}

/// Runs one transaction against the state: the Cancun rules of the
/// Ethereum state transition (nonce and balance checks, buying gas,
/// EIP-2929/2930/3651 warm sets, the message call or creation, EIP-3529
/// refunds, the priority fee to the coinbase, EIP-161 clean-up).
public enum TransactionExecutor {
    /// The Cancun precompile addresses warmed at the start of every
    /// transaction (EIP-2929); this chain's own are warmed too when the
    /// block enables them.
    static let precompiles: [Address] = (1...10).map { Address(low: UInt64($0)) }

    /// EIP-4844 blob gas price for a given excess (fake exponential).
    public static func blobBaseFee(excessBlobGas: UInt64) -> UInt256 {
        // factor * e^(numerator / denominator), integer approximation from EIP-4844.
        let factor = UInt256(1), denominator = UInt256(3_338_477)
        let numerator = UInt256(excessBlobGas)
        var i = UInt256(1), output = UInt256.zero
        var accum = factor &* denominator
        while !accum.isZero {
            output = output &+ accum
            accum = (accum &* numerator) / (denominator &* i)
            i = i &+ UInt256(1)
        }
        return output / denominator
    }

    /// Checks and runs `tx`. Throws, changing nothing, when the transaction
    /// cannot be included.
    /// `trace`, when given, receives every instruction (EIP-3155 style).
    ///
    /// With `simulate` (eth_call, gas estimation) the sender's nonce and
    /// EIP-3607 checks are skipped and every change is undone before
    /// returning: the state is left exactly as it was.
    public static func execute(_ tx: ExecutableTransaction, state: JournaledState, block: BlockContext,
                               simulate: Bool = false,
                               trace: ((TraceStep) -> Void)? = nil) throws(InvalidTransaction) -> TransactionOutcome {
        if let trace {
            var tracer = CostedStepTracer(trace)
            return try execute(tx, state: state, block: block, simulate: simulate, tracer: &tracer)
        }
        var tracer = NoTracer()
        return try execute(tx, state: state, block: block, simulate: simulate, tracer: &tracer)
    }

    /// `execute` with a tracer that sees every instruction, frame and log
    /// (debug_traceTransaction and the other debug_ tracers).
    public static func execute<T: Tracer>(_ tx: ExecutableTransaction, state: JournaledState, block: BlockContext,
                                          simulate: Bool = false,
                                          tracer: inout T) throws(InvalidTransaction) -> TransactionOutcome {
        // Validity (geth's preCheck, then intrinsic gas).
        let expectedNonce = state.nonce(tx.sender)
        if !simulate {
            if tx.nonce < expectedNonce { throw .nonceTooLow(got: tx.nonce, expected: expectedNonce) }
            if tx.nonce > expectedNonce { throw .nonceTooHigh(got: tx.nonce, expected: expectedNonce) }
            if tx.nonce == UInt64.max { throw .nonceMax }
            // EIP-3607: only accounts without code may send.
            if !state.code(tx.sender).isEmpty { throw .senderNotEOA(tx.sender) }
        }
        if tx.gasLimit > block.gasLimit { throw .gasLimitExceedsBlock(gasLimit: tx.gasLimit, blockGasLimit: block.gasLimit) }
        if tx.maxPriorityFeePerGas > tx.maxFeePerGas { throw .tipAboveFeeCap }
        if tx.maxFeePerGas < block.baseFee { throw .feeCapBelowBaseFee(maxFee: tx.maxFeePerGas, baseFee: block.baseFee) }
        if let maxBlobFee = tx.maxFeePerBlobGas {
            if tx.to == nil { throw .invalidBlobTransaction("blob transactions cannot create contracts") }
            if tx.blobHashes.isEmpty { throw .invalidBlobTransaction("no blobs") }
            if tx.blobHashes.count > 6 { throw .invalidBlobTransaction("more than 6 blobs") }
            for h in tx.blobHashes where h.bytes[0] != 0x01 {
                throw .invalidBlobTransaction("blob versioned hash \(h) does not have version 0x01")
            }
            if maxBlobFee < block.blobBaseFee { throw .blobFeeCapTooLow }
        }
        // Balance must cover the worst case: gasLimit * feeCap + value (+ blob fee cap).
        var want = UInt256(tx.gasLimit).multipliedReportingOverflow(by: tx.maxFeePerGas)
        var overflow = want.overflow
        var cost = want.partialValue
        if let maxBlobFee = tx.maxFeePerBlobGas {
            want = UInt256(tx.blobGas).multipliedReportingOverflow(by: maxBlobFee)
            overflow = overflow || want.overflow
            let sum = cost.addingReportingOverflow(want.partialValue)
            cost = sum.partialValue; overflow = overflow || sum.overflow
        }
        let withValue = cost.addingReportingOverflow(tx.value)
        let balance = state.balance(tx.sender)
        if overflow || withValue.overflow || balance < withValue.partialValue {
            throw .insufficientFunds(have: balance, want: overflow || withValue.overflow ? .max : withValue.partialValue)
        }
        let intrinsic = tx.intrinsicGas
        if tx.gasLimit < intrinsic { throw .intrinsicGasTooLow(gasLimit: tx.gasLimit, intrinsicGas: intrinsic) }
        if tx.to == nil && tx.data.count > TransactionGas.maxInitcodeSize { throw .initcodeTooLarge(size: tx.data.count) }

        // From here on the transaction is included.
        state.beginTransaction()
        let tip = min(tx.maxPriorityFeePerGas, tx.maxFeePerGas &- block.baseFee)
        let gasPrice = block.baseFee &+ tip
        var upfront = UInt256(tx.gasLimit) &* gasPrice
        if tx.maxFeePerBlobGas != nil { upfront = upfront &+ UInt256(tx.blobGas) &* block.blobBaseFee }
        _ = state.subtractBalance(tx.sender, upfront)

        state.warmAccount(tx.sender)
        if let to = tx.to { state.warmAccount(to) }
        for p in precompiles { state.warmAccount(p) }
        if block.chainPrecompiles { for p in Precompile.chainAddresses { state.warmAccount(p) } }
        state.warmAccount(block.coinbase) // EIP-3651
        for entry in tx.accessList {
            state.warmAccount(entry.address)
            for key in entry.storageKeys { state.warmStorage(entry.address, UInt256(bigEndianBytes: key.bytes)!) }
        }

        let message: Message
        if let to = tx.to {
            state.setNonce(tx.sender, expectedNonce &+ 1)
            message = Message(kind: .call, target: to, codeAddress: to, caller: tx.sender, value: tx.value,
                              input: tx.data, gas: tx.gasLimit - intrinsic)
        } else {
            // The EVM derives the address from the current nonce and bumps it.
            message = Message(kind: .create, target: .zero, codeAddress: .zero, caller: tx.sender, value: tx.value,
                              input: tx.data, gas: tx.gasLimit - intrinsic)
        }
        var evm = EVM(host: state, block: block,
                      transaction: TransactionContext(origin: tx.sender, gasPrice: gasPrice, blobHashes: tx.blobHashes),
                      tracer: tracer)
        let result = evm.execute(message)
        tracer = evm.tracer

        // EIP-3529: refunds capped at a fifth of the gas used.
        var gasLeft = result.gasLeft
        let used = tx.gasLimit - gasLeft
        if result.status == .success, result.gasRefund > 0 {
            gasLeft += min(UInt64(result.gasRefund), used / 5)
        }
        let gasUsed = tx.gasLimit - gasLeft
        state.addBalance(tx.sender, UInt256(gasLeft) &* gasPrice)
        // The priority fee goes to the proposer; the base fee is burned. A zero
        // fee still touches the coinbase, which matters for EIP-161 clean-up.
        state.addBalance(block.coinbase, UInt256(gasUsed) &* tip)
        state.touch(block.coinbase)
        let logs = result.status == .success ? state.logs : []
        if simulate {
            state.revert(to: 0)
            state.beginTransaction()
        } else {
            state.finalizeTransaction()
        }
        return TransactionOutcome(status: result.status, gasUsed: gasUsed, logs: logs, output: result.output,
                                  createdAddress: result.status == .success ? result.createdAddress : nil)
    }
}
