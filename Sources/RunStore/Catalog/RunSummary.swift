import Foundation

/// What the dashboard and `simlab runs` show as a run's state.
public enum RunCondition: Equatable, Sendable {
    /// status.json is missing, unreadable or from another schema version.
    case incomplete(reason: String)
    /// The state as recorded.
    case recorded(RunState)
    /// Recorded as running/paused/stopping, but the worker is gone: shown as failed.
    case lost(recorded: RunState, reason: String)

    /// The state to show: `.failed` for a lost worker, nil when incomplete.
    public var state: RunState? {
        switch self {
        case .incomplete: return nil
        case .recorded(let state): return state
        case .lost: return .failed
        }
    }

    /// One word for a table column.
    public var label: String {
        switch self {
        case .incomplete: return "incomplete"
        case .recorded(let state): return state.rawValue
        case .lost: return "failed"
        }
    }
}

/// A run as listed: what could be read of it, and what could not.
public struct RunSummary: Sendable {
    public let directory: RunDirectory
    public var id: RunID { directory.id }
    /// nil when config.json is missing or unreadable (see `problems`).
    public let config: RunConfig?
    /// nil when status.json is missing or unreadable (see `problems`).
    public let status: RunStatus?
    /// Files that could not be read, with why.
    public let problems: [RunStoreError]
    public let condition: RunCondition

    /// Reads a run's config and status and checks, through the worker's executor
    /// (`liveness`), that an active worker is still alive: an active state whose worker is
    /// gone, or whose heartbeat is older than `heartbeatTimeout` seconds, is reported as
    /// `.lost` (shown as failed).
    public init(directory: RunDirectory, now: Date = Date(), heartbeatTimeout: TimeInterval = RunSummary.defaultHeartbeatTimeout,
                liveness: any WorkerLiveness = LivenessByExecutor.localOnly) {
        self.directory = directory
        var problems: [RunStoreError] = []
        func attempt<T>(_ read: () throws -> T) -> T? {
            do { return try read() } catch let error as RunStoreError {
                problems.append(error)
            } catch {
                problems.append(.malformed(path: directory.url.path, reason: "\(error)"))
            }
            return nil
        }
        config = attempt { try directory.readConfig() }
        status = attempt { try directory.readStatus() }
        self.problems = problems
        guard let status else {
            let reason = problems.last(where: { $0.path == directory.statusURL.path })?.shortDescription ?? "missing status.json"
            condition = .incomplete(reason: reason)
            return
        }
        condition = RunSummary.condition(of: status, now: now, heartbeatTimeout: heartbeatTimeout, liveness: liveness)
    }

    private init(directory: RunDirectory, config: RunConfig?, status: RunStatus?, problems: [RunStoreError],
                 condition: RunCondition) {
        self.directory = directory
        self.config = config
        self.status = status
        self.problems = problems
        self.condition = condition
    }

    /// Whether the condition can change while the files stay the same: a queued or active
    /// run's worker may die and its heartbeat ages.
    public var changesWithTime: Bool {
        guard let state = status?.state else { return false }
        return state == .queued || state.isActive
    }

    /// The same files judged again at `now` (see `changesWithTime`), without reading them.
    public func rechecked(now: Date, heartbeatTimeout: TimeInterval = RunSummary.defaultHeartbeatTimeout,
                          liveness: any WorkerLiveness = LivenessByExecutor.localOnly) -> RunSummary {
        guard let status, changesWithTime else { return self }
        return RunSummary(directory: directory, config: config, status: status, problems: problems,
                          condition: RunSummary.condition(of: status, now: now, heartbeatTimeout: heartbeatTimeout,
                                                          liveness: liveness))
    }

    /// Seconds without a heartbeat after which an active run is presumed dead.
    public static let defaultHeartbeatTimeout: TimeInterval = 120

