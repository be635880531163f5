extension TrieNode {
    /// The result of removing a key from a subtree.
    enum Removal {
        /// The key was not there; the subtree (and its cache) is untouched.
        case unchanged
        /// The key was removed; the new subtree, `nil` when now empty.
        case removed(TrieNode?)
    }

    /// Removes `path` from `node`, restoring the canonical shape: a branch
    /// left with one entry becomes a leaf or extension, and runs of
    /// extensions and leaves merge.
    static func removing(_ node: TrieNode, path: ArraySlice<UInt8>) -> Removal {
        switch node.body {
        case .leaf(let leafPath, _):
            return leafPath.elementsEqual(path) ? .removed(nil) : .unchanged

        case let .extension(extensionPath, child):
            guard path.starts(with: extensionPath),
                  case .removed(let newChild) = removing(child, path: path.dropFirst(extensionPath.count))
            else { return .unchanged }
            return .removed(newChild.map { prefixed(extensionPath, $0) })

        case .branch(var children, var value):
            if let first = path.first {
                let i = Int(first)
                guard let child = children[i],
                      case .removed(let newChild) = removing(child, path: path.dropFirst())
                else { return .unchanged }
                children[i] = newChild
            } else {
                if value.isEmpty { return .unchanged }
                value = []
            }
            return .removed(collapsed(children, value))
        }
    }

    /// A branch's entries in canonical form.
    private static func collapsed(_ children: [TrieNode?], _ value: [UInt8]) -> TrieNode? {
        var entries = value.isEmpty ? 0 : 1
        var last = -1
        for i in 0..<16 where children[i] != nil {
            entries += 1
            last = i
        }
        if entries >= 2 { return .branch(children, value) }
        if !value.isEmpty { return .leaf([], value) }
        guard last >= 0, let only = children[last] else { return nil }
        return prefixed([UInt8(last)], only)
    }

    /// `node` moved `prefix` nibbles further down, merging with a leaf or
    /// extension so that no extension points at another extension or a leaf.
    private static func prefixed(_ prefix: [UInt8], _ node: TrieNode) -> TrieNode {
        switch node.body {
        case let .leaf(path, value): return .leaf(prefix + path, value)
        case let .extension(path, child): return .extension(prefix + path, child)
        case .branch: return prefix.isEmpty ? node : .extension(prefix, node)
        }
    }
}
