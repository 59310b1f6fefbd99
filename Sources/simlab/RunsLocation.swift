import ArgumentParser
import Foundation
import RunStore
import Worker

/// `--runs DIR` (default ./runs, or $SIMLAB_RUNS) and finding a run in it.
struct RunsLocation: ParsableArguments {
    @Option(name: .customLong("runs"), help: "Directory of run folders (default: $SIMLAB_RUNS or ./runs).")
    var directory: String?

    var url: URL { URL(fileURLWithPath: Self.path(option: directory)).standardizedFileURL }

    /// `--runs`, else $SIMLAB_RUNS, else `runs`; an empty value counts as unset (an empty
    /// path would be the current directory, whose folders are no runs).
    static func path(option: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        [option, environment["SIMLAB_RUNS"]].compactMap { $0 }.first { !$0.isEmpty } ?? "runs"
    }

    /// The runs, each worker judged by its own executor.
    var catalog: RunCatalog { RunCatalog(root: url, liveness: Executors.liveness(runsDirectory: url)) }

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

    /// The run named by an id or a unique id prefix: a run folder directly inside the runs
    /// directory, never a path (`RunCatalog.resolve`).
    func run(_ reference: String) throws -> RunDirectory {
        do { return try catalog.resolve(reference) } catch let error as RunReferenceError {
            throw ValidationError(error.description)
        }
    }
}
