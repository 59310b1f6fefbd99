import RunStore

/// What a `TrainingSession` needs from whoever runs it: a worker process, foreground
/// `simlab train`, or a test. The session knows nothing of processes, pids or signals; it
/// polls the control flags between steps and between evaluation batches, and reports.
public protocol TrainingSessionHost: AnyObject {
    /// A stop was asked for: the session checkpoints (or, in the final evaluation, leaves
    /// it to run again on resume) and returns `.stopped`.
    var isStopRequested: Bool { get }
    /// A pause was asked for: the session waits (calling `heartbeat`) until it is lifted.
    var isPaused: Bool { get }
    /// A human-readable line for the run's log.
    func log(_ message: String)
    /// The session's state changed (`running`, `paused`, `stopping`): record it now.
    func stateChanged(_ state: RunState)
    /// Where training is: after every step, and once before the first.
    func progressed(_ progress: TrainingSession.Progress)
    /// Still alive (during evaluations, votes and pauses); the host may throttle it.
    func heartbeat()
}

extension TrainingSession {
    /// Where a session is, as a status line or a progress bar shows it.
    public struct Progress: Equatable, Sendable {
        /// The epoch being trained, from 1.
        public var epoch: Int
        public var epochs: Int
        /// Optimisation steps done since the start of the run, and in all.
        public var step: Int
        public var totalSteps: Int
        /// How much of the current epoch is done, 0...1.
        public var epochFraction: Double
        /// Training loss and accuracy of the current epoch so far.
        public var loss: Double
        public var accuracy: Double
        /// 0 and nil until the first step has been timed.
        public var imagesPerSecond: Double
        public var etaSeconds: Double?
    }

    /// How a session ended without an error (errors are thrown; the host records them).
    public enum Outcome: Equatable, Sendable {
        case finished
        /// A stop was requested: checkpointed at the step reached, or in the final evaluation.
        case stopped
    }
}

/// The training loss stopped being a finite number (or the weights did): the run cannot go
/// on, and the checkpoints written before it are kept.
public struct TrainingDiverged: Error, CustomStringConvertible {
    public let epoch: Int
    public let step: Int
    public let detail: String
    public var description: String { "diverged at epoch \(epoch), step \(step): \(detail)" }
}

/// A resume that would discard recorded epochs (`RunDirectory.resumeRefusal`).
public struct ResumeRefused: Error, CustomStringConvertible {
    public let description: String
}
