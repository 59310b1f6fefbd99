import RunStore
import TerminalUI

extension KNNScreen {
    public func render(in area: Rect, buffer: inout CellBuffer, _ context: ScreenContext) {
        guard let run = context.runs.open, let view, view.runID == run.id else {
            context.renderNoRun(in: area, buffer: &buffer)
            return
        }
        let (header, body) = area.splitTop(1)
        context.renderEpochStrip(title: "kNN hard examples · \(run.name)", epochs: view.epochs.map(\.epoch),
                         index: view.epochIndex, in: header, buffer: &buffer)
        guard !view.epochs.isEmpty else {
            let message = view.error ?? "No kNN statistics per epoch (knn/epoch-NNN.json is written when --knn-alpha or --knn-focal reweights the loss)."
            if view.evaluation != nil || view.fewShot != nil {
                // No reweighting, but the final or a few-shot evaluation exists: show them alone.
                let (note, rest) = body.splitTop(2)
                Paragraph(message, style: view.error == nil ? context.theme.muted : context.theme.error, alignment: .center, wrap: true)
                    .render(in: note, buffer: &buffer)
                let halves = rest.split(.horizontal, [.flex(1), .flex(1)])
                renderEvaluationNumbers(view.evaluation, fewShot: view.fewShot, in: halves[0], buffer: &buffer, context)
                renderLambdaCurve(nil, evaluation: view.evaluation, in: halves[1], buffer: &buffer, context)
                return
            }
            Paragraph(message, style: view.error == nil ? context.theme.muted : context.theme.error, alignment: .center, wrap: true)
                .render(in: body.inset(top: body.height / 2), buffer: &buffer)
            return
        }
        let stats = view.epochs[min(view.epochIndex ?? view.epochs.count - 1, view.epochs.count - 1)]
        let rows = body.split(.vertical, [.flex(1), .flex(1)])
        let top = rows[0].split(.horizontal, [.flex(1), .flex(1)])
        let bottom = rows[1].split(.horizontal, [.flex(1), .flex(1), .flex(1)])
        renderHistogram(stats, in: top[0], buffer: &buffer, context)
        renderClassErrors(stats, in: top[1], buffer: &buffer, context)
        renderKNNNumbers(stats, evaluation: view.evaluation, fewShot: view.fewShot, in: bottom[0], buffer: &buffer, context)
        renderLambdaCurve(stats, evaluation: view.evaluation, in: bottom[1], buffer: &buffer, context)
        renderKNNTrend(view.epochs, in: bottom[2], buffer: &buffer, context)
        if let error = view.error {
            buffer.write("⚠ " + error, x: body.x, y: body.maxY - 1, maxWidth: body.width, style: context.theme.error, clip: body)
        }
    }

    func renderHistogram(_ stats: KNNEpochStatistics, in area: Rect, buffer: inout CellBuffer, _ context: ScreenContext) {
        let block = Block(title: "p_knn(true class) over \(stats.exampleCount) training images", theme: context.theme)
        block.render(in: area, buffer: &buffer)
        let inner = block.inner(area).inset(left: 1, right: 1)
        guard !stats.histogram.isEmpty else {
            buffer.write("no histogram", x: inner.x, y: inner.y, style: context.theme.muted, clip: inner)
            return
        }
        let bins = stats.histogram.count
        let labels = (0..<bins).map { i -> String in
            i == 0 ? "0" : (i == bins - 1 ? "1" : (i == bins / 2 ? ".5" : ""))
        }
        let total = max(1, stats.histogram.reduce(0, +))
        let (chart, note) = inner.splitBottom(1)
        BarChart(values: stats.histogram.map(Double.init), labels: labels, gap: 0,
                 style: Style(fg: context.theme.seriesColor(0)), labelStyle: context.theme.muted).render(in: chart, buffer: &buffer)
        let hardShare = Double(stats.histogram.prefix(bins / 2).reduce(0, +)) / Double(total)
        buffer.write("below 0.5: " + Format.percent(hardShare) + "  (the vote is unsure or wrong)",
                     x: note.x, y: note.y, maxWidth: note.width, style: context.theme.muted, clip: note)
    }

