import TerminalUI

/// Drawing the screens share: run-state colours, charts, the "no run open" message, the
/// epoch strip.
extension ScreenContext {
    func style(for state: RunRow.DisplayState) -> Style {
        switch state {
        case .running: return theme.good
        case .paused, .stopping: return theme.warning
        case .failed, .corrupt: return theme.error
        case .queued: return theme.accent
        case .finished, .stopped: return theme.text
        }
    }

    /// A chart in a block; the x range is the whole planned training, so new points never
    /// rescale the view.
    func renderChart(title: String, series: [ChartSeries], xMax: Double, percent: Bool, in area: Rect,
                     buffer: inout CellBuffer) {
        let block = Block(title: title, theme: theme)
        block.render(in: area, buffer: &buffer)
        let inner = block.inner(area)
        guard !series.isEmpty else {
            Paragraph("waiting for metrics…", style: theme.muted, alignment: .center)
                .render(in: inner.inset(top: inner.height / 2), buffer: &buffer)
            return
        }
        let dataMax = series.flatMap { $0.points.map(\.x) }.max() ?? 0
        let chart = BrailleLineChart(series: series, xRange: 0...max(xMax, dataMax, 1), smoothing: charts.effectiveSmoothing,
                                     formatY: percent ? { NumberFormat.fixed($0 * 100, decimals: 1) + "%" } : { NumberFormat.compact($0) },
                                     formatX: { "ep " + NumberFormat.compact($0) }, theme: theme)
        chart.render(in: inner, buffer: &buffer)
    }

    func renderNoRun(in area: Rect, buffer: inout CellBuffer) {
        Paragraph("No run open: select one on the Runs screen (Enter), then come back.", style: theme.muted, alignment: .center)
            .render(in: area.inset(top: area.height / 2), buffer: &buffer)
    }

    /// "Title   epoch ◀ 1 2 [3] 4 ▶  (following newest)".
    func renderEpochStrip(title: String, epochs: [Int], index: Int?, in area: Rect, buffer: inout CellBuffer) {
        var x = buffer.write(" " + title + "   ", x: area.x, y: area.y, style: theme.header, clip: area)
        guard !epochs.isEmpty else {
            buffer.write("no epochs yet", x: x, y: area.y, style: theme.muted, clip: area)
            return
        }
        let current = index ?? epochs.count - 1
        x = buffer.write("epoch ◀ ", x: x, y: area.y, style: theme.muted, clip: area)
        let window = 12
        let start = max(0, min(current - window / 2, epochs.count - window))
        for i in start..<min(epochs.count, start + window) {
            let text = i == current ? "[\(epochs[i])]" : " \(epochs[i]) "
            x = buffer.write(text, x: x, y: area.y, style: i == current ? theme.selection : theme.text, clip: area)
        }
        x = buffer.write(" ▶", x: x, y: area.y, style: theme.muted, clip: area)
        buffer.write(index == nil ? "  following newest" : "  e follows newest", x: x, y: area.y, style: theme.muted, clip: area)
    }
}

/// Text for numbers and durations on the screens.
enum Format {
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
