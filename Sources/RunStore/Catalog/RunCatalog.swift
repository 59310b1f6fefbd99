import Foundation

/// The runs root (e.g. `./runs`): lists runs and creates new ones.
public struct RunCatalog: Sendable {
    public let root: URL
    /// How listings judge whether a run's worker lives (per executor; see `WorkerLiveness`).
    public let liveness: any WorkerLiveness

    public init(root: URL, liveness: any WorkerLiveness = LivenessByExecutor.localOnly) {
        self.root = root.standardizedFileURL
        self.liveness = liveness
    }

    /// Every run folder under the root, oldest first (by id): a directory named like a
    /// generated id (even if half-written), or any directory holding config.json or
    /// status.json (a renamed run). Other folders, hidden entries, plain files and symbolic
    /// links that lead out of the root are not runs, so no command lists or deletes them; a
    /// missing root is an empty list.
    public func runDirectories() -> [RunDirectory] {
        let fm = FileManager.default
        let names = (try? fm.contentsOfDirectory(atPath: root.path)) ?? []
        let realRoot = Self.realPath(root.path)
        return names.filter { name in
            var isDirectory: ObjCBool = false
            let url = root.appendingPathComponent(name)
            guard !name.hasPrefix("."), fm.fileExists(atPath: url.path, isDirectory: &isDirectory),
                  isDirectory.boolValue, Self.staysInside(realRoot, entry: url.path) else { return false }
            return RunID(name).hasGeneratedShape
                || fm.fileExists(atPath: RunDirectory(url: url).configURL.path)
                || fm.fileExists(atPath: RunDirectory(url: url).statusURL.path)
        }
        .sorted()
        .map { RunDirectory(url: root.appendingPathComponent($0, isDirectory: true)) }
    }

    /// A summary of every run; never throws (unreadable runs are `.incomplete`).
    public func summaries(now: Date = Date(), heartbeatTimeout: TimeInterval = RunSummary.defaultHeartbeatTimeout) -> [RunSummary] {
        runDirectories().map { RunSummary(directory: $0, now: now, heartbeatTimeout: heartbeatTimeout, liveness: liveness) }
    }

    public func directory(for id: RunID) -> RunDirectory {
        RunDirectory(url: root.appendingPathComponent(id.rawValue, isDirectory: true))
    }

    /// The run whose id is `text` or, failing that, the only run whose id starts with it.
    public func find(_ text: String) -> RunDirectory? { try? resolve(text) }

    /// The run a user typed (`simlab rm RUN`, `frozen:RUN`, …): a run folder directly inside
    /// the root (see `runDirectories`), by exact id or else by a prefix only one id has.
    /// Never a path: a reference containing `/`, `.` and `..` are refused before anything is
    /// looked up, so no command acts on a folder outside the runs directory.
    public func resolve(_ reference: String) throws -> RunDirectory {
        // An empty prefix would match every run (and `rm ""` would delete the only one).
        guard !reference.trimmingCharacters(in: .whitespaces).isEmpty else { throw RunReferenceError.empty }
        guard !reference.contains("/"), !reference.contains("\0"), reference != ".", reference != ".." else {
            throw RunReferenceError.notAnID(reference: reference)
        }
        let runs = runDirectories()
        if let exact = runs.first(where: { $0.id.rawValue == reference }) { return exact }
        let matches = runs.filter { $0.id.rawValue.hasPrefix(reference) }
        switch matches.count {
        case 1: return matches[0]
        case 0: throw RunReferenceError.noMatch(reference: reference, runs: root.path)
        default: throw RunReferenceError.ambiguous(reference: reference, matches: matches.map(\.id.rawValue))
        }
    }

    /// The path with every symbolic link resolved (the path itself when it cannot be).
    static func realPath(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Whether `entry` (a name in the root) is, once links are resolved, a folder directly
    /// inside the root: false for a symbolic link to a folder elsewhere.
    static func staysInside(_ realRoot: String, entry: String) -> Bool {
        var info = stat()
        guard lstat(entry, &info) == 0 else { return false }
        guard info.st_mode & S_IFMT == S_IFLNK else { return true }
        return (realPath(entry) as NSString).deletingLastPathComponent == realRoot
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

/// Why a typed RUN names no run (`RunCatalog.resolve`).
public enum RunReferenceError: Error, Equatable, CustomStringConvertible {
    /// Nothing (or only spaces) was given.
    case empty
    /// A path, `.` or `..`: RUN is an id, never a place in the file system.
    case notAnID(reference: String)
    /// No run has that id or an id starting with it.
    case noMatch(reference: String, runs: String)
    /// Several ids start with it.
    case ambiguous(reference: String, matches: [String])

    public var description: String {
        switch self {
        case .empty:
            return "give a run id or a unique prefix of one (see `simlab runs`)"
        case .notAnID(let reference):
            return "'\(reference)' is not a run id: RUN is a run id or a unique prefix of one from `simlab runs`, never a path"
        case .noMatch(let reference, let runs):
            return "no run '\(reference)' in \(runs) (see `simlab runs`)"
        case .ambiguous(let reference, let matches):
            return "'\(reference)' matches \(matches.count) runs: \(matches.prefix(5).joined(separator: ", "))"
                + "\(matches.count > 5 ? ", …" : ""); give more of the id"
        }
    }
}
