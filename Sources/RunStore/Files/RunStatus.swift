import Foundation

/// A run's lifecycle state as recorded in status.json.
public enum RunState: String, CaseIterable, Sendable {
    case queued, running, paused, stopping, finished, failed, stopped

    /// States in which a worker process should exist (and keep its heartbeat fresh).
    public var isActive: Bool { self == .running || self == .paused || self == .stopping }
    /// States that will not change any more.
    public var isTerminal: Bool { self == .finished || self == .failed || self == .stopped }
}

/// A run's current status (status.json), replaced atomically by the worker.
///
/// Contract keys (scripts read them; never rename): schemaVersion, state, pid, epoch, step,
/// totalSteps, heartbeat. Optional: worker, pidStartTime, lastError, startedAt, finishedAt, queuedAt,
/// imagesPerSecond, etaSeconds. Times are ISO-8601 UTC: heartbeat in whole seconds; startedAt, finishedAt and queuedAt with milliseconds.
public struct RunStatus: Equatable, Sendable {
    public static let schemaVersion = 1

    public var state: RunState
    /// Who trains the run (nil while no worker has taken it): the executor, host and the
    /// executor's id. Control commands and liveness go through it, never through `pid`.
    public var worker: WorkerHandle?
    /// A local worker's process id (nil while queued, and for workers of other executors);
    /// kept beside `worker` because scripts read it.
    public var pid: Int32?
    /// That process's start time (clock ticks after boot, /proc/PID/stat field 22): tells the
    /// worker apart from a later process that was given the same pid. nil when unknown.
    public var pidStartTime: UInt64?
    /// Current epoch (1-based while training, 0 before the first).
    public var epoch: Int
    /// Optimizer steps done so far, out of `totalSteps`.
    public var step: Int
    public var totalSteps: Int
    /// Last time the worker said it was alive.
    public var heartbeat: Date
    public var lastError: String?
    public var startedAt: Date?
    public var finishedAt: Date?
    /// When the run last joined the queue (runs start in this order when a slot frees).
    public var queuedAt: Date?
    public var imagesPerSecond: Double?
    public var etaSeconds: Double?

    public init(state: RunState, pid: Int32? = nil, epoch: Int = 0, step: Int = 0, totalSteps: Int = 0,
                heartbeat: Date = Date(), lastError: String? = nil, startedAt: Date? = nil,
                finishedAt: Date? = nil, imagesPerSecond: Double? = nil, etaSeconds: Double? = nil) {
        self.state = state
        self.pid = pid
        self.epoch = epoch
        self.step = step
        self.totalSteps = totalSteps
        self.heartbeat = heartbeat
        self.lastError = lastError
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.imagesPerSecond = imagesPerSecond
        self.etaSeconds = etaSeconds
    }

    /// Records the calling process as the run's worker, a local process.
    public mutating func claimForCurrentProcess() {
        claim(.localProcess(getpid()))
    }

    /// Records `handle` as the run's worker: a local process also records its pid and start
    /// time; a worker of another executor clears them (its liveness comes from the executor).
    public mutating func claim(_ handle: WorkerHandle) {
        worker = handle
        if let pid = handle.localPid {
            self.pid = pid
            pidStartTime = ProcessLiveness.startTime(pid: pid)
        } else {
            pid = nil
            pidStartTime = nil
        }
    }

    /// Ends the run in `state` (finished, failed or stopped) now, with `error` as the reason
    /// when there is one.
    public mutating func end(as state: RunState, error: String? = nil) {
        self.state = state
        finishedAt = Date()
        if let error { lastError = error }
    }

    /// Forgets the worker (a resumed run waits for a new one).
    public mutating func releaseWorker() {
        worker = nil
        pid = nil
        pidStartTime = nil
    }

    /// A fresh status for a run that waits for a worker.
    public static func queued(at date: Date = Date()) -> RunStatus { RunStatus(state: .queued, heartbeat: date) }

    /// Fraction of steps done, in 0...1 (0 when the total is unknown).
    public var progress: Double { totalSteps > 0 ? min(1, Double(step) / Double(totalSteps)) : 0 }

    public var json: JSONValue {
        var object: JSONObject = [
            "schemaVersion": .number(Double(RunStatus.schemaVersion)),
            "state": .string(state.rawValue),
            "pid": pid.map { .number(Double($0)) } ?? .null,
            "epoch": .number(Double(epoch)),
            "step": .number(Double(step)),
            "totalSteps": .number(Double(totalSteps)),
            "heartbeat": .string(ISOTime.format(heartbeat)),
        ]
        if let pidStartTime { object["pidStartTime"] = .number(Double(pidStartTime)) }
        if let worker { object["worker"] = worker.json }
        if let lastError { object["lastError"] = .string(lastError) }
        // Milliseconds: "started after the other finished" must see an overlap under a second.
        if let startedAt { object["startedAt"] = .string(ISOTime.format(startedAt, milliseconds: true)) }
        if let finishedAt { object["finishedAt"] = .string(ISOTime.format(finishedAt, milliseconds: true)) }
        // Milliseconds: runs queued within the same second must still start in order.
        if let queuedAt { object["queuedAt"] = .string(ISOTime.format(queuedAt, milliseconds: true)) }
        if let imagesPerSecond, imagesPerSecond.isFinite { object["imagesPerSecond"] = .number(imagesPerSecond) }
        if let etaSeconds, etaSeconds.isFinite { object["etaSeconds"] = .number(etaSeconds) }
        return .object(object)
    }

    /// Reads the bytes of a status.json file (what `RunDirectory.readStatus` reads; `path` names
    /// the file in errors): a JSON object of schemaVersion RunStatus.schemaVersion.
    public init(bytes: [UInt8], path: String) throws {
        let object = try VersionedJSONFile.object(bytes, path: path, supported: Self.schemaVersion)
        try self.init(json: object, path: path)
    }

    public init(json object: JSONObject, path: String) throws {
        let r = FieldReader(object: object, path: path)
        let stateText = try r.string("state")
        guard let state = RunState(rawValue: stateText) else {
            throw RunStoreError.malformed(path: path, reason: "unknown state \"\(stateText)\"")
        }
        self.state = state
        if let pid = try r.optionalInt("pid") {
            guard pid > 0, pid <= Int(Int32.max) else { throw r.fail("pid", "a process id") }
            self.pid = Int32(pid)
        } else {
            pid = nil
        }
        pidStartTime = try r.optionalInt("pidStartTime").flatMap { $0 >= 0 ? UInt64($0) : nil }
        if let value = object["worker"], !value.isNull {
            guard case .object(let handle) = value else { throw r.fail("worker", "an object") }
            worker = try WorkerHandle(json: handle, path: path)
        } else {
            // Written before the worker handle existed: a pid is a local worker.
            worker = pid.map { WorkerHandle.localProcess($0, host: nil) }
        }
        epoch = try r.optionalInt("epoch") ?? 0
        step = try r.optionalInt("step") ?? 0
        totalSteps = try r.optionalInt("totalSteps") ?? 0
        heartbeat = try r.date("heartbeat")
        lastError = try r.optionalString("lastError")
        startedAt = try r.optionalDate("startedAt")
        finishedAt = try r.optionalDate("finishedAt")
        queuedAt = try r.optionalDate("queuedAt")
        imagesPerSecond = try r.optionalDouble("imagesPerSecond")
        etaSeconds = try r.optionalDouble("etaSeconds")
    }
}
