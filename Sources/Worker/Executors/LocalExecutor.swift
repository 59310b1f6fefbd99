import Foundation
import RunStore

/// Workers as detached processes on this machine (`simlab worker RUN_DIR`), steered by
/// POSIX signals and queued for the runs directory's slots (`SlotQueue`).
public struct LocalExecutor: Executor {
    public static let name = WorkerHandle.localExecutor
    public static let usesLocalSlots = true

    public let runsDirectory: URL
    public let executable: String

    public init(runsDirectory: URL, executable: String) {
        self.runsDirectory = runsDirectory
        self.executable = executable
    }

    public func validate(_ choice: ExecutorChoice) throws {
        guard choice.options.isEmpty, choice.passThrough.isEmpty else {
            let given = (choice.options.keys.sorted().map { "--\($0)" } + choice.passThrough).joined(separator: ", ")
            throw RunLauncher.ControlError("\(given): only for a cluster executor (e.g. --executor slurm)")
        }
    }

    /// Spawns the worker detached; it records its own pid and start time when it claims the run.
    public func start(_ run: RunDirectory, choice: ExecutorChoice, resume: Bool) throws -> WorkerHandle? {
        _ = try DetachedProcess.spawn(executable: executable,
                                      arguments: ["worker", run.url.path] + (resume ? ["--resume"] : []),
                                      logPath: run.workerLogURL.path)
        return nil
    }

    public func deliver(_ signal: ControlSignal, to handle: WorkerHandle) throws -> Bool {
        guard let pid = handle.localPid else { return false }
        return signal.send(to: pid)
    }

    public func terminate(_ handle: WorkerHandle) {
        if let pid = handle.localPid, ProcessLiveness.isAlive(pid: pid) { kill(pid, SIGKILL) }
    }

    public var liveness: any WorkerLiveness { LocalProcessLiveness() }

    /// A worker process not started by another executor is a local one.
    public static func currentWorkerHandle() -> WorkerHandle? { .localProcess(getpid()) }
}
