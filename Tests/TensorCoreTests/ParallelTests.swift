import XCTest
import Dispatch
@testable import TensorCore

/// `Parallel.forEach` through the persistent helpers: every item exactly once, for many
/// jobs in a row, nested calls and calls from several threads at once.
final class ParallelTests: XCTestCase {
    /// The thread count that makes `Parallel.forEach` use the shared pool on any machine.
    let poolThreads = WorkerPool.shared.helperCount + 1

    func testEveryItemRunsExactlyOnceOverManyJobs() {
        for count in [0, 1, 2, 3, 7, 64, 1000] {
            for repetition in 0..<200 {
                let hits = UnsafeMutablePointer<Int>.allocate(capacity: max(1, count))
                hits.initialize(repeating: 0, count: max(1, count))
                defer { hits.deallocate() }
                Parallel.forEach(count, threads: poolThreads) { i in hits[i] += 1 }   // each i written by one thread
                for i in 0..<count where hits[i] != 1 {
                    XCTFail("count \(count), job \(repetition): item \(i) ran \(hits[i]) times")
                    return
                }
            }
        }
    }

    func testPoolRunsItemsOnTwoThreadsWhenItHasAHelper() throws {
        let pool = WorkerPool(helpers: 1)
        let threads = UnsafeMutablePointer<pthread_t>.allocate(capacity: 64)
        defer { threads.deallocate() }
        // Items that wait a little so that the helper claims some of them.
        var sawHelper = false
        for _ in 0..<50 where !sawHelper {
            let ran = pool.run(64) { i in
                threads[i] = pthread_self()
                usleep(200)
            }
            XCTAssertTrue(ran, "an idle pool refused a job")
            sawHelper = (0..<64).contains { pthread_equal(threads[$0], pthread_self()) == 0 }
        }
        XCTAssertTrue(sawHelper, "no item ever ran on the helper thread")
    }

    func testABusyPoolRefusesASecondJob() {
        let pool = WorkerPool(helpers: 1)
        var nested: [Bool] = []
        XCTAssertTrue(pool.run(2) { i in
            if i == 0 { nested.append(pool.run(2) { _ in }) }
        }, "an idle pool refused a job")
        XCTAssertEqual(nested, [false], "a job started while another ran")
        XCTAssertTrue(pool.run(2) { _ in }, "the pool stayed busy after its job")
    }

    func testNestedAndConcurrentCallsComplete() {
        let outer = 8, inner = 50
        let sums = UnsafeMutablePointer<Int>.allocate(capacity: outer)
        sums.initialize(repeating: 0, count: outer)
        defer { sums.deallocate() }
        // Nested: the inner calls find the pool busy and go to dispatch.
        Parallel.forEach(outer, threads: poolThreads) { o in
            let partial = UnsafeMutablePointer<Int>.allocate(capacity: inner)
            defer { partial.deallocate() }
            partial.initialize(repeating: -1, count: inner)
            Parallel.forEach(inner, threads: 2) { i in partial[i] = i }
            sums[o] = (0..<inner).reduce(0) { $0 + partial[$1] }
        }
        XCTAssertEqual((0..<outer).map { sums[$0] }, Array(repeating: inner * (inner - 1) / 2, count: outer))
        // Several threads calling at once: one gets the pool, the others dispatch.
        let totals = UnsafeMutablePointer<Int>.allocate(capacity: 4)
        totals.initialize(repeating: 0, count: 4)
        defer { totals.deallocate() }
        DispatchQueue.concurrentPerform(iterations: 4) { caller in
            for _ in 0..<100 {
                let items = UnsafeMutablePointer<Int>.allocate(capacity: 16)
                defer { items.deallocate() }
                items.initialize(repeating: 0, count: 16)
                Parallel.forEach(16, threads: poolThreads) { items[$0] = 1 }
                totals[caller] += (0..<16).reduce(0) { $0 + items[$1] }
            }
        }
        XCTAssertEqual((0..<4).map { totals[$0] }, [1600, 1600, 1600, 1600])
    }
}
