import Foundation

/// The runs root (e.g. `./runs`): lists runs and creates new ones.
public struct RunCatalog: Sendable {
    public let root: URL

    public init(root: URL) { self.root = root.standardizedFileURL }

    /// Every run folder under the root, oldest first (by id): a directory named like a
    /// generated id (even if half-written), or any directory holding config.json or
    /// status.json (a renamed run). Other folders, hidden entries and plain files are not
    /// runs, so no command lists or deletes them; a missing root is an empty list.
    public func runDirectories() -> [RunDirectory] {
        let fm = FileManager.default
        let names = (try? fm.contentsOfDirectory(atPath: root.path)) ?? []
        return names.filter { name in
            var isDirectory: ObjCBool = false
            let url = root.appendingPathComponent(name)
            guard !name.hasPrefix("."), fm.fileExists(atPath: url.path, isDirectory: &isDirectory),
                  isDirectory.boolValue else { return false }
            return RunID(name).hasGeneratedShape
                || fm.fileExists(atPath: RunDirectory(url: url).configURL.path)
                || fm.fileExists(atPath: RunDirectory(url: url).statusURL.path)
        }
        .sorted()
        .map { RunDirectory(url: root.appendingPathComponent($0, isDirectory: true)) }
    }

    /// A summary of every run; never throws (unreadable runs are `.incomplete`).
    public func summaries(now: Date = Date(), heartbeatTimeout: TimeInterval = RunSummary.defaultHeartbeatTimeout) -> [RunSummary] {
        runDirectories().map { RunSummary(directory: $0, now: now, heartbeatTimeout: heartbeatTimeout) }
    }

    public func directory(for id: RunID) -> RunDirectory {
        RunDirectory(url: root.appendingPathComponent(id.rawValue, isDirectory: true))
    }

    /// The run whose id is `text` or, failing that, the only run whose id starts with it.
    public func find(_ text: String) -> RunDirectory? {
        let runs = runDirectories()
        if let exact = runs.first(where: { $0.id.rawValue == text }) { return exact }
        let matches = runs.filter { $0.id.rawValue.hasPrefix(text) }
        return matches.count == 1 ? matches[0] : nil
    }

    /// Creates `root/<new id>/` with config.json and an initial status (queued by default).
    /// The directory is created with mkdir, so two creators never share an id.
    public func createRun(config: RunConfig, status: RunStatus? = nil, at date: Date = Date()) throws -> RunDirectory {
        do { try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true) } catch {
            throw RunStoreError.io(path: root.path, operation: "mkdir", errno: errno == 0 ? EIO : errno)
        }
        for _ in 0..<64 {
            let run = directory(for: RunID.generate(at: date))
            if mkdir(run.url.path, 0o755) == 0 {
                try run.writeConfig(config)
                try run.writeStatus(status ?? .queued(at: date))
                AtomicFile.syncDirectory(root.path)
                return run
            }
            guard errno == EEXIST else { throw RunStoreError.io(path: run.url.path, operation: "mkdir", errno: errno) }
        }
        throw RunStoreError.io(path: root.path, operation: "mkdir (no free run id)", errno: EEXIST)
    }
}
