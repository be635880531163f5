import ArgumentParser
import Foundation
import AthClient

@main
struct Ath: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ath",
        abstract: "Wallet and tools for the ATH compute chain: keys, transactions, the EVM, conformance suites.",
        version: "0.1.0",
        subcommands: [Keys.self, Tx.self, EVMCommand.self, Conformance.self, Balance.self, Send.self,
                      BlockCommand.self, ReceiptCommand.self, Deploy.self, CallCommand.self, LogsCommand.self,
                      StakeCommand.self, DelegateCommand.self, UnbondCommand.self, WithdrawCommand.self, UnjailCommand.self,
                      RewardsCommand.self, EscrowCommand.self, LeaseCommand.self, GovCommand.self, ParamsCommand.self, StatusCommand.self]
    )

    /// Parses and runs the command. A usage error (a missing or unknown
    /// option, a bad value) is one sentence on standard error with exit
    /// status 1, as every other error, naming the command's --help.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
            FileHandle.standardError.write(Data("Error: \(UsageSentence.make(fullMessage(for: error)))\n".utf8))
            Foundation.exit(1)
        }
    }
}


/// A failure the CLI reports as one sentence on standard error, exiting 1.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs `body`, turning any error into a one-sentence `CLIError`.
func reporting<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as CLIError { throw e } catch let e as ExitCode { throw e } catch {
        throw CLIError(String(describing: error))
    }
}
