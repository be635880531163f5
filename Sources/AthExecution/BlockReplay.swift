import AthPrimitives
import AthTypes
import AthEVM

/// Re-executes the start of a committed block on a state over its parent's
/// (tracing a transaction needs the state just before it): the block's
/// begin-block system calls, then its transactions in order.
public enum BlockReplay {
    /// The environment block `header` was executed in, with the consensus
    /// inputs of its system calls.
    public static func environment(of header: Header, signers: CommitSigners,
                                   evidence: [DoubleSignEvidenceInput] = []) -> BlockEnvironment {
        var env = BlockEnvironment(parentHash: header.parentHash, number: header.number, timestamp: header.timestamp,
                                   coinbase: header.coinbase, proposer: header.proposer, gasLimit: header.gasLimit,
                                   baseFee: header.baseFeePerGas, prevRandao: header.mixHash, extraData: header.extraData)
        env.signers = signers
        env.evidence = evidence
        return env
    }

    /// Runs the begin-block system calls of `environment` on `state`; the
    /// context its transactions run in.
    public static func begin(_ state: JournaledState, environment: BlockEnvironment, rules: ChainRules,
                             hooks: any SystemHooks) -> BlockContext {
        let context = rules.blockContext(environment)
        hooks.beginBlock(SystemCaller(state: state, block: context, environment: environment))
        return context
    }
}