    func renderClassErrors(_ stats: KNNEpochStatistics, in area: Rect, buffer: inout CellBuffer, _ context: ScreenContext) {
        let block = Block(title: "Hard (kNN-wrong) fraction per class", theme: context.theme)
        block.render(in: area, buffer: &buffer)
        let inner = block.inner(area).inset(left: 1, right: 1)
        let names = classNames
        let top = max(stats.errorRateByClass.filter(\.isFinite).max() ?? 0, 1e-9)
        for (c, rate) in stats.errorRateByClass.enumerated() {
            guard c < inner.height else { break }
            let name = c < names.count ? names[c] : "class \(c)"
            let count = c < stats.classCounts.count ? " n=\(stats.classCounts[c])" : ""
            let labelWidth = 12
            let valueText = Format.percent(rate)
            let barWidth = max(0, inner.width - labelWidth - valueText.count - count.count - 2)
            var x = buffer.write(Text.fit(name, width: labelWidth), x: inner.x, y: inner.y + c, style: context.theme.text, clip: inner)
            let filled = String(Format.bar(rate.isFinite ? rate / top : 0, width: barWidth).map { $0 == "·" ? " " : $0 })
            x = buffer.write(filled + " ", x: x, y: inner.y + c, style: rate > 0.5 * top ? context.theme.error : Style(fg: context.theme.seriesColor(1)), clip: inner)
            x = buffer.write(valueText, x: x, y: inner.y + c, style: context.theme.text, clip: inner)
            buffer.write(count, x: x, y: inner.y + c, style: context.theme.muted, clip: inner)
        }
    }

    func renderKNNNumbers(_ stats: KNNEpochStatistics, evaluation: NeighbourEvaluationSummary?, fewShot: FewShotResults?, in area: Rect,
                          buffer: inout CellBuffer, _ context: ScreenContext) {
        let block = Block(title: "Loss weights · kNN vs network", theme: context.theme)
        block.render(in: area, buffer: &buffer)
        let inner = block.inner(area).inset(left: 1, right: 1)
        func row(_ label: String, _ value: String) -> Line {
            Line(spans: [(Text.fit(label, width: 22), context.theme.muted), (value, context.theme.text)])
        }
        func num(_ v: Double?) -> String { v.map { NumberFormat.compact($0) } ?? "—" }
        var lines: [Line] = [
            row("feature space", stats.featureSpace ?? "—"),
            row("kNN accuracy", Format.percent(stats.knnAccuracy)),
            row("α · mean / max weight", "\(num(stats.alpha)) · \(num(stats.meanWeight)) / \(num(stats.maxWeight))"),
            row("focal γ · mean / max", "\(num(stats.gamma)) · \(num(stats.meanFocalWeight)) / \(num(stats.maxFocalWeight))"),
        ]
        if stats.agreement != nil || stats.networkAccuracy != nil {
            lines += [
                row("network accuracy", Format.percent(stats.networkAccuracy)),
                row("agreement", Format.percent(stats.agreement)),
                row("net ✗ kNN ✓ (helps)", Format.percent(stats.networkWrongKNNRight)),
                row("net ✓ kNN ✗", Format.percent(stats.networkRightKNNWrong)),
                row("both wrong", Format.percent(stats.bothWrong)),
                row("blend λ=\(num(stats.blendLambda))", Format.percent(stats.blendedAccuracy)),
            ]
        } else {
            lines.append(Line("(no network comparison recorded)", style: context.theme.muted))
        }
        if let evaluation {
            lines += evaluationLines(evaluation, context)
        }
        if let fewShot { lines += fewShotLines(fewShot, context) }
        Paragraph(lines).render(in: inner, buffer: &buffer)
    }

    /// The final evaluation: test accuracies and the blend chosen on validation.
    func evaluationLines(_ e: NeighbourEvaluationSummary, _ context: ScreenContext) -> [Line] {
        func row(_ label: String, _ value: String) -> Line {
            Line(spans: [(Text.fit(label, width: 14), context.theme.muted), (value, context.theme.text)])
        }
        func num(_ v: Double?) -> String { v.map { NumberFormat.compact($0) } ?? "—" }
        func short(_ v: Double?) -> String { v.map { NumberFormat.fixed($0 * 100, decimals: 1) + "%" } ?? "—" }
        let test = e.testCount.map { " (\($0) test images)" } ?? ""
        return [
            Line("Final evaluation" + test, style: context.theme.header),
            row("net kNN blend", "\(short(e.networkAccuracy)) \(short(e.knnAccuracy)) \(short(e.blendedAccuracy))"),
            row("chosen on val", "λ=\(num(e.lambda)) k=\(e.k.map(String.init) ?? "—") T=\(num(e.temperature))"),
            row("val accuracy", short(e.validationAccuracy) + (e.validationCount.map { " of \($0)" } ?? "")),
        ]
    }

