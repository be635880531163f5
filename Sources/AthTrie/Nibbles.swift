/// Keys inside the trie are paths of nibbles (half-bytes, 0...15), high
/// nibble first, so that a byte key of length n is a path of length 2n.
enum Nibbles {
    /// The nibble path of a byte key.
    static func path(of key: [UInt8]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(key.count * 2)
        for b in key {
            out.append(b >> 4)
            out.append(b & 0x0f)
        }
        return out
    }

    /// The byte key of a path; the path has even length (every key is whole
    /// bytes, so every full path from the root to a value does too).
    static func key(of path: [UInt8]) -> [UInt8] {
        precondition(path.count % 2 == 0, "a full trie path is whole bytes")
        var out = [UInt8]()
        out.reserveCapacity(path.count / 2)
        var i = 0
        while i < path.count {
            out.append(path[i] << 4 | path[i + 1])
            i += 2
        }
        return out
    }

    /// How many leading nibbles `a` and `b` share.
    static func commonPrefixLength(_ a: [UInt8], _ b: ArraySlice<UInt8>) -> Int {
        var n = 0
        var j = b.startIndex
        while n < a.count, j < b.endIndex, a[n] == b[j] {
            n += 1
            j += 1
        }
        return n
    }

    /// Hex-prefix encoding (Yellow Paper, appendix C): the first nibble holds
    /// the flags (2 = leaf, 1 = odd length); an even path gets a zero pad
    /// nibble after the flags so the result is whole bytes.
    static func hexPrefix(_ path: [UInt8], isLeaf: Bool) -> [UInt8] {
        let odd = path.count % 2 == 1
        let flags: UInt8 = (isLeaf ? 2 : 0) + (odd ? 1 : 0)
        var out = [UInt8]()
        out.reserveCapacity(path.count / 2 + 1)
        var i = 0
        if odd {
            out.append(flags << 4 | path[0])
            i = 1
        } else {
            out.append(flags << 4)
        }
        while i < path.count {
            out.append(path[i] << 4 | path[i + 1])
            i += 2
        }
        return out
    }
}
