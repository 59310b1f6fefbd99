import Foundation

/// Parsers for what Slurm's commands print: `sbatch --parsable`, `squeue` in the format
/// `SlurmClient` asks for, and `scontrol show job -o` (one line of key=value pairs per job).
public enum SlurmOutput {
    /// The squeue format `SlurmClient` uses: job id, state, node list, reason. The reason goes
    /// last because it may contain spaces.
    public static let squeueFormat = "%i|%T|%N|%r"

    /// What Slurm prints (on stderr) for a job id it does not know.
    public static let invalidJobMessage = "Invalid job id specified"

    /// The job id from `sbatch --parsable` ("1234", or "1234;cluster" on a multi-cluster
    /// setup); nil when the output holds none.
    public static func submittedJobID(_ text: String) -> String? {
        let line = text.split(whereSeparator: \.isNewline).last.map(String.init) ?? ""
        let id = line.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        guard !id.isEmpty, id.allSatisfy({ $0.isNumber || $0 == "_" }) else { return nil }
        return id
    }

    /// The jobs in `squeue --noheader --format=\(squeueFormat)` output (one a line; lines
    /// that do not have the four fields are skipped).
    public static func squeue(_ text: String) -> [SlurmJobState] {
        text.split(whereSeparator: \.isNewline).compactMap { line in
            let fields = line.split(separator: "|", maxSplits: 3, omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count == 4, !fields[0].isEmpty else { return nil }
            return SlurmJobState(jobID: fields[0], phase: .init(slurmState: fields[1]), slurmState: fields[1],
                                 reason: meaningful(fields[3]), nodes: meaningful(fields[2]))
        }
    }

    /// The jobs in `scontrol show job -o` output (a line per job or array task). Output that
    /// says Slurm does not know the job gives `[]`.
    public static func scontrolJobs(_ text: String) -> [SlurmJobState] {
        text.split(whereSeparator: \.isNewline).compactMap { line in
            let fields = keyValues(String(line))
            guard let id = fields["JobId"], let state = fields["JobState"] else { return nil }
            // An array task is "JobId=1235 ArrayJobId=1234 ArrayTaskId=1"; squeue calls it "1234_1".
            var jobID = id
            if let arrayJob = fields["ArrayJobId"], let task = fields["ArrayTaskId"], Int(task) != nil {
                jobID = "\(arrayJob)_\(task)"
            }
            var exitCode: Int32?, exitSignal: Int32?
            if let exit = fields["ExitCode"] {
                let parts = exit.split(separator: ":")
                exitCode = parts.first.flatMap { Int32($0) }
                exitSignal = parts.count > 1 ? Int32(parts[1]) : nil
            }
            return SlurmJobState(jobID: jobID, phase: .init(slurmState: state), slurmState: state,
                                 reason: fields["Reason"].flatMap(meaningful),
                                 nodes: fields["NodeList"].flatMap(meaningful),
                                 exitCode: exitCode, exitSignal: exitSignal)
        }
    }

    /// Splits "Key=value Key2=value two Key3=…" into pairs. A word without "Key=" in front
    /// belongs to the value before it (a value with spaces); keys look like `JobId`,
    /// `AllocNode:Sid`, `CPUs/Task`.
    static func keyValues(_ line: String) -> [String: String] {
        var result: [String: String] = [:]
        var currentKey: String?
        for word in line.split(separator: " ", omittingEmptySubsequences: true) {
            if let equals = word.firstIndex(of: "="), isKey(word[..<equals]) {
                let key = String(word[..<equals])
                result[key] = String(word[word.index(after: equals)...])
                currentKey = key
            } else if let key = currentKey {
                result[key, default: ""] += " " + word
            }
        }
        return result
    }

    private static func isKey(_ text: Substring) -> Bool {
        guard let first = text.first, first.isLetter else { return false }
        return text.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == ":" || $0 == "/" }
    }

    /// A time as scontrol prints it ("2024-05-01T12:30:00", local time); nil for "Unknown",
    /// "None" and the like.
    public static func date(_ text: String, timeZone: TimeZone = .current) -> Date? {
        let parts = text.split(whereSeparator: { "-T:".contains($0) }).compactMap { Int($0) }
        guard parts.count == 6 else { return nil }
        var components = DateComponents()
        (components.year, components.month, components.day) = (parts[0], parts[1], parts[2])
        (components.hour, components.minute, components.second) = (parts[3], parts[4], parts[5])
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar.date(from: components)
    }

    /// Slurm prints "None", "(null)", "n/a" or nothing for an empty field.
    private static func meaningful(_ value: String) -> String? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        switch trimmed {
        case "", "None", "(null)", "N/A", "n/a": return nil
        default: return trimmed
        }
    }
}
