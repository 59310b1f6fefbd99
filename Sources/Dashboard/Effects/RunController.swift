import RunStore

/// Starts and controls training runs; the dashboard only talks to runs through this.
///
/// The executable implements it with worker processes and signals; tests use a double
/// that writes run folders.
public protocol RunController {
    /// Creates a run and starts it (it waits for a free slot when all are busy); returns its id.
    func launch(_ configuration: TrainingConfiguration, name: String?) throws -> String
    /// Creates a run in the queue without asking for it to start now; returns its id.
    func enqueue(_ configuration: TrainingConfiguration, name: String?) throws -> String
    func pause(runDirectory: String) throws
    /// Resumes a paused run, or restarts a stopped/failed run from its latest checkpoint.
    func resume(runDirectory: String) throws
    /// Asks the worker to write a checkpoint and stop.
    func stop(runDirectory: String) throws
    /// Removes the run folder (stopping its worker first if needed).
    func delete(runDirectory: String) throws
}
