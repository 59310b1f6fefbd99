import Foundation

/// The local executor's liveness: the worker is the process `pid` as long as that process
/// exists and its start time (/proc/PID/stat field 22) is the one recorded in
/// `pidStartTime`, so a later process given the same pid is never taken for the worker.
public struct LocalProcessLiveness: WorkerLiveness {
    private let isAlive: @Sendable (Int32) -> Bool
    private let startTime: @Sendable (Int32) -> UInt64?

    /// `isAlive` and `startTime` default to the real process table (tests pass their own).
    public init(isAlive: @escaping @Sendable (Int32) -> Bool = { ProcessLiveness.isAlive(pid: $0) },
                startTime: @escaping @Sendable (Int32) -> UInt64? = { ProcessLiveness.startTime(pid: $0) }) {
        self.isAlive = isAlive
        self.startTime = startTime
    }

    public func check(_ handle: WorkerHandle, in status: RunStatus) -> WorkerCheck {
        guard let pid = handle.localPid else { return .gone(reason: "worker \(handle) is not a process id") }
        // A handle from another host cannot be checked here: its heartbeat decides.
        if let host = handle.host, host != WorkerHandle.currentHost { return .unknown }
        guard isAlive(pid) else { return .gone(reason: "worker process \(pid) is gone") }
        guard let recorded = status.pidStartTime, let actual = startTime(pid) else { return .unknown }
        return actual == recorded ? .alive : .gone(reason: "worker process \(pid) is gone")
    }
}
