import Foundation
import RunStore

/// Where a run's worker lives: the seam between the commands that steer runs (CLI,
/// dashboard, studies) and the machinery that runs workers (a detached local process, a
/// cluster job). Everything that starts, signals or judges a worker goes through here.
///
/// To add an executor: one file with a type conforming to this protocol, and its name in
/// `Executors.all` (docs/architecture.md, "Add an executor").
public protocol Executor: Sendable {
    /// The name users choose it by (`--executor NAME`) and status.json records
    /// (`WorkerHandle.executor`).
    static var name: String { get }

    /// Whether its workers wait for a slot of the runs directory's local queue (`simlab
    /// queue --slots`); a cluster executor leaves scheduling to the cluster.
    static var usesLocalSlots: Bool { get }

    /// `runsDirectory` is the root of the runs; `executable` the simlab binary its workers run.
    init(runsDirectory: URL, executable: String)

    /// Refuses, with a message saying what to fix, a choice this executor cannot run
    /// (unknown options, a missing scheduler) — before the run is created.
    func validate(_ choice: ExecutorChoice) throws

    /// Starts a worker for `run` (`resume`: continue from its checkpoint). Returns the
    /// worker's handle when it is known at once (a job id), nil when the worker records
    /// itself when it starts (a local process).
    func start(_ run: RunDirectory, choice: ExecutorChoice, resume: Bool) throws -> WorkerHandle?

    /// Delivers a control signal to the worker; false when it no longer exists.
    func deliver(_ signal: ControlSignal, to handle: WorkerHandle) throws -> Bool

    /// Ends the worker at once (it did not obey a stop in time; `rm`).
    func terminate(_ handle: WorkerHandle)

    /// Whether the worker a handle names still exists.
    var liveness: any WorkerLiveness { get }

    /// The handle of this process when it runs as one of this executor's workers (nil when
    /// it does not: e.g. no cluster job in the environment).
    static func currentWorkerHandle() -> WorkerHandle?

    /// Starts the workers of several runs at once, all with the same `choice` (a study):
    /// at most `maxParallel` train at the same time where the executor schedules them itself
    /// (a cluster's job array); `name` and `directory` are the group's (the array's job name,
    /// where its list and output files go). Returns each run's handle, in order, as `start`
    /// does. Default: `start` for each run (the local slot queue limits how many train).
    func startAll(_ runs: [RunDirectory], choice: ExecutorChoice, maxParallel: Int?, name: String,
                  directory: URL) throws -> [WorkerHandle?]

    // MARK: the worker side (in the process of `simlab worker`)

    /// How this executor's workers read control signals (`ControlSignalReceiver.Mode`).
    static var signalMode: ControlSignalReceiver.Mode { get }

    /// Called in the worker once it may train, before training starts (e.g. to watch for a
    /// cluster's time limit).
    static func workerWillTrain(_ run: RunDirectory, control: ControlSignalReceiver)

    /// Called in the worker after training ended `stopped` with a checkpoint, for `cause`;
    /// `stepAtStart` is the step status.json recorded before this worker trained. The
    /// executor may turn the stop into something else (a cluster job: paused with the
    /// allocation given back, or continued in a new job).
    static func workerStopped(_ run: RunDirectory, cause: ControlSignalReceiver.StopCause, stepAtStart: Int)
}

extension Executor {
    public func startAll(_ runs: [RunDirectory], choice: ExecutorChoice, maxParallel: Int?, name: String,
                         directory: URL) throws -> [WorkerHandle?] {
        try runs.map { try start($0, choice: choice, resume: false) }
    }

    public static var signalMode: ControlSignalReceiver.Mode { .local }
    public static func workerWillTrain(_ run: RunDirectory, control: ControlSignalReceiver) {}
    public static func workerStopped(_ run: RunDirectory, cause: ControlSignalReceiver.StopCause, stepAtStart: Int) {}
}
