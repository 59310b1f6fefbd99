import ArgumentParser
import Foundation
import RunStore
import Worker

/// `simlab pause RUN`: pause a running worker at its next step.
struct PauseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pause", abstract: "Pause a running run.")
    @Argument(help: "Run id (or a unique prefix).") var id: String
    @OptionGroup var runs: RunsLocation
    @Flag(help: "Return at once instead of waiting until the worker has paused.") var noWait = false
    func run() throws {
        let directory = try runs.run(id)
        let launcher = RunLauncher(runsDirectory: runs.url)
        try perform { try launcher.pause(directory) }
        // Wait for the worker to act, so a command right after this one sees the run paused.
        let paused = !noWait && launcher.wait(for: directory, timeout: 30) { status, presence in
            status.state == .paused || status.state.isTerminal || presence == .none
        }
        print(paused ? "paused \(directory.id)" : "pausing \(directory.id)")
    }
}

/// `simlab resume RUN`: resume a paused worker, or restart a stopped or failed run from its
/// last checkpoint.
struct ResumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume", abstract: "Resume a paused run, or restart a stopped or failed one from its checkpoint.")
    @Argument(help: "Run id (or a unique prefix).") var id: String
    @OptionGroup var runs: RunsLocation
    @Flag(help: "Train in the foreground instead of a background worker (stopped/failed runs).")
    var foreground = false
    @Flag(help: "Return at once instead of waiting until the worker has resumed or taken the run.") var noWait = false
    func run() throws {
        let directory = try runs.run(id)
        let launcher = RunLauncher(runsDirectory: runs.url)
        // A stop still in progress (checkpoint being written) settles first: resume then
        // continues from that checkpoint instead of being refused.
        if !noWait, let status = try? directory.readStatus(), status.state == .stopping {
            _ = launcher.wait(for: directory, timeout: 60) { status, presence in status.state.isTerminal || presence == .none }
        }
        if foreground, launcher.liveWorker(directory) == nil {
            try perform { try launcher.requeue(directory) }
            try ForegroundTraining.exit(with: ForegroundTraining.run(directory, resume: true))
            return
        }
        try perform { try launcher.resume(directory) }
        // Wait until the paused worker runs again or a new worker has taken the run (not for
        // a training slot), so a command right after this one sees the run resumed.
        let settled = !noWait && launcher.wait(for: directory, timeout: 30) { status, presence in
            status.state != .paused && presence != .starting
        }
        print(settled ? "resumed \(directory.id)" : "resuming \(directory.id)")
    }
}

/// `simlab stop RUN`: stop a run; its worker writes a checkpoint first.
struct StopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop", abstract: "Stop a run (a checkpoint is written first; resume continues from it).")
    @Argument(help: "Run id (or a unique prefix).") var id: String
    @OptionGroup var runs: RunsLocation
    @Flag(help: "Return at once instead of waiting until the checkpoint is written and the worker has ended.")
    var noWait = false
    func run() throws {
        let directory = try runs.run(id)
        let launcher = RunLauncher(runsDirectory: runs.url)
        try perform { try launcher.stop(directory) }
        let stopped = !noWait && launcher.wait(for: directory, timeout: 60) { status, presence in
            status.state.isTerminal || presence == .none
        }
        print(stopped ? "stopped \(directory.id)" : "stopping \(directory.id)")
    }
}

/// `simlab rm RUN`: delete a run directory (asks first).
struct RemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Delete a run (asks first).")
    @Argument(help: "Run id (or a unique prefix).") var id: String
    @OptionGroup var runs: RunsLocation
    @Flag(name: [.short, .long], help: "Do not ask.") var yes = false
    func run() throws {
        let directory = try runs.run(id)
        if !yes {
            guard isatty(0) != 0 else {
                throw ValidationError("refusing to delete \(directory.id) without confirmation: no terminal to ask on (pass --yes)")
            }
            print("delete run \(directory.id) and all its files (\(directory.url.path))? [y/N] ", terminator: "")
            fflush(stdout)
            guard let answer = readLine(), ["y", "yes"].contains(answer.lowercased()) else {
                print("kept \(directory.id)")
                return
            }
        }
        try perform { try RunLauncher(runsDirectory: runs.url).delete(directory) }
        print("deleted \(directory.id)")
    }
}

/// `simlab queue [--slots N]`: show the queue, or set how many runs train at once.
struct QueueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue", abstract: "Show the training queue, or set the number of slots.")
    @OptionGroup var runs: RunsLocation
    @Option(parsing: .unconditional, help: "How many runs may train at once (default 1 on this 2-core machine).") var slots: Int?
    func run() throws {
        let queue = SlotQueue(runsDirectory: runs.url.path)
        if let slots {
            guard slots >= 1 && slots <= 64 else { throw ValidationError("--slots must be in 1...64, got \(slots)") }
            try perform {
                try FileManager.default.createDirectory(at: runs.url, withIntermediateDirectories: true)
                try queue.setSlotCount(slots)
            }
        }
        print("slots: \(queue.busySlots()) of \(queue.slotCount) busy")
        // In the order they will start, which `resume` and re-queueing can make differ from id order.
        for summary in QueuePosition.startOrder(runs.catalog.summaries()) {
            print("queued: \(summary.id)  \(summary.config?.printableName ?? "?")")
        }
    }
}

/// Turns a control error into a clean command-line failure.
func perform(_ action: () throws -> Void) throws {
    do { try action() } catch {
        throw CommandFailure(describing: error)
    }
}

/// A failure reported as "Error: <message>" with exit code 1 and no usage text (the
/// command line was right; what it asked for could not be done).
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }

    /// Foundation's file errors as "PATH: reason" instead of their debug text
    /// (`Error Domain=NSCocoaErrorDomain Code=513 …`); simlab's own errors as they read.
    init(describing error: Error) {
        let bridged = error as NSError
        if bridged.domain == NSCocoaErrorDomain {
            let path = bridged.userInfo[NSFilePathErrorKey] as? String ?? (bridged.userInfo[NSURLErrorKey] as? URL)?.path
            let underlying = (bridged.userInfo[NSUnderlyingErrorKey] as? Error).map { $0 as NSError }
            let reason = underlying.flatMap { $0.domain == NSPOSIXErrorDomain ? String(cString: strerror(Int32($0.code))) : nil }
                ?? bridged.localizedDescription
            self.init([path, reason].compactMap { $0 }.joined(separator: ": "))
        } else {
            self.init("\(error)")
        }
    }
}