    /// The few-shot evaluations (`simlab fewshot`), grouped by the classes the episodes drew from.
    func fewShotLines(_ results: FewShotResults, _ context: ScreenContext) -> [Line] {
        var lines: [Line] = []
        var shownClasses: [Int]?
        for e in results.evaluations {
            if e.classes != shownClasses {
                let list = e.classes.map(String.init).joined(separator: ",")
                lines.append(Line("Few-shot · classes \(list)" + (e.heldOut ? " (held out)" : " (seen: reference)"),
                                  style: context.theme.header))
                shownClasses = e.classes
            }
            let classifier = e.classifier == "prototype" ? "proto" : "kNN k=\(e.k ?? 1)"
            let label = "\(e.ways)-way \(e.shots)-shot \(classifier)"
            lines.append(Line(spans: [(Text.fit(label, width: 22), context.theme.muted),
                                      (NumberFormat.fixed(e.accuracy * 100, decimals: 1) + "% ± "
                                          + NumberFormat.fixed(e.ci95 * 100, decimals: 1), context.theme.text)]))
        }
        return lines
    }

    func renderEvaluationNumbers(_ e: NeighbourEvaluationSummary?, fewShot: FewShotResults?, in area: Rect,
                                 buffer: inout CellBuffer, _ context: ScreenContext) {
        let title = e.map { "Final kNN evaluation · \($0.featureSpace ?? "model") features" } ?? "Few-shot evaluation"
        let block = Block(title: title, theme: context.theme)
        block.render(in: area, buffer: &buffer)
        let lines = (e.map { evaluationLines($0, context) } ?? []) + (fewShot.map { fewShotLines($0, context) } ?? [])
        Paragraph(lines).render(in: block.inner(area).inset(left: 1, right: 1), buffer: &buffer)
    }

    /// Accuracy of λ·kNN + (1−λ)·net across λ: this epoch's training curve (blendCurve) and,
    /// once training is over, the validation curve the final λ was chosen on.
    func renderLambdaCurve(_ stats: KNNEpochStatistics?, evaluation: NeighbourEvaluationSummary?, in area: Rect,
                           buffer: inout CellBuffer, _ context: ScreenContext) {
        var series: [ChartSeries] = []
        var title = "Blend across λ"
        if let stats, !stats.accuracyByLambda.isEmpty {
            let best = stats.accuracyByLambda.max { $0.accuracy < $1.accuracy }!
            series.append(ChartSeries(name: "train ep \(stats.epoch)", color: context.theme.seriesColor(4),
                                      points: stats.accuracyByLambda.map { (x: $0.lambda, y: $0.accuracy) }))
            title += " · train best \(NumberFormat.compact(best.lambda))"
        }
        if let evaluation, !evaluation.validationCurve.isEmpty {
            series.append(ChartSeries(name: "val (final)", color: context.theme.seriesColor(1),
                                      points: evaluation.validationCurve.map { (x: $0.lambda, y: $0.accuracy) }))
            if let lambda = evaluation.lambda { title += " · chosen \(NumberFormat.compact(lambda))" }
        }
        let block = Block(title: title, theme: context.theme)
        block.render(in: area, buffer: &buffer)
        guard !series.isEmpty else {
            Paragraph("no λ sweep recorded for this epoch", style: context.theme.muted, alignment: .center)
                .render(in: block.inner(area).inset(top: max(0, area.height / 2 - 1)), buffer: &buffer)
            return
        }
        BrailleLineChart(series: series, xRange: 0...1, formatY: { NumberFormat.fixed($0 * 100, decimals: 1) + "%" },
                         formatX: { "λ " + NumberFormat.compact($0) }, theme: context.theme)
            .render(in: block.inner(area), buffer: &buffer)
    }

    func renderKNNTrend(_ epochs: [KNNEpochStatistics], in area: Rect, buffer: inout CellBuffer, _ context: ScreenContext) {
        let block = Block(title: "Per epoch", theme: context.theme)
        block.render(in: area, buffer: &buffer)
        var series: [ChartSeries] = []
        func add(_ name: String, _ i: Int, _ value: (KNNEpochStatistics) -> Double?) {
            let points = epochs.compactMap { s in value(s).map { (x: Double(s.epoch), y: $0) } }
            if !points.isEmpty { series.append(ChartSeries(name: name, color: context.theme.seriesColor(i), points: points)) }
        }
        add("kNN", 3, \.knnAccuracy)
        add("net", 0, \.networkAccuracy)
        add("blend", 4, \.blendedAccuracy)
        guard !series.isEmpty else { return }
        BrailleLineChart(series: series, formatY: { NumberFormat.fixed($0 * 100, decimals: 1) + "%" },
                         formatX: { "ep " + NumberFormat.compact($0) }, theme: context.theme)
            .render(in: block.inner(area), buffer: &buffer)
    }
}
