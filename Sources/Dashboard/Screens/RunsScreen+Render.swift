import TerminalUI

extension RunsScreen {
    static let runColumns: [TableColumn] = [
        TableColumn("Run", width: .fixed(20)),
        TableColumn("Name", width: .flex(2)),
        TableColumn("State", width: .fixed(9)),
        TableColumn("Model", width: .flex(2)),
        TableColumn("Progress", width: .fixed(18)),
        TableColumn("Epoch", width: .fixed(7), alignment: .right),
        TableColumn("Best val", width: .fixed(8), alignment: .right),
        TableColumn("Test", width: .fixed(9), alignment: .right),
        TableColumn("img/s", width: .fixed(6), alignment: .right),
        TableColumn("ETA", width: .fixed(7), alignment: .right),
    ]

    /// The sort column in the table for a sort order (nil: created, shown by the Run id).
    static func column(of sort: RunSort) -> Int {
        switch sort {
        case .created: return 0
        case .name: return 1
        case .state: return 2
        case .progress: return 4
        case .bestValidation: return 6
        case .test: return 7
        case .speed: return 8
        case .study: return 1
        }
    }

    static func cells(of run: RunRow) -> [String] {
        let progressWidth = 11
        let progress = run.state == .corrupt ? "unreadable"
            : Format.bar(run.progress, width: progressWidth) + " " + Text.fit(String(Int((run.progress * 100).rounded(.down))) + "%", width: 4, alignment: .right)
        return [
            run.id, run.name, run.stateLabel, run.modelLabel, progress,
            run.epochs > 0 ? "\(run.epoch)/\(run.epochs)" : (run.epoch > 0 ? "\(run.epoch)" : "—"),
            Format.percent(run.bestValidationAccuracy), Format.percent(run.testAccuracy),
            run.imagesPerSecond.map { NumberFormat.compact($0) } ?? "—",
            run.state == .running ? Format.duration(run.etaSeconds) : "—",
        ]
    }

    public func render(in area: Rect, buffer: inout CellBuffer, _ context: ScreenContext) {
        let list = context.runs
        let visible = list.visible
        var title = "Runs \(visible.count)"
        if visible.count != list.rows.count { title += " of \(list.rows.count)" }
        title += " · sort \(list.sort.title) \(list.sortAscending ? "▲" : "▼")"
        if !list.filter.isEmpty { title += " · filter \"\(list.filter)\"" }
        if !list.markedIDs.isEmpty { title += " · \(list.markedIDs.count) marked" }
        let selectedIndex = list.selectedIndex(in: visible)
        let selected = selectedIndex.map { visible[$0] }
        let detailHeight = selected.map { ($0.problem != nil || $0.lastError != nil) ? 4 : 3 } ?? 0
        let (tableArea, detailArea) = area.splitBottom(min(detailHeight, max(0, area.height - 4)))
        let block = Block(title: title, focused: true, theme: context.theme)
        block.render(in: tableArea, buffer: &buffer)
        let inner = block.inner(tableArea)
        if visible.isEmpty {
            let message: String
            if !list.loaded { message = "Reading runs…" }
            else if let error = list.error { message = error }
            else if list.rows.isEmpty { message = "No runs yet. Press n to launch one (or run `simlab train`)." }
            else { message = "No run matches \"\(list.filter)\" (Esc in / clears the filter)." }
            Paragraph(message, style: context.theme.muted, alignment: .center, wrap: true)
                .render(in: inner.inset(top: max(0, inner.height / 2 - 1)), buffer: &buffer)
            return
        }
        // Only the rows on screen are formatted: the window that keeps the selection visible.
        let first = TableState.scrollOffset(selected: selectedIndex, offset: offset,
                                            visibleRows: Table.visibleRows(height: inner.height), rowCount: visible.count)
        let window = visible[first..<min(visible.count, first + Table.visibleRows(height: inner.height))]
        let rows = window.map(RunsScreen.cells)
        var styles: [Int: Style] = [:]
        for (i, run) in window.enumerated() { styles[i] = context.style(for: run.state) }
        var tableState = TableState(selected: selectedIndex.map { $0 - first }, offset: 0,
                                    marked: Set(window.indices.filter { list.markedIDs.contains(visible[$0].id) }.map { $0 - first }),
                                    sortColumn: RunsScreen.column(of: list.sort), sortAscending: list.sortAscending)
        // Narrow terminals drop the id column (the detail line below shows it).
        let wide = inner.width >= 130
        let columns = wide ? RunsScreen.runColumns : Array(RunsScreen.runColumns.dropFirst())
        let shownRows = wide ? rows : rows.map { Array($0.dropFirst()) }
        tableState.sortColumn = wide ? tableState.sortColumn : tableState.sortColumn.map { $0 - 1 }
        Table(columns: columns, rows: shownRows, rowStyles: styles, showMarks: true, theme: context.theme)
            .render(in: inner, buffer: &buffer, state: &tableState)
        guard let run = selected, !detailArea.isEmpty else { return }
        var lines: [Line] = [
            Line(spans: [("\(run.id)  ", context.theme.key), (run.path, context.theme.muted)]),
            Line(spans: [("state ", context.theme.muted), (run.stateLabel, context.style(for: run.state)),
                         ("  " + run.stepLabel, context.theme.muted),
                         (run.hasCheckpoint ? "  checkpoint ✓" : "  no checkpoint", context.theme.muted)]),
        ]
        if let problem = run.problem { lines.append(Line("⚠ " + problem, style: context.theme.error)) }
        else if let error = run.lastError { lines.append(Line("last error: " + error, style: context.theme.error)) }
        Paragraph(lines).render(in: detailArea.inset(left: 1, right: 1), buffer: &buffer)
    }

    /// While the filter is typed, the footer shows it.
    public func renderFooter(in area: Rect, buffer: inout CellBuffer, _ context: ScreenContext) -> Bool {
        guard editingFilter else { return false }
        let theme = context.theme
        var x = buffer.write("filter: ", x: area.x, y: area.y, style: theme.key, clip: area)
        x = buffer.write(context.runs.filter, x: x, y: area.y, style: theme.text, clip: area)
        buffer.set(x: x, y: area.y, "▏", style: theme.accent, clip: area)
        buffer.write("  Enter keep · Esc clear", x: x + 1, y: area.y, style: theme.muted, clip: area)
        return true
    }
}
