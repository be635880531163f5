#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs deep call chains on fresh threads with large stacks.
///
/// Nested calls recurse in Swift, up to 1025 frames (EIP-150 depth 1024),
/// more than a default thread stack holds in a debug build. Every
/// `hopInterval` levels the next frame runs on a new thread with a
/// `stackSize` stack while the caller waits, so each thread carries at most
/// `hopInterval` frames. Only transactions that nest that deep pay for it.
enum BigStack {
    static let hopInterval = 32
    static let stackSize = 16 << 20

    private final class Job {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    /// Runs `body` on a new thread and waits for it; runs it here if no
    /// thread can be started.
    static func run(_ body: () -> Void) {
        withoutActuallyEscaping(body) { escapable in
            let job = Unmanaged.passRetained(Job(escapable))
            var attributes = pthread_attr_t()
            pthread_attr_init(&attributes)
            defer { pthread_attr_destroy(&attributes) }
            pthread_attr_setstacksize(&attributes, stackSize)
            #if canImport(Darwin)
            var thread: pthread_t?
            let rc = pthread_create(&thread, &attributes, { context in
                Unmanaged<Job>.fromOpaque(context).takeRetainedValue().body()
                return nil
            }, job.toOpaque())
            if rc == 0, let thread { pthread_join(thread, nil) } else { job.takeRetainedValue().body() }
            #else
            var thread = pthread_t()
            let rc = pthread_create(&thread, &attributes, { context in
                Unmanaged<Job>.fromOpaque(context!).takeRetainedValue().body()
                return nil
            }, job.toOpaque())
            if rc == 0 { pthread_join(thread, nil) } else { job.takeRetainedValue().body() }
            #endif
        }
    }
}
