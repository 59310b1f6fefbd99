import TerminalUI

extension CompareScreen {
    public func render(in area: Rect, buffer: inout CellBuffer, _ context: ScreenContext) {
        let compared = context.runs.compared
        guard !compared.isEmpty else {
            Paragraph("Mark runs with Space on the Runs screen to compare them.", style: context.theme.muted, alignment: .center)
                .render(in: area.inset(top: area.height / 2), buffer: &buffer)
            return
        }
        let (chartArea, tableArea) = area.splitTop(max(8, area.height / 2))
        let labels = RunLabels.distinguishing(compared.map { $0.name.isEmpty ? $0.id : $0.name })
        var series: [ChartSeries] = []
        for (i, run) in compared.enumerated() {
            let data = context.runs.metrics[run.id] ?? RunMetrics()
            let points: [(x: Double, y: Double)]
            switch metric {
            case .valAccuracy: points = data.series(.val) { $0.accuracy }
            case .testAccuracy: points = data.series(.test) { $0.accuracy }
            case .trainLoss: points = data.series(.train, epochLinesOnly: !context.charts.showStepLines) { $0.loss }
            case .valLoss: points = data.series(.val) { $0.loss }
            case .trainAccuracy: points = data.series(.train, epochLinesOnly: !context.charts.showStepLines) { $0.accuracy }
            }
            // Only the every-N-steps train series are dense enough to smooth; epoch series are drawn raw.
            let dense = (metric == .trainLoss || metric == .trainAccuracy) && context.charts.showStepLines && data.stepPointCount > 0
            series.append(ChartSeries(name: Text.truncate(labels[i], to: 24), color: context.theme.seriesColor(i), points: points,
                                      isDense: dense))
        }
        let xMax = Double(compared.map(\.epochs).max() ?? 1)
        let percent = metric == .valAccuracy || metric == .testAccuracy || metric == .trainAccuracy
        context.renderChart(title: "Compare \(compared.count) runs · \(metric.title) (v) · " + context.charts.label,
                    series: series.filter { !$0.points.isEmpty }, xMax: xMax, percent: percent, in: chartArea, buffer: &buffer)

        // Settings table: one row per setting, one column per run — as many runs as fit
        // columns of at least 12 cells (which settings differ is judged over all of them).
        var keys: [String] = []
        var seen = Set<String>()
        for run in compared { for (key, _) in run.settings where !seen.contains(key) { seen.insert(key); keys.append(key) } }
        let differing = keys.filter { key in Set(compared.map { $0.setting(key) ?? "—" }).count > 1 }
        let differingSet = Set(differing)
        let shownKeys = diffOnly ? differing : keys
        let block = Block(title: "", theme: context.theme)
        let inner = block.inner(tableArea)
        let fitting = max(1, (inner.width - 21) / 13)
        let tabled = Array(compared.prefix(fitting))
        var rows: [[String]] = [
            ["state"] + tabled.map(\.stateLabel),
            ["best val"] + tabled.map { Format.percent($0.bestValidationAccuracy) },
            ["test @ best val"] + tabled.map { Format.percent($0.testAccuracy) },
        ]
        // Named as typed on the command line (--similarity-penalty), not as config.json keys.
        rows += shownKeys.map { key in [SettingNames.flag(key)] + tabled.map { $0.setting(key) ?? "—" } }
        var styles: [Int: Style] = [:]
        for (i, key) in shownKeys.enumerated() where differingSet.contains(key) { styles[i + 3] = context.theme.accent }
        var title = "Settings · \(diffOnly ? "only the \(differing.count) that differ" : "all \(keys.count), differing highlighted") (f)"
        if tabled.count < compared.count { title += " · first \(tabled.count) of \(compared.count) runs" }
        Block(title: title, theme: context.theme).render(in: tableArea, buffer: &buffer)
        let columns = [TableColumn("setting", width: .fixed(20))]
            + labels.prefix(tabled.count).map { TableColumn(Text.truncate($0, to: 20), width: .flex(1)) }
        let visibleRows = Table.visibleRows(height: inner.height)
        let offset = min(scroll, max(0, rows.count - visibleRows))
        var state = TableState(selected: nil, offset: offset)
        Table(columns: columns, rows: rows, rowStyles: styles, theme: context.theme).render(in: inner, buffer: &buffer, state: &state)
    }
}
