import Foundation
import RunStore

/// Workers as Slurm batch jobs (`--executor slurm`), submitted and steered as any cluster
/// user can: `sbatch`, `squeue`, `scontrol show job`, `scancel`. The runs directory and the
/// simlab binary must be on paths the compute nodes see (docs/slurm.md).
///
/// - start: writes the run's batch script (`RunDirectory.batchScriptURL`, see
///   `SlurmBatchScript`) and submits it; the job id is the worker's handle. Several runs
///   (a study) go as one job array (`startAll`, `--array=0-N%P`).
/// - stop: `scancel --batch --signal=INT` (the worker checkpoints, ends `stopped`, the job
///   completes); a job still pending is cancelled.
/// - pause: `scancel --batch --signal=USR1`: the worker checkpoints and exits, giving the
///   allocation back; the run shows `paused` without a worker, and `resume` submits a new
///   job that continues from the checkpoint.
/// - the time limit: the job asks for `--signal=B:URG@W`; on it the worker checkpoints
///   shortly before the end and submits the job that continues the run (`workerStopped`).
///   SIGTERM from Slurm (the limit itself, preemption, `scancel`) checkpoints and leaves
///   the run resumable: a requeued job takes it up again, a cancelled one shows as failed
///   with Slurm's reason.
/// - liveness: the job's state from `squeue` (one query for all of the user's jobs, kept
///   for a few seconds: `SlurmJobCache`) or `scontrol show job`, never a process id.
public struct SlurmExecutor: Executor {
    public static let name = "slurm"
    public static let usesLocalSlots = false
    public static let signalMode = ControlSignalReceiver.Mode.clusterJob

    /// The keys of config.json's executor options.
    public enum Option {
        public static let partition = "partition"
        public static let time = "time"
        public static let all: Set<String> = [partition, time]
    }

    /// Set by the batch script to the job's id: tells a worker started by simlab's batch
    /// script from a process that merely runs inside some allocation.
    public static let jobMarker = "SIMLAB_SLURM_JOB"

    public let runsDirectory: URL
    public let executable: String
    public var client: SlurmClient

    public init(runsDirectory: URL, executable: String) {
        self.init(runsDirectory: runsDirectory, executable: executable, client: SlurmClient())
    }

    public init(runsDirectory: URL, executable: String, client: SlurmClient) {
        self.runsDirectory = runsDirectory
        self.executable = executable
        self.client = client
    }

    // MARK: choosing

    public func validate(_ choice: ExecutorChoice) throws {
        let unknown = Set(choice.options.keys).subtracting(Option.all)
        guard unknown.isEmpty else {
            throw RunLauncher.ControlError("\(unknown.sorted().map { "--\($0)" }.joined(separator: ", ")): not a Slurm option "
                                           + "(the Slurm executor takes --partition, --time and --sbatch-arg)")
        }
        // The script a run would get, so a bad time limit or sbatch argument is refused now.
        do {
            _ = try script(for: RunDirectory(url: runsDirectory.appendingPathComponent("run")), choice: choice,
                           threads: 1, resume: false).render()
        } catch let error as SlurmError {
            throw RunLauncher.ControlError("\(error)")
        }
        do { _ = try client.locate("sbatch") } catch { throw RunLauncher.ControlError("\(error)") }
    }

    /// The seconds before the time limit at which the job asks for the warning: 90, or half
    /// the limit when that is shorter (Slurm may send it up to a minute early, and a job
    /// warned at its very start would checkpoint before it trained).
    public static func warningSeconds(timeLimit: String?) -> Int {
        guard let timeLimit, let limit = SlurmBatchScript.seconds(ofTimeLimit: timeLimit) else { return 90 }
        return max(10, min(90, limit / 2))
    }

    /// The batch script of a run's job.
    public func script(for run: RunDirectory, choice: ExecutorChoice, threads: Int, resume: Bool) -> SlurmBatchScript {
        var script = SlurmBatchScript.forRun(run, executable: executable, threads: threads,
                                             partition: choice.options[Option.partition],
                                             timeLimit: choice.options[Option.time],
                                             extraArguments: choice.passThrough, resume: resume)
        script.warning = Self.warning(choice)
        return script
    }

    static func warning(_ choice: ExecutorChoice) -> SlurmBatchScript.Warning {
        SlurmBatchScript.Warning(signal: ControlSignalReceiver.timeLimitWarningSignal.name,
                                 secondsBeforeEnd: warningSeconds(timeLimit: choice.options[Option.time]))
    }

