import TerminalUI

/// What the shell shares with every screen: the terminal, the clock, the run list, the
/// chart options, the notice and the confirmation dialog; and how a screen asks the shell
/// for something (show another screen, the help).
public struct ScreenContext: Equatable, Sendable {
    /// A question waiting for yes or no, and what happens on yes.
    public struct Confirmation: Equatable, Sendable {
        public var title: String
        public var question: String
        public var yes: Bool
        public var action: RunControlAction
        public var runIDs: [String]
    }

    /// A one-line message in the status bar.
    public struct Notice: Equatable, Sendable {
        public var text: String
        public var isError: Bool
        public var time: Double
    }

    /// What a screen asked the shell for; done once the screen returns.
    public enum Request: Equatable, Sendable {
        /// Show the screen at this index of `ScreenModel.all`, handing it a run (the Launch
        /// screen clones its settings).
        case show(Int, handing: RunRow?)
        case help
    }

    // Terminal.
    public var width: Int
    public var height: Int
    public var theme: Theme
    /// Seconds (any fixed origin), advanced by ticks.
    public var now: Double = 0
    public var quitting = false

    public var runs = RunList()
    public var charts = ChartOptions()
    public var notice: Notice?
    public var confirmation: Confirmation?
    /// Set by a screen, carried out (and cleared) by the shell.
    public var request: Request?
    /// The run handed to the screen being shown (see `Request.show`), during `appear`.
    public var handedRun: RunRow?

    public init(width: Int, height: Int, theme: Theme) {
        self.width = width
        self.height = height
        self.theme = theme
    }

    public mutating func notify(_ text: String, isError: Bool) {
        notice = Notice(text: text, isError: isError, time: now)
    }

    /// Asks the shell to show screen `type` (after the current screen returns).
    public mutating func show<S: DashboardScreen>(_ type: S.Type, handing run: RunRow? = nil) {
        request = .show(ScreenModel.index(of: type), handing: run)
    }

    public mutating func showHelp() { request = .help }

    public mutating func quit() -> [Effect] {
        quitting = true
        return [.quit]
    }

    /// Rows a page key moves.
    public var pageSize: Int { max(1, height - 8) }

    /// Asks for confirmation where needed, or returns the control effect, for `action` on
    /// `targets` (the runs the screen acts on).
    public mutating func requestControl(_ action: RunControlAction, on targets: [RunRow]) -> [Effect] {
        guard !targets.isEmpty else {
            notify("No run selected", isError: true)
            return []
        }
        let eligible: [RunRow]
        switch action {
        case .pause: eligible = targets.filter { $0.state == .running }
        case .resume: eligible = targets.filter { $0.state == .paused }
        case .stop: eligible = targets.filter { $0.state == .running || $0.state == .paused || $0.state == .queued }
        case .resumeFromCheckpoint: eligible = targets.filter { ($0.state == .stopped || $0.state == .failed) && $0.hasCheckpoint }
        case .delete: eligible = targets
        }
        guard !eligible.isEmpty else {
            let why: String
            switch action {
            case .pause: why = "only running runs can be paused"
            case .resume: why = "only paused runs can be resumed (R resumes a stopped run from its checkpoint)"
            case .stop: why = "the run is not running"
            case .resumeFromCheckpoint: why = "needs a stopped or failed run with a checkpoint"
            case .delete: why = ""
            }
            notify("Cannot \(action.rawValue): \(why)", isError: true)
            return []
        }
        let ids = eligible.map(\.id)
        let names = eligible.count == 1 ? "run \(eligible[0].id) (\(eligible[0].name))" : "\(eligible.count) runs"
        switch action {
        case .pause, .resume:
            return [.control(action, runIDs: ids)]
        case .stop:
            confirmation = Confirmation(title: "Stop", question: "Stop \(names)?\nA checkpoint is written first; R resumes it later.",
                                        yes: true, action: .stop, runIDs: ids)
        case .resumeFromCheckpoint:
            confirmation = Confirmation(title: "Resume", question: "Resume \(names) from the latest checkpoint?",
                                        yes: true, action: .resumeFromCheckpoint, runIDs: ids)
        case .delete:
            let active = eligible.filter { $0.state.isActive }.count
            let warning = active > 0 ? "\n\(active) of them still running: stopped first." : ""
            confirmation = Confirmation(title: "Delete", question: "Delete \(names) and all its files?\(warning)\nThis cannot be undone.",
                                        yes: false, action: .delete, runIDs: ids)
        }
        return []
    }
}

/// How the Run and Compare charts are drawn (shared: `m` on one screen holds on the other).
public struct ChartOptions: Equatable, Sendable {
    public enum Change: Equatable, Sendable { case toggleSmoothing, smoothingUp, smoothingDown, toggleStepLines }

    /// Exponential smoothing of the chart lines (0 = off).
    public var smoothing: Double = 0.6
    public var smoothingOn = true
    /// Show the "every N steps" train points, not just epoch lines.
    public var showStepLines = true

    /// The smoothing factor in use.
    public var effectiveSmoothing: Double { smoothingOn ? smoothing : 0 }

    public mutating func apply(_ change: Change) {
        switch change {
        case .toggleSmoothing:
            smoothingOn.toggle()
        case .smoothingUp:
            smoothingOn = true
            smoothing = min(0.95, ((smoothing + 0.1) * 10).rounded() / 10)
        case .smoothingDown:
            smoothing = max(0, ((smoothing - 0.1) * 10).rounded() / 10)
            smoothingOn = smoothing > 0
        case .toggleStepLines:
            showStepLines.toggle()
        }
    }

    public var label: String {
        smoothingOn && smoothing > 0 ? "smoothing \(NumberFormat.fixed(smoothing, decimals: 1)) (m off)" : "smoothing off (m on)"
    }
}
