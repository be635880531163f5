#if canImport(Glibc)
import Glibc
#endif
import AthPrimitives
import NIOCore
import NIOPosix

/// Asks the C allocator to give freed memory back to the system.
///
/// glibc keeps the pages of freed blocks in its arenas, so after a connection
/// that had megabytes queued is dropped the node's resident size stays at its
/// peak. `malloc_trim(0)` returns them. Requests within a short window are
/// coalesced into one call, made on NIO's blocking-work pool (it walks every
/// arena and must not stall an event loop). Elsewhere it does nothing.
enum MemoryTrim {
    private static let scheduled = Locked(false)
    /// Requests this close together share one trim.
    static let delay = TimeAmount.milliseconds(200)

    /// glibc's `malloc_trim`, which its Swift module map does not export (it is in malloc.h).
    #if canImport(Glibc)
    private static let mallocTrim: (@convention(c) (Int) -> Int32)? = {
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
    }()
    #endif

    static func request(on loop: any EventLoop) {
        #if canImport(Glibc)
        guard let trim = mallocTrim else { return }
        let first = scheduled.withLock { s -> Bool in
            if s { return false }
            s = true
            return true
        }
        guard first else { return }
        loop.scheduleTask(in: delay) {
            scheduled.withLock { $0 = false }
            NIOThreadPool.singleton.submit { _ in _ = trim(0) }
        }
        #endif
    }
}
