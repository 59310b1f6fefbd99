#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Talks to Slurm through its client commands — `sbatch`, `squeue`, `scontrol`, `scancel` —
/// as any cluster user can (no admin rights, no Slurm library). Each call runs the command,
/// waits at most `timeout` seconds and turns a failure into a `SlurmError` that shows
/// Slurm's own message.
public struct SlurmClient: Sendable {
    /// The environment the commands run with; its PATH is where they are looked up.
    public var environment: [String: String]
    /// How long one command may take before it is ended and `SlurmError.timedOut` thrown.
    public var timeout: TimeInterval

    public init(environment: [String: String] = ProcessInfo.processInfo.environment, timeout: TimeInterval = 30) {
        self.environment = environment
        self.timeout = timeout
    }

    /// What one command printed and how it exited.
    public struct CommandResult: Sendable, Equatable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    // MARK: the commands

    /// `sbatch --parsable [arguments…] SCRIPT`: submits the batch script; returns the job id
    /// ("1234"; for an array, the array's id). `arguments` come before the script and win
    /// over its `#SBATCH` lines.
    public func submit(script: URL, arguments: [String] = []) throws -> String {
        let result = try run("sbatch", ["--parsable"] + arguments + [script.path])
        guard result.status == 0 else { throw SlurmError.rejected(message: Self.message(result)) }
        guard let id = SlurmOutput.submittedJobID(result.stdout) else {
            throw SlurmError.unexpectedOutput(command: "sbatch --parsable", output: result.stdout + result.stderr)
        }
        return id
    }

    /// The jobs squeue lists for these ids (an array's id lists its tasks), including ended
    /// jobs Slurm still remembers (`--states=all`). A job Slurm no longer knows is missing
    /// from the result.
    public func queue(jobIDs: [String]) throws -> [SlurmJobState] {
        guard !jobIDs.isEmpty else { return [] }
        let result = try run("squeue", ["--noheader", "--states=all", "--jobs=\(jobIDs.joined(separator: ","))",
                                        "--format=\(SlurmOutput.squeueFormat)"])
        if result.status != 0 {
            // squeue fails outright when the only id asked for is unknown.
            if result.stderr.contains(SlurmOutput.invalidJobMessage) { return [] }
            throw SlurmError.failed(command: "squeue", status: result.status, message: Self.message(result))
        }
        return SlurmOutput.squeue(result.stdout)
    }

    /// Every job of the user running this (`squeue --me`), array tasks one a line
    /// (`--array`), ended jobs Slurm still remembers included: what a listing of many runs
    /// asks once instead of once a run.
    public func queueOfCurrentUser() throws -> [SlurmJobState] {
        let result = try run("squeue", ["--noheader", "--states=all", "--array", "--me",
                                        "--format=\(SlurmOutput.squeueFormat)"])
        guard result.status == 0 else {
            throw SlurmError.failed(command: "squeue", status: result.status, message: Self.message(result))
        }
        return SlurmOutput.squeue(result.stdout)
    }

    /// When the job will be ended by its time limit (`EndTime` of `scontrol show job`, in
    /// this machine's time zone); nil when Slurm gives none (pending, no limit).
    public func endTime(jobID: String) throws -> Date? {
        let result = try run("scontrol", ["show", "job", "-o", jobID])
        guard result.status == 0 else {
            throw SlurmError.failed(command: "scontrol show job", status: result.status, message: Self.message(result))
        }
        guard let line = result.stdout.split(whereSeparator: \.isNewline).first,
              let text = SlurmOutput.keyValues(String(line))["EndTime"] else { return nil }
        return SlurmOutput.date(text)
    }

    /// `scontrol show job -o ID`: the job's state with its reason, nodes and exit code; for
    /// an array id, its tasks. A job Slurm no longer knows gives one `.unknownToSlurm` state.
    public func show(jobID: String) throws -> [SlurmJobState] {
        let result = try run("scontrol", ["show", "job", "-o", jobID])
        if result.status != 0 || result.stdout.isEmpty {
            if (result.stderr + result.stdout).contains(SlurmOutput.invalidJobMessage) { return [.unknownToSlurm(jobID)] }
            throw SlurmError.failed(command: "scontrol show job", status: result.status, message: Self.message(result))
        }
        let jobs = SlurmOutput.scontrolJobs(result.stdout)
        guard !jobs.isEmpty else {
            throw SlurmError.unexpectedOutput(command: "scontrol show job -o \(jobID)", output: result.stdout)
        }
        return jobs
    }

    /// `scancel [--signal=SIGNAL] [--batch] ID`: without a signal, cancels the job; with one,
    /// sends it. A job made of a batch script alone (simlab's: the script `exec`s the worker)
    /// has no other step, so a signal meant for the worker needs `batchOnly` (`--batch`):
    /// without it, Slurm signals only the job's steps started by srun.
    public func cancel(jobID: String, signal: String? = nil, batchOnly: Bool = false) throws {
        var arguments: [String] = []
        if let signal { arguments.append("--signal=\(signal)") }
        if batchOnly { arguments.append("--batch") }
        let result = try run("scancel", arguments + [jobID])
        guard result.status == 0 else {
            throw SlurmError.failed(command: "scancel", status: result.status, message: Self.message(result))
        }
    }

    // MARK: running a command

    /// Where `command` is on the environment's PATH.
    public func locate(_ command: String) throws -> URL {
        let path = environment["PATH"] ?? ""
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(command)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw SlurmError.commandNotFound(command: command, path: path)
    }

    /// Runs `command arguments…` (found on PATH) with stdin from /dev/null; its output goes
    /// through temporary files, so nothing it leaves behind can keep a pipe open. Ended with
    /// SIGTERM (then SIGKILL) after `timeout` seconds.
    public func run(_ command: String, _ arguments: [String]) throws -> CommandResult {
        let executable = try locate(command)
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("simlab-slurm-\(command)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outURL = scratch.appendingPathComponent("stdout"), errURL = scratch.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)

        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        do {
            try process.run()
        } catch {
            try? out.close(); try? err.close()
            throw SlurmError.failed(command: command, status: -1, message: "could not start \(executable.path): \(error)")
        }
        try? out.close(); try? err.close()
        if finished.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            if finished.wait(timeout: .now() + 2) == .timedOut {
                kill(process.processIdentifier, SIGKILL)
                _ = finished.wait(timeout: .now() + 2)
            }
            throw SlurmError.timedOut(command: ([command] + arguments).joined(separator: " "), seconds: timeout)
        }
        process.waitUntilExit()
        return CommandResult(status: process.terminationStatus,
                             stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
                             stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
    }

    /// Slurm's message: stderr without the "sbatch: error: " prefixes, else stdout.
    static func message(_ result: CommandResult) -> String {
        let text = result.stderr.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? result.stdout : result.stderr
        return text.split(whereSeparator: \.isNewline)
            .map { line -> String in
                var line = String(line)
                for prefix in ["sbatch: error: ", "squeue: error: ", "scontrol: error: ", "scancel: error: "]
                where line.hasPrefix(prefix) {
                    line.removeFirst(prefix.count)
                }
                return line.trimmingCharacters(in: .whitespaces)
            }
            .filter { !$0.isEmpty }
            .joined(separator: "; ")
    }
}
