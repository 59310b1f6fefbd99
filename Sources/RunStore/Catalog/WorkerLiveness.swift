import Foundation

/// Whether the worker a status records still exists, as its executor tells it: the local
/// executor by process id and start time, Slurm by the job's state. Readers of run
/// directories (`RunSummary`, `WorkerPresence`, the queue) decide through it and never look
/// at a pid themselves, so a run trained on another host is judged by its executor.
public protocol WorkerLiveness: Sendable {
    func check(_ handle: WorkerHandle, in status: RunStatus) -> WorkerCheck
}

/// What an executor knows of one worker.
public enum WorkerCheck: Equatable, Sendable {
    /// It runs (and keeps the heartbeat).
    case alive
    /// It exists but has not started the worker yet (a job pending in a cluster's queue):
    /// no heartbeat is expected.
    case waiting
    /// It is gone; `reason` says why when the executor knows (shown as the run's failure).
    case gone(reason: String)
    /// The executor cannot tell (no start time recorded, the cluster did not answer): the
    /// heartbeat decides.
    case unknown
}

/// Liveness that picks each handle's executor from a table, for the commands and the
/// dashboard that list runs of every executor. Handles of an executor it does not know are
/// `.unknown`: their heartbeat decides.
public struct LivenessByExecutor: WorkerLiveness {
    public let executors: [String: any WorkerLiveness]

    public init(_ executors: [String: any WorkerLiveness]) { self.executors = executors }

    public func check(_ handle: WorkerHandle, in status: RunStatus) -> WorkerCheck {
        executors[handle.executor]?.check(handle, in: status) ?? .unknown
    }

    /// Only the local executor: what RunStore alone can check.
    public static let localOnly = LivenessByExecutor([WorkerHandle.localExecutor: LocalProcessLiveness()])
}
