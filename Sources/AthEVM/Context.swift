import AthPrimitives

/// What the EVM may read about the block it runs in.
public struct BlockContext: Sendable {
    public var coinbase: Address
    public var number: UInt64
    public var timestamp: UInt64
    public var gasLimit: UInt64
    public var baseFee: UInt256
    /// EIP-4399: PREVRANDAO (DIFFICULTY's opcode since the merge).
    public var prevRandao: Hash32
    public var chainID: UInt256
    /// EIP-7516: BLOBBASEFEE. No blobs on this chain: the minimum, 1.
    public var blobBaseFee: UInt256
    /// Whether this chain's own precompiles (`Precompile.chainAddresses`:
    /// 0xa01 GEMM_I8_ENTRY, 0xa02 ED25519_VERIFY) are active and warm
    /// (EIP-2929) in every transaction. On for the chain's own execution
    /// (`ChainRules.chainPrecompiles`); off, plain Cancun, for Ethereum's
    /// conformance tests, where those addresses are empty accounts.
    public var chainPrecompiles: Bool

    public init(coinbase: Address, number: UInt64, timestamp: UInt64, gasLimit: UInt64, baseFee: UInt256,
                prevRandao: Hash32, chainID: UInt256, blobBaseFee: UInt256 = UInt256(1),
                chainPrecompiles: Bool = false) {
        self.coinbase = coinbase; self.number = number; self.timestamp = timestamp; self.gasLimit = gasLimit
        self.baseFee = baseFee; self.prevRandao = prevRandao; self.chainID = chainID; self.blobBaseFee = blobBaseFee
        self.chainPrecompiles = chainPrecompiles
    }
}

/// What the EVM may read about the transaction it runs for.
public struct TransactionContext: Sendable {
    public var origin: Address
    /// The effective gas price (GASPRICE).
    public var gasPrice: UInt256
    /// EIP-4844 versioned hashes (BLOBHASH); always empty on this chain.
    public var blobHashes: [Hash32]

    public init(origin: Address, gasPrice: UInt256, blobHashes: [Hash32] = []) {
        self.origin = origin; self.gasPrice = gasPrice; self.blobHashes = blobHashes
    }
}

/// A log record (LOG0–LOG4).
public struct Log: Hashable, Sendable {
    public var address: Address
    public var topics: [Hash32]
    public var data: [UInt8]

    public init(address: Address, topics: [Hash32], data: [UInt8]) {
        self.address = address; self.topics = topics; self.data = data
    }
}

/// How a frame was entered.
public enum CallKind: Sendable, Equatable {
    case call, callCode, delegateCall, staticCall, create, create2
}

/// One message: the input of a call or create frame.
public struct Message: Sendable {
    public var kind: CallKind
    /// The account whose code runs and whose storage is used (for CREATE: the new address, filled in by the EVM).
    public var target: Address
    /// Where the code comes from (differs from `target` for CALLCODE and DELEGATECALL).
    public var codeAddress: Address
    public var caller: Address
    /// Value transferred (for DELEGATECALL: the apparent value, not transferred).
    public var value: UInt256
    /// Call data, or init code for a create.
    public var input: [UInt8]
    public var gas: UInt64
    public var isStatic: Bool
    public var depth: Int
    /// CREATE2 salt.
    public var salt: UInt256

    public init(kind: CallKind, target: Address, codeAddress: Address, caller: Address, value: UInt256,
                input: [UInt8], gas: UInt64, isStatic: Bool = false, depth: Int = 0, salt: UInt256 = .zero) {
        self.kind = kind; self.target = target; self.codeAddress = codeAddress; self.caller = caller
        self.value = value; self.input = input; self.gas = gas; self.isStatic = isStatic; self.depth = depth
        self.salt = salt
    }
}

/// Why a frame halted exceptionally. A halt consumes all the frame's gas.
public enum HaltReason: Sendable, Equatable, CustomStringConvertible {
    case outOfGas, invalidOpcode(UInt8), stackUnderflow, stackOverflow, invalidJump
    case staticStateChange, returnDataOutOfBounds, callDepthExceeded, insufficientBalance
    case createCollision, codeSizeLimit, invalidCodePrefix, initcodeSizeLimit, nonceOverflow
    case precompileFailure
    /// Stopped from outside (a read-only call's time limit or cancellation,
    /// `ExecutionInterrupt`); never happens in block execution.
    case interrupted

    public var description: String {
        switch self {
        case .outOfGas: return "out of gas"
        case .invalidOpcode(let op): return "invalid opcode 0x\(String(op, radix: 16))"
        case .stackUnderflow: return "stack underflow"
        case .stackOverflow: return "stack overflow"
        case .invalidJump: return "invalid jump destination"
        case .staticStateChange: return "state change in a static call"
        case .returnDataOutOfBounds: return "return data out of bounds"
        case .callDepthExceeded: return "call depth exceeded"
        case .insufficientBalance: return "insufficient balance for transfer"
        case .createCollision: return "contract address collision"
        case .codeSizeLimit: return "max code size exceeded"
        case .invalidCodePrefix: return "invalid code: must not begin with 0xef"
        case .initcodeSizeLimit: return "max initcode size exceeded"
        case .nonceOverflow: return "nonce overflow"
        case .precompileFailure: return "precompile failed"
        case .interrupted: return "execution interrupted"
        }
    }
}

/// How a frame ended: a value, never an error (STYLE.md).
public enum ExecutionStatus: Sendable, Equatable {
    case success
    /// REVERT: state rolled back, remaining gas returned, `output` is the revert data.
    case revert
    /// Exceptional halt: state rolled back, all gas consumed.
    case halt(HaltReason)
}

/// The outcome of a frame.
public struct ExecutionResult: Sendable {
    public var status: ExecutionStatus
    public var gasLeft: UInt64
    /// Accumulated SSTORE refund (EIP-2200/3529); may be negative inside a frame.
    public var gasRefund: Int64
    public var output: [UInt8]
    /// The new contract's address after a successful create.
    public var createdAddress: Address?

    public init(status: ExecutionStatus, gasLeft: UInt64, gasRefund: Int64, output: [UInt8], createdAddress: Address? = nil) {
        self.status = status; self.gasLeft = gasLeft; self.gasRefund = gasRefund; self.output = output
        self.createdAddress = createdAddress
    }
}

/// The reason in revert data shaped as Solidity's and Vyper's `Error(string)`
/// (selector 0x08c379a0, then an ABI-encoded string), or "panic 0x…" for
/// `Panic(uint256)` (0x4e487b71); nil for anything else.
public func revertReason(_ output: [UInt8]) -> String? {
    if output.count == 36, output[0..<4].elementsEqual([UInt8(0x4e), 0x48, 0x7b, 0x71]),
       let code = UInt256(bigEndianBytes: output[4..<36]) {
        return "panic \(code.hexDescription)"  // Panic(uint256)
    }
    guard output.count >= 68, output[0..<4].elementsEqual([UInt8(0x08), 0xc3, 0x79, 0xa0]),
          let lenWord = UInt256(bigEndianBytes: output[36..<68]), lenWord <= UInt256(UInt64(output.count - 68)) else {
        return nil
    }
    let len = Int(lenWord.low64)
    return String(validating: output[68..<(68 + len)], as: UTF8.self)
}

extension ExecutionResult {
    /// One phrase for logs and errors: "success", "reverted: reason", or the halt.
    public var summary: String {
        switch status {
        case .success: return "success"
        case .revert: return revertReason(output).map { "reverted: \($0)" } ?? "reverted"
        case .halt(let reason): return reason.description
        }
    }
}
