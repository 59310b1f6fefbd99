import TerminalUI

/// What a key does. One table (`KeyBinding.table`) maps keys to actions per screen and
/// drives dispatch, the footer hints and the help screen.
public enum DashboardAction: Equatable, Sendable {
    case quit, help, nextScreen, previousScreen, show(Screen)
    case up, down, pageUp, pageDown, top, bottom, left, right
    case open, back, mark, markAll, sort, reverseSort, filter
    case control(RunControlAction)
    case newRun, cloneRun
    case toggleSmoothing, smoothingUp, smoothingDown, toggleStepLines
    case nextMetric, toggleDiffOnly
    case latestEpoch, nextClass
    case cycleNeighbourFilter, classFilter
    case launchNow, resetForm
}

/// One entry of the key table.
public struct KeyBinding: Sendable {
    public var keys: [Key]
    public var action: DashboardAction
    /// Short label for the footer ("pause").
    public var label: String
    /// Longer text for the help screen.
    public var help: String
    /// Screens where the binding applies; nil = everywhere (except where a text field takes keys).
    public var screens: [Screen]?
    /// Shown in the footer hints.
    public var inFooter: Bool

    public init(_ keys: [Key], _ action: DashboardAction, _ label: String, _ help: String,
                on screens: [Screen]? = nil, footer: Bool = true) {
        self.keys = keys
        self.action = action
        self.label = label
        self.help = help
        self.screens = screens
        self.inFooter = footer
    }

    /// The keys as shown in hints: "p", "↑/k".
    public var keyText: String { keys.map(\.displayName).joined(separator: "/") }

    /// Whether the binding works on `screen` (global ones everywhere but the form, whose
    /// fields take typed characters).
    public func applies(on screen: Screen) -> Bool { screens.map { $0.contains(screen) } ?? (screen != .launch) }

    private static func c(_ character: Character) -> Key { .character(character) }

