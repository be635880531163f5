extension TrieNode {
    /// The value stored at `path` in this subtree.
    func value(at path: ArraySlice<UInt8>) -> [UInt8]? {
        var node = self
        var path = path
        while true {
            switch node.body {
            case let .leaf(leafPath, value):
                return leafPath.elementsEqual(path) ? value : nil
            case let .extension(extensionPath, child):
                guard path.starts(with: extensionPath) else { return nil }
                path = path.dropFirst(extensionPath.count)
                node = child
            case let .branch(children, value):
                guard let first = path.first else { return value.isEmpty ? nil : value }
                guard let child = children[Int(first)] else { return nil }
                path = path.dropFirst()
                node = child
            }
        }
    }

    /// The smallest entry in this subtree, as (path below this node, value).
    func first() -> (path: [UInt8], value: [UInt8]) {
        switch body {
        case let .leaf(path, value):
            return (path, value)
        case let .extension(path, child):
            let found = child.first()
            return (path + found.path, found.value)
        case let .branch(children, value):
            if !value.isEmpty { return ([], value) }
            for i in 0..<16 {
                if let child = children[i] {
                    let found = child.first()
                    return ([UInt8(i)] + found.path, found.value)
                }
            }
            preconditionFailure("a branch holds at least two entries")
        }
    }

    /// The largest entry in this subtree.
    func last() -> (path: [UInt8], value: [UInt8]) {
        switch body {
        case let .leaf(path, value):
            return (path, value)
        case let .extension(path, child):
            let found = child.last()
            return (path + found.path, found.value)
        case let .branch(children, value):
            for i in stride(from: 15, through: 0, by: -1) {
                if let child = children[i] {
                    let found = child.last()
                    return ([UInt8(i)] + found.path, found.value)
                }
            }
            precondition(!value.isEmpty, "a branch holds at least two entries")
            return ([], value)
        }
    }

    /// The smallest entry whose path is strictly after `target` (paths compare
    /// lexicographically, a prefix before its extensions).
    func first(after target: ArraySlice<UInt8>) -> (path: [UInt8], value: [UInt8])? {
        switch body {
        case let .leaf(path, value):
            return target.lexicographicallyPrecedes(path) ? (path, value) : nil
        case let .extension(path, child):
            if target.starts(with: path) {
                return child.first(after: target.dropFirst(path.count)).map { (path + $0.path, $0.value) }
            }
            guard target.lexicographicallyPrecedes(path) else { return nil }
            let found = child.first()
            return (path + found.path, found.value)
        case let .branch(children, _):
            // The branch's own value sits at the empty path, which is never after `target`.
            var start = 0
            if let nibble = target.first {
                let i = Int(nibble)
                if let child = children[i], let found = child.first(after: target.dropFirst()) {
                    return ([nibble] + found.path, found.value)
                }
                start = i + 1
            }
            for i in start..<16 {
                if let child = children[i] {
                    let found = child.first()
                    return ([UInt8(i)] + found.path, found.value)
                }
            }
            return nil
        }
    }

    /// The largest entry whose path is strictly before `target`.
    func last(before target: ArraySlice<UInt8>) -> (path: [UInt8], value: [UInt8])? {
        switch body {
        case let .leaf(path, value):
            return path.lexicographicallyPrecedes(target) ? (path, value) : nil
        case let .extension(path, child):
            if target.starts(with: path) {
                return child.last(before: target.dropFirst(path.count)).map { (path + $0.path, $0.value) }
            }
            guard path.lexicographicallyPrecedes(target) else { return nil }
            let found = child.last()
            return (path + found.path, found.value)
        case let .branch(children, value):
            guard let nibble = target.first else { return nil }
            let i = Int(nibble)
            if let child = children[i], let found = child.last(before: target.dropFirst()) {
                return ([nibble] + found.path, found.value)
            }
            for j in stride(from: i - 1, through: 0, by: -1) {
                if let child = children[j] {
                    let found = child.last()
                    return ([UInt8(j)] + found.path, found.value)
                }
            }
            return value.isEmpty ? nil : ([], value)
        }
    }
}
