import RunStore
import TerminalUI

/// The dashboard as a plain value: the shell (tabs, help, notices, confirmation, the run
/// list — in `context`, which every screen sees) and one model per screen. `update`
/// changes it, `render` draws it. Equality is synthesized over all of it.
public struct DashboardState: Equatable, Sendable {
    /// What the screens share with the shell.
    public var context: ScreenContext
    /// One model per screen, in the order of `ScreenModel.all`.
    public var screens: [ScreenModel] = ScreenModel.all
    /// Index of the shown screen in `screens`.
    public var current = 0
    public var showHelp = false
    public var helpScroll = 0
    /// The list of every screen (`0`), when open.
    public var screenList: ScreenList?
    public var lastListTime: Double = -1_000
    /// When the run list last changed or a key was pressed (nil: not yet); after
    /// `quietSeconds` without either, the folder is polled every `idleListInterval`.
    public var lastActivityTime: Double?

    /// The screen picker: every screen with its number, one highlighted; digits typed so
    /// far (screens past 9 have two).
    public struct ScreenList: Equatable, Sendable {
        public var selected: Int
        public var typed = ""

        public init(selected: Int) { self.selected = selected }

        /// A digit typed: the digits so far name a screen by its number (1 is the first);
        /// one that makes no screen's number starts anew ("1" "2" picks 12 when there are
        /// twelve screens, else 2).
        public mutating func type(_ digit: Character, screenCount: Int) {
            for candidate in [typed + String(digit), String(digit)] {
                if let n = Int(candidate), (1...max(1, screenCount)).contains(n) {
                    selected = n - 1
                    typed = candidate
                    return
                }
            }
            typed = ""
        }
    }

    public init(width: Int = 120, height: Int = 40, theme: Theme = .colour) {
        context = ScreenContext(width: width, height: height, theme: theme)
    }

    // MARK: reading the state

    public var width: Int { context.width }
    public var height: Int { context.height }
    public var quitting: Bool { context.quitting }

    /// The shown screen's model.
    public var shown: any DashboardScreen { screens[current].screen }

    /// Whether screen `type` is shown.
    public func shows<S: DashboardScreen>(_ type: S.Type) -> Bool { shown is S }

    /// The model of screen `type` (shown or not).
    public func screen<S: DashboardScreen>(_ type: S.Type) -> S? {
        screens[ScreenModel.index(of: type)].screen as? S
    }

    /// Changes the model of screen `type` in place.
    public mutating func modify<S: DashboardScreen>(_ type: S.Type, _ body: (inout S) -> Void) {
        let i = ScreenModel.index(of: type)
        guard var screen = screens[i].screen as? S else { return }
        screens[i] = ScreenModel.all[i]  // drop the second reference before mutating
        body(&screen)
        screens[i] = screen.model
    }
}
