import AthPrimitives
import AthRPC
import Synchronization
import Testing
@testable import AthNode

/// Polled filters: bounded in number (in all and per client), expired when
/// left unpolled, and a pending-transaction filter holds a bounded backlog.
@Suite struct FilterRegistryTests {
    final class Clock: Sendable {
        let t = Mutex<Double>(1000)
        func advance(_ s: Double) { t.withLock { $0 += s } }
        var now: Double { t.withLock { $0 } }
    }

    @Test func anUnpolledFilterExpiresAndAPolledOneStays() throws {
        let clock = Clock()
        let registry = FilterRegistry(now: { clock.now })
        let polled = try registry.install(.blocks, head: 5, owner: "a")
        let idle = try registry.install(.blocks, head: 5, owner: "a")
        clock.advance(200)
        #expect(registry.poll(polled) != nil)
        clock.advance(200)
        #expect(registry.poll(idle) == nil, "unpolled for 400 s")
        #expect(registry.poll(polled)?.last == 5, "polled 200 s ago")
        #expect(registry.count == 1)
    }

    @Test func filtersAreBoundedPerClientAndInAll() throws {
        let registry = FilterRegistry()
        for _ in 0..<FilterRegistry.maxPerClient { _ = try registry.install(.blocks, head: 0, owner: "greedy") }
        #expect(throws: RPCError(code: -32005, message:
            "too many filters from this client (limit \(FilterRegistry.maxPerClient)); uninstall some with eth_uninstallFilter")) {
            _ = try registry.install(.pendingTransactions, head: 0, owner: "greedy")
        }
        var owner = 0
        while registry.count < FilterRegistry.maxFilters {
            _ = try registry.install(.blocks, head: 0, owner: "client \(owner / 60)")
            owner += 1
        }
        #expect(throws: RPCError(code: -32005, message:
            "too many filters installed (limit \(FilterRegistry.maxFilters)); uninstall some or let them expire")) {
            _ = try registry.install(.blocks, head: 0, owner: "newcomer")
        }
    }

    @Test func aPendingFilterKeepsTheNewestHashesOnly() throws {
        let registry = FilterRegistry()
        let pending = try registry.install(.pendingTransactions, head: 0, owner: "a")
        let blocks = try registry.install(.blocks, head: 0, owner: "a")
        let hashes = (0..<(FilterRegistry.maxPendingHashes + 5)).map { i in Hash32(withUnsafeBytes(of: UInt64(i).bigEndian) { [UInt8](repeating: 0, count: 24) + $0 })! }
        for h in hashes { registry.noteAdmitted(h) }
        let taken = registry.takeHashes(pending)
        #expect(taken.count == FilterRegistry.maxPendingHashes)
        #expect(taken.first == hashes[5] && taken.last == hashes.last)
        #expect(registry.takeHashes(pending).isEmpty, "taken once")
        #expect(registry.takeHashes(blocks).isEmpty, "a block filter gets no hashes")
        #expect(registry.uninstall(pending) && !registry.uninstall(pending))
    }
}