    // MARK: starting

    /// Writes the run's batch script into the run directory and submits it.
    public func start(_ run: RunDirectory, choice: ExecutorChoice, resume: Bool) throws -> WorkerHandle? {
        let text = try script(for: run, choice: choice, threads: try run.readConfig().threads, resume: resume).render()
        try Self.writeScript(text, to: run.batchScriptURL)
        let id = try client.submit(script: run.batchScriptURL)
        SlurmJobCache.shared.invalidate()
        return WorkerHandle(executor: Self.name, host: nil, id: id)
    }

    /// The runs as one job array: the list of run directories and the script go into
    /// `directory` (`slurm-<name>.runs`, `slurm-<name>.sh`), Slurm's own output to
    /// `slurm-<array id>_<task>.out` there; task `i` trains `runs[i]`, handle `<array id>_<i>`.
    /// Every run must have the same executor choice and threads (one script for all).
    public func startAll(_ runs: [RunDirectory], choice: ExecutorChoice, maxParallel: Int?, name: String,
                         directory: URL) throws -> [WorkerHandle?] {
        guard !runs.isEmpty else { return [] }
        let threads = try Set(runs.map { try $0.readConfig().threads })
        guard threads.count == 1, let threadCount = threads.first else {
            throw RunLauncher.ControlError("the runs of one Slurm job array need the same --threads (--cpus-per-task); "
                                           + "they have \(threads.sorted().map(String.init).joined(separator: ", "))")
        }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let list = directory.appendingPathComponent("slurm-\(name).runs")
        try SlurmBatchScript.runListText(runs).write(to: list, atomically: true, encoding: .utf8)
        var script = SlurmBatchScript.forStudy(name: name, directory: directory, runList: list, runCount: runs.count,
                                               maxParallel: maxParallel, executable: executable, threads: threadCount,
                                               partition: choice.options[Option.partition],
                                               timeLimit: choice.options[Option.time], extraArguments: choice.passThrough)
        script.warning = Self.warning(choice)
        let scriptURL = directory.appendingPathComponent("slurm-\(name).sh")
        try Self.writeScript(try script.render(), to: scriptURL)
        let id = try client.submit(script: scriptURL)
        SlurmJobCache.shared.invalidate()
        return runs.indices.map { WorkerHandle(executor: Self.name, host: nil, id: "\(id)_\($0)") }
    }

