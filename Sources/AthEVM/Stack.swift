import AthPrimitives

/// The EVM operand stack: 1024 inline 256-bit words behind a raw pointer.
///
/// No bounds checks here: the interpreter checks every instruction's stack
/// needs against `OpcodeTable` before running it.
struct Stack {
    static let capacity = 1024

    /// Bottom of the stack (owned by the EVM's buffer pool).
    let base: UnsafeMutablePointer<UInt256>
    /// The next free slot.
    var top: UnsafeMutablePointer<UInt256>

    init(base: UnsafeMutablePointer<UInt256>) {
        self.base = base
        top = base
    }

    @inline(__always) var height: Int { top - base }

    @inline(__always) mutating func push(_ v: UInt256) {
        top.initialize(to: v)
        top += 1
    }

    @inline(__always) mutating func pop() -> UInt256 {
        top -= 1
        return top.pointee
    }

    /// The item `n` below the top (0 is the top).
    @inline(__always) subscript(n: Int) -> UInt256 {
        get { top[-1 - n] }
        nonmutating set { top[-1 - n] = newValue }
    }

    /// Replaces the top with `v`.
    @inline(__always) func setTop(_ v: UInt256) { top[-1] = v }

    /// Pops two, pushes `f(a, b)` where `a` was on top.
    @inline(__always) mutating func binary(_ f: (UInt256, UInt256) -> UInt256) {
        let a = top[-1]
        top -= 1
        top[-1] = f(a, top[-1])
    }

    /// The items, bottom first (traces only).
    var items: [UInt256] { Array(UnsafeBufferPointer(start: base, count: height)) }
}
