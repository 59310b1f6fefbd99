import Foundation
import RunStore

/// The body of `simlab worker RUN_DIR`: wait in the queue for a slot, then train; the
/// worker's executor reads the control signals its way and settles a stop (`Executor`).
public enum WorkerProcess {
    /// Returns the process exit code (1 when the run failed).
    public static func run(runDirectory: URL, resume: Bool) -> Int32 {
        let run = RunDirectory(url: runDirectory)
        let executor = Executors.currentWorker.executor
        let control = ControlSignalReceiver(mode: executor.signalMode)
        switch SlotTurn.wait(for: run, control: control) {
        case .failed(let reason):
            print("\(ISOTime.format(Date())) \(reason)")
            return 1
        case .stoppedWhileQueued:
            print("\(ISOTime.format(Date())) stopped while queued")
            return 0
        case .notClaimed:
            print("\(ISOTime.format(Date())) worker \(getpid()): the run was stopped, or another worker has it; not training")
            return 0
        case .granted(let lease):
            defer { lease?.release() }
            executor.workerWillTrain(run, control: control)
            let stepAtStart = (try? run.readStatus())?.step ?? 0
            let state = RunExecutor(run: run, control: control).execute(resume: resume)
            if state == .stopped { executor.workerStopped(run, cause: control.stopCause, stepAtStart: stepAtStart) }
            return state == .failed ? 1 : 0
        }
    }
}
