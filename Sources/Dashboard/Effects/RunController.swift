import RunStore

/// Starts and controls training runs; the dashboard only talks to runs through this.
///
/// The executable implements it with worker processes and signals; tests use a double
/// that writes run folders.
public protocol RunController {
    /// Creates a run and starts its worker; the worker trains at once when a slot is free,
    /// else it waits in the queue (first in, first out). Returns the run's id.
    ///
    /// There is no separate "add to queue": every launched run takes the same path, and
    /// the slot count alone decides whether it waits.
    /// `executor`: where the worker runs (config.json's executor choice).
    func launch(_ configuration: TrainingConfiguration, name: String?, executor: ExecutorChoice) throws -> String
    func pause(runDirectory: String) throws
    /// Resumes a paused run, or restarts a stopped/failed run from its latest checkpoint.
    func resume(runDirectory: String) throws
    /// Asks the worker to write a checkpoint and stop.
    func stop(runDirectory: String) throws
    /// Removes the run folder (stopping its worker first if needed).
    func delete(runDirectory: String) throws
    /// Creates or continues a study (the grid checked first) and queues its runs; returns
    /// the run ids it created or resumed.
    func launchStudy(_ study: StudyRecord) throws -> [String]
}
