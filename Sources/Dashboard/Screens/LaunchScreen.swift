import TerminalUI

/// The launch form: every training option as a field, checked as typed; Enter launches.
/// Its fields take typed characters, so the shell's keys (q, digits, …) do not apply here.
public struct LaunchScreen: DashboardScreen {
    public enum Action: Equatable, Sendable {
        case launch, focus(Int), choice(Int), reset, back, help, toggleGrid
    }

    public var form = LaunchForm()

    public init() {}
    public var model: ScreenModel { .launch(self) }
    public static let title = "Launch"
    public static let usesShellKeys = false

    /// Only keys that cannot be typed into a field.
    public static let keys: [KeyBinding<Action>] = [
        KeyBinding([.enter], .launch, "launch",
                   "Launch the run: it trains at once if a slot is free, else it waits in the queue (first in, first out)"),
        KeyBinding([.down, .tab], .focus(1), "next", "Next field"),
        KeyBinding([.up, .backTab], .focus(-1), "prev", "Previous field"),
        KeyBinding([.left], .choice(-1), "choice", "Previous choice of a choice field", footer: false),
        KeyBinding([.right], .choice(1), "choice", "Next choice of a choice field"),
        KeyBinding([.ctrl("g")], .toggleGrid, "grid",
                   "Mark the field as a study grid (values 0,0.1 or a|b), or back to one value; with seeds, Enter launches the study"),
        KeyBinding([.ctrl("r")], .reset, "defaults", "Reset every field to its default"),
        KeyBinding([.escape], .back, "back", "Leave the form (it is kept)"),
        KeyBinding([.function(1)], .help, "help", "This help", footer: false),
    ]

    /// Shown with a run handed over (c on Runs or Run): its settings fill the form.
    public mutating func appear(_ context: inout ScreenContext) -> [Effect] {
        if let run = context.handedRun {
            form.clone(settings: run.settings, name: run.name, runID: run.id)
            form.focus = 0
        }
        return []
    }

    public mutating func perform(_ action: Action, _ context: inout ScreenContext) -> [Effect] {
        switch action {
        case .launch:
            form.validate()
            guard let configuration = form.configuration else {
                let count = form.fields.filter { $0.error != nil }.count + form.generalErrors.count
                context.notify("Cannot launch: \(count) problem\(count == 1 ? "" : "s") in the form", isError: true)
                if let first = form.fields.firstIndex(where: { $0.error != nil }) { form.focus = first }
                return []
            }
            if form.isStudy, let study = form.study { return [.launchStudy(study)] }
            return [.launch(configuration, name: form.runName, executor: form.executorChoice)]
        case .focus(let delta):
            form.moveFocus(by: delta)
        case .choice(let delta):
            form.cycleChoice(by: delta)
        case .reset:
            form = LaunchForm()
        case .back:
            context.show(RunsScreen.self)
        case .help:
            context.showHelp()
        case .toggleGrid:
            form.toggleGrid()
        }
        return []
    }

    /// Characters go into the focused field.
    public mutating func typed(_ key: Key, _ context: inout ScreenContext) -> [Effect] {
        switch key {
        case .character(let c): form.type(c)
        case .backspace, .delete: form.backspace()
        case .ctrl("c"): return context.quit()
        default: break
        }
        return []
    }
}