    public static func condition(of status: RunStatus, now: Date, heartbeatTimeout: TimeInterval,
                                 liveness: any WorkerLiveness = LivenessByExecutor.localOnly) -> RunCondition {
        let silence = now.timeIntervalSince(status.heartbeat)
        guard status.state == .queued || status.state.isActive else { return .recorded(status.state) }
        // Paused without a worker: a cluster job that checkpointed and gave its allocation
        // back; `resume` starts a new one.
        if status.state == .paused && status.worker == nil { return .recorded(.paused) }
        if let worker = status.worker {
            switch liveness.check(worker, in: status) {
            case .gone(let reason):
                // A queued run's worker waits for a slot with its handle set.
                return .lost(recorded: status.state, reason: status.state == .queued ? "queued \(reason)" : reason)
            case .waiting:
                return .recorded(status.state)   // pending in a cluster's queue: no heartbeat yet
            case .alive, .unknown:
                break
            }
        }
        if silence > heartbeatTimeout {
            // Without a worker, a queued run is about to start (launch, resume) — unless it never did.
            // The reason names the time, not the seconds since: it stays the same while nothing
            // changes (a dashboard redraws a list only when it changed).
            let since = ISOTime.format(status.heartbeat)
            return .lost(recorded: status.state, reason: status.state == .queued && status.worker == nil
                ? "no worker took up the run queued at \(since)"
                : "no heartbeat since \(since)")
        }
        return .recorded(status.state)
    }

    /// `condition(of:…)` with the local executor's liveness judged by `isAlive` (tests).
    public static func condition(of status: RunStatus, now: Date, heartbeatTimeout: TimeInterval,
                                 isAlive: @escaping @Sendable (Int32) -> Bool) -> RunCondition {
        condition(of: status, now: now, heartbeatTimeout: heartbeatTimeout,
                  liveness: LivenessByExecutor([WorkerHandle.localExecutor: LocalProcessLiveness(isAlive: isAlive)]))
    }
}

/// Who works on a run, for the commands that act on it (pause, resume, stop, rm). Unlike
/// `RunSummary.condition` (what is displayed), a live worker whose heartbeat went silent
/// (suspended, Ctrl-Z) still counts when its executor vouches for it (a local process by
/// its start time, a job by its state): it must be stopped, not given a second worker.
public enum WorkerPresence: Equatable, Sendable {
    /// The recorded worker exists (a job pending in a cluster's queue counts).
    case alive(WorkerHandle)
    /// Queued moments ago by launch or resume; its worker has not recorded itself yet.
    case starting
    /// No worker: the run is over, or its worker is gone.
    case none

    public static func of(_ status: RunStatus, now: Date = Date(),
                          heartbeatTimeout: TimeInterval = RunSummary.defaultHeartbeatTimeout,
                          liveness: any WorkerLiveness = LivenessByExecutor.localOnly) -> WorkerPresence {
        guard !status.state.isTerminal else { return .none }
        if let worker = status.worker {
            switch liveness.check(worker, in: status) {
            case .alive, .waiting: return .alive(worker)
            case .gone: return .none
            // Without a recorded start time (older runs, no /proc) or an answer from the
            // cluster, only a fresh heartbeat vouches for the worker.
            case .unknown: return now.timeIntervalSince(status.heartbeat) <= heartbeatTimeout ? .alive(worker) : .none
            }
        }
        return status.state == .queued && now.timeIntervalSince(status.heartbeat) <= heartbeatTimeout ? .starting : .none
    }

    /// The local worker's pid when the worker is a live local process.
    public var localPid: Int32? {
        if case .alive(let handle) = self { return handle.localPid }
        return nil
    }
}

/// A summary plus what a detail view needs: the tail of worker.log.
public struct RunSnapshot: Sendable {
    public let summary: RunSummary
    public let workerLogTail: [String]

    public init(directory: RunDirectory, logLines: Int = 20, now: Date = Date(),
                heartbeatTimeout: TimeInterval = RunSummary.defaultHeartbeatTimeout,
                liveness: any WorkerLiveness = LivenessByExecutor.localOnly) {
        summary = RunSummary(directory: directory, now: now, heartbeatTimeout: heartbeatTimeout, liveness: liveness)
        workerLogTail = LogTail.lastLines(of: directory.workerLogURL, count: logLines)
    }
}

extension RunStoreError {
    /// The file the error is about.
    public var path: String {
        switch self {
        case .missingFile(let path), .malformed(let path, _), .unsupportedSchemaVersion(let path, _, _),
             .alreadyExists(let path), .io(let path, _, _):
            return path
        }
    }
}
