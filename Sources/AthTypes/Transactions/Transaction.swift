import AthPrimitives

/// The transaction envelopes this chain accepts (EIP-2718 type bytes).
public enum TransactionType: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// Pre-EIP-2718 RLP list, with or without EIP-155 replay protection.
    case legacy = 0
    /// EIP-2930: access lists.
    case accessList = 1
    /// EIP-1559: priority fee and fee cap.
    case dynamicFee = 2

    public var description: String {
        switch self {
        case .legacy: return "legacy"
        case .accessList: return "EIP-2930"
        case .dynamicFee: return "EIP-1559"
        }
    }
}

/// One EIP-2930 access-list entry: an account and storage slots to pre-warm.
public struct AccessListEntry: Hashable, Sendable {
    public var address: Address
    public var storageKeys: [Hash32]

    public init(address: Address, storageKeys: [Hash32] = []) {
        self.address = address
        self.storageKeys = storageKeys
    }
}

/// The fields a sender signs. One struct for all envelope types: fields a
/// type does not carry hold the value that type implies (a legacy or
/// EIP-2930 transaction has `maxPriorityFeePerGas == maxFeePerGas == gasPrice`,
/// and an empty access list when legacy).
public struct Transaction: Hashable, Sendable {
    public var type: TransactionType
    /// `nil` only for a legacy transaction without EIP-155 replay protection.
    public var chainID: UInt64?
    public var nonce: UInt64
    /// EIP-1559 tip cap; equals `maxFeePerGas` for legacy and EIP-2930.
    public var maxPriorityFeePerGas: UInt256
    /// EIP-1559 fee cap; the gas price for legacy and EIP-2930.
    public var maxFeePerGas: UInt256
    public var gasLimit: UInt64
    /// `nil` creates a contract.
    public var to: Address?
    public var value: UInt256
    public var data: [UInt8]
    public var accessList: [AccessListEntry]

    /// The gas price of a legacy or EIP-2930 transaction (the fee cap of an EIP-1559 one).
    public var gasPrice: UInt256 { maxFeePerGas }

    /// True when the transaction creates a contract.
    public var isContractCreation: Bool { to == nil }

    /// A legacy transaction (EIP-155 protected unless `chainID` is nil).
    public static func legacy(chainID: UInt64?, nonce: UInt64, gasPrice: UInt256, gasLimit: UInt64,
                              to: Address?, value: UInt256, data: [UInt8] = []) -> Transaction {
        Transaction(type: .legacy, chainID: chainID, nonce: nonce, maxPriorityFeePerGas: gasPrice,
                    maxFeePerGas: gasPrice, gasLimit: gasLimit, to: to, value: value, data: data, accessList: [])
    }

    /// An EIP-2930 transaction.
    public static func accessList(chainID: UInt64, nonce: UInt64, gasPrice: UInt256, gasLimit: UInt64,
                                  to: Address?, value: UInt256, data: [UInt8] = [],
                                  accessList: [AccessListEntry] = []) -> Transaction {
        Transaction(type: .accessList, chainID: chainID, nonce: nonce, maxPriorityFeePerGas: gasPrice,
                    maxFeePerGas: gasPrice, gasLimit: gasLimit, to: to, value: value, data: data,
                    accessList: accessList)
    }

    /// An EIP-1559 transaction.
    public static func dynamicFee(chainID: UInt64, nonce: UInt64, maxPriorityFeePerGas: UInt256,
                                  maxFeePerGas: UInt256, gasLimit: UInt64, to: Address?, value: UInt256,
                                  data: [UInt8] = [], accessList: [AccessListEntry] = []) -> Transaction {
        Transaction(type: .dynamicFee, chainID: chainID, nonce: nonce, maxPriorityFeePerGas: maxPriorityFeePerGas,
                    maxFeePerGas: maxFeePerGas, gasLimit: gasLimit, to: to, value: value, data: data,
                    accessList: accessList)
    }

    public init(type: TransactionType, chainID: UInt64?, nonce: UInt64, maxPriorityFeePerGas: UInt256,
                maxFeePerGas: UInt256, gasLimit: UInt64, to: Address?, value: UInt256, data: [UInt8],
                accessList: [AccessListEntry]) {
        self.type = type; self.chainID = chainID; self.nonce = nonce
        self.maxPriorityFeePerGas = maxPriorityFeePerGas; self.maxFeePerGas = maxFeePerGas
        self.gasLimit = gasLimit; self.to = to; self.value = value; self.data = data
        self.accessList = accessList
    }
}

/// The signature on a transaction: `yParity` is the recovery id (0 or 1);
/// a legacy transaction's `v` is derived from it and the chain id.
public struct TransactionSignature: Hashable, Sendable {
    public var yParity: UInt8
    public var r: UInt256
    public var s: UInt256

    public init(yParity: UInt8, r: UInt256, s: UInt256) {
        self.yParity = yParity; self.r = r; self.s = s
    }
}

/// A signed transaction with its canonical encoding and hash, as received
/// from a peer or a client, or as built by `Transaction.signed(with:)`.
public struct SignedTransaction: Hashable, Sendable {
    public let transaction: Transaction
    public let signature: TransactionSignature
    /// The canonical envelope bytes (`type || rlp(...)`, or the bare RLP list when legacy).
    public let encoded: [UInt8]
    /// keccak256 of `encoded`.
    public let hash: Hash32

    /// The `v` value as written in the encoding: `yParity` for typed
    /// transactions, 27/28 or `chainID * 2 + 35 + yParity` for legacy ones.
    public var v: UInt256 {
        guard transaction.type == .legacy else { return UInt256(UInt64(signature.yParity)) }
        guard let chainID = transaction.chainID else { return UInt256(27 + UInt64(signature.yParity)) }
        // chainID * 2 + 35 + parity fits in 256 bits for any 64-bit chain id.
        return UInt256(chainID) &* UInt256(2) &+ UInt256(35 + UInt64(signature.yParity))
    }

    init(transaction: Transaction, signature: TransactionSignature, encoded: [UInt8], hash: Hash32) {
        self.transaction = transaction; self.signature = signature; self.encoded = encoded; self.hash = hash
    }
}
