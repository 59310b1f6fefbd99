import TerminalUI

/// The marked runs (or the selected one) on one chart, and their settings side by side.
public struct CompareScreen: DashboardScreen {
    public enum Action: Equatable, Sendable {
        case scroll(Movement), back, mark, chart(ChartOptions.Change), nextMetric, toggleDiffOnly
        case control(RunControlAction)
    }

    public var metric: CompareMetric = .valAccuracy
    /// Show only the settings that differ.
    public var diffOnly = false
    public var scroll = 0

    public init() {}
    public var model: ScreenModel { .compare(self) }
    public static let title = "Compare"

    public static let keys: [KeyBinding<Action>] =
        KeyBinding.moves(Action.scroll, [.up, .down, .pageUp, .pageDown])
        + [.back(.back), .mark(.mark)]
        + KeyBinding.controls(Action.control)
        + KeyBinding.chartOptions(Action.chart)
        + [
            KeyBinding([.character("v")], .nextMetric, "metric", "Next metric on the compare chart"),
            KeyBinding([.character("f")], .toggleDiffOnly, "diff only", "Show only the settings that differ"),
        ]

    public mutating func appear(_ context: inout ScreenContext) -> [Effect] { poll(context) }

    public func poll(_ context: ScreenContext) -> [Effect] {
        let ids = context.runs.compared.map(\.id)
        return ids.isEmpty ? [] : [.tailMetrics(runIDs: ids)]
    }

    public mutating func perform(_ action: Action, _ context: inout ScreenContext) -> [Effect] {
        switch action {
        case .scroll(let movement):
            scroll = max(0, scroll + max(-1000, min(1000, movement.rows(page: context.pageSize))))
        case .back:
            context.show(RunsScreen.self)
        case .mark:
            guard let run = context.runs.selected else { return [] }
            context.runs.toggleMark(run.id)
            return [.tailMetrics(runIDs: context.runs.compared.map(\.id))]
        case .chart(let change):
            context.charts.apply(change)
        case .nextMetric:
            metric = CompareMetric(rawValue: (metric.rawValue + 1) % CompareMetric.allCases.count)!
        case .toggleDiffOnly:
            diffOnly.toggle()
            scroll = 0
        case .control(let control):
            return context.requestControl(control, on: context.runs.markedOrSelected)
        }
        return []
    }
}
