#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Foundation

/// How the CLI and the dashboard steer a running worker: plain POSIX signals.
///
/// SIGUSR1 pauses (at the next step boundary), SIGUSR2 resumes, SIGTERM / SIGINT stop
/// (a checkpoint is written first). SIGKILL cannot be caught: the run is then resumed
/// from its last checkpoint.
public enum ControlSignal: Sendable {
    case pause, resume, stop

    public var number: Int32 {
        switch self {
        case .pause: return SIGUSR1
        case .resume: return SIGUSR2
        case .stop: return SIGTERM
        }
    }

    /// Sends the signal; false when no such process exists.
    @discardableResult
    public func send(to pid: pid_t) -> Bool {
        pid > 0 && kill(pid, number) == 0
    }
}

/// The worker side: turns incoming control signals into flags the training loop polls.
public final class ControlSignalReceiver: @unchecked Sendable {
    private let lock = NSLock()
    private var paused = false
    private var stopRequested = false
    private var sources: [DispatchSourceSignal] = []
    private let queue = DispatchQueue(label: "simlab.control-signals")

    public init() {
        let handlers: [(Int32, (ControlSignalReceiver) -> Void)] = [
            (SIGUSR1, { $0.set { $0.paused = true } }),
            (SIGUSR2, { $0.set { $0.paused = false } }),
            (SIGTERM, { $0.set { $0.stopRequested = true } }),
            (SIGINT, { $0.set { $0.stopRequested = true } }),
            (SIGHUP, { _ in }),  // detached workers ignore a hang-up
        ]
        for (number, handler) in handlers {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [unowned self] in handler(self) }
            source.resume()
            sources.append(source)
        }
    }

    private func set(_ change: (ControlSignalReceiver) -> Void) {
        lock.lock(); defer { lock.unlock() }
        change(self)
    }

    public var isPaused: Bool { lock.lock(); defer { lock.unlock() }; return paused }
    public var isStopRequested: Bool { lock.lock(); defer { lock.unlock() }; return stopRequested }

    /// Requests a stop from inside the process (e.g. an error handler).
    public func requestStop() { set { $0.stopRequested = true } }
}
