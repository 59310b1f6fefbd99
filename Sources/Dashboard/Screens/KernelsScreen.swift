import RunStore
import TerminalUI

/// The open run's learned kernel shapes, per similarity layer and epoch (kernels/epoch-NNN.json).
public struct KernelsScreen: DashboardScreen {
    public enum Action: Equatable, Sendable {
        case move(Movement), back, step(Int), latestEpoch, nextClass
        case control(RunControlAction)
    }

    /// A snapshot folder loaded for the open run: what exists and what is shown.
    public struct View: Equatable, Sendable {
        public var runID: String
        public var epochs: [Int] = []
        /// Index into `epochs` of the shown snapshot (nil: follow the newest).
        public var epochIndex: Int?
        public var snapshot: KernelSnapshot?
        public var error: String?
        public var layerIndex = 0
        public var classIndex = 0

        /// The epoch shown, nil when following the newest.
        var chosenEpoch: Int? { epochIndex.flatMap { epochs.indices.contains($0) ? epochs[$0] : nil } }
    }

    public var view: View?

    public init() {}
    public var model: ScreenModel { .kernels(self) }
    public static let title = "Kernels"

    public static let keys: [KeyBinding<Action>] =
        KeyBinding.moves(Action.move, [.up, .down])
        + [.back(.back)]
        + KeyBinding.controls(Action.control)
        + KeyBinding.epochs(previous: .step(-1), next: .step(1), latest: .latestEpoch)
        + [KeyBinding([.character("l")], .nextClass, "class", "Next class of the per-class maps")]

    public mutating func appear(_ context: inout ScreenContext) -> [Effect] {
        context.runs.openSelectedIfNone()
        guard let runID = context.runs.openID else { return [] }
        if view?.runID != runID { view = View(runID: runID) }
        return [.loadKernels(runID: runID, epoch: view?.chosenEpoch)]
    }

    /// A training run's snapshots are re-listed (a new epoch may have been written).
    public func poll(_ context: ScreenContext) -> [Effect] {
        guard let open = context.runs.open, open.state.isActive || open.state == .queued, let view else { return [] }
        return [.loadKernels(runID: open.id, epoch: view.chosenEpoch)]
    }

    public mutating func perform(_ action: Action, _ context: inout ScreenContext) -> [Effect] {
        switch action {
        case .move(let movement):
            guard let count = view?.snapshot?.layers.count, count > 0 else { return [] }
            let delta = movement.rows(page: context.pageSize)
            view!.layerIndex = min(max(0, view!.layerIndex + max(-count, min(count, delta))), count - 1)
        case .back:
            context.show(RunsScreen.self)
        case .step(let delta):
            guard let current = view, !current.epochs.isEmpty else { return [] }
            let index = current.epochIndex ?? (current.epochs.count - 1)
            let next = min(max(0, index + delta), current.epochs.count - 1)
            view!.epochIndex = next
            return [.loadKernels(runID: current.runID, epoch: current.epochs[next])]
        case .latestEpoch:
            guard let id = view?.runID else { return [] }
            view!.epochIndex = nil
            return [.loadKernels(runID: id, epoch: nil)]
        case .nextClass:
            let classes = view?.snapshot?.layers.map { $0.perClassDiagonal?.count ?? 0 }.max() ?? 0
            if classes > 0 { view!.classIndex = (view!.classIndex + 1) % classes }
        case .control(let control):
            return context.requestControl(control, on: context.runs.open.map { [$0] } ?? [])
        }
        return []
    }

    public mutating func receive(_ message: DashboardMessage, _ context: inout ScreenContext) -> [Effect] {
        guard case .kernelsLoaded(let runID, let epochs, let snapshot, let error) = message, view?.runID == runID else { return [] }
        view!.epochs = epochs
        view!.snapshot = snapshot
        view!.error = error
        if let index = view!.epochIndex, index >= epochs.count { view!.epochIndex = epochs.isEmpty ? nil : epochs.count - 1 }
        if let count = snapshot?.layers.count { view!.layerIndex = count == 0 ? 0 : min(view!.layerIndex, count - 1) }
        return []
    }
}
