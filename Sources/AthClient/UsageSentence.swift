import Foundation

/// One sentence out of the argument parser's usage message (its first line,
/// and the command whose --help lists the options, from its usage line).
public enum UsageSentence {
    public static func make(_ message: String) -> String {
        let lines = message.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        var first = lines.first ?? "invalid arguments"
        if first.hasPrefix("Error: ") { first.removeFirst("Error: ".count) }
        guard let usage = lines.first(where: { $0.hasPrefix("Usage: ") }) else { return first }
        let words = usage.dropFirst("Usage: ".count).split(separator: " ")
            .prefix { !$0.hasPrefix("[") && !$0.hasPrefix("<") && !$0.hasPrefix("-") }
        let help = "`\(words.joined(separator: " ")) --help`"
        return first.hasSuffix(".") || first.hasSuffix("?") ? "\(first) See \(help)." : "\(first); see \(help)"
    }
}
