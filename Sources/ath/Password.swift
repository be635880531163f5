import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where a password comes from: a file (first line), or the terminal with
/// echo off, or one line of standard input when it is not a terminal.
enum Password {
    static func read(file: String?, prompt: String, confirm: Bool = false) throws -> String {
        if let file {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw CLIError("cannot read password file \(file)")
            }
            let text = String(decoding: data, as: UTF8.self)
            return String(text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
                .trimmingCharacters(in: CharacterSet(charactersIn: "\r"))
        }
        if isatty(STDIN_FILENO) == 0 {
            guard let line = readLine(strippingNewline: true) else {
                throw CLIError("no password given: use --password-file, or pipe the password on standard input")
            }
            return line
        }
        let first = try readHidden(prompt)
        if confirm {
            let second = try readHidden("Repeat password: ")
            guard first == second else { throw CLIError("the two passwords do not match") }
        }
        return first
    }

    private static func readHidden(_ prompt: String) throws -> String {
        FileHandle.standardError.write(Data(prompt.utf8))
        var old = termios()
        tcgetattr(STDIN_FILENO, &old)
        var quiet = old
        quiet.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet)
        defer {
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &old)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        guard let line = readLine(strippingNewline: true) else { throw CLIError("no password entered") }
        return line
    }
}
