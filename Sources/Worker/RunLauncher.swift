import Foundation
import RunStore
import Training

/// Creates runs and steers their worker processes: what `simlab train --detach`, the
/// control subcommands and the dashboard all call.
public struct RunLauncher: Sendable {
    public let runsDirectory: URL
    /// The simlab binary that workers run (`simlab worker RUN_DIR`).
    public let executable: String

    public init(runsDirectory: URL, executable: String = DetachedProcess.currentExecutable) {
        self.runsDirectory = runsDirectory.standardizedFileURL
        self.executable = executable
    }

    public struct ControlError: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// Checks the settings and that the dataset's files are present, then writes the run
    /// directory (config.json with the resolved data directory, status `queued`).
    public func create(_ configuration: TrainingConfiguration, name: String? = nil) throws -> RunDirectory {
        let problems = configuration.problems() + [name.flatMap(RunConfig.problem(withName:))].compactMap { $0 }
        guard problems.isEmpty else { throw ControlError(problems.joined(separator: "\n")) }
        var configuration = configuration
        let location = DatasetLocation.resolve(explicit: configuration.dataDirectory)
        _ = try location.files()
        configuration.dataDirectory = URL(fileURLWithPath: location.directory).standardizedFileURL.path
        _ = try OptimizerFactory.schedule(configuration, stepsPerEpoch: 1)
        _ = try FrozenFeatures.source(configuration, runsDirectory: runsDirectory)
        let config = configuration.runConfig(name: name, dataDirectory: configuration.dataDirectory ?? "",
                                             codeVersion: CodeVersion.current)
        var status = RunStatus(state: .queued)
        status.queuedAt = Date()
        return try RunCatalog(root: runsDirectory).createRun(config: config, status: status)
    }

    /// Starts the run's worker process (detached); it waits in the queue for a slot.
    @discardableResult
    public func startWorker(_ run: RunDirectory, resume: Bool = false) throws -> Int32 {
        try DetachedProcess.spawn(executable: executable,
                                  arguments: ["worker", run.url.path] + (resume ? ["--resume"] : []),
                                  logPath: run.workerLogURL.path)
    }

    /// Creates the run and starts its worker.
    public func launch(_ configuration: TrainingConfiguration, name: String? = nil) throws -> RunDirectory {
        let run = try create(configuration, name: name)
        try startWorker(run)
        return run
    }

    /// The run's worker pid while that worker lives: the process exists and the heartbeat is
    /// fresh (`RunSummary.condition`). A run shown as failed is never signalled, so a pid the
    /// system has since given to another process is left alone.
    public func livePid(_ run: RunDirectory) -> Int32? {
        guard let status = try? run.readStatus(), let pid = status.pid, !status.state.isTerminal,
              case .recorded = RunSummary.condition(of: status, now: Date(), heartbeatTimeout: RunSummary.defaultHeartbeatTimeout,
                                                    isAlive: ProcessLiveness.isAlive(pid:)) else { return nil }
        return pid
    }

    /// Pauses a training worker at its next step. A queued run is refused: paused while
    /// waiting, it would hold a slot without training once its turn came.
    public func pause(_ run: RunDirectory) throws {
        guard let pid = livePid(run) else { throw ControlError("run \(run.id) has no live worker to pause") }
        if let state = try? run.readStatus().state, state == .queued {
            throw ControlError("run \(run.id) is queued, not training; `simlab stop` takes it out of the queue")
        }
        ControlSignal.pause.send(to: pid)
    }

    /// Resumes a paused worker, or restarts a stopped, failed or crashed run from its last
    /// checkpoint (it queues for a slot like a new run).
    public func resume(_ run: RunDirectory) throws {
        try holdingRunLock(run) {
            let status = try run.readStatus()
            if let pid = livePid(run) {
                guard status.state == .paused else {
                    throw ControlError("run \(run.id) is \(status.state.rawValue), not paused")
                }
                ControlSignal.resume.send(to: pid)
                return
            }
            try requeueHoldingLock(run)
            do {
                try startWorker(run, resume: true)
            } catch {
                var status = (try? run.readStatus()) ?? status
                status.state = .failed
                status.lastError = "could not start a worker: \(error)"
                status.finishedAt = Date()
                try? run.writeStatus(status)
                throw error
            }
        }
    }

    /// Puts a run without a live worker back at the end of the queue, to be continued from
    /// its last checkpoint (by a new worker, or in the foreground). A finished run is refused.
    public func requeue(_ run: RunDirectory) throws {
        try holdingRunLock(run) { try requeueHoldingLock(run) }
    }

    private func requeueHoldingLock(_ run: RunDirectory) throws {
        var status = try run.readStatus()
        guard status.state != .finished else { throw ControlError("run \(run.id) has finished; nothing to resume") }
        if status.state == .queued, status.pid == nil,
           Date().timeIntervalSince(status.heartbeat) <= RunSummary.defaultHeartbeatTimeout {
            // Launched or resumed moments ago: a second worker would train the same run.
            throw ControlError("run \(run.id) is queued and its worker is starting")
        }
        status.state = .queued
        status.queuedAt = Date()
        status.pid = nil   // the dead worker's pid would show the run as lost until the new one starts
        status.lastError = nil
        status.finishedAt = nil
        status.heartbeat = Date()
        try run.writeStatus(status)
    }

    /// Runs `body` holding an exclusive `flock` on the run directory, so that two commands
    /// resuming one run at the same moment cannot both see it stopped and start a worker.
    private func holdingRunLock(_ run: RunDirectory, _ body: () throws -> Void) throws {
        let descriptor = open(run.url.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ControlError("cannot open \(run.url.path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        guard flock(descriptor, LOCK_EX) == 0 else {
            throw ControlError("cannot lock \(run.url.path): \(String(cString: strerror(errno)))")
        }
        try body()
    }

    /// Asks the worker to stop (it writes a checkpoint first). A run without a live worker
    /// is marked stopped directly.
    public func stop(_ run: RunDirectory) throws {
        if let pid = livePid(run) {
            ControlSignal.stop.send(to: pid)
            return
        }
        var status = try run.readStatus()
        guard !status.state.isTerminal else { throw ControlError("run \(run.id) is already \(status.state.rawValue)") }
        status.state = .stopped
        status.finishedAt = Date()
        try run.writeStatus(status)
    }

    /// Deletes the run directory; a live worker is stopped first (SIGKILL after 5 s).
    public func delete(_ run: RunDirectory) throws {
        if let pid = livePid(run) {
            ControlSignal.stop.send(to: pid)
            var waited = 0
            while ProcessLiveness.isAlive(pid: pid) && waited < 50 { usleep(100_000); waited += 1 }
            if ProcessLiveness.isAlive(pid: pid) { kill(pid, SIGKILL) }
        }
        try FileManager.default.removeItem(at: run.url)
    }
}

/// The version string written into every run's config.json.
public enum CodeVersion {
    public static let current = "simlab 0.1.0"
}
