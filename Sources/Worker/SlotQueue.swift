#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Limits how many workers train at once, with no scheduler process.
///
/// A slot is an exclusive `flock` on `<runs>/.slots/slot-<i>.lock`, held for the worker's
/// whole life. The kernel releases it when the process exits for any reason (SIGKILL
/// included), so a dead worker never keeps its slot. Waiting workers poll; the caller
/// passes `isNextInLine` so that runs start in the order they were queued.
public struct SlotQueue {
    public let directory: String

    public init(runsDirectory: String) {
        directory = (runsDirectory as NSString).appendingPathComponent(".slots")
    }

    /// The configured number of slots: `<runs>/.slots/count` (default 1, one training
    /// worker on a 2-core machine).
    public var slotCount: Int {
        let path = (directory as NSString).appendingPathComponent("count")
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
              let count = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), count >= 1 else { return 1 }
        return count
    }

    public func setSlotCount(_ count: Int) throws {
        precondition(count >= 1, "slot count must be at least 1, got \(count)")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = (directory as NSString).appendingPathComponent("count")
        try "\(count)\n".write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// A held slot; released by `release()` or when the process exits.
    public final class Lease {
        public let slot: Int
        private var descriptor: Int32
        init(slot: Int, descriptor: Int32) { self.slot = slot; self.descriptor = descriptor }
        public func release() {
            guard descriptor >= 0 else { return }
            flock(descriptor, LOCK_UN)
            close(descriptor)
            descriptor = -1
        }
        deinit { release() }
    }

    /// Takes a free slot now, or returns nil when all are held.
    public func tryAcquire() throws -> Lease? {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for slot in 0..<slotCount {
            let path = (directory as NSString).appendingPathComponent("slot-\(slot).lock")
            let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else {
                throw DetachedProcess.LaunchError(description: "cannot open \(path): \(String(cString: strerror(errno)))")
            }
            if flock(descriptor, LOCK_EX | LOCK_NB) == 0 { return Lease(slot: slot, descriptor: descriptor) }
            close(descriptor)
        }
        return nil
    }

    /// Number of slots currently held by live processes.
    public func busySlots() -> Int {
        var busy = 0
        for slot in 0..<slotCount {
            let path = (directory as NSString).appendingPathComponent("slot-\(slot).lock")
            let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else { continue }
            if flock(descriptor, LOCK_EX | LOCK_NB) == 0 { flock(descriptor, LOCK_UN) } else { busy += 1 }
            close(descriptor)
        }
        return busy
    }

    /// Waits until this worker is next in line and a slot is free.
    /// Returns nil if `shouldGiveUp` becomes true first (e.g. the run was stopped while queued).
    public func waitForSlot(pollInterval: Double = 0.25,
                            isNextInLine: () -> Bool,
                            shouldGiveUp: () -> Bool,
                            whileWaiting: () -> Void = {}) throws -> Lease? {
        while true {
            if shouldGiveUp() { return nil }
            if isNextInLine(), let lease = try tryAcquire() { return lease }
            whileWaiting()
            usleep(useconds_t(pollInterval * 1_000_000))
        }
    }
}
