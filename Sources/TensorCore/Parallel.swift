import Dispatch

/// How many threads the numeric kernels use. Set once at start-up (`--threads`);
/// results depend on it only through the order of floating-point sums.
public enum Parallel {
    nonisolated(unsafe) public static var threadCount: Int = max(1, min(2, activeProcessorCount()))

    /// Runs `body(i)` for i in 0..<count on up to `threadCount` threads and waits.
    /// Work items should be coarse (a block of rows, a slice of the batch).
    public static func forEach(_ count: Int, threads: Int? = nil, _ body: (Int) -> Void) {
        let threads = min(threads ?? threadCount, count)
        if threads <= 1 {
            for i in 0..<count { body(i) }
            return
        }
        // The persistent helpers when they are exactly the threads asked for and idle;
        // otherwise (nested calls, other thread counts) dispatch's workers.
        let pool = WorkerPool.shared
        if threads == pool.helperCount + 1, pool.run(count, body) { return }
        withoutActuallyEscaping(body) { body in
            DispatchQueue.concurrentPerform(iterations: count) { body($0) }
        }
    }

    /// Splits 0..<count into `parts` contiguous ranges of nearly equal size.
    public static func ranges(_ count: Int, parts: Int) -> [Range<Int>] {
        let parts = max(1, min(parts, count))
        return (0..<parts).map { p in (count * p / parts)..<(count * (p + 1) / parts) }
    }

    public static func activeProcessorCount() -> Int {
        #if canImport(Glibc)
        return Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        #else
        return ProcessInfo.processInfo.activeProcessorCount
        #endif
    }
}

#if canImport(Glibc)
import Glibc
#else
import Foundation
#endif
