import RunStore
import TerminalUI

/// A synthetic, busy dashboard for timing a frame (`simlab bench dashboard`).
public enum DashboardBenchmark {
    /// The Run screen of a 15-epoch run with 100 step lines per epoch, six runs listed.
    public static func syntheticState(width: Int = 200, height: Int = 60, frame: Int = 0) -> DashboardState {
        var state = DashboardState(width: width, height: height, theme: .colour)
        var runs: [RunRow] = []
        for i in 0..<6 {
            let id = "20261122-1200\(10 + i)-ab\(10 + i)"
            runs.append(RunRow(id: id, path: "/runs/\(id)", name: "run \(i)", model: "nsn-lite",
                               variant: TrainingConfiguration.variants[i % TrainingConfiguration.variants.count],
                               state: i == 0 ? .running : .finished, epoch: 8, epochs: 15, step: 3000 + frame, totalSteps: 5625,
                               bestValidationAccuracy: 0.9 + Double(i) * 0.003, testAccuracy: 0.89 + Double(i) * 0.003,
                               imagesPerSecond: 850, etaSeconds: 1200, createdAt: Double(i), hasCheckpoint: true,
                               settings: [("model", "nsn-lite"), ("lr", "0.1"), ("epochs", "15"), ("batchSize", "128")]))
        }
        _ = state.update(.runsListed(runs, error: nil))
        state.context.runs.openID = runs[0].id
        state.current = ScreenModel.index(of: RunScreen.self)
        var points: [MetricPoint] = []
        let steps = 800 + frame
        for s in 0..<steps {
            let x = Double(s) / 100
            points.append(MetricPoint(x: x, epoch: s / 100 + 1, split: .train, isStepLine: true,
                                      loss: 2.3 * (1 / (1 + x)) + 0.05 * Double((s * 7919) % 13) / 13,
                                      accuracy: 1 - 0.9 / (1 + x)))
            if s % 100 == 99 {
                let e = Double(s / 100 + 1)
                points.append(MetricPoint(x: e, epoch: Int(e), split: .val, loss: 1.8 / (1 + e), accuracy: 1 - 0.85 / (1 + e)))
                points.append(MetricPoint(x: e, epoch: Int(e), split: .test, loss: 1.9 / (1 + e), accuracy: 1 - 0.86 / (1 + e),
                                          knnAccuracy: 1 - 0.95 / (1 + e), blendedAccuracy: 1 - 0.84 / (1 + e)))
            }
        }
        _ = state.update(.metricsAppended(runID: runs[0].id, points: points, restarted: true))
        _ = state.update(.logLoaded(runID: runs[0].id, lines: (0..<200).map { "epoch \($0 / 25 + 1) step \($0 * 15): loss 0.4\($0 % 10)" }))
        return state
    }

    /// Renders one frame of the synthetic state and diffs it against `previous`; returns
    /// the frame and the number of cells that changed.
    public static func renderAndDiff(width: Int = 200, height: Int = 60, frame: Int = 0,
                                     previous: CellBuffer? = nil) -> (buffer: CellBuffer, changedCells: Int) {
        renderAndDiff(syntheticState(width: width, height: height, frame: frame), previous: previous)
    }

    /// Renders `state` into a new buffer and diffs it against `previous`: the work of one
    /// frame of the main loop, apart from the terminal output.
    public static func renderAndDiff(_ state: DashboardState, previous: CellBuffer?) -> (buffer: CellBuffer, changedCells: Int) {
        var buffer = CellBuffer(width: state.width, height: state.height)
        state.render(into: &buffer)
        return (buffer, buffer.changedCellCount(from: previous))
    }

    /// Opens a run the way the dashboard does when the user presses Enter on it: lists the
    /// runs folder, reads the run's whole metrics.jsonl and log, and renders its Run screen.
    /// Returns the state (for checks), the number of metric points loaded, and seconds per
    /// phase ("list", "tail", "other" effects, "update", "render") given a clock.
    public static func openRun(runsDirectory: String, runID: String, width: Int = 200, height: Int = 60,
                               clock: () -> Double = { 0 })
        -> (state: DashboardState, points: Int, phases: [(name: String, seconds: Double)]) {
        let runner = EffectRunner(runsDirectory: runsDirectory, controller: NoController())
        var state = DashboardState(width: width, height: height, theme: .colour)
        var pending: [Effect] = [.listRuns]
        var opened = false
        var phases: [String: Double] = [:]
        func timed<T>(_ name: String, _ body: () -> T) -> T {
            let start = clock()
            let result = body()
            phases[name, default: 0] += clock() - start
            return result
        }
        while !pending.isEmpty {
            let effect = pending.removeFirst()
            let phase: String
            switch effect {
            case .listRuns: phase = "list"
            case .tailMetrics: phase = "tail"
            default: phase = "other"
            }
            let messages = timed(phase) { runner.perform(effect) }
            for message in messages { pending += timed("update") { state.update(message) } }
            if pending.isEmpty && !opened {
                opened = true
                state.context.runs.selectedID = runID
                pending += state.update(.key(.enter))
            }
        }
        var buffer = CellBuffer(width: width, height: height)
        timed("render") { state.render(into: &buffer) }
        let order = ["list", "tail", "other", "update", "render"]
        return (state, state.context.runs.metrics[runID]?.points.count ?? 0,
                order.compactMap { name in phases[name].map { (name, $0) } })
    }

    /// A controller that refuses everything (benchmarks only read).
    public struct NoController: RunController {
        public init() {}
        struct Refused: Error {}
        public func launch(_ configuration: TrainingConfiguration, name: String?, executor: ExecutorChoice) throws -> String { throw Refused() }
        public func pause(runDirectory: String) throws { throw Refused() }
        public func resume(runDirectory: String) throws { throw Refused() }
        public func stop(runDirectory: String) throws { throw Refused() }
        public func delete(runDirectory: String) throws { throw Refused() }
        public func launchStudy(_ study: StudyRecord) throws -> [String] { throw Refused() }
    }
}
