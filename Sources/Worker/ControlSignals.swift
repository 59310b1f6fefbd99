#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How the CLI and the dashboard steer a running worker: plain POSIX signals.
///
/// SIGUSR1 pauses (at the next step boundary), SIGUSR2 resumes, SIGTERM / SIGINT stop
/// (a checkpoint is written first; SIGPIPE, a closed output pipe, stops too). SIGKILL
/// cannot be caught: the run is then resumed from its last checkpoint.
public enum ControlSignal: Sendable {
    case pause, resume, stop

    public var number: Int32 {
        switch self {
        case .pause: return SIGUSR1
        case .resume: return SIGUSR2
        case .stop: return SIGTERM
        }
    }

    /// Sends the signal; false when no such process exists. A stop is followed by SIGCONT,
    /// so a suspended worker (Ctrl-Z, SIGSTOP) wakes up to act on it.
    @discardableResult
    public func send(to pid: pid_t) -> Bool {
        guard pid > 0, kill(pid, number) == 0 else { return false }
        if self == .stop { kill(pid, SIGCONT) }
        return true
    }
}

/// The worker side: turns incoming control signals into flags the training loop polls.
///
/// The handlers only store into preallocated flags (async-signal-safe); the loop reads
/// them between steps. There is one set of flags per process.
///
/// A worker on a cluster (`Mode.clusterJob`, chosen by its executor's `signalMode`) reads
/// the signals differently, because there the scheduler sends some of them too and an idle
/// allocation wastes the cluster's time:
///
/// | signal | local worker | cluster job |
/// |---|---|---|
/// | USR1 | pause at the next step | checkpoint and give the allocation back (`StopCause.release`: the run shows paused) |
/// | USR2 | resume | — |
/// | INT, PIPE | stop with a checkpoint | stop with a checkpoint (`simlab stop`) |
/// | TERM | stop with a checkpoint | the job is ending (time limit reached, preemption, `scancel`): checkpoint, the run stays resumable (`StopCause.interrupted`) |
/// | URG | ignored | the time-limit warning (`timeLimitWarned`; the executor decides when to stop) |
public final class ControlSignalReceiver: @unchecked Sendable {
    /// How the signals are read (see the table above).
    public enum Mode: Sendable {
        case local, clusterJob
    }

    /// Why a stop was requested; a stronger cause wins over a weaker one that came first
    /// (a `simlab stop` after a time-limit warning ends the run stopped).
    public enum StopCause: Int32, Sendable, Comparable {
        /// The cluster ends the job (SIGTERM at the time limit, on preemption or `scancel`).
        case interrupted = 1
        /// The time limit is near: continue in a new job.
        case timeLimit = 2
        /// A pause on a cluster: checkpoint and give the allocation back.
        case release = 3
        /// `simlab stop`, Ctrl-C, a closed output pipe, an internal request.
        case request = 4

        public static func < (a: StopCause, b: StopCause) -> Bool { a.rawValue < b.rawValue }
    }

    /// The signal a cluster job asks for before its time limit (`--signal=B:URG@…`): not one
    /// of simlab's control signals, and ignored by default, so a warning that arrives before
    /// the worker has installed its handlers ends nothing.
    public static let timeLimitWarningSignal: (number: Int32, name: String) = (SIGURG, "URG")

    /// [0] paused, [1] stop requested, [2] stop cause (`StopCause`), [3] time-limit warning
    /// received — written only by the signal handlers, `requestStop` and `reset`.
    nonisolated(unsafe) private static let flags: UnsafeMutablePointer<sig_atomic_t> = {
        let pointer = UnsafeMutablePointer<sig_atomic_t>.allocate(capacity: 4)
        pointer.initialize(repeating: 0, count: 4)
        return pointer
    }()

    /// Records a stop with `cause` unless a stronger one is already recorded (async-signal-safe).
    private static func raiseStop(_ cause: Int32) {
        if flags[2] < cause { flags[2] = cause }
        flags[1] = 1
    }

    public let mode: Mode

    public init(mode: Mode = .local) {
        self.mode = mode
        _ = Self.flags  // allocate before any handler can run
        switch mode {
        case .local:
            Self.install(SIGUSR1) { _ in ControlSignalReceiver.flags[0] = 1 }
            Self.install(SIGUSR2) { _ in ControlSignalReceiver.flags[0] = 0 }
            Self.install(SIGTERM) { _ in ControlSignalReceiver.raiseStop(4) }
        case .clusterJob:
            Self.install(SIGUSR1) { _ in ControlSignalReceiver.raiseStop(3) }
            Self.install(SIGUSR2) { _ in }
            Self.install(SIGTERM) { _ in ControlSignalReceiver.raiseStop(1) }
            Self.install(Self.timeLimitWarningSignal.number) { _ in ControlSignalReceiver.flags[3] = 1 }
        }
        Self.install(SIGINT) { _ in ControlSignalReceiver.raiseStop(4) }
        // A foreground run whose stderr pipe closed (`| head`) stops with a checkpoint
        // instead of dying mid-step.
        Self.install(SIGPIPE) { _ in ControlSignalReceiver.raiseStop(4) }
        signal(SIGHUP, SIG_IGN)  // a detached worker ignores a hang-up
    }

    private static func install(_ number: Int32, _ handler: @convention(c) (Int32) -> Void) {
        var action = sigaction()
        #if canImport(Glibc)
        action.__sigaction_handler.sa_handler = handler
        #else
        action.__sigaction_u.__sa_handler = handler
        #endif
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        sigaction(number, &action, nil)
        // Make sure the signal is not blocked in this thread (spawned workers start with
        // an empty mask; a test process may not).
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, number)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    public var isPaused: Bool { Self.flags[0] != 0 }
    public var isStopRequested: Bool { Self.flags[1] != 0 }
    /// Why the stop was requested (`.request` when none was).
    public var stopCause: StopCause { StopCause(rawValue: Self.flags[2]) ?? .request }
    /// A cluster job's time-limit warning arrived.
    public var timeLimitWarned: Bool { Self.flags[3] != 0 }

    /// Requests a stop from inside the process (e.g. an error handler, a time-limit watch).
    public func requestStop(cause: StopCause = .request) { Self.raiseStop(cause.rawValue) }

    /// Clears every flag (tests that reuse the process).
    public func reset() { for i in 0..<4 { Self.flags[i] = 0 } }
}
