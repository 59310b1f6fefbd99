import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Persistent helper threads for `Parallel.forEach`: a job is published with one atomic
/// store and the helpers, spinning briefly after each job before they sleep, pick it up
/// within a microsecond or so, where waking a dispatch worker takes tens of microseconds —
/// most of a 2-thread 256×256 GEMM.
///
/// One job runs at a time. Its items are claimed through one 64-bit word,
/// `generation (16 bits) | count (24) | next index (24)`, by compare-and-swap, so a helper
/// that wakes up late can only claim an item of the job that is still running; the caller
/// claims items too and returns when every item has finished. A call made while a job runs
/// (nested, or from another thread) gets `false` from `run` and is done elsewhere.
final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool(helpers: max(0, Parallel.activeProcessorCount() - 1))

    /// Items per job must stay below this (24 bits).
    static let maximumCount = 1 << 24
    /// Load-loop iterations a helper spins for a next job before it sleeps (~0.1–0.3 ms).
    static let spinIterations = 200_000

    let helperCount: Int
    private let word = Atomic<UInt64>(0)
    private let finished = Atomic<Int>(0)
    /// The running job's body: a pointer to the caller's `Body` (valid while the job runs).
    private let body = Atomic<UnsafeRawPointer?>(nil)
    private let busy = Atomic<Bool>(false)
    private let started = Atomic<Bool>(false)
    private var generation: UInt64 = 0   // the caller's, under `busy`
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wakeUp = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var sleepers = 0             // under `mutex`

    typealias Body = (Int) -> Void

    init(helpers: Int) {
        helperCount = helpers
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(wakeUp, nil)
    }

    /// Runs `body(i)` for i in 0..<count on the caller and the helpers and waits; false
    /// (nothing run) when another job is running or `count` is out of range.
    func run(_ count: Int, _ work: Body) -> Bool {
        guard helperCount > 0, count > 1, count < Self.maximumCount,
              busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            return false
        }
        defer { busy.store(false, ordering: .releasing) }
        startHelpersOnce()
        withoutActuallyEscaping(work) { work in
            var job: Body = work
            withUnsafePointer(to: &job) { pointer in
                body.store(UnsafeRawPointer(pointer), ordering: .releasing)
                finished.store(0, ordering: .relaxed)
                generation = (generation + 1) & 0xFFFF
                word.store(generation << 48 | UInt64(count) << 24, ordering: .releasing)
                pthread_mutex_lock(mutex)
                if sleepers > 0 { pthread_cond_broadcast(wakeUp) }
                pthread_mutex_unlock(mutex)
                claimItems(of: generation)
                var spins = 0
                while finished.load(ordering: .acquiring) < count {
                    spins += 1
                    if spins < 1_000_000 { Self.pause() } else { sched_yield() }
                }
                body.store(nil, ordering: .releasing)
            }
        }
        return true
    }

    /// Claims and runs items of job `generation` until none is left (or another job runs).
    private func claimItems(of generation: UInt64) {
        while true {
            let current = word.load(ordering: .acquiring)
            let index = current & 0xFFFFFF, count = current >> 24 & 0xFFFFFF
            guard current >> 48 == generation, index < count else { return }
            guard word.compareExchange(expected: current, desired: current + 1,
                                       ordering: .acquiringAndReleasing).exchanged else { continue }
            // The claimed item keeps the job running, so `body` is still this job's.
            let job = body.load(ordering: .acquiring)!.assumingMemoryBound(to: Body.self)
            job.pointee(Int(index))
            finished.wrappingAdd(1, ordering: .releasing)
        }
    }

    private func helperLoop() {
        var seen: UInt64 = 0
        while true {
            var spins = 0
            var current = word.load(ordering: .acquiring) >> 48
            while current == seen {
                spins += 1
                if spins < Self.spinIterations {
                    Self.pause()
                } else {
                    pthread_mutex_lock(mutex)
                    sleepers += 1
                    while word.load(ordering: .acquiring) >> 48 == seen { pthread_cond_wait(wakeUp, mutex) }
                    sleepers -= 1
                    pthread_mutex_unlock(mutex)
                    spins = 0
                }
                current = word.load(ordering: .acquiring) >> 48
            }
            seen = current
            claimItems(of: current)
        }
    }

    private func startHelpersOnce() {
        guard started.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else {
            return
        }
        for _ in 0..<helperCount {
            let context = Unmanaged.passRetained(self).toOpaque()
            var thread = pthread_t()
            let created = pthread_create(&thread, nil, { context in
                let pool = Unmanaged<WorkerPool>.fromOpaque(context!).takeRetainedValue()
                pool.helperLoop()
                return nil
            }, context)
            precondition(created == 0, "could not start a helper thread (error \(created))")
            pthread_detach(thread)
        }
    }

    /// A spin-wait step. (The x86 pause instruction is not reachable from Swift here; a
    /// relaxed load loop is what remains, and the helpers spin only briefly.)
    @inline(__always)
    static func pause() {}
}
