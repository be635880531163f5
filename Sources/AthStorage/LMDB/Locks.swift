#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A plain pthread mutex on the heap (a Swift value must not hold a
/// `pthread_mutex_t` inline: it may move).
final class PThreadMutex: @unchecked Sendable {
    let raw: UnsafeMutablePointer<pthread_mutex_t>

    init() {
        raw = .allocate(capacity: 1)
        raw.initialize(to: pthread_mutex_t())
        let rc = pthread_mutex_init(raw, nil)
        precondition(rc == 0, "pthread_mutex_init failed (\(rc))")
    }

    deinit {
        pthread_mutex_destroy(raw)
        raw.deallocate()
    }

    func lock() { pthread_mutex_lock(raw) }
    func unlock() { pthread_mutex_unlock(raw) }

    /// Runs `body` holding the lock.
    func withLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        lock()
        defer { unlock() }
        return try body()
    }
}

/// Lets any number of readers in at once, and lets one caller shut them out
/// to remap the LMDB environment (`mdb_env_set_mapsize` unmaps the file, so no
/// read transaction may be alive while it runs).
///
/// A pending `exclusive` call holds back new readers, so it cannot starve.
/// A thread already inside a read may nest further reads without waiting
/// (it is counted once), which keeps nested reads from deadlocking against a
/// pending remap; the same thread may not ask for `exclusive` while reading.
final class ReaderGate: @unchecked Sendable {
    private let mutex = PThreadMutex()
    private let changed: UnsafeMutablePointer<pthread_cond_t>
    /// Per-thread nesting depth of reads through this gate.
    private let depthKey: pthread_key_t
    private var readers = 0
    private var exclusiveWanted = false

    init() {
        changed = .allocate(capacity: 1)
        changed.initialize(to: pthread_cond_t())
        var rc = pthread_cond_init(changed, nil)
        precondition(rc == 0, "pthread_cond_init failed (\(rc))")
        var key = pthread_key_t()
        rc = pthread_key_create(&key, nil)
        precondition(rc == 0, "pthread_key_create failed (\(rc)): too many chain stores open")
        depthKey = key
    }

    deinit {
        pthread_key_delete(depthKey)
        pthread_cond_destroy(changed)
        changed.deallocate()
    }

    private var threadDepth: Int {
        get { Int(bitPattern: pthread_getspecific(depthKey)) }
        set { pthread_setspecific(depthKey, UnsafeRawPointer(bitPattern: newValue)) }
    }

    /// True when the calling thread is inside a read.
    var isReading: Bool { threadDepth > 0 }

    func enterRead() {
        let depth = threadDepth
        if depth == 0 {
            mutex.lock()
            while exclusiveWanted { pthread_cond_wait(changed, mutex.raw) }
            readers += 1
            mutex.unlock()
        }
        threadDepth = depth + 1
    }

    func exitRead() {
        let depth = threadDepth - 1
        threadDepth = depth
        if depth == 0 {
            mutex.lock()
            readers -= 1
            if readers == 0 && exclusiveWanted { pthread_cond_broadcast(changed) }
            mutex.unlock()
        }
    }

    /// Runs `body` with no reader inside. Throws `writeInsideRead` rather
    /// than deadlock when the caller itself is reading.
    func exclusive<T>(_ body: () throws(StorageError) -> T) throws(StorageError) -> T {
        if isReading { throw .writeInsideRead }
        mutex.lock()
        while exclusiveWanted { pthread_cond_wait(changed, mutex.raw) }
        exclusiveWanted = true
        while readers > 0 { pthread_cond_wait(changed, mutex.raw) }
        mutex.unlock()
        defer {
            mutex.lock()
            exclusiveWanted = false
            pthread_cond_broadcast(changed)
            mutex.unlock()
        }
        return try body()
    }
}
