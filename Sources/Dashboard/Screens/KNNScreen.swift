import RunStore
import TerminalUI

/// The open run's kNN hard-example statistics per epoch (knn/epoch-NNN.json), its final
/// evaluation (evaluation.json) and its few-shot evaluations (fewshot.json).
public struct KNNScreen: DashboardScreen {
    public enum Action: Equatable, Sendable {
        case back, step(Int), latestEpoch
        case control(RunControlAction)
    }

    public struct View: Equatable, Sendable {
        public var runID: String
        public var epochs: [KNNEpochStatistics] = []
        /// The end-of-training evaluation (evaluation.json), once written.
        public var evaluation: NeighbourEvaluationSummary?
        /// `simlab fewshot`'s results (fewshot.json), once written.
        public var fewShot: FewShotResults?
        public var epochIndex: Int?
        public var error: String?
    }

    public var view: View?
    /// Class names per run, as the Neighbours and Kernels screens' files give them (the
    /// kNN files carry none); the neighbour results' win.
    public var classNamesFromNeighbours: [String: [String]] = [:]
    public var classNamesFromKernels: [String: [String]] = [:]

    public init() {}
    public var model: ScreenModel { .knn(self) }
    public static let title = "kNN"

    public static let keys: [KeyBinding<Action>] =
        [.back(.back)]
        + KeyBinding.controls(Action.control)
        + KeyBinding.epochs(previous: .step(-1), next: .step(1), latest: .latestEpoch)

    public mutating func appear(_ context: inout ScreenContext) -> [Effect] {
        context.runs.openSelectedIfNone()
        guard let runID = context.runs.openID else { return [] }
        if view?.runID != runID { view = View(runID: runID) }
        return [.loadKNN(runID: runID)]
    }

    public func poll(_ context: ScreenContext) -> [Effect] {
        guard let open = context.runs.open, open.state.isActive || open.state == .queued else { return [] }
        return [.loadKNN(runID: open.id)]
    }

    public mutating func perform(_ action: Action, _ context: inout ScreenContext) -> [Effect] {
        switch action {
        case .back:
            context.show(RunsScreen.self)
        case .step(let delta):
            guard let current = view, !current.epochs.isEmpty else { return [] }
            let index = current.epochIndex ?? (current.epochs.count - 1)
            view!.epochIndex = min(max(0, index + delta), current.epochs.count - 1)
        case .latestEpoch:
            view?.epochIndex = nil
        case .control(let control):
            return context.requestControl(control, on: context.runs.open.map { [$0] } ?? [])
        }
        return []
    }

    public mutating func receive(_ message: DashboardMessage, _ context: inout ScreenContext) -> [Effect] {
        switch message {
        case .knnLoaded(let runID, let epochs, let evaluation, let fewShot, let error) where view?.runID == runID:
            view!.epochs = epochs
            view!.evaluation = evaluation
            view!.fewShot = fewShot
            view!.error = error
            if let index = view!.epochIndex, index >= epochs.count { view!.epochIndex = nil }
        case .neighboursLoaded(let runID, let data?, _):
            classNamesFromNeighbours[runID] = data.results.classNames
        case .kernelsLoaded(let runID, _, let snapshot?, _):
            classNamesFromKernels[runID] = snapshot.classNames
        default:
            break
        }
        return []
    }

    /// The class names of the shown run ([] when no file gave them yet).
    var classNames: [String] {
        guard let runID = view?.runID else { return [] }
        return classNamesFromNeighbours[runID] ?? classNamesFromKernels[runID] ?? []
    }
}
