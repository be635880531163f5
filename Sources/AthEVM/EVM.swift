import AthCrypto
import AthPrimitives

/// The Cancun EVM: runs a message against a `Host`, recursing for nested
/// calls and creates. Generic over the host and the tracer so both are
/// specialised into the hot loop; `NoTracer` costs nothing.
///
/// The transaction executor does the transaction-level work (intrinsic gas,
/// sender balance and nonce checks, warming the sender, recipient, coinbase
/// and precompiles, fees, refund cap); `execute` does everything after that.
public struct EVM<H: Host, T: Tracer> {
    public let host: H
    public let block: BlockContext
    public let transaction: TransactionContext
    public var tracer: T
    let stacks = StackPool()

    public init(host: H, block: BlockContext, transaction: TransactionContext, tracer: T) {
        self.host = host; self.block = block; self.transaction = transaction; self.tracer = tracer
    }

    /// Runs a top-level message (depth 0). For a create message the address
    /// comes from the caller's current nonce, which is then incremented.
    public mutating func execute(_ message: Message) -> ExecutionResult {
        switch message.kind {
        case .create, .create2: return create(message)
        default: return call(message)
        }
    }

    /// A call frame, told to the tracer when one is enabled.
    mutating func call(_ m: Message) -> ExecutionResult {
        guard T.isEnabled else { return callFrame(m) }
        tracer.enter(m, created: nil)
        let result = callFrame(m)
        tracer.exit(result)
        return result
    }

    /// A create frame, told to the tracer when one is enabled.
    mutating func create(_ m: Message) -> ExecutionResult {
        guard T.isEnabled else { return createFrame(m) }
        let nonce = host.nonce(m.caller)
        let address = m.kind == .create2
            ? Self.create2Address(sender: m.caller, salt: m.salt, initcode: m.input)
            : Self.createAddress(sender: m.caller, nonce: nonce)
        tracer.enter(m, created: address)
        let result = createFrame(m)
        tracer.exit(result)
        return result
    }

    /// A call frame: value transfer, then a precompile or the code at
    /// `codeAddress`. Its changes are kept only on success.
    private mutating func callFrame(_ m: Message) -> ExecutionResult {
        if host.isInterrupted { return ExecutionResult(status: .halt(.interrupted), gasLeft: 0, gasRefund: 0, output: []) }
        let checkpoint = host.checkpoint()
        let isPrecompile = PrecompileDispatch.isPrecompile(m.codeAddress, chainPrecompiles: block.chainPrecompiles)
        switch m.kind {
        case .call, .callCode:
            // Nothing to do for a 0-value call to an absent account: it is
            // not created (EIP-161).
            if m.kind == .call && m.value.isZero && !isPrecompile && !host.exists(m.target) {
                return ExecutionResult(status: .success, gasLeft: m.gas, gasRefund: 0, output: [])
            }
            guard host.transfer(from: m.caller, to: m.target, value: m.value) else {
                host.revert(to: checkpoint)
                return ExecutionResult(status: .halt(.insufficientBalance), gasLeft: 0, gasRefund: 0, output: [])
            }
        case .staticCall:
            host.touch(m.target)  // as geth: a static call touches its target
        default:
            break
        }
        let result: ExecutionResult
        if isPrecompile {
            switch PrecompileDispatch.run(m.codeAddress, input: m.input, gasLimit: m.gas,
                                         chainPrecompiles: block.chainPrecompiles) {
            case .success(let used, let output) where used <= m.gas:
                result = ExecutionResult(status: .success, gasLeft: m.gas - used, gasRefund: 0, output: output)
            default:
                result = ExecutionResult(status: .halt(.precompileFailure), gasLeft: 0, gasRefund: 0, output: [])
            }
        } else {
            let code = host.loadCode(m.codeAddress)
            result = code.count == 0
                ? ExecutionResult(status: .success, gasLeft: m.gas, gasRefund: 0, output: [])
                : runFrame(code: code, message: m)
        }
        if result.status == .success { host.commit(checkpoint) } else { host.revert(to: checkpoint) }
        return result
    }

    /// A create frame: bump the creator's nonce, derive the address, check
    /// for a collision, run the initcode and deposit the code it returns.
    private mutating func createFrame(_ m: Message) -> ExecutionResult {
        if host.isInterrupted { return ExecutionResult(status: .halt(.interrupted), gasLeft: 0, gasRefund: 0, output: []) }
        let nonce = host.nonce(m.caller)
        guard nonce < .max else {  // EIP-2681
            return ExecutionResult(status: .halt(.nonceOverflow), gasLeft: 0, gasRefund: 0, output: [])
        }
        host.setNonce(m.caller, nonce + 1)
        let address = m.kind == .create2
            ? Self.create2Address(sender: m.caller, salt: m.salt, initcode: m.input)
            : Self.createAddress(sender: m.caller, nonce: nonce)
        _ = host.warmAccount(address)  // EIP-2929: stays warm even if the create fails
        return deploy(at: address, m)
    }

