import ArgumentParser
import AthConformance

struct Conformance: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run an ethereum/tests fixture suite: one line per failure, then 'N passed, M failed'.",
        discussion: "Fixtures are read from $ETHEREUM_TESTS/<Folder> unless paths are given (files or folders).")

    @Argument(help: "Suite: \(ConformanceSuite.allCases.map(\.rawValue).joined(separator: ", ")).")
    var suite: String
    @Argument(help: "Fixture files or folders (default: $ETHEREUM_TESTS/<Folder>).") var paths: [String] = []
    @Flag(help: "Print one JSON object instead of text.") var json = false

    func run() throws {
        guard let s = ConformanceSuite(rawValue: suite) else {
            throw CLIError("unknown suite \"\(suite)\"; choose one of \(ConformanceSuite.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let report = try reporting { try s.run(paths: paths) }
        if json {
            print(report.json)
        } else {
            for f in report.failures { print(f.line) }
            print(report.summary)
        }
        if report.failed > 0 { throw ExitCode.failure }
    }
}
