import Foundation
import RunStore

/// The batch script `sbatch` runs for a run (or, as a job array, for a study's runs): its
/// `#SBATCH` options, then the line that `exec`s the same simlab binary's worker on the run
/// directory, so the batch step *is* the worker and signals sent with
/// `scancel --batch --signal=…` (or Slurm's `--signal=B:…` warning) reach it directly.
///
/// The job's output goes into the run directory's worker log (appended, so a requeued or
/// resubmitted job continues the same log). A requeued job (`SLURM_RESTART_COUNT` > 0)
/// resumes the run from its checkpoint.
public struct SlurmBatchScript: Sendable, Equatable {
    /// What the job trains.
    public enum Work: Sendable, Equatable {
        /// One run, by its directory.
        case run(directory: URL)
        /// A job array over a study's runs: task `i` trains the run directory on line `i + 1`
        /// of the list file (`runListText`); at most `maxParallel` tasks run at once.
        case array(runList: URL, count: Int, maxParallel: Int?)
    }

    /// The signal Slurm sends the batch step some time before the time limit (`--signal=B:SIG@SECONDS`).
    public struct Warning: Sendable, Equatable {
        public var signal: String
        public var secondsBeforeEnd: Int
        public init(signal: String, secondsBeforeEnd: Int) {
            self.signal = signal
            self.secondsBeforeEnd = secondsBeforeEnd
        }
        /// URG (`ControlSignalReceiver.timeLimitWarningSignal`: USR1 and USR2 are simlab's
        /// pause and resume), 90 s before the end. Slurm checks its time limits about every
        /// 30–60 s, so the signal comes somewhat earlier than asked, never later.
        public static let standard = Warning(signal: "URG", secondsBeforeEnd: 90)
    }

    public var work: Work
    /// `--job-name` (`simlab-<run id>` for a run).
    public var jobName: String
    /// The simlab binary the job runs (an absolute path the compute nodes can see).
    public var executable: String
    /// `--output`: a path that may hold Slurm's patterns (%j, %A, %a).
    public var output: String
    /// `--chdir`: where the job runs.
    public var workingDirectory: String
    /// `--cpus-per-task`: the run's `--threads`.
    public var cpusPerTask: Int
    /// `--partition`; nil leaves the cluster's default.
    public var partition: String?
    /// `--time` in a form Slurm takes (`MM`, `MM:SS`, `HH:MM:SS`, `D-HH`, `D-HH:MM`, `D-HH:MM:SS`);
    /// nil leaves the partition's default. Slurm rounds it up to whole minutes.
    public var timeLimit: String?
    /// More options, one `#SBATCH` line each, written as `--name=value` (`--account=lab`, `--mem=4G`).
    public var extraArguments: [String]
    /// The warning before the time limit; nil asks for none.
    public var warning: Warning?
    /// `--requeue`: Slurm may requeue the job (node failure, preemption, `scontrol requeue`).
    public var requeue: Bool
    /// The worker continues from the run's checkpoint even on the job's first start (a job
    /// submitted to resume a stopped run).
    public var resume: Bool

    public init(work: Work, jobName: String, executable: String, output: String, workingDirectory: String,
                cpusPerTask: Int, partition: String? = nil, timeLimit: String? = nil, extraArguments: [String] = [],
                warning: Warning? = .standard, requeue: Bool = true, resume: Bool = false) {
        self.work = work
        self.jobName = jobName
        self.executable = executable
        self.output = output
        self.workingDirectory = workingDirectory
        self.cpusPerTask = cpusPerTask
        self.partition = partition
        self.timeLimit = timeLimit
        self.extraArguments = extraArguments
        self.warning = warning
        self.requeue = requeue
        self.resume = resume
    }

    /// The script for one run: job `simlab-<run id>`, output appended to the run's worker log,
    /// working directory the run directory.
    public static func forRun(_ run: RunDirectory, executable: String, threads: Int, partition: String? = nil,
                              timeLimit: String? = nil, extraArguments: [String] = [], resume: Bool = false)
        -> SlurmBatchScript {
        SlurmBatchScript(work: .run(directory: run.url), jobName: "simlab-\(run.id.rawValue)", executable: executable,
                         output: run.workerLogURL.path, workingDirectory: run.url.path, cpusPerTask: threads,
                         partition: partition, timeLimit: timeLimit, extraArguments: extraArguments, resume: resume)
    }

