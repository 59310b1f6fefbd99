/// Why a Slurm command did not do what `SlurmClient` asked, worded for the person at the
/// terminal.
public enum SlurmError: Error, Equatable, CustomStringConvertible {
    /// The command is not on PATH (no Slurm client commands on this machine).
    case commandNotFound(command: String, path: String)
    /// `sbatch` refused the job; `message` is Slurm's own (stderr).
    case rejected(message: String)
    /// A command exited with a failure status.
    case failed(command: String, status: Int32, message: String)
    /// A command did not finish within the client's timeout (it was then ended).
    case timedOut(command: String, seconds: Double)
    /// A command printed something the client cannot read.
    case unexpectedOutput(command: String, output: String)
    /// The batch script cannot be written as asked.
    case invalidScript(String)

    public var description: String {
        switch self {
        case .commandNotFound(let command, let path):
            return "Slurm's \(command) is not on PATH: \(path.isEmpty ? "(PATH is empty)" : path). "
                + "Run simlab where Slurm's client commands are installed (a login node of the cluster), "
                + "or add their directory to PATH"
        case .rejected(let message):
            return "sbatch rejected the job: \(message.isEmpty ? "(Slurm gave no message)" : message)"
        case .failed(let command, let status, let message):
            return "\(command) failed (exit status \(status))\(message.isEmpty ? "" : ": \(message)")"
        case .timedOut(let command, let seconds):
            return "\(command) did not answer within \(Self.format(seconds)) s; "
                + "is slurmctld reachable from here? (`sinfo` and `scontrol ping` tell)"
        case .unexpectedOutput(let command, let output):
            return "\(command) printed something simlab cannot read: \(output.isEmpty ? "(nothing)" : output)"
        case .invalidScript(let reason):
            return "cannot write the Slurm batch script: \(reason)"
        }
    }

    private static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }
}