    private static func writeScript(_ text: String, to url: URL) throws {
        try text.write(to: url, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
    }

    // MARK: control

    /// stop → SIGINT, pause → SIGUSR1, both to the batch step (the worker); resume has no
    /// job to signal (a paused run has none: `RunLauncher.resume` submits a new one). A job
    /// still pending is cancelled on stop, and false returned: no worker got the signal.
    public func deliver(_ signal: ControlSignal, to handle: WorkerHandle) throws -> Bool {
        let name: String
        switch signal {
        case .stop: name = "INT"
        case .pause: name = "USR1"
        case .resume: return false
        }
        defer { SlurmJobCache.shared.invalidate() }
        guard let job = try client.show(jobID: handle.id).first, job.phase.isActive else { return false }
        if job.phase == .pending {
            if signal == .stop { try client.cancel(jobID: handle.id) }
            return false
        }
        do {
            try client.cancel(jobID: handle.id, signal: name, batchOnly: true)
        } catch SlurmError.failed(_, _, let message)
                    where message.contains("completed") || message.contains(SlurmOutput.invalidJobMessage) {
            return false   // it ended meanwhile
        }
        return true
    }

    public func terminate(_ handle: WorkerHandle) {
        try? client.cancel(jobID: handle.id)
        SlurmJobCache.shared.invalidate()
    }

    public var liveness: any WorkerLiveness {
        SlurmLiveness(client: client, runsDirectory: runsDirectory, executable: executable)
    }

    // MARK: the worker side

    /// The job this process runs as, when simlab's batch script started it: `<id>`, or
    /// `<array id>_<task>` for a task of a job array, on the node Slurm gave it.
    public static func currentWorkerHandle() -> WorkerHandle? {
        handle(environment: ProcessInfo.processInfo.environment)
    }

    static func handle(environment: [String: String]) -> WorkerHandle? {
        guard let job = environment["SLURM_JOB_ID"], !job.isEmpty, environment[jobMarker] == job else { return nil }
        var id = job
        if let array = environment["SLURM_ARRAY_JOB_ID"], let task = environment["SLURM_ARRAY_TASK_ID"],
           !array.isEmpty, !task.isEmpty {
            id = "\(array)_\(task)"
        }
        return WorkerHandle(executor: name, host: environment["SLURMD_NODENAME"] ?? WorkerHandle.currentHost, id: id)
    }

    /// Watches for the time-limit warning: once it came, the worker stops (with a
    /// checkpoint) half the warning time before the job's end, so the allocation is used
    /// although Slurm sends the warning up to a minute early.
    public static func workerWillTrain(_ run: RunDirectory, control: ControlSignalReceiver) {
        let choice = (try? run.readConfig())?.executor ?? ExecutorChoice(name: name)
        let margin = Double(warningSeconds(timeLimit: choice.options[Option.time])) / 2
        let jobID = ProcessInfo.processInfo.environment["SLURM_JOB_ID"] ?? ""
        Thread.detachNewThread {
            while !control.timeLimitWarned { usleep(200_000) }
            let end = (try? SlurmClient().endTime(jobID: jobID)) ?? nil
            let stopAt = end.map { $0.addingTimeInterval(-margin) } ?? Date()
            log("time limit warning: the job ends at \(end.map { ISOTime.format($0) } ?? "an unknown time"); "
                + "checkpointing at \(ISOTime.format(max(stopAt, Date()))) to continue in a new job")
            while Date() < stopAt && !control.isStopRequested { usleep(200_000) }
            control.requestStop(cause: .timeLimit)
        }
    }

    /// Settles a stop that was not `simlab stop`: a pause gives the allocation back (the
    /// run shows paused, without a worker); the time-limit warning continues the run in a
    /// new job (submitted here, from the compute node); Slurm's SIGTERM leaves the run
    /// queued on this job (a requeued job takes it up; one that ended shows as failed with
    /// Slurm's reason, and `simlab resume` continues it).
    public static func workerStopped(_ run: RunDirectory, cause: ControlSignalReceiver.StopCause, stepAtStart: Int) {
        guard cause != .request, let me = currentWorkerHandle() else { return }
        do {
            try run.withExclusiveLock {
                var status = try run.readStatus()
                guard status.state == .stopped, status.worker?.isSameWorker(as: me) ?? false else { return }
                status.finishedAt = nil
                status.heartbeat = Date()
                switch cause {
                case .request:
                    return
                case .release:
                    status.state = .paused
                    status.releaseWorker()
                    log("paused: the job gives its allocation back; `simlab resume \(run.id)` continues in a new job")
                case .interrupted:
                    status.state = .queued
                    status.queuedAt = Date()
                    log("Slurm ends the job (time limit, preemption or scancel): the run continues if Slurm requeues "
                        + "job \(me.id), else with `simlab resume \(run.id)`")
                case .timeLimit:
                    guard status.step > stepAtStart else {
                        status.end(as: .failed, error: "the job's time limit came before it trained a step; "
                                   + "give the run more time (--time) and resume it")
                        log("error: \(status.lastError ?? "")")
                        break
                    }
                    let choice = try run.readConfig().executor
                    let executor = SlurmExecutor(runsDirectory: run.url.deletingLastPathComponent(),
                                                 executable: DetachedProcess.currentExecutable,
                                                 client: SlurmClient(environment: submitterEnvironment()))
                    do {
                        guard let next = try executor.start(run, choice: choice, resume: true) else { return }
                        status.state = .queued
                        status.queuedAt = Date()
                        status.claim(next)
                        log("the time limit is near: continuing from the checkpoint in slurm job \(next.id)")
                    } catch {
                        status.end(as: .failed, error: "could not submit the job to continue after the time limit: \(error)")
                        log("error: \(status.lastError ?? "")")
                    }
                }
                try run.writeStatus(status)
            }
        } catch {
            log("warning: could not settle the run after the stop: \(error)")
        }
    }

    /// This job's environment without what Slurm set for it (`SLURM_*` but `SLURM_CONF`, the
    /// node name, simlab's marker): the continuation job is submitted as from the login
    /// node, not as a job inside this allocation (whose memory and CPU settings sbatch and
    /// srun would otherwise pick up).
    static func submitterEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> [String: String] {
        environment.filter { key, _ in
            key == "SLURM_CONF" || !(key.hasPrefix("SLURM_") || key.hasPrefix("SLURMD_") || key == jobMarker)
        }
    }

    private static func log(_ message: String) {
        print("\(ISOTime.format(Date())) \(message)")
        fflush(stdout)
    }

    // MARK: liveness

    /// What a job's state says of its worker. An ended job is gone, with Slurm's word and
    /// reason; one that failed before its worker recorded itself (the handle has no host
    /// yet) most often could not see the run directory or the binary, which the reason says.
    public static func check(_ job: SlurmJobState, handle: WorkerHandle, runsDirectory: URL,
                             executable: String) -> WorkerCheck {
        switch job.phase {
        case .pending: return .waiting
        case .running, .suspended, .completing: return .alive
        case .other: return .unknown
        case .unknownToSlurm:
            return .gone(reason: "slurm job \(handle.id) is no longer known to Slurm (it ended a while ago)")
        case .completed, .failed, .cancelled, .timeout, .preempted, .nodeFail, .outOfMemory:
            var reason = "slurm job \(handle.id) ended \(job.slurmState.split(separator: " ").first ?? "")"
            var details: [String] = []
            if let why = job.reason { details.append(why) }
            if let code = job.exitCode, code != 0 { details.append("exit code \(code)") }
            if let signal = job.exitSignal, signal != 0 { details.append("signal \(signal)") }
            if !details.isEmpty { reason += " (\(details.joined(separator: ", ")))" }
            if handle.host == nil, [.failed, .completed].contains(job.phase) {
                reason += "; its worker never started: check that the compute node sees the runs directory "
                    + "\(runsDirectory.path) and the simlab binary \(executable) at these paths (a shared "
                    + "filesystem), and read the job's output (worker.log in the run directory, if the node could write it)"
            }
            return .gone(reason: reason)
        }
    }
}

/// The Slurm executor's liveness: each handle's job state from `SlurmJobCache`; `.unknown`
/// (the heartbeat decides) when Slurm does not answer.
struct SlurmLiveness: WorkerLiveness {
    let client: SlurmClient
    let runsDirectory: URL
    let executable: String
    var cache = SlurmJobCache.shared