    /// The job array for a study's runs: job `simlab-<name>`, the list file and Slurm's own
    /// output (`slurm-<array id>_<task>.out`) in `directory`; each task appends its worker's
    /// output to its run's worker log.
    public static func forStudy(name: String, directory: URL, runList: URL, runCount: Int, maxParallel: Int?,
                                executable: String, threads: Int, partition: String? = nil, timeLimit: String? = nil,
                                extraArguments: [String] = []) -> SlurmBatchScript {
        SlurmBatchScript(work: .array(runList: runList, count: runCount, maxParallel: maxParallel),
                         jobName: "simlab-\(name)", executable: executable,
                         output: directory.appendingPathComponent("slurm-%A_%a.out").path,
                         workingDirectory: directory.path, cpusPerTask: threads, partition: partition,
                         timeLimit: timeLimit, extraArguments: extraArguments)
    }

    /// The list file of a job array: one absolute run directory a line.
    public static func runListText(_ runs: [RunDirectory]) throws -> String {
        for run in runs where run.url.path.contains(where: \.isNewline) {
            throw SlurmError.invalidScript("a run directory's path has a line break: \(run.url.path)")
        }
        return runs.map { $0.url.path + "\n" }.joined()
    }

    // MARK: rendering

    /// The script's text; throws `SlurmError.invalidScript` for settings sbatch would
    /// misread (a line break in a value, a time limit or count it does not take).
    public func render() throws -> String {
        try validate()
        var options: [String] = ["--job-name=\(jobName)"]
        if case .array(_, let count, let maxParallel) = work {
            options.append("--array=0-\(count - 1)" + (maxParallel.map { "%\($0)" } ?? ""))
        }
        options += ["--output=\(output)", "--open-mode=append", "--chdir=\(workingDirectory)",
                    "--ntasks=1", "--cpus-per-task=\(cpusPerTask)"]
        if let partition { options.append("--partition=\(partition)") }
        if let timeLimit { options.append("--time=\(timeLimit)") }
        if let warning { options.append("--signal=B:\(warning.signal)@\(warning.secondsBeforeEnd)") }
        if requeue { options.append("--requeue") }
        options += extraArguments

        var lines = ["#!/bin/bash"]
        lines += options.map { "#SBATCH " + Self.sbatchQuoted($0) }
        lines.append("# Written by simlab: \(workDescription). Slurm's output and the worker's log share the log file;")
        lines.append("# a requeued job (SLURM_RESTART_COUNT > 0) resumes from the run's checkpoint.")
        lines.append("set -eu")
        // Tells the worker it is this job's (SlurmExecutor.currentWorkerHandle).
        lines.append("export SIMLAB_SLURM_JOB=\"${SLURM_JOB_ID:-}\"")
        switch work {
        case .run(let directory):
            lines.append("run_directory=\(Self.shellQuoted(directory.path))")
        case .array(let runList, _, _):
            let logName = RunDirectory(url: runList).workerLogURL.lastPathComponent
            lines += [
                "run_list=\(Self.shellQuoted(runList.path))",
                "run_directory=$(sed -n \"$((SLURM_ARRAY_TASK_ID + 1))p\" \"$run_list\")",
                "if [ -z \"$run_directory\" ]; then",
                "    echo \"simlab: no run directory on line $((SLURM_ARRAY_TASK_ID + 1)) of $run_list\" >&2",
                "    exit 1",
                "fi",
                "exec >>\"$run_directory/\(logName)\" 2>&1",
            ]
        }
        let worker = "exec \(Self.shellQuoted(executable)) worker \"$run_directory\""
        if resume {
            lines.append(worker + " --resume")
        } else {
            lines += [
                "if [ \"${SLURM_RESTART_COUNT:-0}\" -gt 0 ]; then",
                "    " + worker + " --resume",
                "fi",
                worker,
            ]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private var workDescription: String {
        switch work {
        case .run: return "the worker of one run"
        case .array(_, let count, _): return "a job array, one task per run of the \(count) in the list file"
        }
    }

    private func validate() throws {
        let values = [jobName, executable, output, workingDirectory] + [partition, timeLimit].compactMap { $0 }
            + extraArguments
        if let bad = values.first(where: { $0.contains(where: \.isNewline) }) {
            throw SlurmError.invalidScript("a value has a line break: \(bad.debugDescription)")
        }
        guard cpusPerTask >= 1 else { throw SlurmError.invalidScript("--cpus-per-task must be at least 1, not \(cpusPerTask)") }
        guard executable.hasPrefix("/") else {
            throw SlurmError.invalidScript("the simlab binary must be an absolute path, not \(executable)")
        }
        if let timeLimit, !Self.isTimeLimit(timeLimit) {
            throw SlurmError.invalidScript("--time \(timeLimit) is not a Slurm time limit "
                                           + "(MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS)")
        }
        if let partition, partition.isEmpty || partition.contains(where: \.isWhitespace) {
            throw SlurmError.invalidScript("--partition \(partition.debugDescription) is not a partition name")
        }
        if let warning {
            guard warning.secondsBeforeEnd >= 0, warning.signal.allSatisfy({ $0.isLetter || $0.isNumber }),
                  !warning.signal.isEmpty else {
                throw SlurmError.invalidScript("--signal=B:\(warning.signal)@\(warning.secondsBeforeEnd) is not a Slurm signal request")
            }
        }
        for argument in extraArguments where !argument.hasPrefix("-") {
            throw SlurmError.invalidScript("extra sbatch argument \(argument.debugDescription) is not an option "
                                           + "(write it as --name=value)")
        }
        if case .array(_, let count, let maxParallel) = work {
            guard count >= 1 else { throw SlurmError.invalidScript("a job array needs at least one run, not \(count)") }
            if let maxParallel, maxParallel < 1 {
                throw SlurmError.invalidScript("--max-parallel must be at least 1, not \(maxParallel)")
            }
        }
    }

    /// A time limit in seconds, rounded up to whole minutes as Slurm does; nil when it is not
    /// one of Slurm's forms.
    public static func seconds(ofTimeLimit text: String) -> Int? {
        guard isTimeLimit(text) else { return nil }
        let parts = text.split(separator: "-")
        let days = parts.count == 2 ? Int(parts[0]) ?? 0 : 0
        let clock = parts.last!.split(separator: ":").map { Int($0) ?? 0 }
        var seconds: Int
        if parts.count == 2 {
            // D-HH, D-HH:MM, D-HH:MM:SS
            seconds = clock[0] * 3600 + (clock.count > 1 ? clock[1] * 60 : 0) + (clock.count > 2 ? clock[2] : 0)
        } else {
            switch clock.count {
            case 1: seconds = clock[0] * 60                                  // MM
            case 2: seconds = clock[0] * 60 + clock[1]                       // MM:SS
            default: seconds = clock[0] * 3600 + clock[1] * 60 + clock[2]    // HH:MM:SS
            }
        }
        seconds += days * 86_400
        return (seconds + 59) / 60 * 60
    }

    /// Slurm's time limit forms: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS.
    static func isTimeLimit(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count <= 2, parts.allSatisfy({ !$0.isEmpty }) else { return false }
        let clock = parts.last!.split(separator: ":", omittingEmptySubsequences: false)
        guard clock.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }) else { return false }
        if parts.count == 2 {
            return parts[0].allSatisfy { $0.isASCII && $0.isNumber } && clock.count <= 3
        }
        return clock.count <= 3
    }

    /// A value as sbatch reads it from an `#SBATCH` line: bare when it has only plain
    /// characters, else in double quotes with `"` and `\` escaped (sbatch's own rules; a
    /// `#` or a space inside the quotes stays part of the value).
    static func sbatchQuoted(_ option: String) -> String {
        let plain = option.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_=./:,@%+".contains($0)) }
        if plain { return option }
        // Quote the value only, so sbatch still sees `--name=` in front.
        if option.hasPrefix("--"), let equals = option.firstIndex(of: "=") {
            let name = option[...equals], value = option[option.index(after: equals)...]
            return name + doubleQuoted(String(value))
        }
        return doubleQuoted(option)
    }

    private static func doubleQuoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// A word for bash: bare when plain, else in single quotes (`'` written as `'\''`).
    static func shellQuoted(_ text: String) -> String {
        let plain = !text.isEmpty && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_=./:,@%+".contains($0)) }
        if plain { return text }
        return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
