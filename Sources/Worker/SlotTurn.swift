import Foundation
import RunStore

/// A run's wait for a training slot, shared by background workers and foreground training.
public enum SlotTurn {
    /// The slot is held until the lease is released or the process exits; no lease for a
    /// worker whose executor schedules it itself (a cluster job: `Executor.usesLocalSlots`).
    case granted(SlotQueue.Lease?)
    /// A stop was requested while queued; the run is recorded as stopped.
    case stoppedWhileQueued
    /// The slot directory could not be used; the run is recorded as failed with `reason`.
    case failed(reason: String)
    /// The run was stopped before this process started, or another live worker has it:
    /// nothing was written, and this process must not train.
    case notClaimed

    /// Marks `run` queued by this process and waits until it is first in line
    /// (`QueuePosition`) and a slot is free, refreshing the heartbeat every 2 s so that
    /// readers do not take the waiting run for dead. `whileWaiting` is called on each poll
    /// while the slots are full or runs are ahead.
    public static func wait(for run: RunDirectory, control: ControlSignalReceiver,
                            pollInterval: Double = 0.3,
                            whileWaiting: (SlotQueue) -> Void = { _ in }) -> SlotTurn {
        let catalog = RunCatalog(root: run.url.deletingLastPathComponent(),
                                 liveness: Executors.liveness(runsDirectory: run.url.deletingLastPathComponent()))
        let queue = SlotQueue(runsDirectory: catalog.root.path)
        // Claim the run under its lock: a stop that came before this worker started, or
        // another live worker, means this one must not train.
        var status: RunStatus
        do {
            let claimed = try run.withExclusiveLock { () throws -> RunStatus? in
                var status = try run.readStatus()
                if status.state.isTerminal { return nil }
                let me = Executors.currentWorker.handle
                if case .alive(let other) = WorkerPresence.of(status, liveness: catalog.liveness), !other.isSameWorker(as: me) { return nil }
                status.state = .queued
                status.claim(me)
                status.queuedAt = status.queuedAt ?? Date()
                status.heartbeat = Date()
                try run.writeStatus(status)
                return status
            }
            guard let claimed else { return .notClaimed }
            status = claimed
        } catch {
            // Best effort, so the run does not sit "starting" until the heartbeat timeout.
            let reason = "cannot claim the run: \(error)"
            if var status = try? run.readStatus(), status.state == .queued, status.worker == nil {
                status.end(as: .failed, error: reason)
                try? run.writeStatus(status)
            }
            return .failed(reason: reason)
        }
        guard Executors.currentWorker.executor.usesLocalSlots else { return .granted(nil) }
        let position = QueuePosition(id: run.id, status: status)

        var lastHeartbeat = Date()
        let lease: SlotQueue.Lease?
        do {
            lease = try queue.waitForSlot(
                pollInterval: pollInterval,
                isNextInLine: { !QueuePosition.hasRunAhead(of: position, in: catalog) },
                shouldGiveUp: { control.isStopRequested },
                whileWaiting: {
                    if Date().timeIntervalSince(lastHeartbeat) >= 2 {
                        lastHeartbeat = Date()
                        status.heartbeat = lastHeartbeat
                        try? run.writeStatus(status)
                    }
                    whileWaiting(queue)
                })
        } catch {
            let reason = "cannot take a training slot: \(error)"
            status.end(as: .failed, error: reason)
            status.heartbeat = Date()
            try? run.writeStatus(status)
            return .failed(reason: reason)
        }
        guard let lease else {
            status.end(as: .stopped)
            status.heartbeat = Date()
            try? run.writeStatus(status)
            return .stoppedWhileQueued
        }
        return .granted(lease)
    }
}
