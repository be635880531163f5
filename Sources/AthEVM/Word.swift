import AthPrimitives

// Conversions between EVM words and addresses or hashes.

extension Address {
    /// The low 20 bytes of `word` (how the EVM reads an address operand).
    @inline(__always) init(word: UInt256) {
        var buf: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        self = withUnsafeMutableBytes(of: &buf) { raw in
            word.store(to: raw.baseAddress!)
            return Address(UnsafeRawBufferPointer(rebasing: raw[12..<32]))!
        }
    }

    /// The address as a word (zero-extended on the left).
    @inline(__always) var word: UInt256 {
        var buf: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        return withUnsafeMutableBytes(of: &buf) { raw in
            store(to: raw.baseAddress! + 12)
            return UInt256(pointer: raw.baseAddress!)
        }
    }
}

extension Hash32 {
    @inline(__always) init(word: UInt256) {
        var buf: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        self = withUnsafeMutableBytes(of: &buf) { raw in
            word.store(to: raw.baseAddress!)
            return Hash32(pointer: raw.baseAddress!)
        }
    }

    @inline(__always) var word: UInt256 {
        var buf: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        return withUnsafeMutableBytes(of: &buf) { raw in
            store(to: raw.baseAddress!)
            return UInt256(pointer: raw.baseAddress!)
        }
    }
}

extension UInt256 {
    /// 1 or 0 (built inline: the `one`/`zero` statics go through a lazy
    /// global accessor on every use).
    @inline(__always) static func flag(_ b: Bool) -> UInt256 { UInt256(limbs: b ? 1 : 0, 0, 0, 0) }

    /// Unsigned `a < b`, limb by limb from the top (always inlined, unlike `<`).
    @inline(__always) static func less(_ a: UInt256, _ b: UInt256) -> Bool {
        let x = a.limbs, y = b.limbs
        if x.3 != y.3 { return x.3 < y.3 }
        if x.2 != y.2 { return x.2 < y.2 }
        if x.1 != y.1 { return x.1 < y.1 }
        return x.0 < y.0
    }
}
