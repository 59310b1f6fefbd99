import TerminalUI

extension DashboardState {
    /// The smallest terminal the screens are drawn for; below it a message asks for more room.
    public static let minimumWidth = 70
    public static let minimumHeight = 20

    /// Whether the terminal is below the minimum size: only the "too small" message is
    /// drawn, and keys other than quit are ignored (nothing acts unseen).
    public var isTooSmall: Bool { width < DashboardState.minimumWidth || height < DashboardState.minimumHeight }

    /// Draws the whole dashboard into `buffer` (its size is the frame size). Pure.
    public func render(into buffer: inout CellBuffer) {
        buffer.clear()
        let area = buffer.area
        guard area.width >= DashboardState.minimumWidth && area.height >= DashboardState.minimumHeight else {
            renderTooSmall(in: area, buffer: &buffer)
            return
        }
        let (top, rest) = area.splitTop(1)
        let (body, footer) = rest.splitBottom(1)
        renderTabs(in: top, buffer: &buffer)
        switch screen {
        case .runs: renderRuns(in: body, buffer: &buffer)
        case .run: renderRun(in: body, buffer: &buffer)
        case .compare: renderCompare(in: body, buffer: &buffer)
        case .kernels: renderKernels(in: body, buffer: &buffer)
        case .knn: renderKNN(in: body, buffer: &buffer)
        case .neighbours: renderNeighbours(in: body, buffer: &buffer)
        case .launch: renderLaunch(in: body, buffer: &buffer)
        }
        renderFooter(in: footer, buffer: &buffer)
        if let confirmation {
            MessageBox(title: confirmation.title, message: confirmation.question, buttons: ["Yes (y)", "No (n)"],
                       selectedButton: confirmation.yes ? 0 : 1, theme: theme).render(in: body, buffer: &buffer)
        }
        if showHelp { renderHelp(in: body, buffer: &buffer) }
    }

    func renderTooSmall(in area: Rect, buffer: inout CellBuffer) {
        let lines = ["Terminal too small", "\(area.width)×\(area.height), need \(DashboardState.minimumWidth)×\(DashboardState.minimumHeight)",
                     "enlarge it, or q to quit"]
        let top = area.y + max(0, (area.height - lines.count) / 2)
        for (i, line) in lines.enumerated() {
            Paragraph.draw(Line(line, style: i == 0 ? theme.warning : theme.text), in: area.row(top - area.y + i),
                           alignment: .center, buffer: &buffer)
        }
    }

    func renderTabs(in area: Rect, buffer: inout CellBuffer) {
        let titles = Screen.allCases.map { "\($0.rawValue + 1) \($0.title)" }
        Tabs(titles, selected: screen.rawValue, theme: theme).render(in: area, buffer: &buffer)
        let running = runs.filter { $0.state == .running }.count
        let status = "simlab · \(runs.count) runs · \(running) running"
        if area.width > 100 {
            buffer.write(status, x: area.maxX - status.count - 1, y: area.y, style: theme.muted, clip: area)
        }
    }

    func renderFooter(in area: Rect, buffer: inout CellBuffer) {
        if editingFilter {
            var x = buffer.write("filter: ", x: area.x, y: area.y, style: theme.key, clip: area)
            x = buffer.write(filter, x: x, y: area.y, style: theme.text, clip: area)
            buffer.set(x: x, y: area.y, "▏", style: theme.accent, clip: area)
            buffer.write("  Enter keep · Esc clear", x: x + 1, y: area.y, style: theme.muted, clip: area)
            return
        }
        if let notice {
            buffer.write(Text.truncate(notice.text, to: area.width), x: area.x, y: area.y,
                         style: notice.isError ? theme.error : theme.good, clip: area)
            return
        }
        let hints = KeyBinding.footer(for: screen).map { (key: $0.keys.first?.displayName ?? "", description: $0.label) }
        KeyHints(hints, theme: theme).render(in: area, buffer: &buffer)
    }

    func renderHelp(in area: Rect, buffer: inout CellBuffer) {
        var lines: [Line] = []
        func section(_ title: String, _ bindings: [KeyBinding]) {
            guard !bindings.isEmpty else { return }
            if !lines.isEmpty { lines.append(Line("")) }
            lines.append(Line(title, style: theme.header))
            for b in bindings {
                lines.append(Line(spans: [(Text.fit(b.keyText, width: 14), theme.key), (b.help, theme.text)]))
            }
        }
        section("Everywhere", KeyBinding.table.filter { $0.screens == nil })
        for s in Screen.allCases {
            section(s.title, KeyBinding.table.filter { $0.screens?.contains(s) == true })
        }
        let box = area.centered(width: min(area.width, 90), height: area.height)
        buffer.fill(box, with: Cell(" ", style: theme.text))
        let block = Block(title: "Help — ↑↓ scroll, any other key closes", focused: true, theme: theme)
        block.render(in: box, buffer: &buffer)
        let inner = block.inner(box).inset(left: 1, right: 1)
        let scroll = min(helpScroll, max(0, lines.count - inner.height))
        Paragraph(lines, scroll: scroll).render(in: inner, buffer: &buffer)
    }

    // MARK: styles

    func style(for state: RunRow.DisplayState) -> Style {
        switch state {
        case .running: return theme.good
        case .paused, .stopping: return theme.warning
        case .failed, .corrupt: return theme.error
        case .queued: return theme.accent
        case .finished, .stopped: return theme.text
        }
    }

    static func percent(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "—" }
        return NumberFormat.fixed(value * 100, decimals: 2) + "%"
    }

    static func duration(_ seconds: Double?) -> String {
        guard let seconds, seconds.isFinite, seconds >= 0 else { return "—" }
        let s = Int(seconds.rounded())
        if s >= 3600 { return "\(s / 3600)h\(String(format2((s % 3600) / 60)))m" }
        if s >= 60 { return "\(s / 60)m\(String(format2(s % 60)))s" }
        return "\(s)s"
    }

    static func format2(_ n: Int) -> String { n < 10 ? "0\(n)" : String(n) }

    /// A text progress bar with eighth blocks: "█████▍      ".
    static func bar(_ ratio: Double, width: Int) -> String {
        guard width > 0 else { return "" }
        let r = ratio.isFinite ? min(max(ratio, 0), 1) : 0
        let eighths = Int((r * Double(width * 8)).rounded())
        let partial: [Character] = [" ", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
        var s = String(repeating: "█", count: eighths / 8)
        if eighths % 8 > 0 { s.append(partial[eighths % 8]) }
        return s + String(repeating: "·", count: max(0, width - s.count))
    }
}
