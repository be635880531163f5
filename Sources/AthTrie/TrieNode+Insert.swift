extension TrieNode {
    /// The subtree `node` with `path` set to `value` (non-empty). Subtrees off
    /// the path are reused unchanged, keeping their cached references.
    static func inserting(_ node: TrieNode?, path: ArraySlice<UInt8>, value: [UInt8]) -> TrieNode {
        guard let node else { return .leaf(Array(path), value) }
        switch node.body {
        case let .leaf(leafPath, leafValue):
            let common = Nibbles.commonPrefixLength(leafPath, path)
            if common == leafPath.count, common == path.count {
                return leafValue == value ? node : .leaf(leafPath, value)
            }
            var children = noChildren
            var branchValue: [UInt8] = []
            if common == leafPath.count {
                branchValue = leafValue
            } else {
                children[Int(leafPath[common])] = .leaf(Array(leafPath[(common + 1)...]), leafValue)
            }
            place(path, after: common, value: value, in: &children, branchValue: &branchValue)
            return wrap(Array(leafPath[..<common]), .branch(children, branchValue))

        case let .extension(extensionPath, child):
            let common = Nibbles.commonPrefixLength(extensionPath, path)
            if common == extensionPath.count {
                return .extension(extensionPath, inserting(child, path: path.dropFirst(common), value: value))
            }
            var children = noChildren
            var branchValue: [UInt8] = []
            let rest = Array(extensionPath[(common + 1)...])
            children[Int(extensionPath[common])] = rest.isEmpty ? child : .extension(rest, child)
            place(path, after: common, value: value, in: &children, branchValue: &branchValue)
            return wrap(Array(extensionPath[..<common]), .branch(children, branchValue))

        case .branch(var children, var branchValue):
            if let first = path.first {
                let i = Int(first)
                children[i] = inserting(children[i], path: path.dropFirst(), value: value)
            } else {
                if branchValue == value { return node }
                branchValue = value
            }
            return .branch(children, branchValue)
        }
    }

    /// Puts the new key into a fresh branch that sits `common` nibbles down its path.
    private static func place(
        _ path: ArraySlice<UInt8>, after common: Int, value: [UInt8],
        in children: inout [TrieNode?], branchValue: inout [UInt8]
    ) {
        if common == path.count {
            branchValue = value
        } else {
            let rest = path.dropFirst(common)
            children[Int(rest.first!)] = .leaf(Array(rest.dropFirst()), value)
        }
    }

    /// `node` under an extension of `prefix`, or `node` itself when the prefix is empty.
    private static func wrap(_ prefix: [UInt8], _ node: TrieNode) -> TrieNode {
        prefix.isEmpty ? node : .extension(prefix, node)
    }
}
