/// One named line of a chart (an empty name keeps it out of the legend).
public struct ChartSeries {
    public var name: String
    /// nil: the theme's series colour for this index.
    public var color: TerminalColor?
    public var points: [(x: Double, y: Double)]
    /// A dense series (a value every few steps) may be smoothed; a sparse one (one value per
    /// epoch) is always drawn as it is, so no smoothing lag hides a peak.
    public var isDense: Bool

    public init(name: String, color: TerminalColor? = nil, points: [(x: Double, y: Double)], isDense: Bool = false) {
        self.name = name
        self.color = color
        self.points = points
        self.isDense = isDense
    }

    /// Points at x = 0, 1, 2, … .
    public init(name: String, color: TerminalColor? = nil, values: [Double], isDense: Bool = false) {
        self.init(name: name, color: color, points: values.enumerated().map { (Double($0.offset), $0.element) }, isDense: isDense)
    }
}

/// A line chart drawn with braille dots (2 × 4 per cell), with y labels on the left,
/// the x range below and a legend on top:
///
///     ━ train ━ test
///     0.92┤  ⢀⣀⡠⠔⠊⠉
///         │⡠⠊
///     0.10┤⠁
///         0            15
public struct BrailleLineChart: Widget {
    public var series: [ChartSeries]
    /// Fixed ranges; nil = from the data (y with 5 % padding).
    public var xRange: ClosedRange<Double>?
    public var yRange: ClosedRange<Double>?
    /// Exponential smoothing weight 0 ≤ s < 1 of the dense series' displayed line
    /// (`shown[t] = s·shown[t−1] + (1−s)·y[t]`); 0 = off. Sparse series are never smoothed,
    /// a smoothed series' raw points stay drawn as dots under its line, and the y range
    /// always covers the raw values: a chart never shows a peak lower than it was.
    public var smoothing: Double
    public var showLegend: Bool
    public var showAxes: Bool
    public var formatY: (Double) -> String
    public var formatX: (Double) -> String
    public var theme: Theme

    public init(series: [ChartSeries], xRange: ClosedRange<Double>? = nil, yRange: ClosedRange<Double>? = nil,
                smoothing: Double = 0, showLegend: Bool = true, showAxes: Bool = true,
                formatY: @escaping (Double) -> String = { NumberFormat.compact($0) },
                formatX: @escaping (Double) -> String = { NumberFormat.compact($0) },
                theme: Theme = .colour) {
        self.series = series
        self.xRange = xRange
        self.yRange = yRange
        self.smoothing = smoothing
        self.showLegend = showLegend
        self.showAxes = showAxes
        self.formatY = formatY
        self.formatX = formatX
        self.theme = theme
    }

    /// Exponential moving average over the finite values (non-finite ones pass through and
    /// do not disturb the average). `factor` is clamped to 0…0.999.
    public static func smoothed(_ values: [Double], factor: Double) -> [Double] {
        let s = factor.isFinite ? min(max(factor, 0), 0.999) : 0
        guard s > 0 else { return values }
        var average: Double?
        return values.map { v in
            guard v.isFinite else { return v }
            let next = average.map { s * $0 + (1 - s) * v } ?? v
            average = next
            return next
        }
    }

    /// The points each series displays (smoothed, non-finite dropped), in order.
    public func displayedSeries() -> [[(x: Double, y: Double)]] {
        smoothedSeries().map { $0.filter { $0.x.isFinite && $0.y.isFinite } }
    }

    /// Whether `series` is drawn smoothed (dense, with smoothing on).
    func isSmoothed(_ series: ChartSeries) -> Bool { smoothing > 0 && series.isDense }

    /// Every series with smoothing applied to the dense ones; non-finite points kept (they
    /// break the line).
    func smoothedSeries() -> [[(x: Double, y: Double)]] {
        series.map { s in
            guard isSmoothed(s) else { return s.points }
            let ys = BrailleLineChart.smoothed(s.points.map(\.y), factor: smoothing)
            return zip(s.points, ys).map { ($0.0.x, $0.1) }
        }
    }

    /// The x and y ranges used for drawing (never empty: equal bounds are widened).
    /// The y range covers the raw values (a smoothed line lies within them).
    public func resolvedRanges() -> (x: ClosedRange<Double>, y: ClosedRange<Double>) {
        resolvedRanges(series.map(\.points))
    }

