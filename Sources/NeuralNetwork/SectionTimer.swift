#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Optional wall-clock accounting of named sections inside layers, for
/// `simlab bench train --profile` (e.g. the meta-network inside a dynamic similarity
/// convolution). Off by default: a disabled section costs one load and a branch.
/// Use from one thread (the one that calls `forward` / `backward`).
public enum SectionTimer {
    nonisolated(unsafe) public static var isEnabled = false
    /// Seconds per section label since the last `reset`.
    nonisolated(unsafe) public private(set) static var seconds: [String: Double] = [:]

    public static func reset() { seconds = [:] }

    /// Monotonic seconds.
    public static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }

    @inline(__always)
    static func measure<T>(_ section: String, _ body: () -> T) -> T {
        guard isEnabled else { return body() }
        let start = now()
        defer { seconds[section, default: 0] += now() - start }
        return body()
    }
}