    /// The dashboard's key table. Order matters: the first match wins, and the footer and
    /// help screen list bindings in this order.
    public static let table: [KeyBinding] = {
        let listScreens: [Screen] = [.runs, .compare]
        let oneRun: [Screen] = [.run, .kernels, .knn, .neighbours]
        let controls: [Screen] = [.runs, .compare, .run, .kernels, .knn, .neighbours]
        var t: [KeyBinding] = [
            // Launch form (only keys that cannot be typed into a field).
            KeyBinding([.enter], .launchNow, "launch",
                       "Launch the run: it trains at once if a slot is free, else it waits in the queue (first in, first out)",
                       on: [.launch]),
            KeyBinding([.down, .tab], .down, "next", "Next field", on: [.launch]),
            KeyBinding([.up, .backTab], .up, "prev", "Previous field", on: [.launch]),
            KeyBinding([.left], .left, "choice", "Previous choice of a choice field", on: [.launch], footer: false),
            KeyBinding([.right], .right, "choice", "Next choice of a choice field", on: [.launch]),
            KeyBinding([.ctrl("r")], .resetForm, "defaults", "Reset every field to its default", on: [.launch]),
            KeyBinding([.escape], .back, "back", "Leave the form (it is kept)", on: [.launch]),
            KeyBinding([.function(1)], .help, "help", "This help", on: [.launch], footer: false),

            // Everywhere else.
            KeyBinding([c("q"), .ctrl("c")], .quit, "quit", "Quit (running workers go on)"),
            KeyBinding([c("?"), .function(1)], .help, "help", "This help"),
            KeyBinding([.tab], .nextScreen, "screen", "Next screen", footer: false),
            KeyBinding([.backTab], .previousScreen, "screen", "Previous screen", footer: false),
        ]
        for screen in Screen.allCases {
            t.append(KeyBinding([c(Character(String(screen.rawValue + 1)))], .show(screen), screen.title,
                                "Show the \(screen.title) screen", footer: false))
        }
        t += [
            KeyBinding([.up, c("k")], .up, "↑", "Move up", on: [.runs, .compare, .run, .kernels, .neighbours], footer: false),
            KeyBinding([.down, c("j")], .down, "↓", "Move down", on: [.runs, .compare, .run, .kernels, .neighbours], footer: false),
            KeyBinding([.pageUp], .pageUp, "PgUp", "Page up", on: [.runs, .compare, .run, .neighbours], footer: false),
            KeyBinding([.pageDown], .pageDown, "PgDn", "Page down", on: [.runs, .compare, .run, .neighbours], footer: false),
            KeyBinding([.home, c("g")], .top, "top", "First row", on: [.runs, .neighbours], footer: false),
            KeyBinding([.end, c("G")], .bottom, "bottom", "Last row", on: [.runs, .neighbours], footer: false),
            KeyBinding([.enter], .open, "open", "Open the selected run", on: [.runs]),
            KeyBinding([.escape], .back, "back", "Back to the runs list", on: oneRun + [.compare], footer: false),
            KeyBinding([c(" ")], .mark, "mark", "Mark / unmark the selected run (for compare and bulk control)", on: listScreens),
            KeyBinding([c("a")], .markAll, "mark all", "Mark every shown run, or clear all marks", on: [.runs], footer: false),
            KeyBinding([c("s")], .sort, "sort", "Sort by the next column", on: [.runs]),
            KeyBinding([c("S")], .reverseSort, "reverse", "Reverse the sort order", on: [.runs], footer: false),
            KeyBinding([c("/")], .filter, "filter", "Filter runs by name, id, model or state (Esc clears)", on: [.runs]),
            KeyBinding([c("n")], .newRun, "new", "Launch a new run from the form", on: [.runs]),
            KeyBinding([c("c")], .cloneRun, "clone", "Clone the selected run's settings into the form", on: [.runs, .run]),
            KeyBinding([c("p")], .control(.pause), "pause", "Pause the run(s)", on: controls),
            KeyBinding([c("r")], .control(.resume), "resume", "Resume paused run(s)", on: controls),
            KeyBinding([c("R")], .control(.resumeFromCheckpoint), "from ckpt",
                       "Resume a stopped or failed run from its latest checkpoint", on: controls, footer: false),
            KeyBinding([c("x")], .control(.stop), "stop", "Stop the run(s) (a checkpoint is written first)", on: controls),
            KeyBinding([c("d"), .delete], .control(.delete), "delete", "Delete the run folder(s), after confirmation", on: [.runs], footer: false),
            KeyBinding([c("m")], .toggleSmoothing, "smooth", "Smoothing of the chart lines on / off", on: [.run, .compare]),
            KeyBinding([c("+"), c("=")], .smoothingUp, "+smooth", "More smoothing", on: [.run, .compare], footer: false),
            KeyBinding([c("-")], .smoothingDown, "-smooth", "Less smoothing", on: [.run, .compare], footer: false),
            KeyBinding([c("t")], .toggleStepLines, "steps", "Show / hide the every-N-steps training points", on: [.run, .compare], footer: false),
            KeyBinding([c("v")], .nextMetric, "metric", "Next metric on the compare chart", on: [.compare]),
            KeyBinding([c("f")], .toggleDiffOnly, "diff only", "Show only the settings that differ", on: [.compare]),
            KeyBinding([.left, c("[")], .left, "epoch", "Previous epoch", on: [.kernels, .knn]),
            KeyBinding([.right, c("]")], .right, "epoch", "Next epoch", on: [.kernels, .knn]),
            KeyBinding([.end, c("e")], .latestEpoch, "latest", "Follow the newest epoch", on: [.kernels, .knn]),
            KeyBinding([c("l")], .nextClass, "class", "Next class of the per-class maps", on: [.kernels]),
            KeyBinding([.left], .left, "← nbr", "Previous neighbour", on: [.neighbours], footer: false),
            KeyBinding([.right], .right, "→ nbr", "Next neighbour", on: [.neighbours], footer: false),
            KeyBinding([c("f")], .cycleNeighbourFilter, "filter", "Show all / misclassified / hard queries", on: [.neighbours]),
            KeyBinding([c("l")], .classFilter, "class", "Show only one true class (cycles)", on: [.neighbours]),
        ]
        return t
    }()

    /// The action of `key` on `screen` (nil when the key does nothing there).
    public static func action(for key: Key, on screen: Screen) -> DashboardAction? {
        table.first { $0.applies(on: screen) && $0.keys.contains(key) }?.action
    }

    /// The bindings shown in the footer of `screen`, screen-specific ones first.
    public static func footer(for screen: Screen) -> [KeyBinding] {
        let specific = table.filter { $0.inFooter && $0.screens != nil && $0.applies(on: screen) }
        let global = table.filter { $0.inFooter && $0.screens == nil && screen != .launch }
        return specific + global
    }
}