    func resolvedRanges(_ shown: [[(x: Double, y: Double)]]) -> (x: ClosedRange<Double>, y: ClosedRange<Double>) {
        var loX = Double.infinity, hiX = -Double.infinity, loY = Double.infinity, hiY = -Double.infinity
        for points in shown {
            for p in points where p.x.isFinite && p.y.isFinite {
                loX = min(loX, p.x); hiX = max(hiX, p.x); loY = min(loY, p.y); hiY = max(hiY, p.y)
            }
        }
        let empty = loX > hiX
        var x = xRange ?? (empty ? 0...1 : loX...hiX)
        if x.lowerBound == x.upperBound { x = (x.lowerBound - 0.5)...(x.upperBound + 0.5) }
        var y: ClosedRange<Double>
        if let yRange { y = yRange } else {
            let lo = empty ? 0 : loY, hi = empty ? 1 : hiY
            let pad = (hi - lo) * 0.05
            y = (lo - pad)...(hi + pad)
        }
        if y.lowerBound == y.upperBound {
            let pad = max(abs(y.lowerBound) * 0.1, 1)
            y = (y.lowerBound - pad)...(y.upperBound + pad)
        }
        return (x, y)
    }

    public func render(in area: Rect, buffer: inout CellBuffer) {
        let clip = area.intersection(buffer.area)
        guard !clip.isEmpty else { return }
        let shown = smoothedSeries()
        let (xr, yr) = resolvedRanges(series.map(\.points))
        var plot = area
        if showLegend && !series.isEmpty && area.height >= 3 {
            let (legendRow, rest) = area.splitTop(1)
            plot = rest
            var x = legendRow.x
            for (i, s) in series.enumerated() where !s.name.isEmpty {
                let color = s.color ?? theme.seriesColor(i)
                let style = theme.colorMode == .monochrome ? theme.text : Style(fg: color)
                x = buffer.write("━ ", x: x, y: legendRow.y, style: style, clip: legendRow)
                x = buffer.write(s.name, x: x, y: legendRow.y, style: theme.text, clip: legendRow) + 2
            }
        }
        let top = formatY(yr.upperBound), bottom = formatY(yr.lowerBound)
        let labelWidth = max(top.count, bottom.count)
        if showAxes && plot.height >= 3 && plot.width >= labelWidth + 3 {
            let (rest, xLabels) = plot.splitBottom(1)
            let (labels, chart) = rest.splitLeft(labelWidth + 1)
            plot = chart
            let mid = (rest.height - 1) / 2
            for row in 0..<rest.height {
                let tick = row == 0 || row == rest.height - 1 || (rest.height >= 5 && row == mid)
                buffer.set(x: labels.maxX - 1, y: rest.y + row, tick ? "┤" : "│", style: theme.border, clip: clip)
                guard tick else { continue }
                let dotRow = Double(row * 4) + (row == 0 ? 0 : row == rest.height - 1 ? 3 : 1.5)
                let value = row == 0 ? yr.upperBound : row == rest.height - 1 ? yr.lowerBound
                    : yr.upperBound - dotRow / Double(rest.height * 4 - 1) * (yr.upperBound - yr.lowerBound)
                let text = Text.fit(formatY(value), width: labelWidth, alignment: .right)
                buffer.write(text, x: labels.x, y: rest.y + row, style: theme.muted, clip: labels)
            }
            let left = formatX(xr.lowerBound), right = formatX(xr.upperBound)
            buffer.write(left, x: chart.x, y: xLabels.y, style: theme.muted, clip: xLabels)
            if chart.width >= left.count + right.count + 1 {
                buffer.write(right, x: chart.maxX - right.count, y: xLabels.y, style: theme.muted, clip: xLabels)
            }
        }
        guard !plot.isEmpty else { return }
        var canvas = BrailleCanvas(columns: plot.width, rows: plot.height)
        let w = Double(canvas.dotWidth - 1), h = Double(canvas.dotHeight - 1)
        func dot(_ p: (x: Double, y: Double)) -> (x: Int, y: Int) {
            let fx = (p.x - xr.lowerBound) / (xr.upperBound - xr.lowerBound) * w
            let fy = (yr.upperBound - p.y) / (yr.upperBound - yr.lowerBound) * h
            return (Int(min(max(fx, -1e6), 1e6).rounded()), Int(min(max(fy, -1e6), 1e6).rounded()))
        }
        for (i, s) in series.enumerated() {
            let color = theme.colorMode == .monochrome ? .default : (s.color ?? theme.seriesColor(i))
            if isSmoothed(s) {
                // The raw values as dots under the smoothed line.
                for p in s.points where p.x.isFinite && p.y.isFinite {
                    let d = dot(p)
                    canvas.set(dotX: d.x, dotY: d.y, color: color)
                }
            }
            var previous: (x: Int, y: Int)?
            for p in shown[i] {
                guard p.x.isFinite && p.y.isFinite else { previous = nil; continue }
                let d = dot(p)
                if let previous { canvas.line(from: previous, to: d, color: color) } else {
                    canvas.set(dotX: d.x, dotY: d.y, color: color)
                }
                previous = d
            }
        }
        canvas.draw(at: plot.x, plot.y, buffer: &buffer, clip: clip)
    }
}
