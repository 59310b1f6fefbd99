/// A compact bar sparkline `▁▂▃▅▇█`, one value per column (the last `width` values shown),
/// heights in eighths of a cell; taller areas stack full blocks.
public struct Sparkline: Widget {
    public var values: [Double]
    /// The value of a full-height bar; nil = the maximum of the shown values.
    public var maximum: Double?
    public var style: Style

    static let eighths: [Unicode.Scalar] = [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    public init(_ values: [Double], maximum: Double? = nil, style: Style = .plain) {
        self.values = values
        self.maximum = maximum
        self.style = style
    }

    public func render(in area: Rect, buffer: inout CellBuffer) {
        let clip = area.intersection(buffer.area)
        guard !clip.isEmpty else { return }
        let shown = values.suffix(area.width)
        let top = maximum ?? shown.filter(\.isFinite).max() ?? 0
        guard top > 0 && top.isFinite else { return }
        let totalTicks = area.height * 8
        for (column, value) in shown.enumerated() {
            guard value.isFinite && value > 0 else { continue }
            var ticks = Int((min(value, top) / top * Double(totalTicks)).rounded())
            var y = area.maxY - 1
            while ticks > 0 && y >= area.y {
                let piece = min(ticks, 8)
                buffer.set(x: area.x + column, y: y, Sparkline.eighths[piece], style: style, clip: clip)
                ticks -= piece
                y -= 1
            }
        }
    }
}
