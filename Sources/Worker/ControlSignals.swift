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
public final class ControlSignalReceiver: @unchecked Sendable {
    /// [0] paused, [1] stop requested — written only by the signal handlers and `requestStop`.
    nonisolated(unsafe) private static let flags: UnsafeMutablePointer<sig_atomic_t> = {
        let pointer = UnsafeMutablePointer<sig_atomic_t>.allocate(capacity: 2)
        pointer.initialize(repeating: 0, count: 2)
        return pointer
    }()

    public init() {
        _ = Self.flags  // allocate before any handler can run
        Self.install(SIGUSR1) { _ in ControlSignalReceiver.flags[0] = 1 }
        Self.install(SIGUSR2) { _ in ControlSignalReceiver.flags[0] = 0 }
        Self.install(SIGTERM) { _ in ControlSignalReceiver.flags[1] = 1 }
        Self.install(SIGINT) { _ in ControlSignalReceiver.flags[1] = 1 }
        // A foreground run whose stderr pipe closed (`| head`) stops with a checkpoint
        // instead of dying mid-step.
        Self.install(SIGPIPE) { _ in ControlSignalReceiver.flags[1] = 1 }
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

    /// Requests a stop from inside the process (e.g. an error handler).
    public func requestStop() { Self.flags[1] = 1 }

    /// Clears both flags (tests that reuse the process).
    public func reset() { Self.flags[0] = 0; Self.flags[1] = 0 }
}
