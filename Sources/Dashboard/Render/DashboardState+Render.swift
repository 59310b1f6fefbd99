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
        shown.render(in: body, buffer: &buffer, context)
        renderFooter(in: footer, buffer: &buffer)
        let theme = context.theme
        if let confirmation = context.confirmation {
            MessageBox(title: confirmation.title, message: confirmation.question, buttons: ["Yes (y)", "No (n)"],
                       selectedButton: confirmation.yes ? 0 : 1, theme: theme).render(in: body, buffer: &buffer)
        }
        if let screenList { renderScreenList(screenList, in: body, buffer: &buffer) }
        if showHelp { renderHelp(in: body, buffer: &buffer) }
    }

    func renderTooSmall(in area: Rect, buffer: inout CellBuffer) {
        let lines = ["Terminal too small", "\(area.width)×\(area.height), need \(DashboardState.minimumWidth)×\(DashboardState.minimumHeight)",
                     "enlarge it, or q to quit"]
        let top = area.y + max(0, (area.height - lines.count) / 2)
        for (i, line) in lines.enumerated() {
            Paragraph.draw(Line(line, style: i == 0 ? context.theme.warning : context.theme.text), in: area.row(top - area.y + i),
                           alignment: .center, buffer: &buffer)
        }
    }

    func renderTabs(in area: Rect, buffer: inout CellBuffer) {
        let titles = screens.enumerated().map { "\($0.offset + 1) \($0.element.title)" }
        Tabs(titles, selected: current, theme: context.theme).render(in: area, buffer: &buffer)
        let runs = context.runs.rows
        let running = runs.filter { $0.state == .running }.count
        let status = "simlab · \(runs.count) runs · \(running) running"
        if area.width > 100 {
            buffer.write(status, x: area.maxX - status.count - 1, y: area.y, style: context.theme.muted, clip: area)
        }
    }

    /// The key hints of the shown screen: its own footer bindings, then the shell's.
    public var footerHints: [KeyText] {
        let screen = type(of: shown)
        let shell = screen.usesShellKeys ? ShellAction.keys.map(\.text) : []
        return (screen.keyTexts + shell).filter(\.inFooter)
    }

    func renderFooter(in area: Rect, buffer: inout CellBuffer) {
        if shown.renderFooter(in: area, buffer: &buffer, context) { return }
        let theme = context.theme
        if let notice = context.notice {
            buffer.write(Text.truncate(notice.text, to: area.width), x: area.x, y: area.y,
                         style: notice.isError ? theme.error : theme.good, clip: area)
            return
        }
        let hints = footerHints.map { (key: $0.keys.first?.displayName ?? "", description: $0.label) }
        KeyHints(hints, theme: theme).render(in: area, buffer: &buffer)
    }

    func renderHelp(in area: Rect, buffer: inout CellBuffer) {
        let theme = context.theme
        var lines: [Line] = []
        func section(_ title: String, _ bindings: [KeyText]) {
            guard !bindings.isEmpty else { return }
            if !lines.isEmpty { lines.append(Line("")) }
            lines.append(Line(title, style: theme.header))
            for b in bindings {
                lines.append(Line(spans: [(Text.fit(b.keyText, width: 14), theme.key), (b.help, theme.text)]))
            }
        }
        section("Everywhere", ShellAction.keys.map(\.text))
        for model in screens {
            section(model.title, type(of: model.screen).keyTexts)
        }
        let box = area.centered(width: min(area.width, 90), height: area.height)
        buffer.fill(box, with: Cell(" ", style: theme.text))
        let block = Block(title: "Help — ↑↓ scroll, any other key closes", focused: true, theme: theme)
        block.render(in: box, buffer: &buffer)
        let inner = block.inner(box).inset(left: 1, right: 1)
        let scroll = min(helpScroll, max(0, lines.count - inner.height))
        Paragraph(lines, scroll: scroll).render(in: inner, buffer: &buffer)
    }

    func renderScreenList(_ list: ScreenList, in area: Rect, buffer: inout CellBuffer) {
        let theme = context.theme
        let box = area.centered(width: min(area.width, 40), height: min(area.height, screens.count + 2))
        buffer.fill(box, with: Cell(" ", style: theme.text))
        let block = Block(title: "Screens", focused: true, footer: "↑↓ or number, Enter", theme: theme)
        block.render(in: box, buffer: &buffer)
        let inner = block.inner(box).inset(left: 1, right: 1)
        let offset = max(0, min(list.selected - inner.height / 2, screens.count - inner.height))
        for (row, i) in screens.indices.dropFirst(offset).prefix(inner.height).enumerated() {
            let text = Text.fit(String(i + 1), width: 3, alignment: .right) + "  " + screens[i].title
            buffer.write(Text.fit(text, width: inner.width), x: inner.x, y: inner.y + row,
                         style: i == list.selected ? theme.selection : theme.text, clip: inner)
        }
    }
}
