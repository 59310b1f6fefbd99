import ArgumentParser
import Foundation
import RunStore

/// `--runs DIR` (default ./runs, or $SIMLAB_RUNS) and finding a run in it.
struct RunsLocation: ParsableArguments {
    @Option(name: .customLong("runs"), help: "Directory of run folders (default: $SIMLAB_RUNS or ./runs).")
    var directory: String?

    var url: URL {
        let path = directory ?? ProcessInfo.processInfo.environment["SIMLAB_RUNS"] ?? "runs"
        return URL(fileURLWithPath: path).standardizedFileURL
    }

    var catalog: RunCatalog { RunCatalog(root: url) }

    /// A runs directory that exists must be a directory this user can read and enter (a
    /// missing one is fine: the first run creates it).
    func validate() throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else { return }
        guard isDirectory.boolValue else { throw ValidationError("--runs \(url.path) is a file, not a directory of runs") }
        guard access(url.path, R_OK | X_OK) == 0 else {
            throw ValidationError("cannot read the runs directory \(url.path): \(String(cString: strerror(errno)))")
        }
    }

    /// The run named by an id, a unique id prefix or a path to a run directory.
    func run(_ reference: String) throws -> RunDirectory {
        // An empty prefix would match every run (and `rm ""` would delete the only one).
        guard !reference.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ValidationError("give a run id or a unique prefix of one (see `simlab runs`)")
        }
        if let run = catalog.find(reference) { return run }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: reference, isDirectory: &isDirectory), isDirectory.boolValue,
           FileManager.default.fileExists(atPath: (reference as NSString).appendingPathComponent("config.json")) {
            return RunDirectory(url: URL(fileURLWithPath: reference))
        }
        let matches = catalog.runDirectories().filter { $0.id.rawValue.hasPrefix(reference) }
        if matches.count > 1 {
            throw ValidationError("'\(reference)' matches \(matches.count) runs: \(matches.prefix(5).map(\.id.rawValue).joined(separator: ", "))\(matches.count > 5 ? ", …" : ""); give more of the id")
        }
        throw ValidationError("no run '\(reference)' in \(url.path) (see `simlab runs`)")
    }
}
