/// What Slurm says about one job (or one task of a job array): its state, the reason it
/// gives, the nodes it runs on and how it ended. Parsed from `squeue` and `scontrol show job`
/// output by `SlurmOutput`.
public struct SlurmJobState: Sendable, Equatable {
    /// Slurm's job states folded into what a run's presence needs.
    public enum Phase: String, Sendable, CaseIterable {
        /// Waiting for resources, held, or requeued and waiting again.
        case pending
        case running
        /// Suspended or stopped by Slurm (SUSPENDED, STOPPED): alive but not progressing.
        case suspended
        /// Ended; Slurm is cleaning up its processes.
        case completing
        /// Ended with exit code 0.
        case completed
        /// Ended with a non-zero exit code, or could not start (BOOT_FAIL, DEADLINE, …).
        case failed
        case cancelled
        /// Reached its time limit.
        case timeout
        case preempted
        case nodeFail = "node-fail"
        case outOfMemory = "out-of-memory"
        /// Slurm no longer knows the job (it ended more than `MinJobAge` ago, or the id is wrong).
        case unknownToSlurm = "unknown-to-slurm"
        /// A state this mapping does not know; `slurmState` has Slurm's word.
        case other

        /// The phase of a state as squeue's `%T` or scontrol's `JobState=` spell it
        /// ("RUNNING", "CANCELLED", also "CANCELLED+" or "CANCELLED by 0").
        public init(slurmState: String) {
            let word = slurmState.prefix { $0.isLetter || $0 == "_" }.uppercased()
            switch word {
            case "PENDING", "CONFIGURING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESV_DEL_HOLD":
                self = .pending
            case "RUNNING", "RESIZING", "SIGNALING":
                self = .running
            case "SUSPENDED", "STOPPED":
                self = .suspended
            case "COMPLETING", "STAGE_OUT":
                self = .completing
            case "COMPLETED":
                self = .completed
            case "FAILED", "BOOT_FAIL", "DEADLINE", "SPECIAL_EXIT", "REVOKED":
                self = .failed
            case "CANCELLED":
                self = .cancelled
            case "TIMEOUT":
                self = .timeout
            case "PREEMPTED":
                self = .preempted
            case "NODE_FAIL":
                self = .nodeFail
            case "OUT_OF_MEMORY":
                self = .outOfMemory
            default:
                self = .other
            }
        }

        /// The job still holds or waits for an allocation: a worker is, or will be, there.
        public var isActive: Bool {
            switch self {
            case .pending, .running, .suspended, .completing: return true
            default: return false
            }
        }
    }

    /// The job id as Slurm prints it: "1234", or "1234_5" for a task of an array.
    public var jobID: String
    public var phase: Phase
    /// Slurm's own word for the state ("RUNNING", "NODE_FAIL"; empty when Slurm does not know the job).
    public var slurmState: String
    /// Why the job is pending or how it ended, as Slurm gives it ("Resources",
    /// "NonZeroExitCode"); nil when Slurm says "None" or nothing.
    public var reason: String?
    /// The nodes the job runs or ran on (a hostlist such as "node[01-04]"); nil while pending.
    public var nodes: String?
    /// The batch script's exit code, once ended (scontrol only).
    public var exitCode: Int32?
    /// The signal that ended the batch script, 0 if none (scontrol only).
    public var exitSignal: Int32?

    public init(jobID: String, phase: Phase, slurmState: String, reason: String? = nil, nodes: String? = nil,
                exitCode: Int32? = nil, exitSignal: Int32? = nil) {
        self.jobID = jobID
        self.phase = phase
        self.slurmState = slurmState
        self.reason = reason
        self.nodes = nodes
        self.exitCode = exitCode
        self.exitSignal = exitSignal
    }

    /// A job Slurm no longer knows.
    public static func unknownToSlurm(_ jobID: String) -> SlurmJobState {
        SlurmJobState(jobID: jobID, phase: .unknownToSlurm, slurmState: "")
    }
}
