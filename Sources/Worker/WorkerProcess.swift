import Foundation
import RunStore

/// The body of `simlab worker RUN_DIR`: wait in the queue for a slot, then train.
public enum WorkerProcess {
    /// Returns the process exit code (1 when the run failed).
    public static func run(runDirectory: URL, resume: Bool) -> Int32 {
        let run = RunDirectory(url: runDirectory)
        let control = ControlSignalReceiver()
        let runsDirectory = run.url.deletingLastPathComponent()
        let queue = SlotQueue(runsDirectory: runsDirectory.path)
        var status = (try? run.readStatus()) ?? RunStatus(state: .queued)
        status.state = .queued
        status.pid = getpid()
        status.queuedAt = status.queuedAt ?? Date()
        status.heartbeat = Date()
        try? run.writeStatus(status)
        let myTurn = QueuePosition(id: run.id, queuedAt: status.queuedAt!)

        var lastHeartbeat = Date()
        let lease: SlotQueue.Lease?
        do {
            lease = try queue.waitForSlot(
                pollInterval: 0.3,
                isNextInLine: { !hasEarlierWaitingRun(than: myTurn, in: runsDirectory) },
                shouldGiveUp: { control.isStopRequested },
                whileWaiting: {
                    guard Date().timeIntervalSince(lastHeartbeat) >= 2 else { return }
                    lastHeartbeat = Date()
                    status.heartbeat = lastHeartbeat
                    try? run.writeStatus(status)
                })
        } catch {
            status.state = .failed
            status.lastError = "cannot take a training slot: \(error)"
            try? run.writeStatus(status)
            return 1
        }
        guard let lease else {
            status.state = .stopped
            status.finishedAt = Date()
            status.heartbeat = Date()
            try? run.writeStatus(status)
            print("\(ISOTime.format(Date())) stopped while queued")
            return 0
        }
        defer { lease.release() }
        let state = RunExecutor(run: run, control: control).execute(resume: resume)
        return state == .failed ? 1 : 0
    }

    /// Whether `run` is first in line among the live queued runs of its runs directory.
    public static func isNextInLine(_ run: RunDirectory, queuedAt: Date) -> Bool {
        !hasEarlierWaitingRun(than: QueuePosition(id: run.id, queuedAt: queuedAt),
                              in: run.url.deletingLastPathComponent())
    }

    /// Whether another live worker has been waiting longer (FIFO among queued runs).
    static func hasEarlierWaitingRun(than position: QueuePosition, in runsDirectory: URL) -> Bool {
        for other in RunCatalog(root: runsDirectory).runDirectories() where other.id != position.id {
            guard let status = try? other.readStatus(), status.state == .queued,
                  let pid = status.pid, ProcessLiveness.isAlive(pid: pid) else { continue }
            let theirs = QueuePosition(id: other.id, queuedAt: status.queuedAt ?? status.heartbeat)
            if theirs < position { return true }
        }
        return false
    }
}
