import TerminalUI

extension DashboardState {
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
        }
    }

    static func cells(of run: RunRow) -> [String] {
        let progressWidth = 11
        let progress = run.state == .corrupt ? "unreadable"
            : bar(run.progress, width: progressWidth) + " " + Text.fit(String(Int((run.progress * 100).rounded(.down))) + "%", width: 4, alignment: .right)
        return [
            run.id, run.name, run.stateLabel, run.modelLabel, progress,
            run.epochs > 0 ? "\(run.epoch)/\(run.epochs)" : (run.epoch > 0 ? "\(run.epoch)" : "—"),
            percent(run.bestValidationAccuracy), percent(run.testAccuracy),
            run.imagesPerSecond.map { NumberFormat.compact($0) } ?? "—",
            run.state == .running ? duration(run.etaSeconds) : "—",
        ]
    }

    func renderRuns(in area: Rect, buffer: inout CellBuffer) {
        let visible = visibleRuns
        var title = "Runs \(visible.count)"
        if visible.count != runs.count { title += " of \(runs.count)" }
        title += " · sort \(sort.title) \(sortAscending ? "▲" : "▼")"
        if !filter.isEmpty { title += " · filter \"\(filter)\"" }
        if !markedRunIDs.isEmpty { title += " · \(markedRunIDs.count) marked" }
        let selected = selectedRun
        let detailHeight = selected.map { ($0.problem != nil || $0.lastError != nil) ? 4 : 3 } ?? 0
        let (tableArea, detailArea) = area.splitBottom(min(detailHeight, max(0, area.height - 4)))
        let block = Block(title: title, focused: true, theme: theme)
        block.render(in: tableArea, buffer: &buffer)
        let inner = block.inner(tableArea)
        if visible.isEmpty {
            let message: String
            if !runsLoaded { message = "Reading runs…" }
            else if let listError { message = listError }
            else if runs.isEmpty { message = "No runs yet. Press n to launch one (or run `simlab train`)." }
            else { message = "No run matches \"\(filter)\" (Esc in / clears the filter)." }
            Paragraph(message, style: theme.muted, alignment: .center, wrap: true)
                .render(in: inner.inset(top: max(0, inner.height / 2 - 1)), buffer: &buffer)
            return
        }
        let rows = visible.map(DashboardState.cells)
        var styles: [Int: Style] = [:]
        for (i, run) in visible.enumerated() { styles[i] = style(for: run.state) }
        var tableState = TableState(selected: selectedIndex, offset: runsOffset,
                                    marked: Set(visible.indices.filter { markedRunIDs.contains(visible[$0].id) }),
                                    sortColumn: DashboardState.column(of: sort), sortAscending: sortAscending)
        // Narrow terminals drop the id column (the detail line below shows it).
        let wide = inner.width >= 130
        let columns = wide ? DashboardState.runColumns : Array(DashboardState.runColumns.dropFirst())
        let shownRows = wide ? rows : rows.map { Array($0.dropFirst()) }
        tableState.sortColumn = wide ? tableState.sortColumn : tableState.sortColumn.map { $0 - 1 }
        Table(columns: columns, rows: shownRows, rowStyles: styles, showMarks: true, theme: theme)
            .render(in: inner, buffer: &buffer, state: &tableState)
        guard let run = selected, !detailArea.isEmpty else { return }
        var lines: [Line] = [
            Line(spans: [("\(run.id)  ", theme.key), (run.path, theme.muted)]),
            Line(spans: [("state ", theme.muted), (run.stateLabel, style(for: run.state)),
                         ("  " + run.stepLabel, theme.muted),
                         (run.hasCheckpoint ? "  checkpoint ✓" : "  no checkpoint", theme.muted)]),
        ]
        if let problem = run.problem { lines.append(Line("⚠ " + problem, style: theme.error)) }
        else if let error = run.lastError { lines.append(Line("last error: " + error, style: theme.error)) }
        Paragraph(lines).render(in: detailArea.inset(left: 1, right: 1), buffer: &buffer)
    }
}
