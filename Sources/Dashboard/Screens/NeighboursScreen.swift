import RunStore
import TerminalUI

/// The open run's neighbour results: a test image and its nearest training images.
public struct NeighboursScreen: DashboardScreen {
    public enum Action: Equatable, Sendable {
        case move(Movement), back, step(Int), cycleFilter, classFilter
        case control(RunControlAction)
    }

    public struct View: Equatable, Sendable {
        public var runID: String
        public var data: NeighbourBrowserData?
        public var error: String?
        public var filter: NeighbourFilter = .all
        /// Index into the filtered queries.
        public var queryIndex = 0
        public var neighbourIndex = 0
    }

    public var view: View?

    public init() {}
    public var model: ScreenModel { .neighbours(self) }
    public static let title = "Neighbours"

    public static let keys: [KeyBinding<Action>] =
        KeyBinding.moves(Action.move, Movement.allCases)
        + [.back(.back)]
        + KeyBinding.controls(Action.control)
        + [
            KeyBinding([.left], .step(-1), "← nbr", "Previous neighbour", footer: false),
            KeyBinding([.right], .step(1), "→ nbr", "Next neighbour", footer: false),
            KeyBinding([.character("f")], .cycleFilter, "filter", "Show all / misclassified / hard queries"),
            KeyBinding([.character("l")], .classFilter, "class", "Show only one true class (cycles)"),
        ]

    public mutating func appear(_ context: inout ScreenContext) -> [Effect] {
        context.runs.openSelectedIfNone()
        guard let runID = context.runs.openID else { return [] }
        if view?.runID != runID { view = View(runID: runID) }
        return [.loadNeighbours(runID: runID)]
    }

    public mutating func perform(_ action: Action, _ context: inout ScreenContext) -> [Effect] {
        switch action {
        case .move(let movement):
            let count = filteredQueryIndices.count
            guard count > 0 else { return [] }
            let delta = movement.rows(page: context.pageSize)
            view!.queryIndex = min(max(0, view!.queryIndex + max(-count, min(count, delta))), count - 1)
            view!.neighbourIndex = 0
        case .back:
            context.show(RunsScreen.self)
        case .step(let delta):
            guard let query = selectedQuery, !query.neighbours.isEmpty else { return [] }
            view!.neighbourIndex = min(max(0, view!.neighbourIndex + delta), query.neighbours.count - 1)
        case .cycleFilter:
            guard let current = view else { return [] }
            switch current.filter {
            case .all: view!.filter = .misclassified
            case .misclassified: view!.filter = .hard
            default: view!.filter = .all
            }
            view!.queryIndex = 0
            view!.neighbourIndex = 0
        case .classFilter:
            guard let current = view, let data = current.data else { return [] }
            let classCount = max(data.results.classNames.count, (data.results.queries.map(\.label).max() ?? -1) + 1)
            guard classCount > 0 else { return [] }
            if case .label(let c) = current.filter {
                view!.filter = c + 1 < classCount ? .label(c + 1) : .all
            } else {
                view!.filter = .label(0)
            }
            view!.queryIndex = 0
            view!.neighbourIndex = 0
        case .control(let control):
            return context.requestControl(control, on: context.runs.open.map { [$0] } ?? [])
        }
        return []
    }

    public mutating func receive(_ message: DashboardMessage, _ context: inout ScreenContext) -> [Effect] {
        guard case .neighboursLoaded(let runID, let data, let error) = message, view?.runID == runID else { return [] }
        view!.data = data
        view!.error = error
        let count = filteredQueryIndices.count
        view!.queryIndex = count == 0 ? 0 : min(view!.queryIndex, count - 1)
        let k = selectedQuery?.neighbours.count ?? 0
        view!.neighbourIndex = k == 0 ? 0 : min(view!.neighbourIndex, k - 1)
        return []
    }

    /// Indices into the queries that the current filter shows.
    public var filteredQueryIndices: [Int] {
        guard let view, let data = view.data else { return [] }
        return data.results.queries.indices.filter { i in
            let q = data.results.queries[i]
            switch view.filter {
            case .all: return true
            case .misclassified: return q.misclassified
            case .hard: return q.hard
            case .label(let c): return q.label == c
            }
        }
    }

    /// The query shown.
    public var selectedQuery: NeighbourResults.Query? {
        guard let view, let data = view.data else { return nil }
        let indices = filteredQueryIndices
        guard indices.indices.contains(view.queryIndex) else { return nil }
        return data.results.queries[indices[view.queryIndex]]
    }
}
