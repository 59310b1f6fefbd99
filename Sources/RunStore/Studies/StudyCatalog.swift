import Foundation

/// The studies of a runs folder: `runs/.studies/NAME/study.json`, one `StudyRecord` each.
/// A study's folder also holds what belongs to the study as a whole (a Slurm job array's
/// output, for one).
///
/// The `.studies` folder's name starts with a dot, so `RunCatalog` (and with it `simlab runs`, `rm`
/// and the dashboard's run list) never takes it for a run.
public struct StudyCatalog: Sendable {
    public let runsRoot: URL

    public init(runsRoot: URL) { self.runsRoot = runsRoot.standardizedFileURL }

    public var folder: URL { runsRoot.appendingPathComponent(".studies", isDirectory: true) }

    /// `runs/.studies/NAME/`.
    public func directory(of name: String) -> URL { folder.appendingPathComponent(name, isDirectory: true) }

    /// `runs/.studies/NAME/study.json`.
    public func url(of name: String) -> URL { directory(of: name).appendingPathComponent("study.json") }

    /// The names of every study (a folder with a study.json), sorted.
    public func names() -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return entries.filter { StudyGrid.nameProblem($0) == nil && FileManager.default.fileExists(atPath: url(of: $0).path) }
            .sorted()
    }

    /// The study named `name`; nil when there is none, `.malformed` naming the file when it
    /// cannot be read.
    public func read(_ name: String) throws -> StudyRecord? {
        guard StudyGrid.nameProblem(name) == nil else { return nil }
        let source = url(of: name)
        guard FileManager.default.fileExists(atPath: source.path) else { return nil }
        let bytes = try AtomicFile.read(source)
        return try Self.decode(bytes, path: source.path)
    }

    /// Decodes a study file's bytes (`path` names it in errors).
    public static func decode(_ bytes: [UInt8], path: String) throws -> StudyRecord {
        do { return try JSONDecoder().decode(StudyRecord.self, from: Data(bytes)) } catch {
            throw RunStoreError.malformed(path: path, reason: RunDirectory.describe(error))
        }
    }

    /// Every study that can be read, with the problems of those that cannot.
    public func studies() -> (studies: [StudyRecord], problems: [RunStoreError]) {
        var studies: [StudyRecord] = [], problems: [RunStoreError] = []
        for name in names() {
            do { if let study = try read(name) { studies.append(study) } } catch let error as RunStoreError {
                problems.append(error)
            } catch {
                problems.append(.malformed(path: url(of: name).path, reason: "\(error)"))
            }
        }
        return (studies, problems)
    }

    /// Writes the study atomically (pretty, keys sorted), creating the folder.
    public func write(_ study: StudyRecord) throws {
        if let problem = StudyGrid.nameProblem(study.name) { throw StudyError(problem) }
        try AtomicFile.createDirectory(folder.path)
        try AtomicFile.createDirectory(directory(of: study.name).path)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let data: Data
        do { data = try encoder.encode(study) } catch {
            throw RunStoreError.malformed(path: url(of: study.name).path, reason: "cannot encode: \(error)")
        }
        try AtomicFile.write([UInt8](data), to: url(of: study.name))
    }

    /// Runs `body` holding an exclusive `flock` on `runs/.locks/study-NAME.lock`, so two
    /// `simlab study create` of the same study never both create its runs.
    public func withExclusiveLock<T>(_ name: String, _ body: () throws -> T) throws -> T {
        let locks = runsRoot.appendingPathComponent(".locks")
        try AtomicFile.createDirectory(locks.path)
        let path = locks.appendingPathComponent("study-\(name).lock").path
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw RunStoreError.io(path: path, operation: "open", errno: errno) }
        defer { close(descriptor) }
        guard flock(descriptor, LOCK_EX) == 0 else { throw RunStoreError.io(path: path, operation: "flock", errno: errno) }
        return try body()
    }
}
