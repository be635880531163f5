import ArgumentParser

/// The node executable. Its node commands (`init`, `start`, `dev`) come with
/// the node core; today it reports its version and build.
@main
struct Athd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "athd",
        abstract: "The ATH compute chain node.",
        discussion: "Node commands (init, start, dev) arrive with the node core; keys, signing and conformance suites are in `ath`.",
        version: "0.1.0",
        subcommands: [Version.self]
    )

    struct Version: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the version and the chain rules this build implements.")
        func run() {
            print("athd 0.1.0")
            print("transactions: legacy (EIP-155), EIP-2930, EIP-1559; revision rules: Cancun")
        }
    }
}
