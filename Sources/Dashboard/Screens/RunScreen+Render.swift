import TerminalUI

extension RunScreen {
    public func render(in area: Rect, buffer: inout CellBuffer, _ context: ScreenContext) {
        guard let run = context.runs.open else {
            Paragraph("No run open: select one on the Runs screen and press Enter.", style: context.theme.muted, alignment: .center)
                .render(in: area.inset(top: area.height / 2), buffer: &buffer)
            return
        }
        let (header, rest) = area.splitTop(2)
        renderRunHeader(run, in: header, buffer: &buffer, context)
        let chartHeight = max(8, rest.height * 3 / 5)
        let (charts, bottom) = rest.splitTop(chartHeight)
        let halves = charts.split(.horizontal, [.flex(1), .flex(1)])
        let data = context.runs.metrics[run.id] ?? RunMetrics()
        let xMax = Double(max(run.epochs, 1))
        renderLossChart(data, in: halves[0], xMax: xMax, buffer: &buffer, context)
        renderAccuracyChart(data, in: halves[1], xMax: xMax, buffer: &buffer, context)
        let columns = bottom.split(.horizontal, [.fixed(min(44, bottom.width / 3)), .flex(1)])
        renderSettings(run, in: columns[0], buffer: &buffer, context)
        let log = logLines[run.id] ?? []
        let logBlock = Block(title: "worker.log", footer: "\(log.count) lines", theme: context.theme)
        logBlock.render(in: columns[1], buffer: &buffer)
        let logInner = logBlock.inner(columns[1]).inset(left: 1)
        let shown = log.suffix(logInner.height)
        Paragraph(shown.map { line in
            let lower = line.lowercased()
            return Line(line, style: lower.contains("error") || lower.contains("fail") ? context.theme.error : context.theme.text)
        }).render(in: logInner, buffer: &buffer)
        if log.isEmpty {
            buffer.write("(no log yet)", x: logInner.x, y: logInner.y, style: context.theme.muted, clip: logInner)
        }
    }

    func renderRunHeader(_ run: RunRow, in area: Rect, buffer: inout CellBuffer, _ context: ScreenContext) {
        let top = area.row(0)
        var x = buffer.write(" " + run.name + " ", x: top.x, y: top.y, style: context.theme.header, clip: top)
        x = buffer.write(run.id + "  ", x: x, y: top.y, style: context.theme.muted, clip: top)
        x = buffer.write(run.stateLabel, x: x, y: top.y, style: context.style(for: run.state), clip: top)
        x = buffer.write("  " + run.modelLabel, x: x, y: top.y, style: context.theme.text, clip: top)
        x = buffer.write("  best val " + Format.percent(run.bestValidationAccuracy) + "  test "
                         + Format.percent(run.testAccuracy), x: x, y: top.y, style: context.theme.text, clip: top)
        if let speed = run.imagesPerSecond {
            x = buffer.write("  \(NumberFormat.compact(speed)) img/s", x: x, y: top.y, style: context.theme.muted, clip: top)
        }
        if run.state == .running {
            buffer.write("  ETA " + Format.duration(run.etaSeconds), x: x, y: top.y, style: context.theme.muted, clip: top)
        }
        let second = area.row(1).inset(left: 1, right: 1)
        let label = "epoch \(run.epoch)/\(run.epochs)  \(run.stepLabel)  \(Int((run.progress * 100).rounded(.down)))%"
        Gauge(ratio: run.progress, label: label, theme: context.theme).render(in: second, buffer: &buffer)
        if let problem = run.problem ?? run.lastError {
            buffer.write(" ⚠ " + problem, x: second.x, y: second.y, maxWidth: second.width, style: context.theme.error, clip: second)
        }
    }

    func renderLossChart(_ data: RunMetrics, in area: Rect, xMax: Double, buffer: inout CellBuffer, _ context: ScreenContext) {
        var series: [ChartSeries] = []
        let train = data.series(.train, epochLinesOnly: !context.charts.showStepLines) { $0.loss }
        let dense = context.charts.showStepLines && data.stepPointCount > 0
        if !train.isEmpty { series.append(ChartSeries(name: "train", color: context.theme.seriesColor(0), points: train, isDense: dense)) }
        let val = data.series(.val) { $0.loss }
        if !val.isEmpty { series.append(ChartSeries(name: "val", color: context.theme.seriesColor(1), points: val)) }
        let test = data.series(.test) { $0.loss }
        if !test.isEmpty { series.append(ChartSeries(name: "test", color: context.theme.seriesColor(2), points: test)) }
        context.renderChart(title: "Loss · " + context.charts.label, series: series, xMax: xMax, percent: false, in: area, buffer: &buffer)
    }

    func renderAccuracyChart(_ data: RunMetrics, in area: Rect, xMax: Double, buffer: inout CellBuffer, _ context: ScreenContext) {
        var series: [ChartSeries] = []
        func add(_ name: String, _ index: Int, _ points: [(x: Double, y: Double)], dense: Bool = false) {
            if !points.isEmpty {
                series.append(ChartSeries(name: name, color: context.theme.seriesColor(index), points: points, isDense: dense))
            }
        }
        // Only the every-N-steps train series is dense enough to smooth; epoch series are drawn raw.
        add("train", 0, data.series(.train, epochLinesOnly: !context.charts.showStepLines) { $0.accuracy },
            dense: context.charts.showStepLines && data.stepPointCount > 0)
        add("val", 1, data.series(.val) { $0.accuracy })
        add("test", 2, data.series(.test) { $0.accuracy })
        // kNN and blended accuracy come from the final evaluation's test line (one point).
        add("kNN", 3, data.series(.test) { $0.knnAccuracy })
        add("blend", 4, data.series(.test) { $0.blendedAccuracy })
        var title = "Accuracy"
        if let final = data.points.last(where: { $0.split == .test && $0.knnAccuracy != nil }) {
            title += " · final test: net " + Format.percent(final.accuracy) + " kNN " + Format.percent(final.knnAccuracy)
                + " blend " + Format.percent(final.blendedAccuracy)
            if let lambda = final.blendLambda { title += " (λ=" + NumberFormat.fixed(lambda, decimals: 1) + ")" }
        } else if let last = data.points.last(where: { $0.split == .test && $0.accuracy != nil })?.accuracy {
            title += " · test " + Format.percent(last)
        }
        context.renderChart(title: title, series: series, xMax: xMax, percent: true, in: area, buffer: &buffer)
    }

    func renderSettings(_ run: RunRow, in area: Rect, buffer: inout CellBuffer, _ context: ScreenContext) {
        let block = Block(title: "Settings", footer: run.settings.isEmpty ? "" : "↑↓", theme: context.theme)
        block.render(in: area, buffer: &buffer)
        let inner = block.inner(area).inset(left: 1)
        guard !run.settings.isEmpty else {
            buffer.write(run.problem ?? "(no config.json)", x: inner.x, y: inner.y, maxWidth: inner.width, style: context.theme.muted, clip: inner)
            return
        }
        let settings = SettingNames.typed(run.settings)
        let keyWidth = min(20, (settings.map(\.key.count).max() ?? 0) + 1)
        let lines = settings.map { Line(spans: [(Text.fit($0.key, width: keyWidth), context.theme.muted), ($0.value, context.theme.text)]) }
        Paragraph(lines, scroll: min(settingsScroll, max(0, lines.count - inner.height))).render(in: inner, buffer: &buffer)
    }
}
