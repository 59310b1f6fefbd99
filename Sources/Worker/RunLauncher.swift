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

    /// Starts the run's worker process (detached); it waits in the queue for a slot. When the
    /// process cannot be started the run is marked failed with the reason (a queued run with
    /// no worker would otherwise hold its place in line until the heartbeat timeout).
    @discardableResult
    public func startWorker(_ run: RunDirectory, resume: Bool = false) throws -> Int32 {
        do {
            return try DetachedProcess.spawn(executable: executable,
                                             arguments: ["worker", run.url.path] + (resume ? ["--resume"] : []),
                                             logPath: run.workerLogURL.path)
        } catch {
            if var status = try? run.readStatus() {
                status.end(as: .failed, error: "could not start a worker: \(error)")
                try? run.writeStatus(status)
            }
            throw error
        }
    }

    /// Creates the run and starts its worker.
    public func launch(_ configuration: TrainingConfiguration, name: String? = nil) throws -> RunDirectory {
        let run = try create(configuration, name: name)
        try startWorker(run)
        return run
    }

    /// The run's worker pid while that process lives (`WorkerPresence`), even if its
    /// heartbeat went silent; nil when the run has no live worker. A pid the system has since
    /// given to another process does not count (its start time differs).
    public func livePid(_ run: RunDirectory) -> Int32? {
        guard let status = try? run.readStatus(), case .alive(let pid) = WorkerPresence.of(status) else { return nil }
        return pid
    }

    /// Pauses a training worker at its next step. A queued run is refused: paused while
    /// waiting, it would hold a slot without training once its turn came.
    public func pause(_ run: RunDirectory) throws {
        let status = try run.readStatus()
        guard case .alive(let pid) = WorkerPresence.of(status) else { throw ControlError("run \(run.id) has no live worker to pause") }
        guard status.state != .queued else {
            throw ControlError("run \(run.id) is queued, not training; `simlab stop` takes it out of the queue")
        }
        ControlSignal.pause.send(to: pid)
    }

    /// Resumes a paused worker, or restarts a stopped, failed or crashed run from its last
    /// checkpoint (it queues for a slot like a new run).
    public func resume(_ run: RunDirectory) throws {
        let signalled = try run.withExclusiveLock { () throws -> Bool in
            let status = try run.readStatus()
            if case .alive(let pid) = WorkerPresence.of(status), status.state == .paused {
                ControlSignal.resume.send(to: pid)
                return true
            }
            try requeue(run, status: status)
            return false
        }
        if !signalled { try startWorker(run, resume: true) }
    }

    /// Puts a run without a worker back at the end of the queue, to be continued from its
    /// last checkpoint (by a new worker, or in the foreground). Refused for a finished run
    /// and for one that has a worker: alive (even silent), or starting.
    public func requeue(_ run: RunDirectory) throws {
        try run.withExclusiveLock { try requeue(run, status: try run.readStatus()) }
    }

    /// `requeue` with the status already read under the lock (one read decides).
    private func requeue(_ run: RunDirectory, status: RunStatus) throws {
        guard status.state != .finished else { throw ControlError("run \(run.id) has finished; nothing to resume") }
        switch WorkerPresence.of(status) {
        case .alive(let pid):
            let silence = Int(Date().timeIntervalSince(status.heartbeat))
            throw ControlError(silence > Int(RunSummary.defaultHeartbeatTimeout)
                ? "run \(run.id)'s worker (pid \(pid)) is still alive but silent for \(silence) s (suspended?); "
                    + "`simlab stop \(run.id)` or end that process first"
                : "run \(run.id) is \(status.state.rawValue), not paused")
        case .starting:
            throw ControlError("run \(run.id) is queued and its worker is starting")
        case .none:
            break
        }
        if let refusal = run.resumeRefusal(run.resumePoint()) { throw ControlError(refusal) }
        var status = status
        status.state = .queued
        status.queuedAt = Date()
        status.releaseWorker()   // the old pid would show the run as lost until the new worker starts
        status.lastError = nil
        status.finishedAt = nil
        status.heartbeat = Date()
        try run.writeStatus(status)
    }

    /// Asks the worker to stop (it writes a checkpoint first). A run without a live worker
    /// is marked stopped directly; a worker still starting then sees it and does not train.
    public func stop(_ run: RunDirectory) throws {
        try run.withExclusiveLock {
            var status = try run.readStatus()
            if case .alive(let pid) = WorkerPresence.of(status) {
                ControlSignal.stop.send(to: pid)
                return
            }
            guard !status.state.isTerminal else { throw ControlError("run \(run.id) is already \(status.state.rawValue)") }
            status.end(as: .stopped)
            try run.writeStatus(status)
        }
    }

    /// Deletes the run directory; a live worker is stopped first (SIGKILL after 5 s).
    public func delete(_ run: RunDirectory) throws {
        // Under the lock: stop a live worker, or mark a run whose worker is starting stopped
        // so that worker does not claim it while the directory goes.
        let worker = try run.withExclusiveLock { () throws -> Int32? in
            guard var status = try? run.readStatus() else { return nil }
            switch WorkerPresence.of(status) {
            case .alive(let pid):
                ControlSignal.stop.send(to: pid)
                return pid
            case .starting:
                status.end(as: .stopped)
                try? run.writeStatus(status)
                return nil
            case .none:
                return nil
            }
        }
        if let pid = worker {
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
