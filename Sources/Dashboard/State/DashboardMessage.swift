import RunStore
import TerminalUI

/// Everything that happens to the dashboard: keys, time, and the results of effects.
public enum DashboardMessage: Sendable {
    case key(Key)
    /// Time passed (seconds from any fixed origin); drives polling.
    case tick(now: Double)
    case resized(width: Int, height: Int)
    /// The run folder was listed (`error` when it could not be read at all).
    case runsListed([RunRow], error: String?)
    /// Metrics appended to a run's metrics.jsonl since the last read (`restarted`: the file
    /// was replaced, drop what came before).
    case metricsAppended(runID: String, points: [MetricPoint], restarted: Bool)
    case logLoaded(runID: String, lines: [String])
    case kernelsLoaded(runID: String, epochs: [Int], snapshot: KernelSnapshot?, error: String?)
    /// The per-epoch kNN statistics, the final evaluation (evaluation.json) and the few-shot
    /// evaluations (fewshot.json), when present.
    case knnLoaded(runID: String, epochs: [KNNEpochStatistics], evaluation: NeighbourEvaluationSummary?,
                   fewShot: FewShotResults?, error: String?)
    case neighboursLoaded(runID: String, data: NeighbourBrowserData?, error: String?)
    /// A control action finished; `errors` lists what failed, one line per run.
    case controlFinished(action: RunControlAction, runIDs: [String], errors: [String])
    case launched(runID: String?, error: String?)
    /// The studies of the runs folder (`runs/.studies/`), with their reports and curves;
    /// `error` names the study files that could not be read.
    case studiesListed([StudyOverview], error: String?)
    /// A study was created (or continued) from the form: its run ids, or why not.
    case studyLaunched(name: String, runIDs: [String], error: String?)
}

/// The I/O the dashboard asks for; an `EffectRunner` performs it and answers with messages.
public enum Effect: Equatable, Sendable {
    case listRuns
    /// Read what was appended to these runs' metrics since the last read.
    case tailMetrics(runIDs: [String])
    case loadLog(runID: String)
    /// List kernel snapshots and load one (nil epoch: the newest).
    case loadKernels(runID: String, epoch: Int?)
    case loadKNN(runID: String)
    case loadNeighbours(runID: String)
    case control(RunControlAction, runIDs: [String])
    /// Create a run and start its worker through `executor` (a local one waits FIFO for a
    /// slot when all are busy; a Slurm one is submitted as a job).
    case launch(TrainingConfiguration, name: String?, executor: ExecutorChoice = .local)
    /// Read every study with its runs' progress and metrics.
    case listStudies
    /// Create (or continue) a study and queue its runs.
    case launchStudy(StudyRecord)
    case quit
}
