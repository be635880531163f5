import ArgumentParser
import AthConformance
import Foundation

struct Conformance: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run an ethereum/tests fixture suite: one line per failure, then 'N passed, M failed'.",
        discussion: """
        Fixtures are read from $ETHEREUM_TESTS/<Folder> unless paths are given (files or folders). \
        The exit status is non-zero on any failure, unless --min-pass-rate allows some; \
        --require-clean names folders (e.g. VMTests) in which no case may fail even then.
        """)

    @Argument(help: "Suite: \(ConformanceSuite.allCases.map(\.rawValue).joined(separator: ", ")).")
    var suite: String
    @Argument(help: "Fixture files or folders (default: $ETHEREUM_TESTS/<Folder>).") var paths: [String] = []
    @Option(help: "Succeed when at least this percentage of cases pass (default: 100).") var minPassRate: Double = 100
    @Option(help: "A fixture folder in which every case must pass, whatever --min-pass-rate says (repeatable).")
    var requireClean: [String] = []
    @Option(help: "Print an EIP-3155 trace (JSON lines on standard error) for the cases whose name contains this text.")
    var trace: String?
    @Flag(help: "Print one JSON object instead of text.") var json = false

    func run() throws {
        guard let s = ConformanceSuite(rawValue: suite) else {
            throw CLIError("unknown suite \"\(suite)\"; choose one of \(ConformanceSuite.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let report = try reporting { try s.run(paths: paths, trace: trace) }
        if json {
            print(report.json)
        } else {
            for f in report.failures { print(f.line) }
            print(report.summary)
        }
        let total = report.passed + report.failed
        let rate = total == 0 ? 100 : Double(report.passed) * 100 / Double(total)
        var ok = report.failed == 0 || rate >= minPassRate
        for folder in requireClean {
            let inFolder = report.failures.filter { $0.file.split(separator: "/").contains(Substring(folder)) }
            if !inFolder.isEmpty {
                FileHandle.standardError.write(Data("\(inFolder.count) failures in \(folder), which must pass in full\n".utf8))
                ok = false
            }
        }
        if report.failed > 0 && minPassRate < 100 {
            FileHandle.standardError.write(Data(String(format: "pass rate %.3f%% (required %.2f%%)\n", rate, minPassRate).utf8))
        }
        if !ok { throw ExitCode.failure }
    }
}
