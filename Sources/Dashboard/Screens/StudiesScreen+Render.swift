import RunStore
import TerminalUI

extension StudiesScreen {
    public func render(in area: Rect, buffer: inout CellBuffer, _ context: ScreenContext) {
        guard let study = selected else {
            let message = !loaded ? "Reading studies…"
                : error ?? "No studies yet: simlab study create NAME --grid KEY=V1,V2 --seeds 0,1,2 [train options]"
            let block = Block(title: Self.title, focused: true, theme: context.theme)
            block.render(in: area, buffer: &buffer)
            let inner = block.inner(area)
            Paragraph(message, style: context.theme.muted, alignment: .center)
                .render(in: inner.inset(top: inner.height / 2), buffer: &buffer)
            return
        }
        let listHeight = min(studies.count + 3, max(4, area.height / 4))
        let (listArea, rest) = area.splitTop(listHeight)
        let reportHeight = min(study.report.groups.count + 4, max(5, rest.height / 2))
        let (chartArea, reportArea) = rest.splitBottom(reportHeight)
        renderList(in: listArea, buffer: &buffer, context)
        renderChart(study, in: chartArea, buffer: &buffer, context)
        renderReport(study, in: reportArea, buffer: &buffer, context)
    }

    func renderList(in area: Rect, buffer: inout CellBuffer, _ context: ScreenContext) {
        let block = Block(title: "Studies \(studies.count)" + (error.map { " · ⚠ \($0)" } ?? ""), focused: true, theme: context.theme)
        block.render(in: area, buffer: &buffer)
        let columns = [
            TableColumn("Study", width: .flex(2)), TableColumn("Progress", width: .fixed(22)),
            TableColumn("Cells", width: .fixed(5), alignment: .right), TableColumn("Seeds", width: .fixed(5), alignment: .right),
            TableColumn("Running", width: .fixed(7), alignment: .right), TableColumn("Queued", width: .fixed(6), alignment: .right),
            TableColumn("Failed", width: .fixed(6), alignment: .right), TableColumn("Grid", width: .flex(3)),
        ]
        let rows = studies.map { overview -> [String] in
            var states: [String: Int] = [:]
            for group in overview.report.groups { states.merge(group.states, uniquingKeysWith: +) }
            let planned = max(1, overview.plannedCount)
            let grid = overview.report.study.grid.map { axis in
                "\(axis.flag)=" + axis.values.map { StudySetting(flag: axis.flag, value: $0).valueText }.joined(separator: ",")
            }.joined(separator: " ")
            return [
                overview.name,
                Format.bar(Double(overview.finishedCount) / Double(planned), width: 12) + " \(overview.finishedCount)/\(overview.plannedCount)",
                String(overview.report.study.cells.count), String(overview.report.study.seeds.count),
                String(states["running", default: 0] + states["paused", default: 0] + states["stopping", default: 0]),
                String(states["queued", default: 0]),
                String(states["failed", default: 0] + states["incomplete", default: 0] + states["missing", default: 0]),
                grid,
            ]
        }
        var state = TableState(selected: studies.firstIndex { $0.name == selected?.name }, offset: 0)
        Table(columns: columns, rows: rows, theme: context.theme).render(in: block.inner(area), buffer: &buffer, state: &state)
    }

    func renderChart(_ study: StudyOverview, in area: Rect, buffer: inout CellBuffer, _ context: ScreenContext) {
        let curves = study.curves[metric] ?? []
        var series: [ChartSeries] = []
        for (i, group) in study.report.groups.enumerated() where i < curves.count && !curves[i].isEmpty {
            let color = context.theme.seriesColor(i)
            let points = curves[i].map { (x: Double($0.epoch), y: $0.mean) }
            let name = Text.truncate(group.cell.settings.map(\.valueText).joined(separator: " "), to: 20)
            series.append(ChartSeries(name: (i == cellIndex ? "▸" : "") + name, color: color, points: points))
            // ±1 std as a vertical bar at each epoch (a gap between bars).
            let bars = curves[i].flatMap { point -> [(x: Double, y: Double)] in
                guard let std = point.standardDeviation else { return [] }
                return [(Double(point.epoch), point.mean - std), (Double(point.epoch), point.mean + std), (Double(point.epoch), .nan)]
            }
            if !bars.isEmpty { series.append(ChartSeries(name: "", color: color, points: bars)) }
        }
        let epochs = study.report.study.options.first { $0.flag == "epochs" }.flatMap { $0.value.intValue }
        let xMax = Double(epochs ?? curves.flatMap { $0.map(\.epoch) }.max() ?? 1)
        let percent = metric == .valAccuracy || metric == .testAccuracy || metric == .trainAccuracy
        context.renderChart(title: "\(study.name) · \(metric.title) (v) · mean over seeds, bars ±1 std",
                            series: series, xMax: xMax, percent: percent, in: area, buffer: &buffer)
    }

    func renderReport(_ study: StudyOverview, in area: Rect, buffer: inout CellBuffer, _ context: ScreenContext) {
        let baseline = study.report.baseline.map { " · baseline \($0.text)" } ?? ""
        let block = Block(title: "Report\(baseline) · Δ paired by seed, * p < 0.05", footer: "← → cell · Enter runs",
                          theme: context.theme)
        block.render(in: area, buffer: &buffer)
        let showKNN = study.report.groups.contains { $0.knnAccuracy != nil }
        var columns = study.report.study.grid.map { TableColumn($0.flag, width: .flex(1)) } + [
            TableColumn("n", width: .fixed(5), alignment: .right),
            TableColumn("test acc. %", width: .fixed(14), alignment: .right),
            TableColumn("@ best val %", width: .fixed(14), alignment: .right),
        ]
        if showKNN { columns.append(TableColumn("kNN %", width: .fixed(14), alignment: .right)) }
        columns += [
            TableColumn("Δ pts", width: .fixed(7), alignment: .right),
            TableColumn("p", width: .fixed(8), alignment: .right),
        ]
        var styles: [Int: Style] = [:]
        let rows = study.report.groups.enumerated().map { i, group -> [String] in
            var row = group.cell.settings.map(\.valueText)
            if !row.isEmpty { row[0] = (i == cellIndex ? "▸ " : "  ") + row[0] }
            row.append(group.finished == group.runs.count ? "\(group.finished)" : "\(group.finished)/\(group.runs.count)")
            row.append(StudyReport.percent(group.testAccuracy))
            row.append(StudyReport.percent(group.testAccuracyAtBestValidation))
            if showKNN { row.append(StudyReport.percent(group.knnAccuracy)) }
            if group.isBaseline {
                row += ["base", ""]
            } else if let delta = group.delta {
                row.append((delta.meanDifference >= 0 ? "+" : "") + NumberFormat.fixed(delta.meanDifference * 100, decimals: 2))
                row.append(delta.p.map(StudyReport.pValue) ?? "–")
                if let p = delta.p, p < 0.05 { styles[i] = context.theme.good }
            } else {
                row += ["–", "–"]
            }
            return row
        }
        var state = TableState(selected: cellIndex, offset: 0)
        Table(columns: columns, rows: rows, rowStyles: styles, theme: context.theme)
            .render(in: block.inner(area), buffer: &buffer, state: &state)
    }
}
