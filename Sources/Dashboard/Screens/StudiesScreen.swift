import RunStore
import TerminalUI

/// The studies of the runs folder: progress gauges, the selected study's curves (mean over
/// seeds per grid cell, ±1 std as bars) and its report with the paired comparison.
public struct StudiesScreen: DashboardScreen {
    public enum Action: Equatable, Sendable {
        case move(Movement), previousCell, nextCell, openCell, nextMetric
        case stopStudy, resumeStudy
    }

    public var studies: [StudyOverview] = []
    public var error: String?
    public var loaded = false
    /// The selected study, by name (kept across listings).
    public var selectedName: String?
    /// The selected cell of the selected study's report.
    public var cellIndex = 0
    public var metric: CompareMetric = .valAccuracy

    public init() {}
    public var model: ScreenModel { .studies(self) }
    public static let title = "Studies"

    public static let keys: [KeyBinding<Action>] = KeyBinding.moves(Action.move, [.up, .down, .top, .bottom]) + [
        KeyBinding([.left, .character("[")], .previousCell, "cell", "Previous grid cell in the report"),
        KeyBinding([.right, .character("]")], .nextCell, "cell", "Next grid cell in the report"),
        KeyBinding([.enter], .openCell, "runs", "List the selected cell's runs on the Runs screen (Enter there opens one)"),
        KeyBinding([.character("v")], .nextMetric, "metric", "Next metric on the study chart"),
        KeyBinding([.character("x")], .stopStudy, "stop", "Stop the study's queued and training runs (asks first)"),
        KeyBinding([.character("R")], .resumeStudy, "resume",
                   "Resume the study's stopped and failed runs from their checkpoints (asks first)"),
    ]

    /// The selected study (the first when none is selected).
    public var selected: StudyOverview? {
        studies.first { $0.name == selectedName } ?? studies.first
    }

    public mutating func appear(_ context: inout ScreenContext) -> [Effect] { [.listStudies] }

    public func poll(_ context: ScreenContext) -> [Effect] { [.listStudies] }

    public mutating func receive(_ message: DashboardMessage, _ context: inout ScreenContext) -> [Effect] {
        guard case .studiesListed(let listed, let error) = message else { return [] }
        studies = listed
        self.error = error
        loaded = true
        if selectedName == nil || !listed.contains(where: { $0.name == selectedName }) { selectedName = listed.first?.name }
        cellIndex = min(cellIndex, max(0, (selected?.report.groups.count ?? 1) - 1))
        return []
    }

    public mutating func perform(_ action: Action, _ context: inout ScreenContext) -> [Effect] {
        switch action {
        case .move(let movement):
            guard !studies.isEmpty else { return [] }
            let current = studies.firstIndex { $0.name == selectedName } ?? 0
            let next = min(max(current + movement.rows(page: context.pageSize), 0), studies.count - 1)
            if next != current { cellIndex = 0 }
            selectedName = studies[next].name
        case .previousCell:
            cellIndex = max(0, cellIndex - 1)
        case .nextCell:
            cellIndex = min(cellIndex + 1, max(0, (selected?.report.groups.count ?? 1) - 1))
        case .openCell:
            guard let study = selected, cellIndex < study.report.groups.count else { return [] }
            // Run names are "STUDY CELL seed=N": "seed=" ends the cell, so lr=0.1 does not match lr=0.15.
            context.runs.filter = "study:\(study.name) \(study.report.groups[cellIndex].cell.label) seed="
            context.runs.keepSelectionVisible()
            context.show(RunsScreen.self)
        case .nextMetric:
            metric = CompareMetric(rawValue: (metric.rawValue + 1) % CompareMetric.allCases.count)!
        case .stopStudy:
            return context.requestControl(.stop, on: runs(of: selected, context))
        case .resumeStudy:
            return context.requestControl(.resumeFromCheckpoint, on: runs(of: selected, context))
        }
        return []
    }

    /// The listed runs of a study.
    func runs(of study: StudyOverview?, _ context: ScreenContext) -> [RunRow] {
        guard let study else { return [] }
        let ids = Set(study.report.groups.flatMap(\.runs))
        return context.runs.rows.filter { ids.contains($0.id) }
    }
}
