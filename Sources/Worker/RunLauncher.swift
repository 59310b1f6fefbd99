import Foundation
import RunStore
import Training

/// Creates runs and steers their workers: what `simlab train --detach`, the control
/// subcommands, studies and the dashboard all call. Where a worker lives is its executor's
/// business (`Executor`): the launcher decides under the run's lock *whether* to start,
/// signal or end a worker, and the run's executor does it.
public struct RunLauncher: Sendable {
    public let runsDirectory: URL
    /// The simlab binary that workers run (`simlab worker RUN_DIR`).
    public let executable: String

    /// Liveness of every executor's workers, for judging what a status records (built once:
    /// control commands consult it on every poll while they wait for a transition).
    public let liveness: LivenessByExecutor

    public init(runsDirectory: URL, executable: String = DetachedProcess.currentExecutable) {
        self.runsDirectory = runsDirectory.standardizedFileURL
        self.executable = executable
        liveness = Executors.liveness(runsDirectory: self.runsDirectory, executable: executable)
    }

    public struct ControlError: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }


    /// The runs directory with every executor's liveness.
    public var catalog: RunCatalog { RunCatalog(root: runsDirectory, liveness: liveness) }

    /// The executor registered as `name`.
    public func executor(named name: String) throws -> any Executor {
        try Executors.named(name).init(runsDirectory: runsDirectory, executable: executable)
    }

    /// Checks the settings, the executor choice and that the dataset's files are present,
    /// then writes the run directory (config.json with the resolved data directory and the
    /// executor, status `queued`).
    public func create(_ configuration: TrainingConfiguration, name: String? = nil,
                       executor choice: ExecutorChoice = .local) throws -> RunDirectory {
        let problems = configuration.problems() + [name.flatMap(RunConfig.problem(withName:))].compactMap { $0 }
        guard problems.isEmpty else { throw ControlError(problems.joined(separator: "\n")) }
        try executor(named: choice.name).validate(choice)
        var configuration = configuration
        let location = DatasetLocation.resolve(explicit: configuration.dataDirectory)
        let dataset = try location.checkHeaders(label: configuration.label)   // a bad dataset leaves no failed run behind
        if let outside = configuration.classes?.first(where: { $0 >= dataset.classNames.count }) {
            throw ControlError("--classes names class \(outside), but the dataset in \(location.directory) has classes "
                               + "0...\(dataset.classNames.count - 1)")
        }
        configuration.dataDirectory = URL(fileURLWithPath: location.directory).standardizedFileURL.path
        if TrainingConfiguration.similarityModels.contains(configuration.model) {
            // The model's default widths, recorded as numbers: config.json alone rebuilds the model.
            configuration.stemWidth = configuration.resolvedStemWidth
            configuration.widths = configuration.resolvedWidths
        }
        _ = try OptimizerFactory.schedule(configuration, stepsPerEpoch: 1)
        _ = try FrozenFeatures.source(configuration, runsDirectory: runsDirectory)
        var config = configuration.runConfig(name: name, dataDirectory: configuration.dataDirectory ?? "",
                                             codeVersion: CodeVersion.current)
        config.executor = choice
        config.dataset = dataset
        var status = RunStatus(state: .queued)
        status.queuedAt = Date()
        return try RunCatalog(root: runsDirectory).createRun(config: config, status: status)
    }

    /// Starts the run's worker through the run's executor; a local worker waits in the
    /// queue for a slot. A handle the executor knows at once (a job id) is recorded in
    /// status.json. When the worker cannot be started the run is marked failed with the
    /// reason (a queued run with no worker would otherwise hold its place in line until the
    /// heartbeat timeout).
    public func startWorker(_ run: RunDirectory, resume: Bool = false) throws {
        do {
            let choice = (try? run.readConfig())?.executor ?? .local
            if let handle = try executor(named: choice.name).start(run, choice: choice, resume: resume) {
                try run.withExclusiveLock {
                    var status = try run.readStatus()
                    guard !status.state.isTerminal, status.worker == nil else { return }
                    status.claim(handle)
                    status.heartbeat = Date()
                    try run.writeStatus(status)
                }
            }
        } catch {
            if var status = try? run.readStatus() {
                status.end(as: .failed, error: "could not start a worker: \(error)")
                try? run.writeStatus(status)
            }
            throw error
        }
    }

    /// Starts the workers of several runs created with the same executor choice (a study)
    /// at once: on Slurm one job array (`--array=0-N%P`, P = `maxParallel`), its list and
    /// script files in `directory` under `name`; locally one worker each (the slot queue
    /// decides how many train). Records each handle the executor knows at once. When the
    /// submission fails, every run is marked failed with the reason.
    public func startWorkers(_ runs: [RunDirectory], maxParallel: Int? = nil, name: String,
                             directory: URL) throws {
        guard let first = runs.first else { return }
        do {
            let choice = (try? first.readConfig())?.executor ?? .local
            for run in runs.dropFirst() where ((try? run.readConfig())?.executor ?? .local) != choice {
                throw ControlError("run \(run.id) has another executor choice than run \(first.id); "
                                   + "the runs started together need the same one")
            }
            let handles = try executor(named: choice.name).startAll(runs, choice: choice, maxParallel: maxParallel,
                                                                    name: name, directory: directory)
            for (run, handle) in zip(runs, handles) {
                guard let handle else { continue }
                try run.withExclusiveLock {
                    var status = try run.readStatus()
                    guard !status.state.isTerminal, status.worker == nil else { return }
                    status.claim(handle)
                    status.heartbeat = Date()
                    try run.writeStatus(status)
                }
            }
        } catch {
            for run in runs {
                if var status = try? run.readStatus(), status.worker == nil, !status.state.isTerminal {
                    status.end(as: .failed, error: "could not start a worker: \(error)")
                    try? run.writeStatus(status)
                }
            }
            throw error
        }
    }

    /// Creates the run and starts its worker.
    public func launch(_ configuration: TrainingConfiguration, name: String? = nil,
                       executor choice: ExecutorChoice = .local) throws -> RunDirectory {
        let run = try create(configuration, name: name, executor: choice)
        try startWorker(run)
        return run
    }

    /// Who works on the run, judged by the worker's executor.
    public func presence(_ status: RunStatus) -> WorkerPresence {
        WorkerPresence.of(status, liveness: liveness)
    }

    /// The run's worker while it exists (`WorkerPresence`), even if its heartbeat went
    /// silent; nil when the run has no live worker. A pid the system has since given to
    /// another process does not count (its start time differs).
    public func liveWorker(_ run: RunDirectory) -> WorkerHandle? {
        guard let status = try? run.readStatus(), case .alive(let handle) = presence(status) else { return nil }
        return handle
    }

    /// Sends `signal` to the worker through its executor.
    @discardableResult
    private func deliver(_ signal: ControlSignal, to handle: WorkerHandle) throws -> Bool {
        try executor(named: handle.executor).deliver(signal, to: handle)
    }

    /// Polls the run's status (every 50 ms, at most `timeout` seconds) until `settled` holds
    /// for it and its worker's presence; false on timeout. Control commands wait this way for
    /// the transition they started, so the next command sees it: `pause` then `resume` back to
    /// back resumes, `stop` then `resume` continues from the stop's checkpoint.
    public func wait(for run: RunDirectory, timeout: TimeInterval,
                     until settled: (RunStatus, WorkerPresence) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        repeat {
            guard let status = try? run.readStatus() else { return true }   // deleted meanwhile
            if settled(status, presence(status)) { return true }
            usleep(50_000)
        } while Date() < deadline
        return false
    }

    /// Pauses a training worker at its next step (a cluster job instead checkpoints and gives
    /// its allocation back: the run is then paused without a worker, and `resume` starts a
    /// new one). A queued run is refused: paused while waiting, it would hold a slot without
    /// training once its turn came.
    public func pause(_ run: RunDirectory) throws {
        let status = try run.readStatus()
        guard case .alive(let handle) = presence(status) else { throw ControlError("run \(run.id) has no live worker to pause") }
        guard status.state != .queued else {
            throw ControlError("run \(run.id) is queued, not training; `simlab stop` takes it out of the queue")
        }
        try deliver(.pause, to: handle)
    }

    /// Resumes a paused worker, or restarts a paused-without-worker, stopped, failed or
    /// crashed run from its last checkpoint (it queues for a slot like a new run, or is
    /// submitted as a new job).
    public func resume(_ run: RunDirectory) throws {
        let signalled = try run.withExclusiveLock { () throws -> Bool in
            let status = try run.readStatus()
            if case .alive(let handle) = presence(status), status.state == .paused {
                try deliver(.resume, to: handle)
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
        switch presence(status) {
        case .alive(let handle):
            let silence = Int(Date().timeIntervalSince(status.heartbeat))
            let worker = handle.localPid.map { "pid \($0)" } ?? "\(handle)"
            throw ControlError(silence > Int(RunSummary.defaultHeartbeatTimeout)
                ? "run \(run.id)'s worker (\(worker)) is still alive but silent for \(silence) s (suspended?); "
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
        status.releaseWorker()   // the old worker would show the run as lost until the new one starts
        status.lastError = nil
        status.finishedAt = nil
        status.heartbeat = Date()
        try run.writeStatus(status)
    }

    /// Asks the worker to stop (it writes a checkpoint first). A run without a live worker
    /// (or whose worker never got the signal: a cluster job still pending is cancelled) is
    /// marked stopped directly; a worker still starting then sees it and does not train.
    public func stop(_ run: RunDirectory) throws {
        try run.withExclusiveLock {
            var status = try run.readStatus()
            if case .alive(let handle) = presence(status), try deliver(.stop, to: handle) {
                return
            }
            guard !status.state.isTerminal else { throw ControlError("run \(run.id) is already \(status.state.rawValue)") }
            status.end(as: .stopped)
            try run.writeStatus(status)
        }
    }

    /// Deletes the run directory; a live worker is stopped first (ended after 5 s).
    public func delete(_ run: RunDirectory) throws {
        // Under the lock: stop a live worker, or mark a run whose worker is starting stopped
        // so that worker does not claim it while the directory goes.
        let worker = try run.withExclusiveLock { () throws -> WorkerHandle? in
            guard var status = try? run.readStatus() else { return nil }
            switch presence(status) {
            case .alive(let handle):
                try deliver(.stop, to: handle)
                return handle
            case .starting:
                status.end(as: .stopped)
                try? run.writeStatus(status)
                return nil
            case .none:
                return nil
            }
        }
        if let handle = worker {
            // A local process is waited for until it has exited (it may still be writing);
            // another executor's worker until its executor says it is gone.
            func alive() -> Bool {
                if let pid = handle.localPid { return ProcessLiveness.isAlive(pid: pid) }
                guard let status = try? run.readStatus() else { return false }
                if case .alive(let current) = presence(status), current == handle { return true }
                return false
            }
            var waited = 0
            while alive() && waited < 50 { usleep(100_000); waited += 1 }
            if alive() { try executor(named: handle.executor).terminate(handle) }
        }
        try FileManager.default.removeItem(at: run.url)
    }
}

/// The version string written into every run's config.json.
public enum CodeVersion {
    public static let current = "simlab 0.1.0"
}
