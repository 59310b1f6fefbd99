import Foundation

/// Which worker trains a run, in terms every executor can give: status.json's `worker`.
///
///     "worker": {"executor": "local", "host": "vm", "id": "4242"}
///     "worker": {"executor": "slurm", "host": "node07", "id": "1834"}
///
/// `id` is the executor's own: the process id for the local executor (whose start time is
/// status.json's `pidStartTime`), the job id on Slurm. `host` is where the worker runs, nil
/// while that is not known (a job still pending).
public struct WorkerHandle: Hashable, Sendable, CustomStringConvertible {
    public var executor: String
    public var host: String?
    public var id: String

    public init(executor: String, host: String? = nil, id: String) {
        self.executor = executor
        self.host = host
        self.id = id
    }

    /// The name of the executor that runs workers as processes on this machine.
    public static let localExecutor = "local"

    /// A local worker process.
    public static func localProcess(_ pid: Int32, host: String? = WorkerHandle.currentHost) -> WorkerHandle {
        WorkerHandle(executor: localExecutor, host: host, id: String(pid))
    }

    /// The same worker: executor and id agree (the host may be learnt later, e.g. when a
    /// pending job starts on a node).
    public func isSameWorker(as other: WorkerHandle) -> Bool {
        executor == other.executor && id == other.id
    }

    /// The process id of a local worker; nil for other executors.
    public var localPid: Int32? { executor == Self.localExecutor ? Int32(id).flatMap { $0 > 0 ? $0 : nil } : nil }

    /// This machine's host name.
    public static var currentHost: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(cString: buffer)
    }

    /// "local pid 4242 on vm", "slurm job 1834 on node07".
    public var description: String {
        let what = executor == Self.localExecutor ? "pid" : "job"
        return "\(executor) \(what) \(id)" + (host.map { " on \($0)" } ?? "")
    }

    var json: JSONValue {
        var object: JSONObject = ["executor": .string(executor), "id": .string(id)]
        if let host { object["host"] = .string(host) }
        return .object(object)
    }

    init(json object: JSONObject, path: String) throws {
        let r = FieldReader(object: object, path: path)
        executor = try r.string("executor")
        id = try r.string("id")
        host = try r.optionalString("host")
        guard !executor.isEmpty, !id.isEmpty else { throw r.fail("executor", "a worker handle with an executor and an id") }
    }
}
