import Foundation
import RunStore
import TensorCore
import Training

/// Hosts one run's `TrainingSession` in this process: the worker process
/// (`simlab worker RUN_DIR`) and foreground `simlab train`.
///
/// The session trains and writes the training files; this side owns the process's part:
/// status.json (state changes at once, heartbeats at most once a second), the log, the
/// control flags from `ControlSignalReceiver`, and the end state. Failures never escape:
/// they end in a `failed` status with the error.
public final class RunExecutor: TrainingSessionHost {
    public let run: RunDirectory
    public let control: ControlSignalReceiver
    /// Called after every step (the foreground progress bar).
    public var onStep: ((TrainingSession.Progress) -> Void)?
    /// Called with each human-readable log line.
    public var onLog: ((String) -> Void)?
    /// Where log lines go: stdout (a detached worker's stdout is worker.log) or, in the
    /// foreground, appended to worker.log directly so the terminal keeps its progress bar.
    public var logsToStandardOutput = true

    private var status: RunStatus
    private var lastStatusWrite = Date.distantPast

    public init(run: RunDirectory, control: ControlSignalReceiver) {
        self.run = run
        self.control = control
        status = (try? run.readStatus()) ?? RunStatus(state: .queued)
    }

    /// Trains until finished, stopped or failed; returns the final state.
    @discardableResult
    public func execute(resume: Bool) -> RunState {
        do {
            AllocatorTuning.keepFreedBlocks()
            status.state = .running
            status.startedAt = status.startedAt ?? Date()
            status.lastError = nil
            writeStatus(force: true)
            log("worker \(getpid()): \(BinaryIdentity.current)")
            let stale = run.removeStaleTemporaries()
            if !stale.isEmpty { log("removed \(stale.count) temporary file\(stale.count == 1 ? "" : "s") a killed worker left: \(stale.joined(separator: ", "))") }

            switch try TrainingSession(run: run, host: self).train(resume: resume) {
            case .finished:
                status.end(as: .finished)
                status.etaSeconds = 0
                writeStatus(force: true)
                log("finished")
                return .finished
            case .stopped:
                status.end(as: .stopped)
                writeStatus(force: true)
                return .stopped
            }
        } catch {
            let message = "\(error)"
            log("error: \(message)")
            status.end(as: .failed, error: message)
            if let statusError = writeStatus(force: true) {
                // A full disk can refuse even that: say it where someone can still see it.
                SystemLog.error("simlab worker \(getpid()): run \(run.id) failed: \(message); "
                                + "its status.json could not be updated either: \(statusError)")
            }
            return .failed
        }
    }

    // MARK: TrainingSessionHost

    public var isStopRequested: Bool { control.isStopRequested }
    public var isPaused: Bool { control.isPaused }

    public func stateChanged(_ state: RunState) {
        status.state = state
        writeStatus(force: true)
    }

    public func progressed(_ progress: TrainingSession.Progress) {
        status.epoch = progress.epoch
        status.step = progress.step
        status.totalSteps = progress.totalSteps
        if progress.imagesPerSecond > 0 { status.imagesPerSecond = progress.imagesPerSecond }
        if let eta = progress.etaSeconds { status.etaSeconds = eta }
        writeStatus()
        onStep?(progress)
    }

    public func heartbeat() { writeStatus() }

    /// Status writes are throttled to one a second unless forced (state changes), and claim
    /// the run for this process (the one place it does). Returns the error when the write
    /// failed (training goes on: the next write may succeed).
    @discardableResult
    private func writeStatus(force: Bool = false) -> Error? {
        let now = Date()
        guard force || now.timeIntervalSince(lastStatusWrite) >= 1 else { return nil }
        status.heartbeat = now
        if status.worker.map({ !$0.isSameWorker(as: Executors.currentWorker.handle) }) ?? true {
            status.claim(Executors.currentWorker.handle)
        }
        do {
            try run.writeStatus(status)
            lastStatusWrite = now
            return nil
        } catch {
            log("warning: cannot write status: \(error)")
            return error
        }
    }

    /// Appends a line to the log: stdout (worker.log for a detached worker) or worker.log.
    /// A line that cannot be written (a full disk) is lost, never fatal: the run's own
    /// writes report the failure.
    public func log(_ message: String) {
        let line = Array("\(ISOTime.format(Date())) \(message)\n".utf8)
        if logsToStandardOutput {
            try? AtomicFile.writeAll(STDOUT_FILENO, line, path: "standard output")
        } else {
            let fd = open(run.workerLogURL.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
            if fd >= 0 {
                try? AtomicFile.writeAll(fd, line, path: run.workerLogURL.path)
                close(fd)
            }
        }
        onLog?(message)
    }
}
