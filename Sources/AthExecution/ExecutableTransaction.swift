import AthPrimitives
import AthTypes
import AthEVM

/// A transaction as the executor needs it: sender already recovered, fee
/// fields normalised across envelope types.
public struct ExecutableTransaction: Sendable {
    public var sender: Address
    public var to: Address?
    public var nonce: UInt64
    public var gasLimit: UInt64
    public var value: UInt256
    public var data: [UInt8]
    public var accessList: [AccessListEntry]
    public var maxFeePerGas: UInt256
    public var maxPriorityFeePerGas: UInt256
    /// EIP-4844 fields; only state-test fixtures carry them (the chain refuses type 3).
    public var blobHashes: [Hash32]
    public var maxFeePerBlobGas: UInt256?

    public init(sender: Address, to: Address?, nonce: UInt64, gasLimit: UInt64, value: UInt256, data: [UInt8],
                accessList: [AccessListEntry], maxFeePerGas: UInt256, maxPriorityFeePerGas: UInt256,
                blobHashes: [Hash32] = [], maxFeePerBlobGas: UInt256? = nil) {
        self.sender = sender; self.to = to; self.nonce = nonce; self.gasLimit = gasLimit; self.value = value
        self.data = data; self.accessList = accessList; self.maxFeePerGas = maxFeePerGas
        self.maxPriorityFeePerGas = maxPriorityFeePerGas; self.blobHashes = blobHashes
        self.maxFeePerBlobGas = maxFeePerBlobGas
    }

    /// From a decoded, signature-checked transaction.
    public init(_ signed: SignedTransaction, sender: Address) {
        let tx = signed.transaction
        self.init(sender: sender, to: tx.to, nonce: tx.nonce, gasLimit: tx.gasLimit, value: tx.value, data: tx.data,
                  accessList: tx.accessList, maxFeePerGas: tx.maxFeePerGas,
                  maxPriorityFeePerGas: tx.maxPriorityFeePerGas)
    }

    /// Cancun intrinsic gas (the same rules as `Transaction.intrinsicGas`).
    public var intrinsicGas: UInt64 {
        Transaction(type: .dynamicFee, chainID: nil, nonce: nonce, maxPriorityFeePerGas: maxPriorityFeePerGas,
                    maxFeePerGas: maxFeePerGas, gasLimit: gasLimit, to: to, value: value, data: data,
                    accessList: accessList).intrinsicGas
    }

    /// EIP-4844: gas per blob.
    public static let blobGasPerBlob: UInt64 = 131_072
    public var blobGas: UInt64 { UInt64(blobHashes.count) * Self.blobGasPerBlob }
}
