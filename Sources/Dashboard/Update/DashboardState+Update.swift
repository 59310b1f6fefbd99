import RunStore
import TerminalUI

extension DashboardState {
    /// How often the run folder is listed and the shown screen polls.
    public static let listInterval = 1.0
    /// … and once nothing changed and no key was pressed for `quietSeconds`.
    public static let idleListInterval = 3.0
    public static let quietSeconds = 10.0

    /// The polling interval now: slower while the folder is quiet and nobody types.
    public var currentListInterval: Double {
        guard let last = lastActivityTime, context.now - last >= DashboardState.quietSeconds else { return DashboardState.listInterval }
        return DashboardState.idleListInterval
    }
    /// How long a notice stays in the status bar.
    public static let noticeSeconds = 6.0

    /// The effects to run when the dashboard starts.
    public static func initialEffects() -> [Effect] { [.listRuns] }

    /// Applies a message; returns the I/O to perform. Pure: no files, no clock, no terminal.
    public mutating func update(_ message: DashboardMessage) -> [Effect] {
        switch message {
        case .key(let key):
            return handleKey(key)
        case .tick(let now):
            context.now = now
            if let notice = context.notice, now - notice.time > DashboardState.noticeSeconds { context.notice = nil }
            if lastActivityTime == nil { lastActivityTime = now }
            guard now - lastListTime >= currentListInterval else { return [] }
            lastListTime = now
            return [.listRuns] + shown.poll(context)
        case .resized(let width, let height):
            context.width = max(0, width)
            context.height = max(0, height)
            return []
        case .runsListed(let rows, let error):
            context.runs.list(rows, error: error)
            lastActivityTime = context.now
            return []
        case .metricsAppended(let runID, let points, let restarted):
            // In place: copying a run's points out and back would copy them all every second.
            if restarted { context.runs.metrics[runID] = RunMetrics(points: points) }
            else { context.runs.metrics[runID, default: RunMetrics()].append(contentsOf: points) }
            return []
        case .controlFinished(let action, let runIDs, let errors):
            if errors.isEmpty {
                let what = runIDs.count == 1 ? runIDs[0] : "\(runIDs.count) runs"
                context.notify("\(action.rawValue.capitalizedFirst): \(what)", isError: false)
            } else {
                context.notify("\(action.rawValue) failed: " + errors.joined(separator: "; "), isError: true)
            }
            if action == .delete { context.runs.markedIDs.subtract(runIDs) }
            lastListTime = context.now
            return [.listRuns]
        case .launched(let runID, let error):
            if let error {
                context.notify("Launch failed: \(error)", isError: true)
                return []
            }
            context.notify("Launched \(runID ?? "run")", isError: false)
            if let runID { context.runs.selectedID = runID }
            current = ScreenModel.index(of: RunsScreen.self)
            lastListTime = context.now
            return [.listRuns]
        case .studyLaunched(let name, let runIDs, let error):
            if let error {
                context.notify("Study \(name) not launched: \(error)", isError: true)
                return []
            }
            context.notify("Study \(name): \(runIDs.count) run\(runIDs.count == 1 ? "" : "s") queued or resumed", isError: false)
            lastListTime = context.now
            return [.listRuns] + show(StudiesScreen.self)
        case .logLoaded, .kernelsLoaded, .knnLoaded, .neighboursLoaded, .studiesListed:
            // A screen's data: every screen keeps what is its own.
            var effects: [Effect] = []
            for i in screens.indices { effects += withScreen(i) { screen, context in screen.receive(message, &context) } }
            return effects
        }
    }

    /// Shows the screen at `index` and returns what it loads.
    public mutating func show(_ index: Int, handing run: RunRow? = nil) -> [Effect] {
        current = index
        context.handedRun = run
        defer { context.handedRun = nil }
        return withScreen(index) { screen, context in screen.appear(&context) }
    }

