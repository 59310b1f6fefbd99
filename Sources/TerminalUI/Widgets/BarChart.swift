/// Vertical bars with eighth-block tops and a label row, e.g. a histogram of p_knn(y):
///
///        █
///      ▃ █ ▅
///     ▁█ █ █
///     0 .5 1
public struct BarChart: Widget {
    public var values: [Double]
    /// One label per bar (truncated to the bar width); empty strings are fine.
    public var labels: [String]
    /// Columns per bar; nil = as wide as fits.
    public var barWidth: Int?
    public var gap: Int
    /// The value of a full-height bar; nil = the largest value.
    public var maximum: Double?
    public var style: Style
    public var labelStyle: Style

    static let eighths: [Unicode.Scalar] = [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    public init(values: [Double], labels: [String] = [], barWidth: Int? = nil, gap: Int = 1,
                maximum: Double? = nil, style: Style = .plain, labelStyle: Style = .plain) {
        self.values = values
        self.labels = labels
        self.barWidth = barWidth
        self.gap = gap
        self.maximum = maximum
        self.style = style
        self.labelStyle = labelStyle
    }

    /// A histogram of `samples` in `bins` equal bins over `range` (values outside clamp to
    /// the end bins; NaN ignored).
    public static func histogram(_ samples: [Double], bins: Int, range: ClosedRange<Double>) -> [Double] {
        guard bins > 0 else { return [] }
        var counts = Array(repeating: 0.0, count: bins)
        let span = range.upperBound - range.lowerBound
        for s in samples where !s.isNaN {
            let f = span > 0 ? (s - range.lowerBound) / span : 0
            counts[min(max(Int(f * Double(bins)), 0), bins - 1)] += 1
        }
        return counts
    }

    public func render(in area: Rect, buffer: inout CellBuffer) {
        let clip = area.intersection(buffer.area)
        guard !clip.isEmpty, !values.isEmpty else { return }
        let hasLabels = labels.contains { !$0.isEmpty } && area.height >= 2
        let (bars, labelRow) = hasLabels ? area.splitBottom(1) : (area, Rect.zero)
        let gap = max(0, self.gap)
        let width = max(1, barWidth ?? (area.width + gap) / values.count - gap)
        let top = maximum ?? values.filter(\.isFinite).max() ?? 0
        for (i, value) in values.enumerated() {
            let x0 = area.x + i * (width + gap)
            guard x0 < area.maxX else { break }
            if hasLabels && i < labels.count {
                buffer.write(Text.truncate(labels[i], to: width), x: x0, y: labelRow.y, style: labelStyle,
                             clip: Rect(x: x0, y: labelRow.y, width: width, height: 1).intersection(clip))
            }
            guard top > 0 && top.isFinite && value.isFinite && value > 0 else { continue }
            var ticks = Int((min(value, top) / top * Double(bars.height * 8)).rounded())
            var y = bars.maxY - 1
            while ticks > 0 && y >= bars.y {
                let glyph = BarChart.eighths[min(ticks, 8)]
                for x in x0..<(x0 + width) { buffer.set(x: x, y: y, glyph, style: style, clip: clip) }
                ticks -= min(ticks, 8)
                y -= 1
            }
        }
    }
}
