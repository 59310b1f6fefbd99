import Foundation
import RunStore

/// The body of `simlab worker RUN_DIR`: wait in the queue for a slot, then train.
public enum WorkerProcess {
    /// Returns the process exit code (1 when the run failed).
    public static func run(runDirectory: URL, resume: Bool) -> Int32 {
        let run = RunDirectory(url: runDirectory)
        let control = ControlSignalReceiver()
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
            let state = RunExecutor(run: run, control: control).execute(resume: resume)
            return state == .failed ? 1 : 0
        }
    }
}