    /// Shows screen `type` and returns what it loads.
    public mutating func show<S: DashboardScreen>(_ type: S.Type, handing run: RunRow? = nil) -> [Effect] {
        show(ScreenModel.index(of: type), handing: run)
    }

    /// Runs `body` on the model of screen `index` with the shared context, then carries
    /// out what the screen asked the shell for.
    mutating func withScreen(_ index: Int, _ body: (inout any DashboardScreen, inout ScreenContext) -> [Effect]) -> [Effect] {
        var screen = screens[index].screen
        screens[index] = ScreenModel.all[index]  // the only reference while `body` mutates it
        let effects = body(&screen, &context)
        screens[index] = screen.model
        guard let request = context.request else { return effects }
        context.request = nil
        switch request {
        case .show(let target, let run):
            return effects + show(target, handing: run)
        case .help:
            showHelp = true
            helpScroll = 0
            return effects
        }
    }

    // MARK: keys

    mutating func handleKey(_ key: Key) -> [Effect] {
        lastActivityTime = context.now
        if key == .resize { return [] }
        if isTooSmall {
            guard key == .character("q") || key == .ctrl("c") else { return [] }
            return context.quit()
        }
        if context.confirmation != nil { return handleConfirmationKey(key) }
        if showHelp {
            switch key {
            case .up, .character("k"): helpScroll = max(0, helpScroll - 1)
            case .down, .character("j"): helpScroll += 1
            case .pageUp: helpScroll = max(0, helpScroll - 10)
            case .pageDown: helpScroll += 10
            case .ctrl("c"): return context.quit()
            default: showHelp = false
            }
            return []
        }
        if screenList != nil { return handleScreenListKey(key) }
        let screen = shown
        if !screen.capturesKeys, type(of: screen).usesShellKeys, let action = ShellAction.keys.action(for: key) {
            return perform(action)
        }
        return withScreen(current) { screen, context in
            if screen.capturesKeys { return screen.typed(key, &context) }
            if let effects = screen.press(key, &context) { return effects }
            return screen.typed(key, &context)
        }
    }

    /// Performs one action of the shell's key table.
    mutating func perform(_ action: ShellAction) -> [Effect] {
        let count = screens.count
        switch action {
        case .quit: return context.quit()
        case .help:
            showHelp = true
            helpScroll = 0
            return []
        case .nextScreen: return show((current + 1) % count)
        case .previousScreen: return show((current + count - 1) % count)
        case .show(let index): return show(index)
        case .screenList:
            screenList = ScreenList(selected: current)
            return []
        }
    }

    mutating func handleConfirmationKey(_ key: Key) -> [Effect] {
        guard let dialog = context.confirmation else { return [] }
        switch key {
        case .character("y"), .character("Y"):
            context.confirmation = nil
            return [.control(dialog.action, runIDs: dialog.runIDs)]
        case .enter:
            context.confirmation = nil
            return dialog.yes ? [.control(dialog.action, runIDs: dialog.runIDs)] : []
        case .left, .right, .tab, .backTab:
            context.confirmation?.yes.toggle()
        case .ctrl("c"):
            return context.quit()
        default:
            context.confirmation = nil
        }
        return []
    }

    /// The screen list: ↑↓ move, digits pick by number (two for screens past 9), Enter shows,
    /// any other key closes it.
    mutating func handleScreenListKey(_ key: Key) -> [Effect] {
        guard var list = screenList else { return [] }
        let count = screens.count
        switch key {
        case .up, .character("k"), .backTab:
            list.selected = (list.selected + count - 1) % count
            list.typed = ""
        case .down, .character("j"), .tab:
            list.selected = (list.selected + 1) % count
            list.typed = ""
        case .character(let c) where c.isASCII && c.isNumber:
            list.type(c, screenCount: count)
        case .enter:
            screenList = nil
            return show(list.selected)
        case .ctrl("c"):
            return context.quit()
        default:
            screenList = nil
            return []
        }
        screenList = list
        return []
    }
}

extension String {
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