    /// Runs `message.input` as initcode for a new contract at `address`
    /// (chosen by the caller: genesis places protocol contracts at fixed
    /// addresses this way) and deposits the code it returns. The caller's
    /// nonce is left alone; an address already holding code, a nonce or
    /// storage is a collision.
    public mutating func deployAt(_ address: Address, _ message: Message) -> ExecutionResult {
        _ = host.warmAccount(address)
        return deploy(at: address, message)
    }

    private mutating func deploy(at address: Address, _ m: Message) -> ExecutionResult {
        // Collision: code, nonce or storage already there (EIP-684, EIP-7610).
        if host.nonce(address) != 0 || host.loadCode(address).count != 0 || host.hasStorage(address) {
            return ExecutionResult(status: .halt(.createCollision), gasLeft: 0, gasRefund: 0, output: [])
        }
        let checkpoint = host.checkpoint()
        host.createContract(address)
        guard host.transfer(from: m.caller, to: address, value: m.value) else {
            host.revert(to: checkpoint)
            return ExecutionResult(status: .halt(.insufficientBalance), gasLeft: 0, gasRefund: 0, output: [])
        }
        var frameMessage = m
        frameMessage.target = address
        frameMessage.codeAddress = address
        frameMessage.input = []
        // Initcode runs once: skip hashing it (its `hash` is never read).
        var result = runFrame(code: Code(m.input, hash: .zero), message: frameMessage)
        if result.status == .success {
            let deployed = result.output
            let depositCost = UInt64(deployed.count) * UInt64(Gas.codeDepositByte)
            var failure: HaltReason?
            if deployed.count > Gas.maxCodeSize {
                failure = .codeSizeLimit  // EIP-170
            } else if deployed.first == 0xef {
                failure = .invalidCodePrefix  // EIP-3541
            } else if depositCost > result.gasLeft {
                failure = .outOfGas
            }
            if let failure {
                result = ExecutionResult(status: .halt(failure), gasLeft: 0, gasRefund: 0, output: [])
            } else {
                result.gasLeft -= depositCost
                host.setCode(address, deployed)
                result.output = []
                result.createdAddress = address
            }
        }
        if result.status == .success { host.commit(checkpoint) } else { host.revert(to: checkpoint) }
        return result
    }

    /// Runs `code` in a fresh frame.
    mutating func runFrame(code: Code, message: Message) -> ExecutionResult {
        if message.depth > 0 && message.depth % BigStack.hopInterval == 0 {
            var result: ExecutionResult?
            BigStack.run { result = runFrameHere(code: code, message: message) }
            return result ?? ExecutionResult(status: .halt(.callDepthExceeded), gasLeft: 0, gasRefund: 0, output: [])
        }
        return runFrameHere(code: code, message: message)
    }

    private mutating func runFrameHere(code: Code, message: Message) -> ExecutionResult {
        var frame = Frame(code: code, message: message, stackBase: stacks.stack(depth: message.depth))
        let result = frame.run(&self)
        frame.memory.release()
        if T.isEnabled { tracer.frameEnded(gasLeft: result.gasLeft) }
        return result
    }

    // MARK: Addresses

    /// CREATE: keccak256(rlp([sender, nonce]))[12:].
    public static func createAddress(sender: Address, nonce: UInt64) -> Address {
        var w = RLPWriter()
        w.appendList { list in
            list.append(sender)
            list.append(nonce)
        }
        return Address(word: Keccak256.hash(w.bytes).word)
    }

    /// CREATE2 (EIP-1014): keccak256(0xff ++ sender ++ salt ++ keccak256(initcode))[12:].
    public static func create2Address(sender: Address, salt: UInt256, initcode: [UInt8]) -> Address {
        var buf = [UInt8](repeating: 0, count: 85)
        buf[0] = 0xff
        buf.withUnsafeMutableBytes { p in
            sender.store(to: p.baseAddress! + 1)
            salt.store(to: p.baseAddress! + 21)
            Keccak256.hash(initcode).store(to: p.baseAddress! + 53)
        }
        return Address(word: Keccak256.hash(buf).word)
    }
}

extension EVM where T == NoTracer {
    public init(host: H, block: BlockContext, transaction: TransactionContext) {
        self.init(host: host, block: block, transaction: transaction, tracer: NoTracer())
    }
}

/// Runs `message` on `state` with the interpreter specialised for
/// `JournaledState` inside this module (callers in other modules get the
/// fast path without generic dispatch). `trace`, if given, sees every step.
public func executeOnJournaledState(_ state: JournaledState, block: BlockContext, transaction: TransactionContext,
                                    message: Message, trace: ((TraceStep) -> Void)? = nil) -> ExecutionResult {
    if let trace {
        var evm = EVM(host: state, block: block, transaction: transaction, tracer: ClosureTracer(trace))
        return evm.execute(message)
    }
    var evm = EVM(host: state, block: block, transaction: transaction)
    return evm.execute(message)
}

/// One operand stack per call depth, allocated on first use and reused by
/// every later frame at that depth.
final class StackPool {
    private var stacks: [UnsafeMutablePointer<UInt256>] = []

    func stack(depth: Int) -> UnsafeMutablePointer<UInt256> {
        while stacks.count <= depth { stacks.append(.allocate(capacity: Stack.capacity)) }
        return stacks[depth]
    }

    deinit { for s in stacks { s.deallocate() } }
}
