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

    /// Reads a run's config and status and checks that an active worker is still alive:
    /// an active state whose pid no longer exists, or whose heartbeat is older than
    /// `heartbeatTimeout` seconds, is reported as `.lost` (shown as failed).
    public init(directory: RunDirectory, now: Date = Date(), heartbeatTimeout: TimeInterval = RunSummary.defaultHeartbeatTimeout,
                isAlive: (Int32) -> Bool = ProcessLiveness.isAlive(pid:)) {
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
        condition = RunSummary.condition(of: status, now: now, heartbeatTimeout: heartbeatTimeout, isAlive: isAlive)
    }

    /// Seconds without a heartbeat after which an active run is presumed dead.
    public static let defaultHeartbeatTimeout: TimeInterval = 120

    public static func condition(of status: RunStatus, now: Date, heartbeatTimeout: TimeInterval,
                                 isAlive: (Int32) -> Bool) -> RunCondition {
        func isWorker(_ pid: Int32) -> Bool { isAlive(pid) && isSameProcess(pid, as: status) != false }
        let silence = now.timeIntervalSince(status.heartbeat)
        if status.state == .queued {
            // A queued run's worker waits for a slot with its pid set and a fresh heartbeat;
            // without a pid, a worker is about to start (launch, resume) — unless it never did.
            if let pid = status.pid, !isWorker(pid) {
                return .lost(recorded: status.state, reason: "queued worker process \(pid) is gone")
            }
            if silence > heartbeatTimeout {
                return .lost(recorded: status.state, reason: status.pid == nil
                    ? "no worker took up the queued run in \(Int(silence)) s"
                    : "no heartbeat for \(Int(silence)) s")
            }
            return .recorded(status.state)
        }
        guard status.state.isActive else { return .recorded(status.state) }
        if let pid = status.pid, !isWorker(pid) {
            return .lost(recorded: status.state, reason: "worker process \(pid) is gone")
        }
        if silence > heartbeatTimeout {
            return .lost(recorded: status.state, reason: "no heartbeat for \(Int(silence)) s")
        }
        return .recorded(status.state)
    }
}

/// Who works on a run, for the commands that act on it (pause, resume, stop, rm). Unlike
/// `RunSummary.condition` (what is displayed), a live worker whose heartbeat went silent
/// (suspended, Ctrl-Z) still counts when its start time proves it is the same process: it
/// must be stopped, not given a second worker.
public enum WorkerPresence: Equatable, Sendable {
    /// The recorded worker process exists (and is the same process: pid and start time).
    case alive(pid: Int32)
    /// Queued moments ago by launch or resume; its worker has not written its pid yet.
    case starting
    /// No worker: the run is over, or its worker is gone.
    case none

    public static func of(_ status: RunStatus, now: Date = Date(),
                          heartbeatTimeout: TimeInterval = RunSummary.defaultHeartbeatTimeout,
                          isAlive: (Int32) -> Bool = ProcessLiveness.isAlive(pid:)) -> WorkerPresence {
        guard !status.state.isTerminal else { return .none }
        if let pid = status.pid {
            guard isAlive(pid) else { return .none }
            // Identity: the recorded start time matches; without one (older runs, no /proc)
            // only a fresh heartbeat vouches for the pid, so a reused pid is never signalled.
            let isWorker = RunSummary.isSameProcess(pid, as: status) ?? (now.timeIntervalSince(status.heartbeat) <= heartbeatTimeout)
            return isWorker ? .alive(pid: pid) : .none
        }
        return status.state == .queued && now.timeIntervalSince(status.heartbeat) <= heartbeatTimeout ? .starting : .none
    }
}

extension RunSummary {
    /// Whether `pid` is still the process the status recorded, by start time: false when
    /// the pid was reused; nil when that cannot be told (no recorded start time, no /proc).
    static func isSameProcess(_ pid: Int32, as status: RunStatus) -> Bool? {
        guard let recorded = status.pidStartTime, let actual = ProcessLiveness.startTime(pid: pid) else { return nil }
        return actual == recorded
    }
}

/// A summary plus what a detail view needs: the tail of worker.log.
public struct RunSnapshot: Sendable {
    public let summary: RunSummary
    public let workerLogTail: [String]

    public init(directory: RunDirectory, logLines: Int = 20, now: Date = Date(),
                heartbeatTimeout: TimeInterval = RunSummary.defaultHeartbeatTimeout) {
        summary = RunSummary(directory: directory, now: now, heartbeatTimeout: heartbeatTimeout)
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
