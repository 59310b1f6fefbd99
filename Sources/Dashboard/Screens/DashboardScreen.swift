import TerminalUI

/// One screen of the dashboard: its own state, how it answers its keys and the effects'
/// messages, what it polls, and how it draws itself. Pure, like the shell: no files, no
/// clock, no terminal — I/O is asked for with `Effect`s.
///
/// The shell (`DashboardState`) owns the tabs, help, notices, the confirmation dialog and
/// the run list, and hands them to the screen as a `ScreenContext`. Adding a screen: a type
/// conforming to this protocol (one file) and its case in `ScreenModel` (see
/// docs/dashboard.md, "Adding a screen").
public protocol DashboardScreen: Equatable, Sendable {
    /// What this screen's keys do.
    associatedtype Action: Equatable & Sendable

    /// The tab title.
    static var title: String { get }
    /// This screen's key table, first match wins: it drives dispatch, the footer hints and
    /// the screen's section of the help.
    static var keys: [KeyBinding<Action>] { get }
    /// Whether the shell's keys (q, ?, Tab, digits) work here: false on a screen whose
    /// fields take typed characters. Default true.
    static var usesShellKeys: Bool { get }

    /// The screen as it is before it was ever shown.
    init()
    /// The model in the shell's list of screens (`.runs(self)`).
    var model: ScreenModel { get }

    /// The screen is shown (tab, digit, or another screen's request): what to load.
    mutating func appear(_ context: inout ScreenContext) -> [Effect]
    mutating func perform(_ action: Action, _ context: inout ScreenContext) -> [Effect]
    /// Whether every key goes to `typed` before any binding (a text field being edited).
    var capturesKeys: Bool { get }
    /// A key no binding took (or any key while `capturesKeys`).
    mutating func typed(_ key: Key, _ context: inout ScreenContext) -> [Effect]
    /// An effect's answer. Every screen sees every message and keeps what is its own
    /// (shown or not), so switching back to a screen shows what it last loaded.
    mutating func receive(_ message: DashboardMessage, _ context: inout ScreenContext) -> [Effect]
    /// What to re-read on a polling tick (about once a second) while the screen is shown.
    func poll(_ context: ScreenContext) -> [Effect]

    /// Draws the screen's body. Pure.
    func render(in area: Rect, buffer: inout CellBuffer, _ context: ScreenContext)
    /// Draws the footer line instead of the shell (a prompt being typed); false leaves the
    /// footer to the shell (the notice, else the key hints).
    func renderFooter(in area: Rect, buffer: inout CellBuffer, _ context: ScreenContext) -> Bool
}

extension DashboardScreen {
    public static var usesShellKeys: Bool { true }
    public var title: String { Self.title }
    public mutating func appear(_ context: inout ScreenContext) -> [Effect] { [] }
    public var capturesKeys: Bool { false }
    public mutating func typed(_ key: Key, _ context: inout ScreenContext) -> [Effect] { [] }
    public mutating func receive(_ message: DashboardMessage, _ context: inout ScreenContext) -> [Effect] { [] }
    public func poll(_ context: ScreenContext) -> [Effect] { [] }
    public func renderFooter(in area: Rect, buffer: inout CellBuffer, _ context: ScreenContext) -> Bool { false }

    /// Runs the action of the screen's binding for `key`; nil when no binding holds it.
    mutating func press(_ key: Key, _ context: inout ScreenContext) -> [Effect]? {
        guard let action = Self.keys.action(for: key) else { return nil }
        return perform(action, &context)
    }

    /// The screen's bindings as the footer and help show them.
    public static var keyTexts: [KeyText] { keys.map(\.text) }

    /// Bindings that can never act: a key an earlier binding (the shell's first, where they
    /// apply) already takes for another action. Empty for a sound table.
    public static var shadowedBindings: [String] {
        var problems: [String] = []
        for (i, binding) in keys.enumerated() {
            for key in binding.keys {
                if usesShellKeys, let shell = ShellAction.keys.action(for: key) {
                    problems.append("\(title): \(key.displayName) (\(binding.label)) is the shell's \(shell)")
                } else if let first = keys.prefix(i).first(where: { $0.keys.contains(key) }), first.action != binding.action {
                    problems.append("\(title): \(key.displayName) (\(binding.label)) is taken by \(first.label)")
                }
            }
        }
        return problems
    }
}
