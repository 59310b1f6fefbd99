import Foundation
import RunStore

/// The registered executors: the one place a new executor is added.
public enum Executors {
    /// Every executor, by precedence: a worker process takes the handle of the first whose
    /// `currentWorkerHandle` answers, so the local executor, which always answers, is last.
    public static let all: [any Executor.Type] = [SlurmExecutor.self, LocalExecutor.self]

    /// The names users can choose, for help texts and messages.
    public static var names: [String] { all.map { $0.name }.sorted() }

    /// The executor registered as `name`; a clear error naming the choices when there is none.
    public static func named(_ name: String) throws -> any Executor.Type {
        guard let type = all.first(where: { $0.name == name }) else {
            throw RunLauncher.ControlError("unknown executor '\(name)' (choose one of: \(names.joined(separator: ", ")))")
        }
        return type
    }

    /// Liveness for listings and control: each handle judged by its own executor.
    public static func liveness(runsDirectory: URL, executable: String = DetachedProcess.currentExecutable) -> LivenessByExecutor {
        LivenessByExecutor(Dictionary(uniqueKeysWithValues: all.map {
            ($0.name, $0.init(runsDirectory: runsDirectory, executable: executable).liveness)
        }))
    }

    /// This process as a worker: its handle, from the first executor that claims it, and
    /// that executor. Decided once per process.
    public static let currentWorker: (handle: WorkerHandle, executor: any Executor.Type) = {
        for type in all { if let handle = type.currentWorkerHandle() { return (handle, type) } }
        return (.localProcess(getpid()), LocalExecutor.self)
    }()
}
