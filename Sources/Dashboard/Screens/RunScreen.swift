import TerminalUI

/// One run, live: loss and accuracy charts, its settings, the tail of worker.log.
public struct RunScreen: DashboardScreen {
    public enum Action: Equatable, Sendable {
        case scroll(Movement), back, cloneRun, chart(ChartOptions.Change)
        case control(RunControlAction)
    }

    /// The last lines of each run's worker.log read so far.
    public var logLines: [String: [String]] = [:]
    public var settingsScroll = 0

    public init() {}
    public var model: ScreenModel { .run(self) }
    public static let title = "Run"

    public static let keys: [KeyBinding<Action>] =
        KeyBinding.moves(Action.scroll, [.up, .down, .pageUp, .pageDown])
        + [.back(.back), .clone(.cloneRun)]
        + KeyBinding.controls(Action.control)
        + KeyBinding.chartOptions(Action.chart)

    public mutating func appear(_ context: inout ScreenContext) -> [Effect] {
        context.runs.openSelectedIfNone()
        settingsScroll = 0
        guard let runID = context.runs.openID else { return [] }
        return [.tailMetrics(runIDs: [runID]), .loadLog(runID: runID)]
    }

    public func poll(_ context: ScreenContext) -> [Effect] {
        guard let runID = context.runs.openID else { return [] }
        return [.tailMetrics(runIDs: [runID])] + (context.runs.open.map { [.loadLog(runID: $0.id)] } ?? [])
    }

    public mutating func perform(_ action: Action, _ context: inout ScreenContext) -> [Effect] {
        switch action {
        case .scroll(let movement):
            settingsScroll = max(0, settingsScroll + max(-1000, min(1000, movement.rows(page: context.pageSize))))
        case .back:
            context.show(RunsScreen.self)
        case .cloneRun:
            guard let run = context.runs.open else { return [] }
            context.show(LaunchScreen.self, handing: run)
        case .chart(let change):
            context.charts.apply(change)
        case .control(let control):
            return context.requestControl(control, on: context.runs.open.map { [$0] } ?? [])
        }
        return []
    }

    public mutating func receive(_ message: DashboardMessage, _ context: inout ScreenContext) -> [Effect] {
        if case .logLoaded(let runID, let lines) = message { logLines[runID] = lines }
        return []
    }
}
