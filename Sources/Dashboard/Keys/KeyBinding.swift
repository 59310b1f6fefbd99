import TerminalUI

/// One entry of a key table: the keys, what they do, and how the footer and the help
/// screen name them. Each screen has its own table (`DashboardScreen.keys`), the shell
/// has one more (`ShellAction.keys`); the same tables drive dispatch, the footer hints
/// and the `?` help.
public struct KeyBinding<Action: Equatable & Sendable>: Sendable {
    public var keys: [Key]
    public var action: Action
    /// Short label for the footer ("pause").
    public var label: String
    /// Longer text for the help screen.
    public var help: String
    /// Shown in the footer hints.
    public var inFooter: Bool

    public init(_ keys: [Key], _ action: Action, _ label: String, _ help: String, footer: Bool = true) {
        self.keys = keys
        self.action = action
        self.label = label
        self.help = help
        self.inFooter = footer
    }

    /// What the footer and the help screen show of the binding.
    public var text: KeyText { KeyText(keys: keys, label: label, help: help, inFooter: inFooter) }
}

/// A binding as the footer and the help screen show it, whatever its action type.
public struct KeyText: Equatable, Sendable {
    public var keys: [Key]
    public var label: String
    public var help: String
    public var inFooter: Bool

    /// The keys as shown in hints: "p", "↑/k".
    public var keyText: String { keys.map(\.displayName).joined(separator: "/") }
}

extension Array {
    /// The action of the first binding holding `key` (first match wins).
    public func action<Action>(for key: Key) -> Action? where Element == KeyBinding<Action> {
        first { $0.keys.contains(key) }?.action
    }
}

/// What the shell's own keys do: they work on every screen whose keys are not typed into
/// a field (`DashboardScreen.usesShellKeys`).
public enum ShellAction: Equatable, Sendable {
    case quit, help, nextScreen, previousScreen
    /// Show the screen at this index of `ScreenModel.all`.
    case show(Int)
    /// The list of every screen (the way to screens past 9).
    case screenList

    /// The shell's key table: quit, help, Tab / Shift-Tab, a digit per screen for the first
    /// nine, `0` for the list of all screens.
    public static let keys: [KeyBinding<ShellAction>] = {
        var t: [KeyBinding<ShellAction>] = [
            KeyBinding([.character("q"), .ctrl("c")], .quit, "quit", "Quit (running workers go on)"),
            KeyBinding([.character("?"), .function(1)], .help, "help", "This help"),
            KeyBinding([.tab], .nextScreen, "screen", "Next screen", footer: false),
            KeyBinding([.backTab], .previousScreen, "screen", "Previous screen", footer: false),
        ]
        for (i, model) in ScreenModel.all.enumerated().prefix(9) {
            let title = model.title
            t.append(KeyBinding([.character(Character(String(i + 1)))], .show(i), title, "Show the \(title) screen", footer: false))
        }
        t.append(KeyBinding([.character("0")], .screenList, "screens",
                            "List every screen: ↑↓ or its number, Enter shows it (screens past 9)", footer: false))
        return t
    }()
}

// MARK: bindings several screens share

extension KeyBinding {
    private static func c(_ character: Character) -> Key { .character(character) }

    /// ↑ ↓ PgUp PgDn Home End (and k j g G): the movements a screen offers, in this order.
    static func moves(_ action: (Movement) -> Action, _ movements: [Movement]) -> [KeyBinding] {
        movements.map { movement in
            switch movement {
            case .up: return KeyBinding([.up, c("k")], action(.up), "↑", "Move up", footer: false)
            case .down: return KeyBinding([.down, c("j")], action(.down), "↓", "Move down", footer: false)
            case .pageUp: return KeyBinding([.pageUp], action(.pageUp), "PgUp", "Page up", footer: false)
            case .pageDown: return KeyBinding([.pageDown], action(.pageDown), "PgDn", "Page down", footer: false)
            case .top: return KeyBinding([.home, c("g")], action(.top), "top", "First row", footer: false)
            case .bottom: return KeyBinding([.end, c("G")], action(.bottom), "bottom", "Last row", footer: false)
            }
        }
    }
    static func back(_ action: Action) -> KeyBinding {
        KeyBinding([.escape], action, "back", "Back to the runs list", footer: false)
    }
    static func mark(_ action: Action) -> KeyBinding {
        KeyBinding([c(" ")], action, "mark", "Mark / unmark the selected run (for compare and bulk control)")
    }
    static func clone(_ action: Action) -> KeyBinding {
        KeyBinding([c("c")], action, "clone", "Clone the selected run's settings into the form")
    }

    /// p, r, R, x (and d with `delete`): control the runs a screen acts on.
    static func controls(_ action: (RunControlAction) -> Action, delete: Bool = false) -> [KeyBinding] {
        var bindings = [
            KeyBinding([c("p")], action(.pause), "pause", "Pause the run(s)"),
            KeyBinding([c("r")], action(.resume), "resume", "Resume paused run(s)"),
            KeyBinding([c("R")], action(.resumeFromCheckpoint), "from ckpt",
                       "Resume a stopped or failed run from its latest checkpoint", footer: false),
            KeyBinding([c("x")], action(.stop), "stop", "Stop the run(s) (a checkpoint is written first)"),
        ]
        if delete {
            bindings.append(KeyBinding([c("d"), .delete], action(.delete), "delete", "Delete the run folder(s), after confirmation",
                                       footer: false))
        }
        return bindings
    }

    /// m, +, −, t: the chart options the Run and Compare screens share.
    static func chartOptions(_ action: (ChartOptions.Change) -> Action) -> [KeyBinding] {
        [
            KeyBinding([c("m")], action(.toggleSmoothing), "smooth", "Smoothing of the chart lines on / off"),
            KeyBinding([c("+"), c("=")], action(.smoothingUp), "+smooth", "More smoothing", footer: false),
            KeyBinding([c("-")], action(.smoothingDown), "-smooth", "Less smoothing", footer: false),
            KeyBinding([c("t")], action(.toggleStepLines), "steps", "Show / hide the every-N-steps training points", footer: false),
        ]
    }

    /// ← / [, → / ], End / e: step through a run's epochs (Kernels, kNN).
    static func epochs(previous: Action, next: Action, latest: Action) -> [KeyBinding] {
        [
            KeyBinding([.left, c("[")], previous, "epoch", "Previous epoch"),
            KeyBinding([.right, c("]")], next, "epoch", "Next epoch"),
            KeyBinding([.end, c("e")], latest, "latest", "Follow the newest epoch"),
        ]
    }
}

/// A move of a selection or a scroll position.
public enum Movement: Equatable, Sendable, CaseIterable {
    case up, down, pageUp, pageDown, top, bottom

    /// Rows moved: one, a page, or (top / bottom) far enough to reach the end.
    public func rows(page: Int) -> Int {
        switch self {
        case .up: return -1
        case .down: return 1
        case .pageUp: return -page
        case .pageDown: return page
        case .top: return Int.min / 2
        case .bottom: return Int.max / 2
        }
    }
}