    func check(_ handle: WorkerHandle, in status: RunStatus) -> WorkerCheck {
        guard let job = cache.state(of: handle.id, client: client) else { return .unknown }
        return SlurmExecutor.check(job, handle: handle, runsDirectory: runsDirectory, executable: executable)
    }
}

/// Slurm's answers, kept for `ttl` seconds so that listing 300 runs asks squeue once: one
/// `squeue --me` for all of the user's jobs (array tasks one a line), then `scontrol show
/// job` for a job squeue does not list (ended long ago, or an id of another user).
public final class SlurmJobCache: @unchecked Sendable {
    public static let shared = SlurmJobCache()

    public var ttl: TimeInterval = 5
    private let lock = NSLock()
    private var listed: (time: Date, jobs: [String: SlurmJobState])?
    private var shown: [String: (time: Date, job: SlurmJobState)] = [:]
    /// When Slurm last failed to answer: not asked again for `ttl` seconds, so a listing
    /// does not wait for an unreachable slurmctld once per run.
    private var failed: Date?
    /// How many commands it ran (tests).
    public private(set) var queries = 0

    /// The job's state; nil when Slurm could not be asked.
    public func state(of jobID: String, client: SlurmClient, now: Date = Date()) -> SlurmJobState? {
        lock.lock()
        defer { lock.unlock() }
        if let failed, now.timeIntervalSince(failed) <= ttl { return nil }
        if listed == nil || now.timeIntervalSince(listed!.time) > ttl {
            queries += 1
            guard let jobs = try? client.queueOfCurrentUser() else {
                listed = nil
                failed = now
                return nil
            }
            listed = (now, Dictionary(jobs.map { ($0.jobID, $0) }, uniquingKeysWith: { first, _ in first }))
        }
        if let job = listed?.jobs[jobID] { return job }
        if let cached = shown[jobID], now.timeIntervalSince(cached.time) <= ttl { return cached.job }
        queries += 1
        guard let jobs = try? client.show(jobID: jobID) else {
            failed = now
            return nil
        }
        let job = jobs.first { $0.jobID == jobID } ?? jobs.first ?? .unknownToSlurm(jobID)
        shown[jobID] = (now, job)
        return job
    }

    /// Forgets every answer (after a submission or a signal).
    public func invalidate() {
        lock.lock()
        listed = nil
        shown = [:]
        failed = nil
        lock.unlock()
    }
}
