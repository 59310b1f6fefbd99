import TerminalUI

/// Every run in a table: select, mark, sort, filter, open, control, launch.
/// The list itself (rows, sort, filter, selection, marks) is the shell's `RunList`,
/// which Compare and the controls read too; this screen keeps only its own modes.
public struct RunsScreen: DashboardScreen {
    public enum Action: Equatable, Sendable {
        case move(Movement), open, mark, markAll, sort, reverseSort, filter, newRun, cloneRun
        case control(RunControlAction)
    }

    /// The filter text is being typed (the footer shows it; every key goes to it).
    public var editingFilter = false
    public var offset = 0

    public init() {}
    public var model: ScreenModel { .runs(self) }
    public static let title = "Runs"

    public static let keys: [KeyBinding<Action>] = KeyBinding.moves(Action.move, Movement.allCases) + [
        KeyBinding([.enter], .open, "open", "Open the selected run"),
        .mark(.mark),
        KeyBinding([.character("a")], .markAll, "mark all", "Mark every shown run, or clear all marks", footer: false),
        KeyBinding([.character("s")], .sort, "sort", "Sort by the next column"),
        KeyBinding([.character("S")], .reverseSort, "reverse", "Reverse the sort order", footer: false),
        KeyBinding([.character("/")], .filter, "filter",
                   "Filter runs by name, id, model, state or study; study:NAME keeps one study's runs (Esc clears)"),
        KeyBinding([.character("n")], .newRun, "new", "Launch a new run from the form"),
        .clone(.cloneRun),
    ] + KeyBinding.controls(Action.control, delete: true)

    public mutating func perform(_ action: Action, _ context: inout ScreenContext) -> [Effect] {
        switch action {
        case .move(let movement):
            context.runs.moveSelection(by: movement.rows(page: context.pageSize))
        case .open:
            guard let run = context.runs.selected else { return [] }
            context.runs.openID = run.id
            context.show(RunScreen.self)
        case .mark:
            guard let run = context.runs.selected else { return [] }
            context.runs.toggleMark(run.id)
            context.runs.moveSelection(by: 1)
        case .markAll:
            let shown = Set(context.runs.visible.map(\.id))
            if shown.isSubset(of: context.runs.markedIDs) && !shown.isEmpty { context.runs.markedIDs.subtract(shown) }
            else { context.runs.markedIDs.formUnion(shown) }
        case .sort:
            let sort = RunSort(rawValue: (context.runs.sort.rawValue + 1) % RunSort.allCases.count)!
            context.runs.sort = sort
            context.runs.sortAscending = sort == .name || sort == .state || sort == .study
        case .reverseSort:
            context.runs.sortAscending.toggle()
        case .filter:
            editingFilter = true
        case .newRun:
            context.show(LaunchScreen.self)
        case .cloneRun:
            guard let run = context.runs.selected else { return [] }
            context.show(LaunchScreen.self, handing: run)
        case .control(let control):
            return context.requestControl(control, on: context.runs.markedOrSelected)
        }
        return []
    }

    public var capturesKeys: Bool { editingFilter }

    /// Typing the filter: Enter keeps it, Esc clears it.
    public mutating func typed(_ key: Key, _ context: inout ScreenContext) -> [Effect] {
        guard editingFilter else { return [] }
        switch key {
        case .enter: editingFilter = false
        case .escape: editingFilter = false; context.runs.filter = ""
        case .backspace, .delete: if !context.runs.filter.isEmpty { context.runs.filter.removeLast() }
        case .character(let c): context.runs.filter.append(c)
        case .ctrl("c"): return context.quit()
        default: break
        }
        context.runs.keepSelectionVisible()
        return []
    }
}
